// Main memory: a TLM target over a SparseMemory with a fixed access latency
// per transaction. Loosely timed: the latency is added to the annotated delay.
#pragma once

#include <tlm_utils/simple_target_socket.h>
#include <string>
#include <systemc>
#include <tlm>

#include "model/mem/sparse_memory.h"
#include "model/sim/clock.h"
#include "model/stats/stats.h"
#include "model/util/config_node.h"

namespace mmusim {

struct DramParams {
  uint64_t size_bytes = uint64_t{4} << 30;
  uint64_t read_latency_cycles = 120;
  uint64_t write_latency_cycles = 120;
  void validate(const std::string& name) const;
  // The parameters under `n` (docs/config.md: key, default, range and
  // meaning are declared here), starting from `defaults`. util::ConfigError
  // names the full key of a bad value.
  static DramParams read(const util::ConfigNode& n, const DramParams& defaults);
};

struct DramStats {
  uint64_t reads = 0;
  uint64_t writes = 0;
  uint64_t bytes_read = 0;
  uint64_t bytes_written = 0;
};

class Dram : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<Dram> socket;

  // Every parameter is a constructor argument (DramParams); what
  // params.validate() refuses is an SC_REPORT_ERROR of type mmusim/dram.
  // Payloads need no extension.
  Dram(sc_core::sc_module_name name, const DramParams& params, const Clock& clock);

  // Backdoor for the kernel layer and tests (no timing, no stats).
  SparseMemory& storage() { return m_store; }
  const SparseMemory& storage() const { return m_store; }
  const DramParams& params() const { return m_params; }
  const DramStats& stats() const { return m_stats; }
  // Registers these counters (docs/stats.md) in `g`; this component must outlive it.
  void register_stats(stats::Group& g) const;

 private:
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned int transport_dbg(tlm::tlm_generic_payload& trans);
  bool access(tlm::tlm_generic_payload& trans);

  DramParams m_params;
  SparseMemory m_store;
  sc_core::sc_time m_read_latency;
  sc_core::sc_time m_write_latency;
  DramStats m_stats;
};

}  // namespace mmusim
