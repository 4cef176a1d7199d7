// Read-only memory on the bus (Normal memory, e.g. a boot ROM or flash
// read window). Reads return its contents (zeros unless loaded from a file
// at construction); a write is refused with TLM_COMMAND_ERROR_RESPONSE,
// which the MMU reports as a synchronous external abort (SIGBUS in the
// process). Debug transport reads like the bus does and refuses writes
// too: nothing changes the contents after construction, so a cache that
// moves bytes by debug transport (model/mem/cache.h) cannot change them.
// Host memory holds only the file's bytes, not rom.size.
#pragma once

#include <tlm_utils/simple_target_socket.h>
#include <string>
#include <systemc>
#include <tlm>
#include <vector>

#include "model/sim/clock.h"
#include "model/stats/stats.h"
#include "model/util/config_node.h"

namespace mmusim {

struct RomParams {
  bool enable = true;
  uint64_t base = 0x0800'0000;
  uint64_t size_bytes = 64 * 1024;
  uint64_t latency_cycles = 60;
  std::string file;  // contents; empty: all zero. Must not be larger than size.
  // Throws std::invalid_argument naming `name`.field (the file: when it cannot
  // be read or is larger than the ROM).
  void validate(const std::string& name) const;
  // The parameters under `n` (docs/config.md: key, default, range and
  // meaning are declared here), starting from `defaults`. util::ConfigError
  // names the full key of a bad value.
  static RomParams read(const util::ConfigNode& n, const RomParams& defaults);
};

struct RomStats {
  uint64_t reads = 0;
  uint64_t bytes_read = 0;
  uint64_t write_errors = 0;  // refused writes
};

class Rom : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<Rom> socket;

  // Parameters as RomParams (documented there); what validate() refuses is
  // an SC_REPORT_ERROR of type mmusim/rom (model/sim/report.h) naming the key.
  Rom(sc_core::sc_module_name name, const RomParams& params, const Clock& clock);

  const RomParams& params() const { return m_params; }
  const RomStats& stats() const { return m_stats; }
  // Registers these counters (docs/stats.md) in `g`; this component must outlive it.
  void register_stats(stats::Group& g) const;

 private:
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned int transport_dbg(tlm::tlm_generic_payload& trans);
  bool in_range(const tlm::tlm_generic_payload& trans) const;
  void copy_out(uint64_t offset, unsigned char* dst, uint64_t len) const;

  RomParams m_params;
  uint64_t m_size;               // the ROM's size (0 when disabled)
  std::vector<uint8_t> m_bytes;  // the file's bytes; the rest of the ROM reads zero
  sc_core::sc_time m_latency;
  RomStats m_stats;
};

}  // namespace mmusim
