// The RTL TLB (rtl/mmu_tlb.sv) against the C++ Tlb, in lock-step, for several geometries.
#include <gtest/gtest.h>
#include "tests/support/scratch_dir.h"

#include <chrono>
#include <cstdio>
#include <string>

#include "Vmmu_tlb_dm16.h"
#include "Vmmu_tlb_fa16.h"
#include "Vmmu_tlb_sa128x8.h"
#include "Vmmu_tlb_sa64x4.h"
#include "model/rtl/tlb_lockstep.h"
#include "model/rtl/verilated_tlb.h"
#include "tests/rtl/tlb_stream.h"

namespace mmusim::rtl {
namespace {

// The C++ parameters that match a Verilated geometry.
TlbParams cpp_params(unsigned entries, unsigned ways, uint8_t page_sizes,
                     ReplPolicy policy = ReplPolicy::kTreePlru) {
  TlbParams p = TlbParams::unified(entries, ways, 1);
  p.page_sizes = page_sizes;
  p.replacement = policy;
  return p;
}

template <typename V>
void expect_lockstep(const TlbParams& params, uint64_t seed, size_t ops = 20000,
                     size_t min_hits = 1000) {
  Tlb model("tlb", params);
  VerilatedTlb<V> rtl;
  TlbLockstep check(model, rtl);
  TlbStreamParams sp;
  sp.seed = seed;
  sp.ops = ops;
  const std::vector<TlbOp> stream = random_tlb_stream(sp);
  EXPECT_TRUE(check.run(stream)) << check.report();
  EXPECT_EQ(check.compared(), stream.size());
  // The stream must exercise what it claims to.
  EXPECT_GT(model.stats().hits, min_hits);
  EXPECT_GT(model.stats().evictions, ops / 100);
  EXPECT_GT(model.stats().invalidated, ops / 200);
}

TEST(RtlTlbLockstep, FullyAssociativeAllPageSizes) {
  for (uint64_t seed : {1, 2, 3})
    expect_lockstep<Vmmu_tlb_fa16>(cpp_params(16, 16, 0b1111), seed);
}

TEST(RtlTlbLockstep, SetAssociativeWithBlocks) {
  for (uint64_t seed : {4, 5, 6})
    expect_lockstep<Vmmu_tlb_sa64x4>(cpp_params(64, 4, 0b1101), seed);
}

TEST(RtlTlbLockstep, DirectMappedFracturesEverything) {
  for (uint64_t seed : {7, 8})
    expect_lockstep<Vmmu_tlb_dm16>(cpp_params(16, 1, 0b0001), seed, 20000, 300);
}

TEST(RtlTlbLockstep, EightWayL2Geometry) {
  for (uint64_t seed : {9, 10})
    expect_lockstep<Vmmu_tlb_sa128x8>(cpp_params(128, 8, 0b1101), seed);
}

TEST(RtlTlbLockstep, GlobalEntrySurvivesAsidInvalidationButNotVaAsid) {
  Tlb model("tlb", cpp_params(64, 4, 0b1101));
  VerilatedTlb<Vmmu_tlb_sa64x4> rtl;
  TlbLockstep check(model, rtl);
  TlbOp fill;
  fill.kind = TlbOp::Kind::kFill;
  fill.va = VirtAddr(0x40201000);
  fill.asid = Asid(3);
  std::mt19937_64 rng(11);
  fill.translation = random_translation(rng, fill.va, fill.asid);
  fill.translation.global = true;
  TlbOp lookup{TlbOp::Kind::kLookup, VirtAddr(0x40201abc), Asid(9), {}};
  TlbOp inv_asid{TlbOp::Kind::kInvAsid, VirtAddr(0), Asid(3), {}};
  TlbOp inv_va_asid{TlbOp::Kind::kInvVaAsid, VirtAddr(0x40201000), Asid(7), {}};
  ASSERT_TRUE(check.run({fill, lookup, inv_asid, lookup, inv_va_asid, lookup})) << check.report();
  EXPECT_EQ(model.stats().hits, 2u);  // the global entry matched ASID 9 until TLBI VAE1
  EXPECT_EQ(model.stats().misses, 1u);
}

// The C++ side set to LRU, the RTL tree-PLRU: the checker must stop at the first operation
// where the two policies disagree, which two C++ TLBs (PLRU and LRU) run side by side find
// independently.
TEST(RtlTlbLockstep, CatchesReplacementPolicyPerturbationAtFirstDifference) {
  TlbStreamParams sp;
  sp.seed = 21;
  sp.ops = 20000;
  const std::vector<TlbOp> stream = random_tlb_stream(sp);

  // Where PLRU and LRU first disagree (a fill way, or a lookup outcome after it).
  Tlb plru("plru", cpp_params(64, 4, 0b1101, ReplPolicy::kTreePlru));
  Tlb lru("lru", cpp_params(64, 4, 0b1101, ReplPolicy::kLru));
  size_t first = stream.size();
  for (size_t i = 0; i < stream.size() && first == stream.size(); ++i) {
    const TlbOp& op = stream[i];
    if (op.kind == TlbOp::Kind::kFill) {
      const auto a = plru.insert(op.translation, op.va);
      const auto b = lru.insert(op.translation, op.va);
      if (a.evicted_valid != b.evicted_valid ||
          (a.evicted_valid &&
           (a.evicted.base_va() != b.evicted.base_va() || a.evicted.asid != b.evicted.asid ||
            a.evicted.global != b.evicted.global || a.evicted.page_shift != b.evicted.page_shift)))
        first = i;
    } else if (op.kind == TlbOp::Kind::kLookup) {
      if ((plru.lookup(op.va, op.asid) == nullptr) != (lru.lookup(op.va, op.asid) == nullptr))
        first = i;
    } else if (op.kind == TlbOp::Kind::kInvVaAsid) {
      plru.invalidate_va_asid(op.va, op.asid);
      lru.invalidate_va_asid(op.va, op.asid);
    } else if (op.kind == TlbOp::Kind::kInvVa) {
      plru.invalidate_va(op.va);
      lru.invalidate_va(op.va);
    } else if (op.kind == TlbOp::Kind::kInvAsid) {
      plru.invalidate_asid(op.asid);
      lru.invalidate_asid(op.asid);
    } else {
      plru.invalidate_all();
      lru.invalidate_all();
    }
  }
  ASSERT_LT(first, stream.size()) << "the stream never separates PLRU from LRU";

  Tlb model("tlb", cpp_params(64, 4, 0b1101, ReplPolicy::kLru));
  VerilatedTlb<Vmmu_tlb_sa64x4> rtl;
  TlbLockstep check(model, rtl);
  EXPECT_FALSE(check.run(stream));
  EXPECT_EQ(check.compared(), first);
  EXPECT_NE(check.report().find("op " + std::to_string(first) + " (fill va"), std::string::npos)
      << check.report();
  EXPECT_NE(check.report().find("fill way differs"), std::string::npos) << check.report();
  EXPECT_NE(check.report().find("expected (C++): way "), std::string::npos) << check.report();
  EXPECT_NE(check.report().find("actual (RTL):   way "), std::string::npos) << check.report();
  std::printf("perturbed run stopped as expected:\n%s\n", check.report().c_str());
}

// A C++ TLB that does not hold 2 MB blocks against an RTL that does: the first 2 MB fill that is
// later looked up shows as a page-size difference.
TEST(RtlTlbLockstep, CatchesPageSizePerturbation) {
  Tlb model("tlb", cpp_params(64, 4, 0b1001));
  VerilatedTlb<Vmmu_tlb_sa64x4> rtl;
  TlbLockstep check(model, rtl);
  TlbStreamParams sp;
  sp.seed = 22;
  EXPECT_FALSE(check.run(random_tlb_stream(sp)));
  EXPECT_NE(check.report().find("differs"), std::string::npos) << check.report();
  std::printf("%s\n", check.report().c_str());
}

// Host lookups per second: C++ alone, RTL alone and both in lock-step, same stream.
TEST(RtlTlbLockstep, ThroughputFigures) {
  TlbStreamParams sp;
  sp.seed = 31;
  sp.ops = 100000;
  const std::vector<TlbOp> stream = random_tlb_stream(sp);
  size_t lookups = 0;
  for (const TlbOp& op : stream)
    lookups += op.kind == TlbOp::Kind::kLookup;
  using Clock = std::chrono::steady_clock;
  auto rate = [&](Clock::time_point t0) {
    return static_cast<double>(lookups) / std::chrono::duration<double>(Clock::now() - t0).count();
  };

  Tlb cpp_only("cpp", cpp_params(64, 4, 0b1101));
  auto t0 = Clock::now();
  for (const TlbOp& op : stream) {
    if (op.kind == TlbOp::Kind::kLookup) cpp_only.lookup(op.va, op.asid);
    if (op.kind == TlbOp::Kind::kFill) cpp_only.insert(op.translation, op.va);
    if (op.kind == TlbOp::Kind::kInvVa) cpp_only.invalidate_va(op.va);
  }
  const double cpp_rate = rate(t0);

  VerilatedTlb<Vmmu_tlb_sa64x4> rtl_only;
  t0 = Clock::now();
  for (const TlbOp& op : stream) {
    if (op.kind == TlbOp::Kind::kLookup) rtl_only.lookup(op.va, op.asid);
    if (op.kind == TlbOp::Kind::kFill) rtl_only.fill(op.va, op.translation);
    if (op.kind == TlbOp::Kind::kInvVa) rtl_only.invalidate(TlbInvKind::kVa, op.va, op.asid);
  }
  const double rtl_rate = rate(t0);

  Tlb model("tlb", cpp_params(64, 4, 0b1101));
  VerilatedTlb<Vmmu_tlb_sa64x4> rtl;
  TlbLockstep check(model, rtl);
  t0 = Clock::now();
  ASSERT_TRUE(check.run(stream)) << check.report();
  const double lockstep_rate = rate(t0);
  std::printf(
      "64x4 TLB, %zu lookups of %zu ops: C++ %.3g/s, RTL %.3g/s (%llu cycles), "
      "lock-step %.3g/s\n",
      lookups, stream.size(), cpp_rate, rtl_rate,
      static_cast<unsigned long long>(rtl_only.cycles()), lockstep_rate);
  RecordProperty("cpp_lookups_per_s", std::to_string(cpp_rate));
  RecordProperty("rtl_lookups_per_s", std::to_string(rtl_rate));
  RecordProperty("lockstep_lookups_per_s", std::to_string(lockstep_rate));
}

TEST(RtlTlbLockstep, TraceWritesFst) {
  const std::string path = test::scratch_path("rtl_tlb_trace.fst");
  std::remove(path.c_str());
  {
    Tlb model("tlb", cpp_params(16, 16, 0b1111));
    VerilatedTlb<Vmmu_tlb_fa16> rtl(path);
    TlbLockstep check(model, rtl);
    TlbStreamParams sp;
    sp.ops = 200;
    ASSERT_TRUE(check.run(random_tlb_stream(sp))) << check.report();
  }
  FILE* f = std::fopen(path.c_str(), "rb");
  ASSERT_NE(f, nullptr) << path;
  std::fseek(f, 0, SEEK_END);
  EXPECT_GT(std::ftell(f), 1000);
  std::fclose(f);
}

}  // namespace
}  // namespace mmusim::rtl
