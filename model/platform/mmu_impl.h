// MMU implementations other than the C++ Mmu (`mmu.impl`), linked in by the executables that
// have them: the Verilated RTL MMU (model/rtl/rtl_mmu_adapter.h, `mmu.impl=rtl`) and the
// C++/RTL lock-step pair of `mmusim cosim`. The platform keeps its C++ `mmu` idle (its sockets
// terminated) and puts the implementation in its place: CPU -> cpu, mem -> L1D, imem -> L1I,
// walk -> L1D (or the bus), and the MmuControl port the kernel drives.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <systemc>
#include <tlm>

#include "model/ports/hw.h"
#include "model/sim/clock.h"
#include "model/stats/stats.h"

namespace mmusim {

struct HardwareParams;

struct MmuImplStats {
  uint64_t accesses = 0;
  uint64_t l1_hits = 0;
  uint64_t l2_hits = 0;
  uint64_t walks = 0;
  uint64_t descriptor_reads = 0;
  uint64_t faults = 0;
  uint64_t cycles = 0;  // RTL clock cycles simulated
};

// Registers an implementation's counts (`impl`: its name) in `g` (top.mmu_impl).
void register_mmu_impl_stats(stats::Group& g, std::function<MmuImplStats()> read, std::string impl);

class MmuImpl {
 public:
  virtual ~MmuImpl() = default;
  virtual tlm::tlm_target_socket<>& cpu_socket() = 0;
  virtual tlm::tlm_initiator_socket<>& mem_socket() = 0;
  virtual tlm::tlm_initiator_socket<>& imem_socket() = 0;
  virtual tlm::tlm_initiator_socket<>& walk_socket() = 0;
  virtual ports::MmuControl& control() = 0;
  virtual MmuImplStats impl_stats() const = 0;
};

struct MmuImplFactory {
  // Builds core `core`'s implementation for `params` (already checked), on `clock`, in the
  // current SystemC scope (the core's: one instance per core).
  std::function<std::unique_ptr<MmuImpl>(const HardwareParams&, const Clock&, unsigned core)> make;
  // Configure-time check: throws util::ConfigError naming the first key it cannot honour.
  std::function<void(const HardwareParams&)> check;
  // Applied to the defaults before the mmu.* keys are read, so the implementation works with
  // no mmu.* key set.
  std::function<void(HardwareParams&)> defaults;
};

// Registers `name` (an executable's start-up code; not thread-safe).
void register_mmu_impl(const std::string& name, MmuImplFactory factory);
// nullptr when `name` is not registered in this executable.
const MmuImplFactory* find_mmu_impl(const std::string& name);
// Core `core`'s implementation of params.mmu_impl (nullptr for "cpp"); std::invalid_argument
// when it is not registered.
std::unique_ptr<MmuImpl> make_mmu_impl(const HardwareParams& params, const Clock& clock,
                                       unsigned core);
// The file name for core `core`'s waveform with `cores` cores: `path` itself with one core,
// else "core<N>." before the extension ("mmu.fst" -> "mmu.core1.fst").
std::string per_core_path(const std::string& path, unsigned core, unsigned cores);

}  // namespace mmusim
