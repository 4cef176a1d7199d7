// TlbMaintenance: the one place the kernel issues TLBIs. Each operation's
// exact TLBI sequence and its charge to the meter.
#include "sw/tlb_maintenance.h"

#include <gtest/gtest.h>

#include "sw/mm/process.h"
#include "tests/sw/fake_hw.h"

namespace mmusim::sw::test {
namespace {

constexpr uint64_t k2M = uint64_t{2} << 20;

class TlbMaintenanceTest : public ::testing::Test {
 protected:
  TlbMaintenanceTest() { mm.asid = Asid(7); }
  HwLog log;
  RecordingMmu mmu{log};
  TlbMaintenance tlb{mmu};
  KernelCostParams costs;
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
  tlb.flush_range(mm, 0x10000, 0x13000, 0x1000, meter);
  EXPECT_EQ(log, (HwLog{{HwEvent::Kind::kTlbiVaAsid, 0x10000, 0, 7},
                        {HwEvent::Kind::kTlbiVaAsid, 0x11000, 0, 7},
                        {HwEvent::Kind::kTlbiVaAsid, 0x12000, 0, 7}}));
  EXPECT_EQ(stats.tlb_invalidations, 3u);
}

TEST_F(TlbMaintenanceTest, FlushRangeOf511PagesIsPerPageAnd512IsTheWholeAsid) {
  tlb.flush_range(mm, 0, 511 * 0x1000, 0x1000, meter);
  EXPECT_EQ(log.size(), 511u);
  EXPECT_EQ(log.back(), (HwEvent{HwEvent::Kind::kTlbiVaAsid, 510 * 0x1000, 0, 7}));
  log.clear();
  tlb.flush_range(mm, 0, 512 * 0x1000, 0x1000, meter);
  EXPECT_EQ(log, (HwLog{{HwEvent::Kind::kTlbiAsid, 0, 0, 7}}));
  EXPECT_EQ(stats.tlb_invalidations, 512u);
}

TEST_F(TlbMaintenanceTest, FlushRangeOfBlocksStridesBy2M) {
  tlb.flush_range(mm, k2M, 3 * k2M, k2M, meter);
  EXPECT_EQ(log, (HwLog{{HwEvent::Kind::kTlbiVaAsid, k2M, 0, 7},
                        {HwEvent::Kind::kTlbiVaAsid, 2 * k2M, 0, 7}}));
}

TEST_F(TlbMaintenanceTest, FlushEmptyRangeIssuesNothing) {
  tlb.flush_range(mm, 0x4000, 0x4000, 0x1000, meter);
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

}  // namespace
}  // namespace mmusim::sw::test
