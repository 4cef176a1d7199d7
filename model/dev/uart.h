// A transmit-only UART on the register abstraction (a PL011 subset). Every
// byte written to DR is collected, in order, exactly once per bus write; the
// testbench prints what was collected (mmusim run/script --uart-out, the
// script's `uart` operation, and stats uart.tx_bytes).
//   0x00 DR       WO 1  transmit data: the byte is collected
//   0x04 FR       RO 4  flags: bit 0 TXREADY (always 1: the transmitter
//                       never backs up, a byte is collected when written)
//   0x08 TXCOUNT  RO 4  bytes transmitted since reset (wraps at 2^32)
// Each transmitted byte raises the `on_tx` event (the status block's UART bit).
#pragma once

#include <functional>
#include <string>

#include "model/dev/register_block.h"
#include "model/stats/stats.h"

namespace mmusim {

class Uart : public RegisterBlock {
 public:
  static constexpr uint64_t kSize = 0x1000;
  static constexpr uint64_t kTxReady = 1;

  Uart(sc_core::sc_module_name name, uint64_t latency_cycles, const Clock& clock);

  void on_tx(std::function<void(uint8_t)> fn) { m_on_tx = std::move(fn); }
  // Every byte transmitted so far.
  const std::string& output() const { return m_output; }
  // Registers these counters (docs/stats.md) in `g`; this component must outlive it.
  void register_stats(stats::Group& g) const override;

  Register& dr;
  Register& fr;
  Register& txcount;

 private:
  std::string m_output;
  std::function<void(uint8_t)> m_on_tx;
};

}  // namespace mmusim
