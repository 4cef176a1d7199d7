#include "sw/mm/asid.h"

#include <stdexcept>
#include <string>

namespace mmusim::sw {

AsidAllocator::AsidAllocator(unsigned bits, unsigned cpus, TlbStats& stats)
    : m_bits(bits),
      m_map(size_t{1} << (bits == 8 || bits == 16 ? bits : 8)),
      m_active(cpus, 0),
      m_reserved(cpus, 0),
      m_flush_pending(cpus, false),
      m_stats(stats) {
  if (bits != 8 && bits != 16)
    throw std::invalid_argument("kernel.asid_bits: " + std::to_string(bits) +
                                " is impossible: must be 8 or 16");
  if (cpus == 0) throw std::invalid_argument("kernel.cpus: must be at least 1");
}

uint64_t AsidAllocator::find_free(uint64_t from) const {
  for (uint64_t i = from; i < m_map.size(); ++i)
    if (!m_map[i]) return i;
  return m_map.size();
}

bool AsidAllocator::check_update_reserved_asid(uint64_t asid, uint64_t newasid) {
  // Every CPU that reserved the old id gets the new one (there may be several).
  bool hit = false;
  for (uint64_t& r : m_reserved)
    if (r == asid) {
      hit = true;
      r = newasid;
    }
  return hit;
}

void AsidAllocator::flush_context() {
  m_map.assign(m_map.size(), false);  // set_reserved_asid_bits: no KPTI, nothing pinned
  for (size_t i = 0; i < m_active.size(); ++i) {
    uint64_t asid = m_active[i];
    m_active[i] = 0;
    // 0: this CPU went through a rollover and has not switched since.
    if (asid == 0) asid = m_reserved[i];
    m_map[idx(asid)] = true;
    m_reserved[i] = asid;
  }
  m_flush_pending.assign(m_flush_pending.size(), true);
}

uint64_t AsidAllocator::new_context(uint64_t id) {
  ++m_stats.asid_allocations;
  if (id != 0) {
    const uint64_t newasid = m_generation | idx(id);
    // The old ASID survives the rollover when a CPU reserved it, or when
    // nobody took its number yet in this generation.
    if (check_update_reserved_asid(id, newasid)) return newasid;
    if (!m_map[idx(id)]) {
      m_map[idx(id)] = true;
      return newasid;
    }
  }
  uint64_t asid = find_free(m_cur_idx);
  if (asid == m_map.size()) {
    m_generation += kFirstVersion;
    ++m_stats.asid_rollovers;
    flush_context();
    // More ASIDs than CPUs: there is always one (asids_update_limit).
    asid = find_free(1);
  }
  m_map[asid] = true;
  m_cur_idx = asid;
  return asid | m_generation;
}

bool AsidAllocator::check_and_switch_context(uint64_t& context_id, unsigned cpu) {
  const uint64_t old = m_active.at(cpu);
  if (old != 0 && gen_match(context_id)) {  // fast path: no lock, no flush
    m_active[cpu] = context_id;
    return false;
  }
  if (!gen_match(context_id)) context_id = new_context(context_id);
  bool flush = false;
  if (m_flush_pending[cpu]) {
    m_flush_pending[cpu] = false;
    flush = true;
    ++m_stats.asid_local_flushes;
  }
  m_active[cpu] = context_id;
  return flush;
}

}  // namespace mmusim::sw
