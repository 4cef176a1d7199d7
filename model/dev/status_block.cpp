#include "model/dev/status_block.h"

#include <string>

#include "model/sim/report.h"

namespace mmusim {

StatusBlock::StatusBlock(sc_core::sc_module_name name, uint64_t latency_cycles, const Clock& clock)
    : RegisterBlock(name, kSize, latency_cycles, clock),
      reads(add("READS", 0x40, 4, 0, RegAccess::kReadOnly)) {
  for (unsigned i = 0; i < kRegisters; ++i) {
    Register& s = add("STATUS" + std::to_string(i), 4 * i, 4, 0, RegAccess::kReadOnly);
    Register& r = add("RAISE" + std::to_string(i), 0x20 + 4 * i, 4, 0, RegAccess::kWriteOnly);
    s.on_read([this, &s](uint64_t stored) {
      if (stored) reads.set(reads.value() + 1);
      s.set(0);
      return stored;
    });
    r.on_write([this, i](uint64_t written, uint64_t) {
      raise(i, static_cast<uint32_t>(written));
      return written;
    });
    status[i] = &s;
    raise_reg[i] = &r;
  }
}

void StatusBlock::raise(unsigned index, uint32_t bits) {
  if (index >= kRegisters)
    MMUSIM_REPORT_ERROR(report::kDevice, std::string(name()) + ": raise: no STATUS" +
                                             std::to_string(index) + " register");
  status[index]->set(status[index]->value() | bits);
}

}  // namespace mmusim
