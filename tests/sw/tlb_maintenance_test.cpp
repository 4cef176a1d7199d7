// TlbMaintenance: the one place the kernel issues TLBIs. Each operation's
// exact TLBI sequence and its charge to the meter; Linux arm64's flush
// policy (arch/arm64/include/asm/tlbflush.h v6.12, design notes 1.1-1.4) on
// the N-core fake port.
#include "sw/tlb_maintenance.h"

#include <gtest/gtest.h>

#include "sw/mm/asid.h"
#include "sw/mm/process.h"
#include "tests/sw/fake_tlb.h"

namespace mmusim::sw::test {
namespace {

constexpr uint64_t k2M = uint64_t{2} << 20;

using ports::TlbiKind;

KernelParams with_cpus(unsigned cpus, bool range = false,
                       TlbShootdown how = TlbShootdown::kBroadcast) {
  KernelParams p;
  p.cpus = cpus;
  p.tlbi_range = range;
  p.tlb_shootdown = how;
  return p;
}

class TlbMaintenanceTest : public ::testing::Test {
 protected:
  explicit TlbMaintenanceTest(KernelParams p = with_cpus(1)) : params(p), fab(p.cpus, log) {
    mm.context_id = AsidAllocator::kFirstVersion | 7;
  }
  KernelParams params;
  HwLog log;
  FakeTlbFabric fab;
  unsigned cpu = 0;
  TlbMaintenance tlb{fab, params, cpu};
  KernelCostParams& costs = params.costs;
  KernelStats stats;
  CostMeter meter{costs, stats};
  Process mm;
};

TEST_F(TlbMaintenanceTest, FlushPageIsOneTlbiVae1WithTheMmsAsid) {
  tlb.flush_page(mm, VirtAddr(0x5000), meter);
  EXPECT_EQ(log, (HwLog{{HwEvent::Kind::kTlbiVaAsid, 0x5000, 0, 7}}));
  EXPECT_EQ(meter.cost().tlb_invalidations, 1u);
  EXPECT_EQ(meter.cost().cycles.count(), costs.tlbi_cycles);
  EXPECT_EQ(stats.tlb_invalidations, 1u);
}

TEST_F(TlbMaintenanceTest, FlushRangeBelowMaxDvmOpsIsOneTlbiPerStride) {
  tlb.flush_range(mm, 0x10000, 0x13000, 0x1000, false, meter);
  EXPECT_EQ(log, (HwLog{{HwEvent::Kind::kTlbiVaAsid, 0x10000, 0, 7},
                        {HwEvent::Kind::kTlbiVaAsid, 0x11000, 0, 7},
                        {HwEvent::Kind::kTlbiVaAsid, 0x12000, 0, 7}}));
  EXPECT_EQ(stats.tlb_invalidations, 3u);
}

TEST_F(TlbMaintenanceTest, FlushRangeOf511PagesIsPerPageAnd512IsTheWholeAsid) {
  tlb.flush_range(mm, 0, 511 * 0x1000, 0x1000, false, meter);
  EXPECT_EQ(log.size(), 511u);
  EXPECT_EQ(log.back(), (HwEvent{HwEvent::Kind::kTlbiVaAsid, 510 * 0x1000, 0, 7}));
  log.clear();
  tlb.flush_range(mm, 0, 512 * 0x1000, 0x1000, false, meter);
  EXPECT_EQ(log, (HwLog{{HwEvent::Kind::kTlbiAsid, 0, 0, 7}}));
  EXPECT_EQ(stats.tlb_invalidations, 512u);
}

TEST_F(TlbMaintenanceTest, FlushRangeOfBlocksStridesBy2M) {
  tlb.flush_range(mm, k2M, 3 * k2M, k2M, false, meter);
  EXPECT_EQ(log, (HwLog{{HwEvent::Kind::kTlbiVaAsid, k2M, 0, 7},
                        {HwEvent::Kind::kTlbiVaAsid, 2 * k2M, 0, 7}}));
}

TEST_F(TlbMaintenanceTest, FlushEmptyRangeIssuesNothing) {
  tlb.flush_range(mm, 0x4000, 0x4000, 0x1000, false, meter);
  EXPECT_TRUE(log.empty());
  EXPECT_EQ(meter.cost().tlb_invalidations, 0u);
}

TEST_F(TlbMaintenanceTest, FlushMmIsOneTlbiAside1) {
  tlb.flush_mm(mm, meter);
  EXPECT_EQ(log, (HwLog{{HwEvent::Kind::kTlbiAsid, 0, 0, 7}}));
  EXPECT_EQ(stats.tlb_invalidations, 1u);
}

TEST_F(TlbMaintenanceTest, FlushAllIsOneTlbiVmalle1) {
  tlb.flush_all(meter);
  EXPECT_EQ(log, (HwLog{{HwEvent::Kind::kTlbiAll, 0, 0, 0}}));
  EXPECT_EQ(meter.cost().tlb_invalidations, 1u);
  EXPECT_EQ(stats.tlb_invalidations, 1u);
}

// ---- Linux's policy on N CPUs (design notes 3.13) ----

class FlushPolicy : public TlbMaintenanceTest {
 protected:
  FlushPolicy() : TlbMaintenanceTest(with_cpus(2)) {}
};

TEST_F(FlushPolicy, RangeOf511PagesIs511Tlbis_512IsOneAsidFlush) {
  // MAX_DVM_OPS = 512: 511 pages are 511 TLBI VALE1IS (last level: no table
  // freed), broadcast, then one DSB ISH; 512 are one TLBI ASIDE1IS.
  tlb.flush_range(mm, 0, 511 * 0x1000, 0x1000, true, meter, 3);
  auto t = fab.tlbis();
  ASSERT_EQ(t.size(), 511u);
  for (uint64_t i = 0; i < 511; ++i)
    ASSERT_EQ(t[i], tlbi_event(0, TlbiKind::kVaLastLevel, i * 0x1000, 7, true, 3));
  EXPECT_EQ(fab.count(PortEvent::Kind::kDsb), 1u);
  EXPECT_EQ(fab.log.back().kind, PortEvent::Kind::kDsb);
  fab.log.clear();
  tlb.flush_range(mm, 0, 512 * 0x1000, 0x1000, true, meter, 3);
  EXPECT_EQ(fab.tlbis(), (std::vector<PortEvent>{tlbi_event(0, TlbiKind::kAsid, 0, 7, true)}));
  EXPECT_EQ(stats.tlb_invalidations, 512u);
  EXPECT_EQ(stats.tlb_flush_range, 2u);
  // The same with a 2 MB stride counts blocks: 511 ops, then by ASID.
  fab.log.clear();
  tlb.flush_range(mm, 0, 511 * k2M, k2M, true, meter, 2);
  EXPECT_EQ(fab.tlbis().size(), 511u);
  fab.log.clear();
  tlb.flush_range(mm, 0, 512 * k2M, k2M, true, meter, 2);
  EXPECT_EQ(fab.tlbis(), (std::vector<PortEvent>{tlbi_event(0, TlbiKind::kAsid, 0, 7, true)}));
}

class FlushPolicyRange : public TlbMaintenanceTest {
 protected:
  FlushPolicyRange() : TlbMaintenanceTest(with_cpus(2, true)) {}
  PortEvent range(uint64_t va, uint8_t scale, uint8_t num) {
    PortEvent e = tlbi_event(0, TlbiKind::kRange, va, 7, true);
    e.op.scale = scale;
    e.op.num = num;
    e.op.pages = uint64_t{num + 1u} << (5 * scale + 1);
    return e;
  }
};

TEST_F(FlushPolicyRange, TlbiRangeDecomposes3_65_100_512Pages) {
  // __flush_tlb_range_op with FEAT_TLBIRANGE (design notes 1.2 examples).
  const auto ops = [&](uint64_t pages) {
    fab.log.clear();
    tlb.flush_range(mm, 0x100000, 0x100000 + pages * 0x1000, 0x1000, false, meter);
    return fab.tlbis();
  };
  using V = std::vector<PortEvent>;
  EXPECT_EQ(ops(1), (V{tlbi_event(0, TlbiKind::kVa, 0x100000, 7, true)}));
  EXPECT_EQ(ops(3), (V{range(0x100000, 0, 0), tlbi_event(0, TlbiKind::kVa, 0x102000, 7, true)}));
  EXPECT_EQ(ops(65), (V{range(0x100000, 1, 0), tlbi_event(0, TlbiKind::kVa, 0x140000, 7, true)}));
  EXPECT_EQ(ops(100), (V{range(0x100000, 1, 0), range(0x140000, 0, 17)}));
  EXPECT_EQ(ops(512), (V{range(0x100000, 1, 7)}));
  // Beyond MAX_TLBI_RANGE_PAGES (2^21): the whole ASID.
  EXPECT_EQ(ops((uint64_t{1} << 21) + 1), (V{tlbi_event(0, TlbiKind::kAsid, 0, 7, true)}));
}

TEST_F(FlushPolicyRange, RangeTlbiRemovesOnlyTheRangeOnEveryCore) {
  for (auto& c : fab.cores)
    for (uint64_t va : {0x0ff000, 0x100000, 0x163000, 0x164000})
      c->fill(VirtAddr(va), Asid(7));
  tlb.flush_range(mm, 0x100000, 0x164000, 0x1000, false, meter);  // 100 pages
  for (auto& c : fab.cores)
    EXPECT_EQ(c->tlb, (std::set<FakeCoreMmu::Entry>{{7, 0xff}, {7, 0x164}}));
}

TEST_F(FlushPolicy, ReclaimBatchIssuesTlbisThenOneDsb) {
  Process other;
  other.context_id = AsidAllocator::kFirstVersion | 9;
  tlb.tlbbatch_add_pending(mm, VirtAddr(0x5000), false, meter);
  tlb.tlbbatch_add_pending(other, VirtAddr(0x7000), false, meter);
  tlb.tlbbatch_add_pending(mm, VirtAddr(0x9000), false, meter);
  EXPECT_EQ(fab.count(PortEvent::Kind::kDsb), 0u);
  EXPECT_EQ(fab.tlbis().size(), 3u);
  tlb.tlbbatch_flush_dirty(meter);  // nothing dirty: no DSB yet
  EXPECT_EQ(fab.count(PortEvent::Kind::kDsb), 0u);
  tlb.tlbbatch_flush(meter);
  tlb.tlbbatch_flush(meter);  // already flushed
  EXPECT_EQ((std::vector<PortEvent>(fab.log.begin(), fab.log.end())),
            (std::vector<PortEvent>{tlbi_event(0, TlbiKind::kVaLastLevel, 0x5000, 7, true, 3),
                                    tlbi_event(0, TlbiKind::kVaLastLevel, 0x7000, 9, true, 3),
                                    tlbi_event(0, TlbiKind::kVaLastLevel, 0x9000, 7, true, 3),
                                    {PortEvent::Kind::kDsb, 0, {}, true, 0}}));
  EXPECT_EQ(stats.tlb_batched_pages, 3u);
  EXPECT_EQ(stats.tlb_batch_flushes, 1u);
  // The DSB waited for 3 ops: done = max(2T + L, ...) chain; W = done + L - 3T.
  // L=40, R=8, T=40: done_0=48, done_1=max(80,48)+8=88, done_2=max(120,88)+8=128;
  // W = 128 + 40 - 120 = 48.
  EXPECT_EQ(stats.tlb_shootdown_cycles, 48u);
  EXPECT_EQ(meter.cost().cycles.count(), 3 * costs.tlbi_cycles + 48);
  // flush_tlb_batched_pending: one DSB for each mm with unwaited batches, once.
  fab.log.clear();
  tlb.flush_tlb_batched_pending(mm, meter);
  tlb.flush_tlb_batched_pending(mm, meter);
  EXPECT_EQ(fab.count(PortEvent::Kind::kDsb), 1u);
}

TEST_F(FlushPolicy, AgingFlushHasNoDsb) {
  tlb.flush_page_nosync(mm, VirtAddr(0x5123), meter);
  EXPECT_EQ(fab.log,
            (std::vector<PortEvent>{tlbi_event(0, TlbiKind::kVaLastLevel, 0x5000, 7, true, 3)}));
  EXPECT_EQ(meter.cost().cycles.count(), costs.tlbi_cycles);
  EXPECT_EQ(stats.tlb_flush_page_nosync, 1u);
  EXPECT_EQ(stats.tlb_shootdown_cycles, 0u);
  // flush_tlb_page: the same TLBI and a DSB ISH, W = 2L + R - T = 48.
  fab.log.clear();
  tlb.flush_page(mm, VirtAddr(0x5000), meter);
  EXPECT_EQ(fab.count(PortEvent::Kind::kDsb), 1u);
  EXPECT_EQ(stats.tlb_shootdown_cycles, 2 * 40u + 8 - 40);
}

class Ipi : public TlbMaintenanceTest {
 protected:
  Ipi() : TlbMaintenanceTest(with_cpus(4, false, TlbShootdown::kIpi)) {}
};

TEST_F(Ipi, TargetsMmCpumaskMinusSelf) {
  mm.mm_cpumask = 0b1011;  // CPUs 0, 1, 3 ran it; the flush runs on CPU 1
  cpu = 1;
  tlb.flush_range(mm, 0x10000, 0x12000, 0x1000, true, meter, 3);
  using V = std::vector<PortEvent>;
  EXPECT_EQ(fab.log, (V{tlbi_event(1, TlbiKind::kVaLastLevel, 0x10000, 7, false, 3),
                        tlbi_event(1, TlbiKind::kVaLastLevel, 0x11000, 7, false, 3),
                        tlbi_event(0, TlbiKind::kVaLastLevel, 0x10000, 7, false, 3),
                        tlbi_event(0, TlbiKind::kVaLastLevel, 0x11000, 7, false, 3),
                        tlbi_event(3, TlbiKind::kVaLastLevel, 0x10000, 7, false, 3),
                        tlbi_event(3, TlbiKind::kVaLastLevel, 0x11000, 7, false, 3),
                        {PortEvent::Kind::kIpi, 1, {}, false, 0b1001}}));
  // H = ipi_entry + 2T = 480 on CPUs 0 and 3; W = 20 + 100 + 480 + 100.
  EXPECT_EQ(fab.posted, (std::vector<uint64_t>{480, 0, 0, 480}));
  EXPECT_EQ(stats.tlb_ipis_sent, 2u);
  EXPECT_EQ(stats.tlb_ipi_receiver_cycles, 960u);
  EXPECT_EQ(stats.tlb_shootdown_cycles, 700u);
  EXPECT_EQ(meter.cost().cycles.count(), 2 * costs.tlbi_cycles + 700);
  // An mm only this CPU ran: no IPI at all.
  fab.log.clear();
  mm.mm_cpumask = 0b0010;
  tlb.flush_mm(mm, meter);
  EXPECT_EQ(fab.log, (V{tlbi_event(1, TlbiKind::kAsid, 0, 7, false)}));
}

TEST_F(Ipi, ReclaimBatchSendsOneIpiPerCpuAtItsFlush) {
  mm.mm_cpumask = 0b0110;
  tlb.tlbbatch_add_pending(mm, VirtAddr(0x5000), false, meter);
  tlb.tlbbatch_add_pending(mm, VirtAddr(0x6000), false, meter);
  EXPECT_EQ(fab.count(PortEvent::Kind::kIpi), 0u);
  tlb.tlbbatch_flush(meter);
  EXPECT_EQ(fab.count(PortEvent::Kind::kIpi), 1u);
  EXPECT_EQ(fab.log.back().targets, 0b0110u);
  EXPECT_EQ(fab.posted, (std::vector<uint64_t>{0, 480, 480, 0}));
  EXPECT_FALSE(fab.cores[1]->holds(VirtAddr(0x5000), Asid(7)));
}

}  // namespace
}  // namespace mmusim::sw::test
