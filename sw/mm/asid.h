// The ASID allocator of arch/arm64/mm/context.c (Linux v6.12 with
// c0900d15d31c), exactly: a generation in bits 16 and up of each mm's
// context id (even with 8-bit ASIDs), a bitmap of the ASIDs handed out in
// this generation, per CPU the active and reserved ASID, and a global
// "flush pending" CPU mask. An mm gets its ASID at its first switch-in
// (check_and_switch_context), keeps it while its generation is current and
// never frees it. When the bitmap is full the generation rolls over
// (flush_context): every CPU's active ASID is reserved and every CPU is
// marked to flush its TLB locally (local_flush_tlb_all) at its next
// slow-path switch; nothing is flushed at the rollover itself. No KPTI and
// no pinned ASIDs: ASIDs 1 .. 2^bits - 1 are usable, 0 is init_mm's.
#pragma once

#include <cstdint>
#include <vector>

#include "sw/kernel.h"

namespace mmusim::sw {

class AsidAllocator {
 public:
  static constexpr uint64_t kFirstVersion = uint64_t{1} << 16;  // ASID_FIRST_VERSION

  // `bits` 8 or 16; `cpus` >= 1 (std::invalid_argument otherwise).
  AsidAllocator(unsigned bits, unsigned cpus, TlbStats& stats);

  // check_and_switch_context(mm) on `cpu`: the fast path when the mm's id is
  // of the current generation and the CPU's active ASID is set, else the
  // slow path (new_context when the generation is stale or the id is 0).
  // Updates `context_id` (the mm's context.id). True when this CPU must
  // now flush its TLB locally (a rollover happened since its last slow path);
  // the caller issues local_flush_tlb_all.
  bool check_and_switch_context(uint64_t& context_id, unsigned cpu);

  static Asid asid_of(uint64_t context_id) {
    return Asid(static_cast<uint16_t>(context_id & 0xffff));
  }
  uint64_t generation() const { return m_generation; }
  uint64_t active(unsigned cpu) const { return m_active.at(cpu); }
  uint64_t reserved(unsigned cpu) const { return m_reserved.at(cpu); }
  bool flush_pending(unsigned cpu) const { return m_flush_pending.at(cpu); }
  unsigned bits() const { return m_bits; }

 private:
  bool gen_match(uint64_t id) const { return ((id ^ m_generation) >> m_bits) == 0; }
  uint64_t idx(uint64_t id) const { return id & (m_map.size() - 1); }
  uint64_t new_context(uint64_t id);
  void flush_context();
  bool check_update_reserved_asid(uint64_t asid, uint64_t newasid);
  // find_next_zero_bit(asid_map, NUM_USER_ASIDS, from): size() when none.
  uint64_t find_free(uint64_t from) const;

  unsigned m_bits;
  uint64_t m_generation = kFirstVersion;
  std::vector<bool> m_map;  // NUM_USER_ASIDS bits
  uint64_t m_cur_idx = 1;
  std::vector<uint64_t> m_active, m_reserved;  // per CPU
  std::vector<bool> m_flush_pending;           // tlb_flush_pending
  TlbStats& m_stats;
};

}  // namespace mmusim::sw
