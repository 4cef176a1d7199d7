// Timing coherence between the cores' private caches (cpu.cores > 1):
// MESI-like line states kept by snooping. Plain C++: nothing here waits.
//
// Data is not what this models: the bytes always live in the backing store
// (model/mem/cache.h), so every core reads the latest value whatever the
// states say. The states decide which accesses miss and what they cost.
//
// States, per line of a private cache (Cache::Line): M = valid, dirty,
// exclusive; E = valid, clean, exclusive; S = valid, not exclusive; I =
// not valid. The unit of coherence is a core: its L1I, L1D and L2 (if any)
// are one agent, the other cores' caches are probed on each transaction.
//
// The coherence point of a core is its L2 when it has one, else its L1s:
//   - A read miss there probes the other cores' private caches: a core
//     holding the line E or M has every copy downgraded to S (an M copy is
//     cleaned: one posted write-back below that core, counted) and
//     snoop_cycles are added; the line is filled E if no other core holds
//     it, S otherwise.
//   - A write miss there, or a write hit on an S line (an upgrade), removes
//     the line from every other core's L1I, L1D and L2 (a dirty copy goes
//     with its ownership, no write-back) and adds invalidate_cycles if any
//     copy existed; the line becomes M.
//   - Each such transaction costs probe_cycles (the broadcast and its
//     responses), with or without copies elsewhere.
//   - Write hits on E or M lines are silent.
// Behind an L2 the L1s take the L2's state: an L1 read miss takes the
// L2's state if the L2 holds the line, else S (the L2 probes during the
// fill; the L1's first write finds the L2's line E and upgrades silently);
// an L1 write miss makes the L2's fill a read for ownership (one
// transaction that invalidates, not a read then an upgrade); an L1 write to
// a line the L2 holds S upgrades at the L2.
// Instruction caches: a store removes the line from the other cores' L1Is
// as from their data caches (the I-caches snoop, as with Arm's
// CTR_EL0.DIC = 1 or on x86); the storing core's own L1I keeps its copy
// (Arm needs IC IVAU for that; no workload here modifies its own code).
// Not modelled: the kernel's own writes (page tables through the PhysMemory
// port) invalidate no cached copy; the LLC keeps no state (it is shared).
#pragma once

#include <cstdint>
#include <systemc>
#include <vector>

#include "model/sim/clock.h"
#include "model/stats/stats.h"
#include "model/util/config_node.h"

namespace mmusim {

class Cache;

struct CoherenceParams {
  // Guesses, not measurements (docs/config.md says so).
  uint64_t probe_cycles = 10;       // coherence.probe_cycles: each probe of the other cores
  uint64_t snoop_cycles = 30;       // coherence.snoop_cycles: a read finding an E/M copy
  uint64_t invalidate_cycles = 40;  // coherence.invalidate_cycles: a write finding copies
  // The keys under `n` (coherence.*), starting from `defaults`; a value out
  // of range is a util::ConfigError naming the key.
  static CoherenceParams read(const util::ConfigNode& n, const CoherenceParams& defaults);
};

struct CoherenceStats {
  uint64_t read_snoops = 0;              // read misses at a coherence point (probes)
  uint64_t write_snoops = 0;             // write misses and upgrades there (probes)
  uint64_t upgrades = 0;                 // ... of which write hits on S lines
  uint64_t interventions = 0;            // read snoops that found an E or M copy
  uint64_t intervention_writebacks = 0;  // ... an M copy, cleaned by a write-back
  uint64_t invalidations_sent = 0;       // write snoops that found copies
  uint64_t lines_invalidated = 0;        // copies removed (one per cache holding the line)
  uint64_t probe_cycles = 0;
  uint64_t snoop_cycles = 0;
  uint64_t invalidate_cycles = 0;
};

class CoherenceBus {
 public:
  CoherenceBus(const CoherenceParams& params, const Clock& clock);
  // Registers the private caches of the next core (l2 may be null); each
  // cache then calls this bus on its misses and upgrades.
  void add_core(Cache& l1i, Cache& l1d, Cache* l2);

  // Called by a Cache (agent: its registration) on a miss of `line`, before
  // its fill: whether the line is filled exclusive (E or M).
  bool miss(unsigned agent, uint64_t line, bool write, sc_core::sc_time& delay);
  // A write hit on an S line: the line becomes M.
  void upgrade(unsigned agent, uint64_t line, sc_core::sc_time& delay);

  const CoherenceParams& params() const { return m_params; }
  const CoherenceStats& stats() const { return m_stats; }
  // Registers these counters (docs/stats.md) in `g`; this bus must outlive it.
  void register_stats(stats::Group& g) const;

 private:
  struct Agent {
    Cache* cache;
    unsigned core;
    bool inner;  // an L1 behind the core's L2
  };
  struct Core {
    Cache* caches[3];  // l1i, l1d, l2 (null without one)
    Cache* outer;      // where a write-back of an intervention leaves the core
    bool rfo = false;  // an L1 write miss is filling `rfo_line` through the L2
    uint64_t rfo_line = 0;
  };
  // Read at core c's coherence point: true if no other core holds the line.
  bool read_probe(unsigned c, uint64_t line, sc_core::sc_time& delay);
  // Write at core c's coherence point: the other cores' copies go.
  void write_probe(unsigned c, uint64_t line, sc_core::sc_time& delay);
  // Adds one of the latencies (its time and its cycles) to `delay` and `counter`.
  void add(sc_core::sc_time& delay, const sc_core::sc_time& time, uint64_t cycles,
           uint64_t& counter) {
    counter += cycles;
    delay += time;
  }

  CoherenceParams m_params;
  sc_core::sc_time m_probe, m_snoop, m_invalidate;  // the params' cycles as times
  std::vector<Agent> m_agents;
  std::vector<Core> m_cores;
  CoherenceStats m_stats;
};

}  // namespace mmusim
