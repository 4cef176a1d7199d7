#include "model/mmu/tlb.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace mmusim {
namespace {

TlbEntry page(uint64_t va, uint64_t pa, uint16_t asid, bool global = false) {
  TlbEntry e;
  e.page_shift = 12;
  e.vpn = va >> 12;
  e.output = PhysAddr(pa);
  e.asid = Asid(asid);
  e.global = global;
  e.level = 3;
  return e;
}

TlbEntry block_2m(uint64_t va, uint64_t pa, uint16_t asid) {
  TlbEntry e = page(va, pa, asid);
  e.page_shift = 21;
  e.vpn = va >> 21;
  e.level = 2;
  return e;
}

// 8 entries, 2 ways: 4 sets; VPNs 0, 4, 8 all index set 0.
TEST(Tlb, EvictsLruWayOnConflict) {
  Tlb tlb("t", TlbParams{8, 2, 1});
  tlb.insert(page(0x0000, 0xa000, 1));
  tlb.insert(page(0x4000, 0xb000, 1));
  ASSERT_NE(tlb.lookup(VirtAddr(0x0000), Asid(1)), nullptr);  // 0 is now MRU
  tlb.insert(page(0x8000, 0xc000, 1));                        // evicts 0x4000
  EXPECT_NE(tlb.lookup(VirtAddr(0x0000), Asid(1)), nullptr);
  EXPECT_EQ(tlb.lookup(VirtAddr(0x4000), Asid(1)), nullptr);
  EXPECT_NE(tlb.lookup(VirtAddr(0x8000), Asid(1)), nullptr);
  EXPECT_EQ(tlb.stats().evictions, 1u);
  EXPECT_EQ(tlb.stats().fills, 3u);
  EXPECT_EQ(tlb.stats().hits, 3u);
  EXPECT_EQ(tlb.stats().misses, 1u);
}

TEST(Tlb, EvictionOrderFollowsLeastRecentUse) {
  Tlb tlb("t", TlbParams{4, 4, 1});  // fully associative
  for (uint64_t i = 0; i < 4; ++i)
    tlb.insert(page(i << 12, 0x10000 + (i << 12), 1));
  // Touch in order 2, 0, 3, 1: LRU order is now 2 (oldest), 0, 3, 1.
  for (uint64_t i : {2, 0, 3, 1})
    ASSERT_NE(tlb.lookup(VirtAddr(i << 12), Asid(1)), nullptr);
  for (uint64_t n = 4; n < 8; ++n)
    tlb.insert(page(n << 12, 0, 1));
  // After four fills every original entry is gone, oldest first.
  for (uint64_t i : {0, 1, 2, 3})
    EXPECT_EQ(tlb.lookup(VirtAddr(i << 12), Asid(1)), nullptr);
  EXPECT_EQ(tlb.stats().evictions, 4u);
}

TEST(Tlb, SecondFillEvictsSecondOldest) {
  Tlb tlb("t", TlbParams{4, 4, 1});
  for (uint64_t i = 0; i < 4; ++i)
    tlb.insert(page(i << 12, 0, 1));
  for (uint64_t i : {2, 0, 3, 1})
    ASSERT_NE(tlb.lookup(VirtAddr(i << 12), Asid(1)), nullptr);
  tlb.insert(page(0x10000, 0, 1));
  EXPECT_EQ(tlb.lookup(VirtAddr(0x2000), Asid(1)), nullptr);  // oldest went first
  EXPECT_NE(tlb.lookup(VirtAddr(0x0000), Asid(1)), nullptr);  // now MRU again
  tlb.insert(page(0x11000, 0, 1));
  EXPECT_EQ(tlb.lookup(VirtAddr(0x3000), Asid(1)), nullptr);  // next oldest
  EXPECT_NE(tlb.lookup(VirtAddr(0x1000), Asid(1)), nullptr);
}

TEST(Tlb, AsidTaggedEntriesMatchOnlyTheirAsid) {
  Tlb tlb("t", TlbParams{8, 2, 1});
  tlb.insert(page(0x5000, 0xa000, 1));
  tlb.insert(page(0x5000, 0xb000, 2));
  const TlbEntry* e1 = tlb.lookup(VirtAddr(0x5123), Asid(1));
  const TlbEntry* e2 = tlb.lookup(VirtAddr(0x5123), Asid(2));
  ASSERT_NE(e1, nullptr);
  ASSERT_NE(e2, nullptr);
  EXPECT_EQ(e1->translate(VirtAddr(0x5123)), PhysAddr(0xa123));
  EXPECT_EQ(e2->translate(VirtAddr(0x5123)), PhysAddr(0xb123));
  EXPECT_EQ(tlb.lookup(VirtAddr(0x5000), Asid(3)), nullptr);
}

TEST(Tlb, GlobalEntryMatchesEveryAsid) {
  Tlb tlb("t", TlbParams{8, 2, 1});
  tlb.insert(page(0x7000, 0xc000, 1, /*global=*/true));
  EXPECT_NE(tlb.lookup(VirtAddr(0x7000), Asid(42)), nullptr);
}

TEST(Tlb, TlbiAsidKeepsGlobalAndOtherAsids) {
  Tlb tlb("t", TlbParams{16, 4, 1});
  tlb.insert(page(0x1000, 0, 1));
  tlb.insert(page(0x2000, 0, 2));
  tlb.insert(page(0x3000, 0, 1, true));
  tlb.invalidate_asid(Asid(1));
  EXPECT_EQ(tlb.lookup(VirtAddr(0x1000), Asid(1)), nullptr);
  EXPECT_NE(tlb.lookup(VirtAddr(0x2000), Asid(2)), nullptr);
  EXPECT_NE(tlb.lookup(VirtAddr(0x3000), Asid(1)), nullptr);
  EXPECT_EQ(tlb.stats().invalidated, 1u);
}

TEST(Tlb, TlbiVaAsidRemovesMatchingAndGlobalEntries) {
  Tlb tlb("t", TlbParams{16, 4, 1});
  tlb.insert(page(0x1000, 0, 1));
  tlb.insert(page(0x1000, 0, 2));
  tlb.insert(page(0x1000, 0, 0, true));
  tlb.invalidate_va_asid(VirtAddr(0x1fff), Asid(1));
  EXPECT_EQ(tlb.stats().invalidated, 2u);  // ASID 1 and the global one
  EXPECT_NE(tlb.lookup(VirtAddr(0x1000), Asid(2)), nullptr);
}

TEST(Tlb, TlbiVaAllAsidsAndAll) {
  Tlb tlb("t", TlbParams{16, 4, 1});
  tlb.insert(page(0x1000, 0, 1));
  tlb.insert(page(0x1000, 0, 2));
  tlb.insert(page(0x2000, 0, 2));
  tlb.invalidate_va(VirtAddr(0x1000));
  EXPECT_EQ(tlb.lookup(VirtAddr(0x1000), Asid(1)), nullptr);
  EXPECT_EQ(tlb.lookup(VirtAddr(0x1000), Asid(2)), nullptr);
  EXPECT_NE(tlb.lookup(VirtAddr(0x2000), Asid(2)), nullptr);
  tlb.invalidate_all();
  EXPECT_EQ(tlb.lookup(VirtAddr(0x2000), Asid(2)), nullptr);
}

TEST(Tlb, BlockEntryCoversWholeBlockAndTlbiByAnyVaInIt) {
  Tlb tlb("t", TlbParams{16, 4, 1});
  tlb.insert(block_2m(0x40200000, 0x80000000, 1));
  const TlbEntry* e = tlb.lookup(VirtAddr(0x403fffff), Asid(1));
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->translate(VirtAddr(0x403fffff)), PhysAddr(0x801fffff));
  EXPECT_EQ(tlb.lookup(VirtAddr(0x40400000), Asid(1)), nullptr);
  tlb.invalidate_va_asid(VirtAddr(0x40300000), Asid(1));
  EXPECT_EQ(tlb.lookup(VirtAddr(0x40200000), Asid(1)), nullptr);
}

TEST(Tlb, RefillOfSameTranslationReusesItsWay) {
  Tlb tlb("t", TlbParams{2, 2, 1});
  tlb.insert(page(0x1000, 0xa000, 1));
  tlb.insert(page(0x2000, 0xb000, 1));
  tlb.insert(page(0x1000, 0xc000, 1));  // same page+ASID: replaces, no eviction
  EXPECT_EQ(tlb.stats().evictions, 0u);
  EXPECT_EQ(tlb.lookup(VirtAddr(0x1000), Asid(1))->output, PhysAddr(0xc000));
  EXPECT_NE(tlb.lookup(VirtAddr(0x2000), Asid(1)), nullptr);
}

TEST(Tlb, RejectsImpossibleGeometry) {
  EXPECT_THROW(Tlb("x", TlbParams{0, 1, 1}), std::invalid_argument);
  EXPECT_THROW(Tlb("x", TlbParams{12, 4, 1}), std::invalid_argument);  // 3 sets
  EXPECT_THROW(Tlb("x", TlbParams{8, 16, 1}), std::invalid_argument);
  try {
    Tlb("mmu.l1_dtlb", TlbParams{8, 0, 1});
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "mmu.l1_dtlb.ways: must be in [1, entries]");
  }
}

}  // namespace
}  // namespace mmusim
