// A pass-through TLM module that remembers the address of the last transaction through it. Put
// between the Mmu's data port and the cache, it sees every access with the physical address the
// Mmu translated it to: the example prints translations from it.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <systemc>
#include <tlm>

class AddressMonitor : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<AddressMonitor> in;
  tlm_utils::simple_initiator_socket<AddressMonitor> out;

  explicit AddressMonitor(sc_core::sc_module_name name)
      : sc_core::sc_module(name), in("in"), out("out") {
    in.register_b_transport(this, &AddressMonitor::b_transport);
    in.register_transport_dbg(this, &AddressMonitor::transport_dbg);
  }

  uint64_t last_address() const { return m_last; }

 private:
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
    m_last = trans.get_address();
    out->b_transport(trans, delay);
  }
  unsigned int transport_dbg(tlm::tlm_generic_payload& trans) { return out->transport_dbg(trans); }

  uint64_t m_last = 0;
};
