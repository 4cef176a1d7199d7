#include "model/dev/timer.h"

#include <string>

#include "model/sim/report.h"

namespace mmusim {

namespace {
uint64_t checked_divider(const char* name, uint64_t d) {
  if (d == 0)
    MMUSIM_REPORT_ERROR(report::kDevice, std::string(name) + ".divider: must be at least 1");
  return d;
}
}  // namespace

Timer::Timer(sc_core::sc_module_name name, uint64_t div, uint64_t latency_cycles,
             const Clock& clock)
    : RegisterBlock(name, kSize, latency_cycles, clock),
      count(add("COUNT", 0x00, 8, 0, RegAccess::kReadOnly)),
      compare(add("COMPARE", 0x08, 8, ~uint64_t{0}, RegAccess::kReadWrite)),
      status(add("STATUS", 0x10, 4, 0, RegAccess::kReadWrite)),
      divider(add("DIVIDER", 0x18, 4, checked_divider(this->name(), div), RegAccess::kReadOnly)),
      m_divider(div) {
  count.on_read([this](uint64_t) {
    update();
    const uint64_t c = count_at(access_cycle());
    count.set(c);
    return c;
  });
  // A debug read shows the counter at the current simulation time, changing nothing.
  count.on_peek([this](uint64_t) { return count_at(this->clock().at(sc_core::SC_ZERO_TIME)); });
  compare.on_write([this](uint64_t written, uint64_t) {
    compare.set(written);
    m_armed = true;
    update();
    return written;
  });
  status.on_read([this](uint64_t) {
    update();
    return status.value();
  });
  status.on_write([this](uint64_t written, uint64_t) {
    update();
    return status.value() & ~written & kMatch;
  });
}

void Timer::update() {
  if (!m_armed || count_at(access_cycle()) < compare.value()) return;
  m_armed = false;
  ++m_matches;
  status.set(status.value() | kMatch);
  if (m_on_match) m_on_match();
}

void Timer::register_stats(stats::Group& g) const {
  RegisterBlock::register_stats(g);
  g.add("matches", m_matches, "events", "compare matches latched");
}

}  // namespace mmusim
