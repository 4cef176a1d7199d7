#include "model/dev/gic.h"

#include <string>

#include "model/sim/report.h"

namespace mmusim {

Gic::Gic(sc_core::sc_module_name name, unsigned cores, uint64_t latency_cycles, const Clock& clock)
    : RegisterBlock(name, kSize, latency_cycles, clock),
      m_cores(cores),
      m_targets(add("SGI_TARGETS", kTargets, 8, 0, RegAccess::kReadWrite)),
      m_sent(add("SENT", kSent, 8, 0, RegAccess::kReadOnly)),
      m_delivered(add("DELIVERED", kDelivered, 8, 0, RegAccess::kReadOnly)) {
  if (cores == 0 || cores > kMaxCores)
    MMUSIM_REPORT_ERROR(report::kDevice,
                        std::string(this->name()) + ": " + std::to_string(cores) + " cores");
  for (unsigned c = 0; c < cores; ++c) {
    Register& a = add("ACK" + std::to_string(c), ack(c), 8, 0, RegAccess::kReadOnly);
    a.on_read([&a](uint64_t stored) {
      a.set(0);
      return stored;
    });
    m_ack[c] = &a;
  }
  add("SGI_SEND", kSend, 8, 0, RegAccess::kWriteOnly).on_write([this](uint64_t id, uint64_t) {
    if (id > 15)
      MMUSIM_REPORT_ERROR(report::kDevice, std::string(this->name()) + ": SGI_SEND: interrupt id " +
                                               std::to_string(id) + " is not an SGI (0-15)");
    const uint64_t targets = m_targets.value();
    if (m_cores < 64 && targets >> m_cores)
      MMUSIM_REPORT_ERROR(report::kDevice, std::string(this->name()) +
                                               ": SGI_SEND: a target beyond the " +
                                               std::to_string(m_cores) + " cores");
    if (targets) m_sent.set(m_sent.value() + 1);
    for (unsigned c = 0; c < m_cores; ++c)
      if (targets >> c & 1) {
        m_ack[c]->set(m_ack[c]->value() | uint64_t{1} << id);
        m_delivered.set(m_delivered.value() + 1);
        if (m_on_sgi) m_on_sgi(c, static_cast<unsigned>(id));
      }
    return id;
  });
}

}  // namespace mmusim
