#include "model/dev/sysctrl.h"

namespace mmusim {

SysCtrl::SysCtrl(sc_core::sc_module_name name, uint64_t latency_cycles, const Clock& clock)
    : RegisterBlock(name, kSize, latency_cycles, clock),
      id(add("ID", 0x00, 8, kId, RegAccess::kReadOnly)),
      scratch(add("SCRATCH", 0x08, 8, 0, RegAccess::kReadWrite)),
      doorbell(add("DOORBELL", 0x10, 8, 0, RegAccess::kWriteOnly)),
      events(add("EVENTS", 0x18, 8, 0, RegAccess::kReadOnly)) {
  doorbell.on_write([this](uint64_t written, uint64_t) {
    events.set(events.value() + 1);
    return written;
  });
  events.on_read([this](uint64_t stored) {
    events.set(0);
    return stored;
  });
}

}  // namespace mmusim
