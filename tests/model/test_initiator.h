// A minimal TLM initiator for driving one target from a test body, with an
// AccessExt on its payload or without one.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <systemc>
#include <tlm>

#include "model/sim/access_ext.h"

namespace mmusim::test {

struct TestInitiator : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<TestInitiator> socket{"socket"};
  tlm::tlm_generic_payload trans;
  AccessExt ext;
  uint64_t data = 0;

  // `with_ext` false: plain payloads, as an initiator that knows nothing of mmusim sends.
  explicit TestInitiator(sc_core::sc_module_name name, bool with_ext = true) : sc_module(name) {
    if (with_ext) trans.set_extension(&ext);
  }
  ~TestInitiator() override { trans.clear_extension(&ext); }

  // Accesses are issued one after the other: each starts when the previous
  // one completed (`now`, an annotated offset from the simulation time).
  sc_core::sc_time now = sc_core::SC_ZERO_TIME;

  // A timed access of `len` bytes at `addr`; returns its latency.
  sc_core::sc_time go(tlm::tlm_command cmd, uint64_t addr, unsigned len = 8) {
    trans.set_command(cmd);
    trans.set_address(addr);
    trans.set_data_ptr(reinterpret_cast<unsigned char*>(&data));
    trans.set_data_length(len);
    trans.set_streaming_width(len);
    trans.set_byte_enable_ptr(nullptr);
    trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time delay = now;
    socket->b_transport(trans, delay);
    const sc_core::sc_time latency = delay - now;
    now = delay;
    return latency;
  }
  // A debug read of 8 bytes; returns the byte count the target moved.
  unsigned debug_read(uint64_t addr, uint64_t& out) {
    trans.set_command(tlm::TLM_READ_COMMAND);
    trans.set_address(addr);
    trans.set_data_ptr(reinterpret_cast<unsigned char*>(&out));
    trans.set_data_length(8);
    return socket->transport_dbg(trans);
  }
};

}  // namespace mmusim::test
