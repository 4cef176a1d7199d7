// Exact walk latency for known cache states: descriptor reads are TLM reads
// through the L1D, so a cold walk pays a fill per level and a warm one only
// the L1 hit latency.
#include "model/mmu/walker.h"

#include <gtest/gtest.h>

#include "model/arch/descriptor.h"
#include "model/mem/bus.h"
#include "model/mem/cache.h"
#include "model/mem/dram.h"

namespace mmusim {
namespace {

using arch::Descriptor;

constexpr uint64_t kDram = 0x4000'0000;
constexpr uint64_t kStep = 2, kHit = 4, kBus = 8, kMem = 120, kWalkCacheHit = 1;

struct WalkBench {
  Clock clock{2000.0};
  Dram dram{"dram", DramParams{1 << 24, kMem, kMem}, clock};
  Bus bus{"bus", BusParams{kBus}, clock};
  Cache l1d{"l1d", CacheParams{32 * 1024, 8, 64, kHit}, clock};
  PageTableWalker walker;
  arch::MemType types[8];

  static WalkerParams params(WalkCacheMode mode) {
    WalkerParams p;
    p.step_latency_cycles = kStep;
    p.walk_cache.mode = mode;
    p.walk_cache.hit_latency_cycles = kWalkCacheHit;
    return p;
  }
  explicit WalkBench(WalkCacheMode mode = WalkCacheMode::kNone)
      : walker("walker", params(mode), clock) {
    bus.map("dram", PhysAddr(kDram), 1 << 24, dram.socket);
    walker.mem.bind(l1d.target);
    l1d.next.bind(bus.target);
    for (auto& t : types)
      t = arch::MemType::kNormalWriteBack;
    sc_core::sc_start(sc_core::SC_ZERO_TIME);
  }
  void put(uint64_t pa, Descriptor d) {
    uint64_t raw = d.raw();
    dram.storage().write(pa - kDram, reinterpret_cast<uint8_t*>(&raw), 8);
  }
  WalkResult walk(uint64_t va, sc_core::sc_time& delay) {
    return walker.walk(VirtAddr(va), PhysAddr(kDram), Asid(5), types, arch::AccessKind::kRead,
                       arch::ExceptionLevel::kEl0, delay);
  }
  // Tables at kDram (L0), +0x1000 (L1), +0x2000 (L2), +0x3000 (L3).
  void build(uint64_t va, uint64_t page_pa, bool contiguous = false) {
    for (int level = 0; level < 3; ++level)
      put(kDram + level * 0x1000 + arch::table_index(VirtAddr(va), level) * 8,
          Descriptor::make_table(PhysAddr(kDram + (level + 1) * 0x1000)));
    arch::PageAttrs a;
    a.ap = arch::Ap::kRw;
    a.contiguous = contiguous;
    put(kDram + 0x3000 + arch::table_index(VirtAddr(va), 3) * 8,
        Descriptor::make_page(PhysAddr(page_pa), a));
  }
};

TEST(PageTableWalker, ColdWalkPaysAFillPerLevel) {
  WalkBench b;
  b.build(0x1234'5678'9000, kDram + 0x10'0000);
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  const WalkResult r = b.walk(0x1234'5678'9abc, delay);
  ASSERT_FALSE(r.fault.is_fault());
  EXPECT_EQ(r.entry.translate(VirtAddr(0x1234'5678'9abc)), PhysAddr(kDram + 0x10'0abc));
  EXPECT_EQ(r.entry.level, 3);
  EXPECT_EQ(r.entry.asid, Asid(5));
  EXPECT_FALSE(r.entry.global);
  // Per level: step + L1 lookup + line fill (bus + DRAM).
  EXPECT_EQ(r.latency, Cycles(4 * (kStep + kHit + kBus + kMem)));  // 536
  EXPECT_EQ(delay, b.clock.to_time(Cycles(536)));
  EXPECT_EQ(b.l1d.stats().by_requester[static_cast<int>(Requester::kWalker)].misses, 4u);
  for (int l = 0; l < 4; ++l)
    EXPECT_EQ(b.walker.stats().descriptor_reads[l], 1u);
}

TEST(PageTableWalker, WarmWalkPaysOnlyL1Hits) {
  WalkBench b;
  b.build(0x1234'5678'9000, kDram + 0x10'0000);
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  b.walk(0x1234'5678'9000, delay);
  delay = sc_core::SC_ZERO_TIME;
  const WalkResult r = b.walk(0x1234'5678'9000, delay);
  EXPECT_EQ(r.latency, Cycles(4 * (kStep + kHit)));  // 24
  EXPECT_EQ(b.walker.stats().latency.samples(), 2u);
  EXPECT_EQ(b.walker.stats().latency.max(), 536u);
  EXPECT_EQ(b.walker.stats().latency.min(), 24u);
}

TEST(PageTableWalker, NeighbouringPageMissesOnlyInTheLastLevelLine) {
  WalkBench b;
  b.build(0x1234'5678'9000, kDram + 0x10'0000);
  b.build(0x1234'5678'a000, kDram + 0x11'0000);  // same L3 line (adjacent descriptor)
  b.build(0x1234'567f'f000, kDram + 0x12'0000);  // L3 descriptor in another line
  sc_core::sc_time d = sc_core::SC_ZERO_TIME;
  b.walk(0x1234'5678'9000, d);
  d = sc_core::SC_ZERO_TIME;
  EXPECT_EQ(b.walk(0x1234'5678'a000, d).latency, Cycles(24));
  d = sc_core::SC_ZERO_TIME;
  EXPECT_EQ(b.walk(0x1234'567f'f000, d).latency,
            Cycles(3 * (kStep + kHit) + kStep + kHit + kBus + kMem));
}

TEST(PageTableWalker, InvalidDescriptorIsTranslationFaultAtItsLevel) {
  WalkBench b;
  b.build(0x1000, kDram + 0x10'0000);
  sc_core::sc_time d = sc_core::SC_ZERO_TIME;
  const WalkResult r = b.walk(0x20'0000, d);  // L2 index 1: empty
  EXPECT_EQ(r.fault.kind, arch::FaultKind::kTranslation);
  EXPECT_EQ(r.fault.level, 2);
  EXPECT_EQ(r.fault.va, VirtAddr(0x20'0000));
  EXPECT_EQ(b.walker.stats().descriptor_reads[3], 0u);
}

TEST(PageTableWalker, AccessFlagClearIsAccessFlagFault) {
  WalkBench b;
  b.build(0x1000, kDram + 0x10'0000);
  arch::PageAttrs a;
  a.af = false;
  b.put(kDram + 0x3000 + 8, Descriptor::make_page(PhysAddr(kDram + 0x10'0000), a));
  sc_core::sc_time d = sc_core::SC_ZERO_TIME;
  const WalkResult r = b.walk(0x1000, d);
  EXPECT_EQ(r.fault.kind, arch::FaultKind::kAccessFlag);
  EXPECT_EQ(r.fault.level, 3);
}

TEST(PageTableWalker, BlockAtLevelTwoMapsTwoMegabytes) {
  WalkBench b;
  b.put(kDram, Descriptor::make_table(PhysAddr(kDram + 0x1000)));
  b.put(kDram + 0x1000, Descriptor::make_table(PhysAddr(kDram + 0x2000)));
  arch::PageAttrs a;
  a.ng = false;
  b.put(kDram + 0x2000 + 8, Descriptor::make_block(2, PhysAddr(kDram + 0x20'0000), a));
  sc_core::sc_time d = sc_core::SC_ZERO_TIME;
  const WalkResult r = b.walk(0x3f'fff8, d);
  ASSERT_FALSE(r.fault.is_fault());
  EXPECT_EQ(r.entry.page_shift, 21);
  EXPECT_EQ(r.entry.level, 2);
  EXPECT_TRUE(r.entry.global);
  EXPECT_EQ(r.entry.translate(VirtAddr(0x3f'fff8)), PhysAddr(kDram + 0x3f'fff8));
  EXPECT_EQ(r.latency, Cycles(3 * (kStep + kHit + kBus + kMem)));
}

TEST(PageTableWalker, TablesOutsideMemoryGiveExternalAbortOnWalk) {
  WalkBench b;
  b.put(kDram, Descriptor::make_table(PhysAddr(0x8000'0000'0000)));  // nothing decodes there
  sc_core::sc_time d = sc_core::SC_ZERO_TIME;
  const WalkResult r = b.walk(0x1000, d);
  EXPECT_EQ(r.fault.kind, arch::FaultKind::kExternal);
  EXPECT_EQ(r.fault.level, 1);
  EXPECT_EQ(r.fault.fault_status_code(), arch::fsc::kExternalWalkL0 + 1);
}

TEST(PageTableWalker, PerLevelWalkCacheSkipsKnownLevels) {
  WalkBench b(WalkCacheMode::kPerLevel);
  b.build(0x1234'5678'9000, kDram + 0x10'0000);
  b.build(0x1234'5678'a000, kDram + 0x11'0000);
  sc_core::sc_time d = sc_core::SC_ZERO_TIME;
  EXPECT_EQ(b.walk(0x1234'5678'9000, d).latency,
            Cycles(kWalkCacheHit + 4 * (kStep + kHit + kBus + kMem)));
  // Same 2 MB region: the L2 table descriptor is cached; only L3 is read
  // (and its line is already in the L1D).
  d = sc_core::SC_ZERO_TIME;
  const WalkResult r = b.walk(0x1234'5678'a000, d);
  ASSERT_FALSE(r.fault.is_fault());
  EXPECT_EQ(r.entry.translate(VirtAddr(0x1234'5678'a000)), PhysAddr(kDram + 0x11'0000));
  EXPECT_EQ(r.latency, Cycles(kWalkCacheHit + kStep + kHit));
  EXPECT_EQ(b.walker.stats().descriptor_reads[0], 1u);
  EXPECT_EQ(b.walker.stats().descriptor_reads[3], 2u);
  EXPECT_EQ(b.walker.walk_cache().stats().hits_by_level[2], 1u);
  EXPECT_EQ(b.walker.walk_cache().stats().misses, 1u);
  EXPECT_EQ(b.walker.walk_cache().stats().fills_by_level[0], 1u);
}

TEST(PageTableWalker, TlbiByVaDropsTheCachedWalk) {
  WalkBench b(WalkCacheMode::kUnified);
  b.build(0x1234'5678'9000, kDram + 0x10'0000);
  sc_core::sc_time d = sc_core::SC_ZERO_TIME;
  b.walk(0x1234'5678'9000, d);
  b.walker.walk_cache().invalidate_va_asid(VirtAddr(0x1234'5678'9000), Asid(5));
  d = sc_core::SC_ZERO_TIME;
  EXPECT_EQ(b.walk(0x1234'5678'9000, d).latency, Cycles(kWalkCacheHit + 4 * (kStep + kHit)));
  EXPECT_EQ(b.walker.walk_cache().stats().invalidated, 3u);
  // Another ASID never hits entries filled for ASID 5.
  EXPECT_EQ(b.walker.walk_cache().lookup(VirtAddr(0x1234'5678'9000), Asid(6)).level, -1);
}

TEST(PageTableWalker, ContiguousHintGivesA64KEntry) {
  WalkBench b;
  b.build(0x4'0003'5000, kDram + 0x13'5000, /*contiguous=*/true);
  sc_core::sc_time d = sc_core::SC_ZERO_TIME;
  const WalkResult r = b.walk(0x4'0003'5678, d);
  ASSERT_FALSE(r.fault.is_fault());
  EXPECT_EQ(r.entry.page_shift, 16);
  EXPECT_EQ(r.entry.output, PhysAddr(kDram + 0x13'0000));
  EXPECT_EQ(r.entry.translate(VirtAddr(0x4'0003'5678)), PhysAddr(kDram + 0x13'5678));
  EXPECT_EQ(b.walker.stats().leaves_by_size[static_cast<int>(PageSize::k64K)], 1u);
}

}  // namespace
}  // namespace mmusim
