#include "model/mem/dram.h"

#include "model/sim/latency.h"
#include "model/sim/report.h"

#include <stdexcept>

namespace mmusim {

void DramParams::validate(const std::string& name) const {
  if (size_bytes == 0 || size_bytes % SparseMemory::kChunkBytes != 0)
    throw std::invalid_argument(name + ".size: must be a non-zero multiple of 4096");
}

Dram::Dram(sc_core::sc_module_name name, const DramParams& params, const Clock& clock)
    : sc_module(name),
      socket("socket"),
      m_params([&]() -> const DramParams& {
        MMUSIM_CHECK_PARAMS(report::kDram, params.validate(this->name()));
        return params;
      }()),
      m_store(params.size_bytes),
      m_read_latency(clock.to_time(Cycles(params.read_latency_cycles))),
      m_write_latency(clock.to_time(Cycles(params.write_latency_cycles))) {
  socket.register_b_transport(this, &Dram::b_transport);
  socket.register_transport_dbg(this, &Dram::transport_dbg);
}

bool Dram::access(tlm::tlm_generic_payload& trans) {
  const uint64_t addr = trans.get_address();
  const uint64_t len = trans.get_data_length();
  if (!m_store.contains(addr, len)) {
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return false;
  }
  if (trans.get_byte_enable_ptr() != nullptr) {
    trans.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    return false;
  }
  if (trans.is_read())
    m_store.read(addr, trans.get_data_ptr(), len);
  else if (trans.is_write())
    m_store.write(addr, trans.get_data_ptr(), len);
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
  return true;
}

void Dram::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  if (!access(trans)) return;
  if (trans.is_write()) {
    delay += m_write_latency;
    ++m_stats.writes;
    m_stats.bytes_written += trans.get_data_length();
  } else {
    delay += m_read_latency;
    ++m_stats.reads;
    m_stats.bytes_read += trans.get_data_length();
  }
}

unsigned int Dram::transport_dbg(tlm::tlm_generic_payload& trans) {
  return access(trans) ? trans.get_data_length() : 0;
}

void Dram::register_stats(stats::Group& g) const {
  g.add("reads", m_stats.reads, "transactions", "timed read transactions");
  g.add("writes", m_stats.writes, "transactions", "timed write transactions");
  g.add("bytes_read", m_stats.bytes_read, "bytes", "bytes read by timed transactions");
  g.add("bytes_written", m_stats.bytes_written, "bytes", "bytes written by timed transactions");
  g.add(
      "host_bytes_touched", [this] { return storage().touched_bytes(); }, "bytes",
      "host memory the sparse DRAM store allocated");
}

DramParams DramParams::read(const util::ConfigNode& n, const DramParams& d) {
  DramParams p = d;
  p.size_bytes = n.get_uint("size", d.size_bytes, 1 << 20, 1ull << 46,
                            "DRAM size in bytes (sparse: only touched pages use host memory)");
  p.read_latency_cycles = n.get_uint("read_latency_cycles", d.read_latency_cycles, 0,
                                     kMaxLatencyCycles, "per read transaction");
  p.write_latency_cycles = n.get_uint("write_latency_cycles", d.write_latency_cycles, 0,
                                      kMaxLatencyCycles, "per write transaction");
  return p;
}

}  // namespace mmusim
