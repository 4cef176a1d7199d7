#include "model/mem/coherence.h"

#include "model/mem/cache.h"
#include "model/sim/latency.h"

namespace mmusim {

CoherenceParams CoherenceParams::read(const util::ConfigNode& n, const CoherenceParams& d) {
  CoherenceParams p;
  p.probe_cycles = n.get_uint(
      "probe_cycles", d.probe_cycles, 0, kMaxLatencyCycles,
      "cpu.cores > 1: each miss or upgrade at a core's coherence point (its L2, else its L1s) "
      "probes the other cores' private caches (a guess, not a measurement)");
  p.snoop_cycles = n.get_uint(
      "snoop_cycles", d.snoop_cycles, 0, kMaxLatencyCycles,
      "cpu.cores > 1: a read miss that finds the line E or M in another core, which downgrades it "
      "to S (a guess, not a measurement)");
  p.invalidate_cycles = n.get_uint(
      "invalidate_cycles", d.invalidate_cycles, 0, kMaxLatencyCycles,
      "cpu.cores > 1: a write miss or upgrade that removes copies of the line from other cores "
      "(a guess, not a measurement)");
  return p;
}

CoherenceBus::CoherenceBus(const CoherenceParams& params, const Clock& clock)
    : m_params(params),
      m_probe(clock.to_time(Cycles(params.probe_cycles))),
      m_snoop(clock.to_time(Cycles(params.snoop_cycles))),
      m_invalidate(clock.to_time(Cycles(params.invalidate_cycles))) {}

void CoherenceBus::add_core(Cache& l1i, Cache& l1d, Cache* l2) {
  const unsigned core = static_cast<unsigned>(m_cores.size());
  m_cores.push_back(Core{{&l1i, &l1d, l2}, l2 ? l2 : &l1d});
  for (Cache* c : m_cores.back().caches) {
    if (!c) continue;
    c->set_coherence(this, static_cast<unsigned>(m_agents.size()));
    m_agents.push_back(Agent{c, core, l2 && c != l2});
  }
}

bool CoherenceBus::read_probe(unsigned c, uint64_t line, sc_core::sc_time& delay) {
  ++m_stats.read_snoops;
  add(delay, m_probe, m_params.probe_cycles, m_stats.probe_cycles);
  bool shared = false, intervened = false;
  for (unsigned k = 0; k < m_cores.size(); ++k) {
    if (k == c) continue;
    bool held = false, exclusive = false, dirty = false;
    for (Cache* cache : m_cores[k].caches) {
      if (!cache) continue;
      Cache::Line* l = cache->find(line);
      if (!l) continue;
      held = true;
      exclusive |= l->exclusive;
      dirty |= l->dirty;
      l->exclusive = false;  // every copy of that core is S now
      l->dirty = false;
    }
    shared |= held;
    if (!exclusive) continue;
    intervened = true;
    ++m_stats.interventions;
    if (dirty) {  // M: cleaned by one write-back below that core
      ++m_stats.intervention_writebacks;
      m_cores[k].outer->write_back(line);
    }
  }
  if (intervened) add(delay, m_snoop, m_params.snoop_cycles, m_stats.snoop_cycles);
  return !shared;
}

void CoherenceBus::write_probe(unsigned c, uint64_t line, sc_core::sc_time& delay) {
  ++m_stats.write_snoops;
  add(delay, m_probe, m_params.probe_cycles, m_stats.probe_cycles);
  uint64_t removed = 0;
  for (unsigned k = 0; k < m_cores.size(); ++k) {
    if (k == c) continue;
    for (Cache* cache : m_cores[k].caches) {
      bool dirty = false;  // ownership moves with the line: no write-back
      if (cache && cache->back_invalidate(line, dirty)) ++removed;
    }
  }
  if (removed == 0) return;
  ++m_stats.invalidations_sent;
  m_stats.lines_invalidated += removed;
  add(delay, m_invalidate, m_params.invalidate_cycles, m_stats.invalidate_cycles);
}

bool CoherenceBus::miss(unsigned agent, uint64_t line, bool write, sc_core::sc_time& delay) {
  const Agent& a = m_agents[agent];
  Core& core = m_cores[a.core];
  if (a.inner) {
    Cache::Line* l2 = core.caches[2]->find(line);
    if (!l2) {
      // The L2's fill probes, for ownership if this is a write. A read is
      // filled S: its first write asks the L2 (upgrade).
      core.rfo = write;
      core.rfo_line = line;
      return write;
    }
    if (!write || l2->exclusive) return l2->exclusive;
    ++m_stats.upgrades;  // the L2 holds it S
    write_probe(a.core, line, delay);
    l2->exclusive = true;
    return true;
  }
  if (core.rfo) {  // the L2's fill for an L1 write miss
    core.rfo = false;
    write |= core.rfo_line == line;
  }
  if (!write) return read_probe(a.core, line, delay);
  write_probe(a.core, line, delay);
  return true;
}

void CoherenceBus::upgrade(unsigned agent, uint64_t line, sc_core::sc_time& delay) {
  const Agent& a = m_agents[agent];
  Cache::Line* l2 = nullptr;
  if (a.inner) {
    l2 = m_cores[a.core].caches[2]->find(line);
    if (l2 && l2->exclusive) return;  // the core owns the line already: silent
  }
  ++m_stats.upgrades;
  write_probe(a.core, line, delay);
  if (l2) l2->exclusive = true;
}

void CoherenceBus::register_stats(stats::Group& g) const {
  const CoherenceStats& s = m_stats;
  g.add("read_snoops", s.read_snoops, "probes",
        "read misses at a core's coherence point (its L2, else its L1s) that probed the other "
        "cores");
  g.add("write_snoops", s.write_snoops, "probes",
        "write misses and upgrades at a core's coherence point that probed the other cores");
  g.add("upgrades", s.upgrades, "probes", "write snoops for a line held S (no fill)");
  g.add("interventions", s.interventions, "probes",
        "read snoops that found the line E or M in another core (downgraded to S)");
  g.add("intervention_writebacks", s.intervention_writebacks, "lines",
        "interventions on an M copy: cleaned by one write-back below that core");
  g.add("invalidations_sent", s.invalidations_sent, "probes",
        "write snoops that found copies in other cores");
  g.add("lines_invalidated", s.lines_invalidated, "lines",
        "copies those removed (one per L1I, L1D or L2 holding the line)");
  g.add("probe_cycles", s.probe_cycles, "cycles", "coherence.probe_cycles of every snoop");
  g.add("snoop_cycles", s.snoop_cycles, "cycles", "coherence.snoop_cycles of the interventions");
  g.add("invalidate_cycles", s.invalidate_cycles, "cycles",
        "coherence.invalidate_cycles of the invalidations sent");
}

}  // namespace mmusim
