#include "model/mem/bus.h"

#include "model/sim/latency.h"
#include "model/sim/report.h"

#include <stdexcept>

namespace mmusim {

Bus::Bus(sc_core::sc_module_name name, const BusParams& params, const Clock& clock)
    : sc_module(name),
      target("target"),
      initiator("initiator"),
      m_latency(clock.to_time(Cycles(params.latency_cycles))) {
  target.register_b_transport(this, &Bus::b_transport);
  target.register_transport_dbg(this, &Bus::transport_dbg);
}

void Bus::map(const std::string& name, PhysAddr base, uint64_t size,
              tlm::tlm_target_socket<>& target_socket) {
  const std::string where = std::string(this->name()) + ": " + name;
  if (size == 0) MMUSIM_REPORT_ERROR(report::kBus, where + ": bus window of size 0");
  if (base.value() + size < base.value())
    MMUSIM_REPORT_ERROR(report::kBus, where + ": bus window wraps around the address space");
  for (const Window& w : m_windows) {
    if (base.value() < w.base + w.size && w.base < base.value() + size)
      MMUSIM_REPORT_ERROR(report::kBus, where + ": bus window overlaps " + w.name);
  }
  m_windows.push_back({name, base.value(), size, static_cast<unsigned>(m_windows.size())});
  m_last = nullptr;
  initiator.bind(target_socket);
}

const Bus::Window* Bus::decode(uint64_t pa) const {
  if (m_last && pa - m_last->base < m_last->size) return m_last;
  for (const Window& w : m_windows) {
    if (pa - w.base < w.size) {
      m_last = &w;
      return &w;
    }
  }
  return nullptr;
}

void Bus::b_transport(int, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  ++m_stats.transactions;
  delay += m_latency;
  const uint64_t addr = trans.get_address();
  const Window* w = decode(addr);
  if (!w || addr - w->base + trans.get_data_length() > w->size) {
    ++m_stats.decode_errors;
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  trans.set_address(addr - w->base);
  initiator[w->port]->b_transport(trans, delay);
  trans.set_address(addr);
}

unsigned int Bus::transport_dbg(int, tlm::tlm_generic_payload& trans) {
  const uint64_t addr = trans.get_address();
  const Window* w = decode(addr);
  if (!w || addr - w->base + trans.get_data_length() > w->size) {
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return 0;
  }
  trans.set_address(addr - w->base);
  const unsigned int n = initiator[w->port]->transport_dbg(trans);
  trans.set_address(addr);
  return n;
}

void Bus::register_stats(stats::Group& g) const {
  g.add("transactions", m_stats.transactions, "transactions", "timed transactions");
  g.add("decode_errors", m_stats.decode_errors, "transactions",
        "transactions to addresses nothing decodes");
}

BusParams BusParams::read(const util::ConfigNode& n, const BusParams& d) {
  BusParams p = d;
  p.latency_cycles = n.get_uint("latency_cycles", d.latency_cycles, 0, kMaxLatencyCycles,
                                "per transaction, request and response");
  return p;
}

}  // namespace mmusim
