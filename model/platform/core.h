// One core of the hardware platform: its CPU port, its MMU (TLBs, walk
// caches, walker), its private L1I and L1D and the optional private L2.
// Built in the current SystemC scope: the Hardware's own with one core (so
// every name stays "top.cpu", "top.mmu", ...), a CoreModule "core<N>" with
// more ("top.core1.cpu").
#pragma once

#include <functional>
#include <memory>
#include <systemc>

#include "model/cpu/cpu_port.h"
#include "model/mem/cache.h"
#include "model/mmu/mmu.h"
#include "model/platform/mmu_impl.h"
#include "model/sim/clock.h"
#include "model/stats/stats.h"

namespace mmusim {

struct HardwareParams;

struct CoreParts {
  CoreParts(unsigned index, const HardwareParams& p, const Clock& clock);
  // cpu -> mmu (or `impl`) -> {l1i, l1d} -> l2 (if any) -> `below` (the
  // LLC or the bus).
  void bind(const HardwareParams& p, tlm::tlm_base_target_socket_b<>& below,
            tlm::tlm_base_target_socket_b<>& shared_walk, bool llc);
  // Where the walker reads descriptors (mmu.walker.through): this core's L1D
  // or L2, or `shared_walk` (the LLC or the bus) for llc or memory.
  tlm::tlm_base_target_socket_b<>& walk_target(const HardwareParams& p,
                                               tlm::tlm_base_target_socket_b<>& shared_walk);
  // The components' own counters, under `g` ("cpu", "mmu", "l1i", "l1d",
  // "l2", and "mmu_impl" after "mmu" with another MMU implementation).
  // `multi_core`: the CPU's counters of posted work too.
  void register_stats(stats::Group& g, bool multi_core) const;
  // The per-access counts (docs/stats.md) next to the components' own.
  void register_access_stats(stats::Group& g) const;
  // Every cache of this core, top first (l2 may be absent).
  std::vector<Cache*> caches();
  // The MMU the kernel and the DVM fabric maintain: `impl`'s, else `mmu`.
  ports::MmuControl& control() { return impl ? impl->control() : mmu; }

  unsigned index;
  Cache l1i;
  Cache l1d;
  std::unique_ptr<Cache> l2;
  Mmu mmu;  // idle (its sockets terminated) when `impl` is set
  CpuPort cpu;
  // mmu.impl other than "cpp" (the RTL MMU, or the C++/RTL lock-step pair of
  // `mmusim cosim`): this core's own instance, in the place of `mmu`.
  std::unique_ptr<MmuImpl> impl;
  std::string impl_name;  // params' mmu.impl

 private:
  std::unique_ptr<sc_core::sc_module> m_mmu_stub;  // terminates the idle `mmu`'s sockets
};

// A core with a scope of its own ("core<N>"), used when cpu.cores > 1.
class CoreModule : public sc_core::sc_module {
 public:
  CoreModule(sc_core::sc_module_name name, unsigned index, const HardwareParams& p,
             const Clock& clock)
      : sc_module(name), parts(index, p, clock) {}
  CoreParts parts;
};

}  // namespace mmusim
