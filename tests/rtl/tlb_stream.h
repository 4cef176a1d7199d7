// Seeded random TLB operation streams for the lock-step tests: lookups over a small pool of
// addresses (so sets conflict and entries get evicted), fills of every page size after most
// misses, context switches between a few ASIDs, global entries, and every TLBI kind.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "model/arch/memattr.h"
#include "model/rtl/tlb_lockstep.h"

namespace mmusim::rtl {

struct TlbStreamParams {
  uint64_t seed = 1;
  size_t ops = 20000;
  unsigned asids = 4;
  double context_switch = 0.02;  // per operation
  double fill_after_miss = 0.8;
  double invalidate = 0.06;  // per operation, split over the four kinds
};

inline TlbEntry random_translation(std::mt19937_64& rng, VirtAddr va, Asid asid) {
  static constexpr uint8_t kShift[] = {12, 12, 12, 12, 12, 12, 16, 21, 21, 30};
  static constexpr int8_t kLevel[] = {3, 3, 3, 3, 3, 3, 3, 2, 2, 1};
  const unsigned pick = static_cast<unsigned>(rng() % 10);
  TlbEntry e;
  e.page_shift = kShift[pick];
  e.level = kLevel[pick];
  e.vpn = va.value() >> e.page_shift;
  e.output = PhysAddr(rng() & arch::kOutputAddressMask).align_down(uint64_t{1} << e.page_shift);
  e.asid = asid;
  e.global = rng() % 5 == 0;
  e.attr_index = static_cast<uint8_t>(rng() % 8);
  e.mem_type = arch::decode_mair_attr(arch::mair_attr(arch::kLinuxMair, e.attr_index)).type;
  e.perm.ap = static_cast<arch::Ap>(rng() % 4);
  e.perm.pxn = rng() % 2;
  e.perm.uxn = rng() % 2;
  e.valid = true;
  return e;
}

inline std::vector<TlbOp> random_tlb_stream(const TlbStreamParams& p) {
  std::mt19937_64 rng(p.seed);
  auto chance = [&rng](double prob) {
    return std::uniform_real_distribution<double>(0, 1)(rng) < prob;
  };
  // 4 x 4 x 16 pages in 4 x 4 2 MB blocks in 4 GB: 4K, 2M and 1G translations overlap.
  auto random_va = [&rng] {
    return VirtAddr((rng() % 4) << 30 | (rng() % 4) << 21 | (rng() % 16) << 12 | (rng() % 4096));
  };
  Asid asid(1);
  std::vector<TlbOp> ops;
  ops.reserve(p.ops);
  while (ops.size() < p.ops) {
    if (chance(p.context_switch)) asid = Asid(static_cast<uint16_t>(1 + rng() % p.asids));
    TlbOp op;
    op.va = random_va();
    op.asid = asid;
    if (chance(p.invalidate)) {
      const unsigned k = static_cast<unsigned>(rng() % 20);
      op.kind = k < 8    ? TlbOp::Kind::kInvVaAsid
                : k < 14 ? TlbOp::Kind::kInvVa
                : k < 19 ? TlbOp::Kind::kInvAsid
                         : TlbOp::Kind::kInvAll;
      if (op.kind != TlbOp::Kind::kInvVaAsid)  // TLBI by ASID often names another process
        op.asid = Asid(static_cast<uint16_t>(1 + rng() % p.asids));
      ops.push_back(op);
      continue;
    }
    op.kind = TlbOp::Kind::kLookup;
    ops.push_back(op);
    if (ops.size() < p.ops && chance(p.fill_after_miss / 2)) {
      // Fill as the MMU would after a miss (the checker does not need it to be one).
      TlbOp fill = op;
      fill.kind = TlbOp::Kind::kFill;
      fill.translation = random_translation(rng, op.va, asid);
      ops.push_back(fill);
    }
  }
  return ops;
}

}  // namespace mmusim::rtl
