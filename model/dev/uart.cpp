#include "model/dev/uart.h"

namespace mmusim {

Uart::Uart(sc_core::sc_module_name name, uint64_t latency_cycles, const Clock& clock)
    : RegisterBlock(name, kSize, latency_cycles, clock),
      dr(add("DR", 0x00, 1, 0, RegAccess::kWriteOnly)),
      fr(add("FR", 0x04, 4, kTxReady, RegAccess::kReadOnly)),
      txcount(add("TXCOUNT", 0x08, 4, 0, RegAccess::kReadOnly)) {
  dr.on_write([this](uint64_t written, uint64_t) {
    const uint8_t byte = static_cast<uint8_t>(written);
    m_output.push_back(static_cast<char>(byte));
    txcount.set(txcount.value() + 1);
    if (m_on_tx) m_on_tx(byte);
    return written;
  });
}

void Uart::register_stats(stats::Group& g) const {
  RegisterBlock::register_stats(g);
  g.add(
      "tx_bytes", [this] { return static_cast<uint64_t>(m_output.size()); }, "bytes",
      "bytes transmitted (--uart-out FILE writes them)");
}

}  // namespace mmusim
