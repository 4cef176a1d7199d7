// The TLM extension every memory access carries through the platform: what
// kind of access it is, at which privilege, its memory type once translated,
// and the fault it raised, if any. Allocated once per initiator and reused.
#pragma once

#include <tlm>

#include "model/arch/fault.h"
#include "model/arch/memattr.h"

namespace mmusim {

enum class Requester : uint8_t { kCpu, kWalker, kKernel };

constexpr uint8_t kMissedL2 = 1, kMissedLlc = 2;  // AccessExt::missed_below

struct AccessExt : tlm::tlm_extension<AccessExt> {
  arch::AccessKind kind = arch::AccessKind::kRead;
  arch::ExceptionLevel el = arch::ExceptionLevel::kEl0;
  Requester requester = Requester::kCpu;
  Asid asid;
  // Set by the MMU for the physical access; Normal write-back by default so
  // that accesses from initiators without an MMU (tests, DMA) are cached.
  arch::MemType mem_type = arch::MemType::kNormalWriteBack;
  // Set by the MMU or the cache/bus when the access faults. The response
  // status is then TLM_GENERIC_ERROR_RESPONSE (MMU faults) or the target's.
  arch::FaultSyndrome fault;
  // Per-access outcome, for stats and tests: the L1 TLB lookup hit (the MMU
  // sets it on every lookup), the L2 TLB lookup hit (set on every L2 lookup,
  // that is after an L1 miss only: meaningful when tlb_hit is false), and
  // every line looked up hit in the L1 (the cache sets it on cached accesses
  // only; the initiator chooses the value for accesses that never reach a
  // lookup).
  bool tlb_hit = false;
  bool l2_tlb_hit = false;
  bool cache_hit = false;
  // Set by the CPU port for every part of an access whose size is not a
  // power of two or that crosses a page: the whole access is not naturally
  // aligned, though a part may look aligned on its own. A Device access
  // marked so takes an alignment fault before reaching the bus
  // (model/mem/cache.h); the MMU checks the alignment of the others.
  bool unaligned = false;
  // Set by the CPU port: the cycle by which every older access of the
  // initiator has completed. A Device access is not issued before it
  // (never speculative). 0 from initiators that keep nothing in flight.
  uint64_t older_done = 0;
  // Set by the CPU port on the parts of an access that crosses a page: 1 on
  // the lower part, 2 on the upper one; 0 on an access of one part. An L1
  // that looks up its hit lines below (Cache::set_lookup_hit_lines_below)
  // treats the two parts as one access.
  uint8_t split_part = 0;
  // The caches below the L1 that missed for this access (model/mem/cache.h):
  // bit 0 the L2, bit 1 the LLC (kMissedL2, kMissedLlc). A level that misses
  // sets its bit; a cache ORs in the bits of its own fills. The L1s set them
  // only when the access (or, split_part, the other part) missed, so an
  // initiator clears them after an access that set them.
  uint8_t missed_below = 0;
  // A full-line write-back of a dirty victim from the cache above (set on
  // the cache's own write-back transactions): a lower cache never fills for it.
  bool writeback = false;

  tlm::tlm_extension_base* clone() const override { return new AccessExt(*this); }
  void copy_from(const tlm::tlm_extension_base& other) override {
    *this = static_cast<const AccessExt&>(other);
  }
};

}  // namespace mmusim
