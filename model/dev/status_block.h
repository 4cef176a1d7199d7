// A block of event status registers with read-to-clear semantics. Events
// set bits (other devices raise them; software raises them through the
// RAISE registers); a bus read of a STATUS register returns its bits and
// clears them, so each event is reported by exactly one read. Debug reads
// return the bits and clear nothing.
//   0x00 + 4*i  STATUSi  RO 4  (i = 0..3) read-to-clear event bits
//   0x20 + 4*i  RAISEi   WO 4  sets the written bits in STATUSi
//   0x40        READS    RO 4  STATUS reads that returned a non-zero value
// Platform wiring (docs/architecture.md): STATUS0 bit 0 = timer match,
// bit 1 = UART byte transmitted.
#pragma once

#include <array>

#include "model/dev/register_block.h"

namespace mmusim {

class StatusBlock : public RegisterBlock {
 public:
  static constexpr uint64_t kSize = 0x1000;
  static constexpr unsigned kRegisters = 4;
  static constexpr uint32_t kTimerBit = 1u << 0;  // in STATUS0
  static constexpr uint32_t kUartBit = 1u << 1;   // in STATUS0

  StatusBlock(sc_core::sc_module_name name, uint64_t latency_cycles, const Clock& clock);

  // Sets `bits` in STATUS`index` (an event).
  void raise(unsigned index, uint32_t bits);

  std::array<Register*, kRegisters> status{};
  std::array<Register*, kRegisters> raise_reg{};
  Register& reads;
};

}  // namespace mmusim
