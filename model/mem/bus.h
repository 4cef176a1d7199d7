// The system interconnect: a TLM router over a physical address map. Each
// target owns a [base, base+size) window and sees addresses relative to its
// base. An address nothing decodes gets TLM_ADDRESS_ERROR_RESPONSE, which the
// CPU port turns into an external abort (SIGBUS for the process).
#pragma once

#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>
#include <string>
#include <systemc>
#include <tlm>
#include <vector>

#include "model/arch/types.h"
#include "model/sim/clock.h"
#include "model/stats/stats.h"
#include "model/util/config_node.h"

namespace mmusim {

struct BusParams {
  uint64_t latency_cycles = 8;  // request + response crossing, per transaction
  // The parameters under `n` (docs/config.md: key, default, range and
  // meaning are declared here), starting from `defaults`. util::ConfigError
  // names the full key of a bad value.
  static BusParams read(const util::ConfigNode& n, const BusParams& defaults);
};

struct BusStats {
  uint64_t transactions = 0;
  uint64_t decode_errors = 0;
};

class Bus : public sc_core::sc_module {
 public:
  tlm_utils::multi_passthrough_target_socket<Bus> target;
  tlm_utils::multi_passthrough_initiator_socket<Bus> initiator;

  // Every parameter is a constructor argument (BusParams); the address map is
  // built with map(). Payloads need no extension.
  Bus(sc_core::sc_module_name name, const BusParams& params, const Clock& clock);

  // Maps a target at [base, base+size) and binds it. An empty, wrapping or
  // overlapping window is an SC_REPORT_ERROR of type mmusim/bus naming both targets.
  void map(const std::string& name, PhysAddr base, uint64_t size,
           tlm::tlm_target_socket<>& target_socket);

  struct Window {
    std::string name;
    uint64_t base;
    uint64_t size;
    unsigned port;
  };
  const std::vector<Window>& windows() const { return m_windows; }
  // The window holding `pa`, or nullptr.
  const Window* decode(uint64_t pa) const;
  const BusStats& stats() const { return m_stats; }
  // Registers these counters (docs/stats.md) in `g`; this component must outlive it.
  void register_stats(stats::Group& g) const;

 private:
  void b_transport(int id, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned int transport_dbg(int id, tlm::tlm_generic_payload& trans);

  std::vector<Window> m_windows;
  sc_core::sc_time m_latency;
  BusStats m_stats;
  mutable const Window* m_last = nullptr;
};

}  // namespace mmusim
