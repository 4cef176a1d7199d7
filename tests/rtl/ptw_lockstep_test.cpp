// The RTL walker (rtl/mmu_ptw.sv) against the C++ PageTableWalker and the Mmu's permission
// check, in lock-step over random translation tables. One SystemC fixture per process. The
// Verilated headers come first (verilated.h must not see SystemC).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "Vmmu_ptw.h"
#include "Vmmu_ptw___024root.h"
#include "Vmmu_ptw_haf.h"
#include "Vmmu_ptw_haf___024root.h"
#include "model/rtl/ptw_lockstep.h"
#include "model/rtl/verilated_ptw.h"
#include "tests/rtl/page_tables.h"
#include "tests/rtl/trace_env.h"

namespace mmusim::rtl {
namespace {

template <typename V>
std::string state_of(const V& top) {
  return ptw_state_name(top.rootp->mmu_ptw__DOT__state_q);
}

WalkerParams no_walk_cache() {
  WalkerParams p;
  p.walk_cache.mode = WalkCacheMode::kNone;
  return p;
}

// The C++ walker over a DescriptorMemory, elaborated.
struct CppWalker {
  DescriptorMemory mem;
  Clock clock{2000.0};
  DescriptorMemoryTarget target{"mem", mem};
  PageTableWalker walker{"walker", no_walk_cache(), clock};
  CppWalker() {
    walker.mem.bind(target.socket);
    sc_core::sc_start(sc_core::SC_ZERO_TIME);
  }
};

template <typename V>
void expect_lockstep(bool hw_af, uint64_t seed, size_t walks, MemoryTiming timing = {}) {
  CppWalker cpp;
  RandomPageTables tables(cpp.mem, seed);
  const std::vector<RtlWalkRequest> stream = random_walks(tables, seed + 100, walks);
  timing.seed = seed;
  VerilatedPtw<V> rtl(cpp.mem, timing, state_of<V>, trace_path_for_current_test());
  PtwLockstep check(cpp.walker, rtl, hw_af);
  for (const RtlWalkRequest& req : stream)
    if (!check.step(req)) break;
  EXPECT_FALSE(check.failed()) << check.report();
  EXPECT_EQ(check.compared(), stream.size());
}

TEST(RtlPtwLockstep, RandomTablesEveryDescriptorKindAndPermission) {
  CppWalker cpp;
  RandomPageTables tables(cpp.mem, 1);
  const std::vector<RtlWalkRequest> stream = random_walks(tables, 2, 4000);
  VerilatedPtw<Vmmu_ptw> rtl(cpp.mem, MemoryTiming{}, state_of<Vmmu_ptw>,
                             trace_path_for_current_test());
  PtwLockstep check(cpp.walker, rtl, false);
  size_t by_fault[7] = {};
  size_t by_level[4] = {};
  for (const RtlWalkRequest& req : stream) {
    ASSERT_TRUE(check.step(req)) << check.report();
  }
  // Tally the outcomes once more on the C++ side: the stream must reach every case.
  for (const RtlWalkRequest& req : stream) {
    arch::MemType types[8] = {};
    sc_core::sc_time d;
    const WalkResult r = cpp.walker.walk(req.va, req.ttbr, req.asid, types, req.access, req.el, d);
    int kind = static_cast<int>(r.fault.kind);
    if (!r.fault.is_fault() && !arch::permits(r.entry.perm, req.access, req.el))
      kind = static_cast<int>(arch::FaultKind::kPermission);
    ++by_fault[kind];
    if (!r.fault.is_fault()) ++by_level[r.entry.level];
  }
  EXPECT_EQ(check.compared(), stream.size());
  std::printf(
      "outcomes: ok %zu, translation %zu, access-flag %zu, permission %zu, external %zu; "
      "leaves L1 %zu L2 %zu L3 %zu; %llu RTL cycles\n",
      by_fault[0], by_fault[2], by_fault[3], by_fault[4], by_fault[6], by_level[1], by_level[2],
      by_level[3], static_cast<unsigned long long>(rtl.cycles()));
  for (int k : {0, 2, 3, 4, 6})
    EXPECT_GT(by_fault[k], 20u) << "fault kind " << k;
  for (int l : {1, 2, 3})
    EXPECT_GT(by_level[l], 20u) << "leaf level " << l;
}

TEST(RtlPtwLockstep, SecondSeedSlowMemoryNoStalls) {
  MemoryTiming slow;
  slow.latency_cycles = 7;
  slow.stall_percent = 0;
  expect_lockstep<Vmmu_ptw>(false, 11, 3000, slow);
}

TEST(RtlPtwLockstep, SingleCycleMemoryWithBackpressure) {
  MemoryTiming fast;
  fast.latency_cycles = 1;
  fast.stall_percent = 50;
  expect_lockstep<Vmmu_ptw>(false, 12, 3000, fast);
}

TEST(RtlPtwLockstep, HardwareAccessFlagUpdateWritesDescriptorBack) {
  CppWalker cpp;
  RandomPageTables tables(cpp.mem, 3);
  const std::vector<RtlWalkRequest> stream = random_walks(tables, 4, 3000);
  VerilatedPtw<Vmmu_ptw_haf> rtl(cpp.mem, MemoryTiming{}, state_of<Vmmu_ptw_haf>,
                                 trace_path_for_current_test());
  PtwLockstep check(cpp.walker, rtl, true);
  for (const RtlWalkRequest& req : stream)
    ASSERT_TRUE(check.step(req)) << check.report();
  EXPECT_GT(rtl.writes().size(), 20u);  // AF was clear on that many leaves, now set
  for (const RtlDescriptorWrite& w : rtl.writes())
    EXPECT_TRUE(arch::Descriptor(w.after).af());
}

// An RTL without AF update against a checker that expects one would accept any write: the other
// way round, an RTL that writes (HwAfUpdate) checked as one that must not is caught at the first
// walk that writes, naming the descriptor.
TEST(RtlPtwLockstep, CatchesUnexpectedDescriptorWrite) {
  CppWalker cpp;
  RandomPageTables tables(cpp.mem, 5);
  const std::vector<RtlWalkRequest> stream = random_walks(tables, 6, 3000);
  VerilatedPtw<Vmmu_ptw_haf> rtl(cpp.mem, MemoryTiming{}, state_of<Vmmu_ptw_haf>,
                                 trace_path_for_current_test());
  PtwLockstep check(cpp.walker, rtl, false);
  bool stopped = false;
  for (const RtlWalkRequest& req : stream)
    if (!check.step(req)) {
      stopped = true;
      break;
    }
  ASSERT_TRUE(stopped);
  EXPECT_NE(check.report().find("descriptor write at 0x"), std::string::npos) << check.report();
  EXPECT_NE(check.report().find("expected (C++): no write"), std::string::npos) << check.report();
  std::printf("%s\n", check.report().c_str());
}

// The RTL reading a copy of the tables in which the level-0 descriptor of the first walk is
// invalid: the checker stops at walk 0 with the C++ outcome and the RTL's translation fault.
TEST(RtlPtwLockstep, CatchesDescriptorPerturbationAtFirstWalk) {
  CppWalker cpp;
  RandomPageTables tables(cpp.mem, 13);
  std::vector<RtlWalkRequest> stream = random_walks(tables, 14, 100);
  const PhysAddr slot = tables.root() + arch::table_index(stream[0].va, 0) * 8;
  ASSERT_EQ(arch::Descriptor(cpp.mem.read(slot)).type(0), arch::DescType::kTable);
  DescriptorMemory perturbed = cpp.mem;
  perturbed.write(slot, cpp.mem.read(slot) & ~uint64_t{1});
  VerilatedPtw<Vmmu_ptw> rtl(perturbed, MemoryTiming{}, state_of<Vmmu_ptw>,
                             trace_path_for_current_test());
  PtwLockstep check(cpp.walker, rtl, false);
  EXPECT_FALSE(check.step(stream[0]));
  EXPECT_EQ(check.compared(), 0u);
  EXPECT_NE(check.report().find("walk 0 ("), std::string::npos) << check.report();
  EXPECT_NE(check.report().find("actual (RTL):   translation fault at level 0 (ESR 0x"),
            std::string::npos)
      << check.report();
  std::printf("%s\n", check.report().c_str());
}

// A memory that accepts the first descriptor read and never answers: the cycle limit stops the
// run and the report names the FSM state and the outstanding request.
TEST(RtlPtwLockstep, CycleLimitStopsStuckWalkWithState) {
  CppWalker cpp;
  RandomPageTables tables(cpp.mem, 7);
  const std::vector<RtlWalkRequest> stream = random_walks(tables, 8, 1);
  MemoryTiming dead;
  dead.never_respond = true;
  VerilatedPtw<Vmmu_ptw> rtl(cpp.mem, dead, state_of<Vmmu_ptw>, "", 500);
  PtwLockstep check(cpp.walker, rtl, false);
  try {
    check.step(stream[0]);
    FAIL() << "no RtlStuck";
  } catch (const RtlStuck& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("within 500 cycles"), std::string::npos) << what;
    EXPECT_NE(what.find("FSM state StWalkL0"), std::string::npos) << what;
    EXPECT_NE(what.find("outstanding read at 0x80000"), std::string::npos) << what;
    std::printf("%s\n", what.c_str());
  }
}

TEST(RtlPtwLockstep, ThroughputFigures) {
  CppWalker cpp;
  RandomPageTables tables(cpp.mem, 9);
  const std::vector<RtlWalkRequest> stream = random_walks(tables, 10, 20000);
  VerilatedPtw<Vmmu_ptw> rtl(cpp.mem, MemoryTiming{}, state_of<Vmmu_ptw>,
                             trace_path_for_current_test());
  PtwLockstep check(cpp.walker, rtl, false);
  const auto t0 = std::chrono::steady_clock::now();
  for (const RtlWalkRequest& req : stream)
    ASSERT_TRUE(check.step(req)) << check.report();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("walker lock-step: %zu walks in %.3f s (%.3g walks/s), %llu RTL cycles\n",
              stream.size(), s, static_cast<double>(stream.size()) / s,
              static_cast<unsigned long long>(rtl.cycles()));
}

}  // namespace
}  // namespace mmusim::rtl
