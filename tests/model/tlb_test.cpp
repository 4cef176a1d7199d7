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

// Installs `e` for its own base address.
const TlbEntry* insert(Tlb& tlb, const TlbEntry& e) {
  return tlb.insert(e, VirtAddr(e.base_va())).installed;
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
  Tlb tlb("t", TlbParams::unified(8, 2, 1));
  insert(tlb, page(0x0000, 0xa000, 1));
  insert(tlb, page(0x4000, 0xb000, 1));
  ASSERT_NE(tlb.lookup(VirtAddr(0x0000), Asid(1)), nullptr);  // 0 is now MRU
  insert(tlb, page(0x8000, 0xc000, 1));                       // evicts 0x4000
  EXPECT_NE(tlb.lookup(VirtAddr(0x0000), Asid(1)), nullptr);
  EXPECT_EQ(tlb.lookup(VirtAddr(0x4000), Asid(1)), nullptr);
  EXPECT_NE(tlb.lookup(VirtAddr(0x8000), Asid(1)), nullptr);
  EXPECT_EQ(tlb.stats().evictions, 1u);
  EXPECT_EQ(tlb.stats().fills, 3u);
  EXPECT_EQ(tlb.stats().hits, 3u);
  EXPECT_EQ(tlb.stats().misses, 1u);
}

TEST(Tlb, EvictionOrderFollowsLeastRecentUse) {
  Tlb tlb("t", TlbParams::unified(4, 4, 1));  // fully associative
  for (uint64_t i = 0; i < 4; ++i)
    insert(tlb, page(i << 12, 0x10000 + (i << 12), 1));
  // Touch in order 2, 0, 3, 1: LRU order is now 2 (oldest), 0, 3, 1.
  for (uint64_t i : {2, 0, 3, 1})
    ASSERT_NE(tlb.lookup(VirtAddr(i << 12), Asid(1)), nullptr);
  for (uint64_t n = 4; n < 8; ++n)
    insert(tlb, page(n << 12, 0, 1));
  // After four fills every original entry is gone, oldest first.
  for (uint64_t i : {0, 1, 2, 3})
    EXPECT_EQ(tlb.lookup(VirtAddr(i << 12), Asid(1)), nullptr);
  EXPECT_EQ(tlb.stats().evictions, 4u);
}

TEST(Tlb, SecondFillEvictsSecondOldest) {
  Tlb tlb("t", TlbParams::unified(4, 4, 1));
  for (uint64_t i = 0; i < 4; ++i)
    insert(tlb, page(i << 12, 0, 1));
  for (uint64_t i : {2, 0, 3, 1})
    ASSERT_NE(tlb.lookup(VirtAddr(i << 12), Asid(1)), nullptr);
  insert(tlb, page(0x10000, 0, 1));
  EXPECT_EQ(tlb.lookup(VirtAddr(0x2000), Asid(1)), nullptr);  // oldest went first
  EXPECT_NE(tlb.lookup(VirtAddr(0x0000), Asid(1)), nullptr);  // now MRU again
  insert(tlb, page(0x11000, 0, 1));
  EXPECT_EQ(tlb.lookup(VirtAddr(0x3000), Asid(1)), nullptr);  // next oldest
  EXPECT_NE(tlb.lookup(VirtAddr(0x1000), Asid(1)), nullptr);
}

TEST(Tlb, AsidTaggedEntriesMatchOnlyTheirAsid) {
  Tlb tlb("t", TlbParams::unified(8, 2, 1));
  insert(tlb, page(0x5000, 0xa000, 1));
  insert(tlb, page(0x5000, 0xb000, 2));
  const TlbEntry* e1 = tlb.lookup(VirtAddr(0x5123), Asid(1));
  const TlbEntry* e2 = tlb.lookup(VirtAddr(0x5123), Asid(2));
  ASSERT_NE(e1, nullptr);
  ASSERT_NE(e2, nullptr);
  EXPECT_EQ(e1->translate(VirtAddr(0x5123)), PhysAddr(0xa123));
  EXPECT_EQ(e2->translate(VirtAddr(0x5123)), PhysAddr(0xb123));
  EXPECT_EQ(tlb.lookup(VirtAddr(0x5000), Asid(3)), nullptr);
}

TEST(Tlb, GlobalEntryMatchesEveryAsid) {
  Tlb tlb("t", TlbParams::unified(8, 2, 1));
  insert(tlb, page(0x7000, 0xc000, 1, /*global=*/true));
  EXPECT_NE(tlb.lookup(VirtAddr(0x7000), Asid(42)), nullptr);
}

TEST(Tlb, TlbiAsidKeepsGlobalAndOtherAsids) {
  Tlb tlb("t", TlbParams::unified(16, 4, 1));
  insert(tlb, page(0x1000, 0, 1));
  insert(tlb, page(0x2000, 0, 2));
  insert(tlb, page(0x3000, 0, 1, true));
  tlb.invalidate_asid(Asid(1));
  EXPECT_EQ(tlb.lookup(VirtAddr(0x1000), Asid(1)), nullptr);
  EXPECT_NE(tlb.lookup(VirtAddr(0x2000), Asid(2)), nullptr);
  EXPECT_NE(tlb.lookup(VirtAddr(0x3000), Asid(1)), nullptr);
  EXPECT_EQ(tlb.stats().invalidated, 1u);
}

TEST(Tlb, TlbiVaAsidRemovesMatchingAndGlobalEntries) {
  Tlb tlb("t", TlbParams::unified(16, 4, 1));
  insert(tlb, page(0x1000, 0, 1));
  insert(tlb, page(0x1000, 0, 2));
  insert(tlb, page(0x1000, 0, 0, true));
  tlb.invalidate_va_asid(VirtAddr(0x1fff), Asid(1));
  EXPECT_EQ(tlb.stats().invalidated, 2u);  // ASID 1 and the global one
  EXPECT_NE(tlb.lookup(VirtAddr(0x1000), Asid(2)), nullptr);
}

TEST(Tlb, TlbiVaAllAsidsAndAll) {
  Tlb tlb("t", TlbParams::unified(16, 4, 1));
  insert(tlb, page(0x1000, 0, 1));
  insert(tlb, page(0x1000, 0, 2));
  insert(tlb, page(0x2000, 0, 2));
  tlb.invalidate_va(VirtAddr(0x1000));
  EXPECT_EQ(tlb.lookup(VirtAddr(0x1000), Asid(1)), nullptr);
  EXPECT_EQ(tlb.lookup(VirtAddr(0x1000), Asid(2)), nullptr);
  EXPECT_NE(tlb.lookup(VirtAddr(0x2000), Asid(2)), nullptr);
  tlb.invalidate_all();
  EXPECT_EQ(tlb.lookup(VirtAddr(0x2000), Asid(2)), nullptr);
}

TEST(Tlb, BlockEntryCoversWholeBlockAndTlbiByAnyVaInIt) {
  Tlb tlb("t", TlbParams::unified(16, 4, 1));
  insert(tlb, block_2m(0x40200000, 0x80000000, 1));
  const TlbEntry* e = tlb.lookup(VirtAddr(0x403fffff), Asid(1));
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->translate(VirtAddr(0x403fffff)), PhysAddr(0x801fffff));
  EXPECT_EQ(tlb.lookup(VirtAddr(0x40400000), Asid(1)), nullptr);
  tlb.invalidate_va_asid(VirtAddr(0x40300000), Asid(1));
  EXPECT_EQ(tlb.lookup(VirtAddr(0x40200000), Asid(1)), nullptr);
}

TEST(Tlb, RefillOfSameTranslationReusesItsWay) {
  Tlb tlb("t", TlbParams::unified(2, 2, 1));
  insert(tlb, page(0x1000, 0xa000, 1));
  insert(tlb, page(0x2000, 0xb000, 1));
  insert(tlb, page(0x1000, 0xc000, 1));  // same page+ASID: replaces, no eviction
  EXPECT_EQ(tlb.stats().evictions, 0u);
  EXPECT_EQ(tlb.lookup(VirtAddr(0x1000), Asid(1))->output, PhysAddr(0xc000));
  EXPECT_NE(tlb.lookup(VirtAddr(0x2000), Asid(1)), nullptr);
}

TEST(Tlb, RejectsImpossibleGeometry) {
  EXPECT_THROW(Tlb("x", TlbParams::unified(0, 1, 1)), std::invalid_argument);
  EXPECT_THROW(Tlb("x", TlbParams::unified(12, 4, 1)), std::invalid_argument);  // 3 sets
  EXPECT_THROW(Tlb("x", TlbParams::unified(8, 16, 1)), std::invalid_argument);
  try {
    Tlb("mmu.l1_dtlb", TlbParams::unified(8, 0, 1));
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "mmu.l1_dtlb.ways: must be in [1, entries]");
  }
}

}  // namespace
}  // namespace mmusim

namespace mmusim {
namespace {

TEST(TlbOrganisation, TreePlruVictimOrder) {
  TlbParams p = TlbParams::unified(4, 4, 1);
  p.replacement = ReplPolicy::kTreePlru;
  Tlb tlb("t", p);
  // Fills of ways 0..3 leave root=0 (left), node2=0, node3=0 (way 2).
  for (uint64_t i = 0; i < 4; ++i)
    insert(tlb, page(i << 12, 0, 1));
  // A hit on way 0 points the root right and node 2 at way 1.
  ASSERT_NE(tlb.lookup(VirtAddr(0x0000), Asid(1)), nullptr);
  // Victim: root -> right subtree, node 3 -> way 2 (page 0x2000).
  insert(tlb, page(0x9000, 0, 1));
  EXPECT_EQ(tlb.lookup(VirtAddr(0x2000), Asid(1)), nullptr);
  for (uint64_t va : {0x0000, 0x1000, 0x3000, 0x9000})
    EXPECT_NE(tlb.lookup(VirtAddr(va), Asid(1)), nullptr) << va;
}

TEST(TlbOrganisation, FractureBlockWhenSizeNotHeld) {
  TlbParams p = TlbParams::unified(16, 4, 1);
  p.page_sizes = 0b0001;  // 4K only
  Tlb tlb("t", p);
  TlbEntry block = block_2m(0x4020'0000, 0x8000'0000, 1);
  const TlbEntry* e = tlb.insert(block, VirtAddr(0x4023'4567)).installed;
  EXPECT_EQ(e->page_shift, 12);
  EXPECT_EQ(e->output, PhysAddr(0x8003'4000));
  EXPECT_NE(tlb.lookup(VirtAddr(0x4023'4000), Asid(1)), nullptr);
  EXPECT_EQ(tlb.lookup(VirtAddr(0x4023'5000), Asid(1)), nullptr);  // other 4K pieces not held
  EXPECT_EQ(tlb.stats().fractured, 1u);
  EXPECT_EQ(tlb.stats().fills_by_size[0], 1u);
}

TEST(TlbOrganisation, SplitBanksKeepSizesApart) {
  TlbParams p;
  p.split = true;
  p.page_sizes = 0b0101;  // 4K and 2M
  p.banks[0] = {4, 4};
  p.banks[2] = {2, 2};
  Tlb tlb("t", p);
  for (uint64_t i = 0; i < 4; ++i)
    insert(tlb, page(i << 12, 0, 1));
  insert(tlb, block_2m(0x4000'0000, 0x8000'0000, 1));
  // The block did not evict a 4K entry: it has a bank of its own.
  for (uint64_t i = 0; i < 4; ++i)
    EXPECT_NE(tlb.lookup(VirtAddr(i << 12), Asid(1)), nullptr);
  EXPECT_NE(tlb.lookup(VirtAddr(0x4010'0000), Asid(1)), nullptr);
  EXPECT_EQ(tlb.stats().evictions, 0u);
  EXPECT_EQ(tlb.stats().hits_by_size[2], 1u);
  EXPECT_EQ(tlb.valid_entries(), 5u);
}

TEST(TlbOrganisation, SplitBankGeometryIsValidatedByName) {
  TlbParams p;
  p.split = true;
  p.page_sizes = 0b0101;
  p.banks[0] = {4, 4};
  p.banks[2] = {6, 4};
  try {
    Tlb("mmu.l1_dtlb", p);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "mmu.l1_dtlb.banks.2M.ways: entries / ways must be a power of two");
  }
}

TEST(TlbOrganisation, ContiguousEntryHeldAs64KOrFractured) {
  TlbEntry contig = page(0x3'0000, 0x5'0000, 1);
  contig.page_shift = 16;
  contig.vpn = 0x3;
  Tlb with64k("a", TlbParams::unified(8, 2, 1));
  with64k.insert(contig, VirtAddr(0x3'4000));
  EXPECT_NE(with64k.lookup(VirtAddr(0x3'f000), Asid(1)), nullptr);
  TlbParams no64 = TlbParams::unified(8, 2, 1);
  no64.page_sizes = 0b1101;
  Tlb without("b", no64);
  without.insert(contig, VirtAddr(0x3'4000));
  EXPECT_EQ(without.lookup(VirtAddr(0x3'4000), Asid(1))->translate(VirtAddr(0x3'4010)),
            PhysAddr(0x5'4010));
  EXPECT_EQ(without.lookup(VirtAddr(0x3'f000), Asid(1)), nullptr);
}

TEST(TlbOrganisation, EvictionIsReportedAndBackInvalidatesCoveredEntries) {
  Tlb l2("l2", TlbParams::unified(2, 2, 1));
  Tlb l1("l1", TlbParams::unified(8, 8, 1));
  TlbEntry block = block_2m(0x4000'0000, 0x8000'0000, 1);
  l2.insert(block, VirtAddr(0x4000'0000));
  l1.insert(block, VirtAddr(0x4000'0000));
  insert(l1, page(0x4010'0000, 0, 1));  // inside the block's range
  insert(l1, page(0x5000'0000, 0, 1));  // outside
  insert(l2, page(0x1000, 0, 1));
  const Tlb::InsertResult r = l2.insert(page(0x2000, 0, 1), VirtAddr(0x2000));
  ASSERT_TRUE(r.evicted_valid);
  EXPECT_EQ(r.evicted.page_shift, 21);
  l1.invalidate_covered_by(r.evicted);
  EXPECT_EQ(l1.lookup(VirtAddr(0x4000'0000), Asid(1)), nullptr);
  EXPECT_EQ(l1.lookup(VirtAddr(0x4010'0000), Asid(1)), nullptr);
  EXPECT_NE(l1.lookup(VirtAddr(0x5000'0000), Asid(1)), nullptr);
}

}  // namespace
}  // namespace mmusim

namespace mmusim {
namespace {

// A fully associative LRU TLB written plainly (a scan of every way), as the
// reference for a large one, whose sets keep an index of their entries.
struct ReferenceTlb {
  explicit ReferenceTlb(unsigned n) : ways(n), stamps(n, 0) {}
  std::vector<TlbEntry> ways;
  std::vector<uint64_t> stamps;
  uint64_t now = 0;
  // The smallest page size first, then the lowest way (as Tlb::probe).
  int find(VirtAddr va, Asid asid) const {
    for (uint8_t shift : kPageShift)
      for (size_t w = 0; w < ways.size(); ++w) {
        const TlbEntry& e = ways[w];
        if (e.valid && e.page_shift == shift && e.vpn == va.value() >> shift &&
            (e.global || e.asid == asid))
          return static_cast<int>(w);
      }
    return -1;
  }
  const TlbEntry* lookup(VirtAddr va, Asid asid) {
    const int w = find(va, asid);
    if (w < 0) return nullptr;
    stamps[w] = ++now;
    return &ways[w];
  }
  void insert(const TlbEntry& e) {
    int way = -1;
    for (size_t w = 0; w < ways.size() && way < 0; ++w)
      if (ways[w].valid && ways[w].page_shift == e.page_shift && ways[w].vpn == e.vpn &&
          ways[w].global == e.global && (e.global || ways[w].asid == e.asid))
        way = static_cast<int>(w);
    for (size_t w = 0; w < ways.size() && way < 0; ++w)
      if (!ways[w].valid) way = static_cast<int>(w);
    if (way < 0)
      way = static_cast<int>(std::min_element(stamps.begin(), stamps.end()) - stamps.begin());
    ways[way] = e;
    ways[way].valid = true;
    stamps[way] = ++now;
  }
  template <typename Pred>
  void drop_if(Pred p) {
    for (TlbEntry& e : ways)
      if (e.valid && p(e)) e.valid = false;
  }
};

TEST(TlbOrganisation, ALargeFullyAssociativeTlbBehavesAsAScanOfEveryWay) {
  // 256 ways (above Tlb::kIndexedWays): entries are found through the set's
  // index. Random fills over 600 pages of 4 ASIDs (some global, some 2 MB),
  // lookups and every kind of TLBI must give what the plain scan gives.
  constexpr unsigned kWays = 256;
  Tlb tlb("t", TlbParams::unified(kWays, kWays, 1));
  ReferenceTlb ref(kWays);
  uint64_t seed = 12345;
  auto next = [&seed](uint64_t n) {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    return (seed >> 33) % n;
  };
  for (int step = 0; step < 40000; ++step) {
    const uint64_t va = 0x4000'0000 + next(600) * 0x1000;
    const Asid asid(static_cast<uint16_t>(1 + next(4)));
    const uint64_t op = next(100);
    if (op < 45) {
      const TlbEntry* a = tlb.lookup(VirtAddr(va), asid);
      const TlbEntry* b = ref.lookup(VirtAddr(va), asid);
      ASSERT_EQ(a != nullptr, b != nullptr) << step;
      if (a) {
        ASSERT_EQ(a->output, b->output) << step;
      }
    } else if (op < 90) {
      TlbEntry e = next(10) == 0 ? block_2m(va & ~uint64_t{0x1f'ffff}, 0x8000'0000, asid.value())
                                 : page(va, 0x9000'0000 + va, asid.value(), next(20) == 0);
      const TlbEntry* in = tlb.insert(e, VirtAddr(e.base_va())).installed;
      ASSERT_NE(in, nullptr);
      e.vpn = e.base_va() >> e.page_shift;
      ref.insert(e);
    } else if (op < 95) {
      tlb.invalidate_va_asid(VirtAddr(va), asid);
      ref.drop_if([&](const TlbEntry& e) {
        return e.vpn == va >> e.page_shift && (e.global || e.asid == asid);
      });
    } else if (op < 98) {
      tlb.invalidate_va(VirtAddr(va));
      ref.drop_if([&](const TlbEntry& e) { return e.vpn == va >> e.page_shift; });
    } else if (op < 99) {
      tlb.invalidate_asid(asid);
      ref.drop_if([&](const TlbEntry& e) { return !e.global && e.asid == asid; });
    } else if (next(10) == 0) {
      tlb.invalidate_all();
      ref.drop_if([](const TlbEntry&) { return true; });
    }
    const unsigned valid = static_cast<unsigned>(
        std::count_if(ref.ways.begin(), ref.ways.end(), [](const TlbEntry& e) { return e.valid; }));
    ASSERT_EQ(tlb.valid_entries(), valid) << step;
  }
  EXPECT_GT(tlb.stats().evictions, 100u);
  EXPECT_GT(tlb.stats().hits, 1000u);
}

}  // namespace
}  // namespace mmusim
