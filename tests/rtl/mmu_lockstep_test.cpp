// The RTL MMU (rtl/mmu_top.sv) against the C++ Mmu module, in lock-step over random processes,
// context switches and TLB maintenance. One SystemC fixture per process. The Verilated headers
// come first (verilated.h must not see SystemC).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "Vmmu_top.h"
#include "Vmmu_top___024root.h"
#include "model/rtl/mmu_lockstep.h"
#include "model/rtl/ptw_lockstep.h"
#include "model/rtl/verilated_mmu.h"
#include "tests/rtl/mmu_stream.h"
#include "tests/rtl/trace_env.h"

namespace mmusim::rtl {
namespace {

std::string top_state(const Vmmu_top& t) {
  return "FSM state " + mmu_state_name(t.rootp->mmu_top__DOT__state_q) + ", walker " +
         ptw_state_name(t.rootp->mmu_top__DOT__u_ptw__DOT__state_q);
}

// The C++ configuration that matches the Vmmu_top build in rtl/CMakeLists.txt.
MmuParams matching_params(ReplPolicy l2_policy = ReplPolicy::kTreePlru,
                          ReplPolicy itlb_policy = ReplPolicy::kTreePlru) {
  MmuParams p;
  auto tlb = [](unsigned entries, unsigned ways, uint8_t sizes, ReplPolicy policy) {
    TlbParams t = TlbParams::unified(entries, ways, 1);
    t.page_sizes = sizes;
    t.replacement = policy;
    return t;
  };
  p.l1_itlb = tlb(8, 8, 0b1111, itlb_policy);
  p.l1_dtlb = tlb(16, 4, 0b1101, ReplPolicy::kTreePlru);
  p.l2_tlb = tlb(64, 4, 0b0101, l2_policy);
  p.l2_inclusive = false;
  p.walker.walk_cache.mode = WalkCacheMode::kNone;
  return p;
}

// Both MMUs over one descriptor memory, elaborated.
struct Bench {
  DescriptorMemory mem;
  Clock clock{2000.0};
  DescriptorMemoryTarget target{"mem", mem};
  Mmu mmu;
  VerilatedMmu<Vmmu_top> rtl;
  MmuLockstep check;
  explicit Bench(const MmuParams& p, MemoryTiming timing = {}, uint64_t cycle_limit = 10000)
      : mmu("mmu", p, clock),
        rtl(mem, timing, top_state, trace_path_for_current_test(), cycle_limit),
        check("check", mmu, rtl) {
    mmu.walker.mem.bind(target.socket);
    sc_core::sc_start(sc_core::SC_ZERO_TIME);
  }
};

TEST(RtlMmuLockstep, RandomProcessesContextSwitchesAndEveryTlbi) {
  Bench b(matching_params());
  size_t faults[7] = {};
  size_t l1_hits = 0, l2_hits = 0, walks = 0, ops = 0;
  for (uint64_t seed : {1, 2, 3}) {
    MmuStreamParams sp;
    sp.seed = seed;
    sp.ops = 6000;
    const std::vector<MmuOp> stream = RandomMmuStream(b.mem, sp).generate();
    for (const MmuOp& op : stream) {
      ASSERT_TRUE(b.check.step(op)) << b.check.report();
    }
    ops += stream.size();
  }
  EXPECT_EQ(b.check.compared(), ops);
  const auto& s = b.mmu.stats();
  for (int k = 0; k < 7; ++k)
    faults[k] = s.faults_by_kind[k];
  l1_hits = b.mmu.l1_itlb().stats().hits + b.mmu.l1_dtlb().stats().hits;
  l2_hits = b.mmu.l2_tlb().stats().hits;
  walks = b.mmu.walker.stats().walks;
  std::printf(
      "%llu accesses: L1 hits %zu, L2 hits %zu, walks %zu; faults: translation %zu, "
      "access-flag %zu, permission %zu, alignment %zu, external %zu; %llu RTL cycles\n",
      static_cast<unsigned long long>(b.check.accesses()), l1_hits, l2_hits, walks, faults[2],
      faults[3], faults[4], faults[5], faults[6], static_cast<unsigned long long>(b.rtl.cycles()));
  EXPECT_GT(l1_hits, 1000u);
  EXPECT_GT(l2_hits, 200u);
  EXPECT_GT(walks, 1000u);
  for (int k : {2, 3, 4, 5, 6})
    EXPECT_GT(faults[k], 10u) << "fault kind " << k;
  EXPECT_GT(b.mmu.l2_tlb().stats().evictions, 100u);
}

// Runs a seeded 20,000-op stream until the checker reports a difference; false if none.
bool stops_at_a_difference(Bench& b) {
  MmuStreamParams sp;
  sp.seed = 4;
  sp.ops = 20000;
  for (const MmuOp& op : RandomMmuStream(b.mem, sp).generate())
    if (!b.check.step(op)) return true;
  return false;
}

// The C++ L2 TLB set to LRU, the RTL's tree-PLRU: the checker stops at the first L2 fill whose
// victim differs, before any hit or miss does.
TEST(RtlMmuLockstep, CatchesL2ReplacementPerturbation) {
  Bench b(matching_params(ReplPolicy::kLru));
  ASSERT_TRUE(stops_at_a_difference(b));
  EXPECT_EQ(b.check.report(),
            "op 141 (fetch of 4 at EL0 va 0x8000214f08): L2 TLB fill way differs\n"
            "  expected (C++): pa 0xe5caf0610f08 Device-nGnRnE, L1 miss, L2 miss, walked, L2 fill "
            "way 0, L1 fill way 3\n"
            "  actual (RTL):   pa 0xe5caf0610f08 Device-nGnRnE, L1 miss, L2 miss, walked, L2 fill "
            "way 2, L1 fill way 3");
}

// The C++ ITLB (fully associative) set to LRU: caught at the first fetch whose ITLB victim
// differs, named as the ITLB's.
TEST(RtlMmuLockstep, CatchesItlbVictimPerturbation) {
  Bench b(matching_params(ReplPolicy::kTreePlru, ReplPolicy::kLru));
  ASSERT_TRUE(stops_at_a_difference(b));
  EXPECT_EQ(b.check.report(),
            "op 55 (fetch of 2 at EL0 va 0x80411b3b): L1 ITLB fill way differs\n"
            "  expected (C++): alignment fault level -1 ESR 0x82000021, L1 miss, L2 miss, walked, "
            "L2 fill way 1, L1 fill way 1\n"
            "  actual (RTL):   alignment fault level -1 ESR 0x82000021, L1 miss, L2 miss, walked, "
            "L2 fill way 1, L1 fill way 4");
}

TEST(RtlMmuLockstep, CycleLimitStopsStuckTranslationWithState) {
  MemoryTiming dead;
  dead.never_respond = true;
  Bench b(matching_params(), dead, 300);
  MmuStreamParams sp;
  sp.ops = 50;
  const std::vector<MmuOp> stream = RandomMmuStream(b.mem, sp).generate();
  try {
    for (const MmuOp& op : stream)
      if (op.kind == MmuOp::Kind::kAccess && arch::is_ttbr0_va(op.access.va)) {
        b.check.step(op);
        break;
      } else {
        b.check.step(op);
      }
    FAIL() << "no RtlStuck";
  } catch (const RtlStuck& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("mmu_top stuck: no translation within 300 cycles"), std::string::npos)
        << what;
    EXPECT_NE(what.find("FSM state StWalk, walker StWalkL0, outstanding read at 0x"),
              std::string::npos)
        << what;
    std::printf("%s\n", what.c_str());
  }
}

// Host accesses per second: the C++ Mmu alone, the RTL alone, both in lock-step.
TEST(RtlMmuLockstep, ThroughputFigures) {
  Bench b(matching_params());
  MmuStreamParams sp;
  sp.seed = 5;
  sp.ops = 30000;
  const std::vector<MmuOp> stream = RandomMmuStream(b.mem, sp).generate();
  size_t accesses = 0;
  for (const MmuOp& op : stream)
    accesses += op.kind == MmuOp::Kind::kAccess;
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  for (const MmuOp& op : stream)
    ASSERT_TRUE(b.check.step(op)) << b.check.report();
  const double lockstep = std::chrono::duration<double>(Clock::now() - t0).count();

  // The RTL alone on the same stream (tables already populated), a fresh instance.
  VerilatedMmu<Vmmu_top> rtl(b.mem, MemoryTiming{}, top_state);
  auto t1 = Clock::now();
  for (const MmuOp& op : stream) {
    if (op.kind == MmuOp::Kind::kAccess) rtl.translate(op.access);
    if (op.kind == MmuOp::Kind::kSetTtbr0) rtl.set_ttbr0(op.table, op.asid);
    if (op.kind == MmuOp::Kind::kInvVa) rtl.invalidate(TlbInvKind::kVa, op.va, op.asid);
  }
  const double rtl_only = std::chrono::duration<double>(Clock::now() - t1).count();
  const double n = static_cast<double>(accesses);
  std::printf(
      "MMU: %zu accesses of %zu ops; in lock-step C++ Mmu %.3g accesses/s, RTL %.3g "
      "accesses/s, both %.3g accesses/s; RTL alone %.3g accesses/s (%llu cycles)\n",
      accesses, stream.size(), n / b.check.cpp_seconds(), n / b.check.rtl_seconds(), n / lockstep,
      n / rtl_only, static_cast<unsigned long long>(rtl.cycles()));
  RecordProperty("cpp_accesses_per_s", std::to_string(n / b.check.cpp_seconds()));
  RecordProperty("rtl_accesses_per_s", std::to_string(n / b.check.rtl_seconds()));
  RecordProperty("lockstep_accesses_per_s", std::to_string(n / lockstep));
}

}  // namespace
}  // namespace mmusim::rtl
