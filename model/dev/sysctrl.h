// A system-controller register block: identification, a scratch register,
// a doorbell whose writes are counted, and a read-to-clear event counter.
// The smallest device that shows read and write side effects.
//   0x00 ID       RO  0x4d4d5553 ("MMUS")
//   0x08 SCRATCH  RW  plain storage, reset 0
//   0x10 DOORBELL WO  each write increments EVENTS; the last value is kept
//   0x18 EVENTS   RO  number of doorbell writes since it was last read; reading clears it
#pragma once

#include "model/dev/register_block.h"

namespace mmusim {

class SysCtrl : public RegisterBlock {
 public:
  static constexpr uint64_t kId = 0x4d4d5553;
  static constexpr uint64_t kSize = 0x1000;

  SysCtrl(sc_core::sc_module_name name, uint64_t latency_cycles, const Clock& clock);

  Register& id;
  Register& scratch;
  Register& doorbell;
  Register& events;
};

}  // namespace mmusim
