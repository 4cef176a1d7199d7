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

  static WalkerParams params(WalkCacheMode mode, unsigned slots = 2) {
    WalkerParams p;
    p.max_concurrent_walks = slots;
    p.step_latency_cycles = kStep;
    p.walk_cache.mode = mode;
    p.walk_cache.hit_latency_cycles = kWalkCacheHit;
    return p;
  }
  explicit WalkBench(WalkCacheMode mode = WalkCacheMode::kNone, unsigned slots = 2)
      : walker("walker", params(mode, slots), clock) {
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
  // Walks issued one after the other: each starts when the previous ended.
  sc_core::sc_time now = sc_core::SC_ZERO_TIME;
  WalkResult walk(uint64_t va) {
    return walker.walk(VirtAddr(va), PhysAddr(kDram), Asid(5), types, arch::AccessKind::kRead,
                       arch::ExceptionLevel::kEl0, now);
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
  const WalkResult r = b.walk(0x1234'5678'9abc);
  ASSERT_FALSE(r.fault.is_fault());
  EXPECT_EQ(r.entry.translate(VirtAddr(0x1234'5678'9abc)), PhysAddr(kDram + 0x10'0abc));
  EXPECT_EQ(r.entry.level, 3);
  EXPECT_EQ(r.entry.asid, Asid(5));
  EXPECT_FALSE(r.entry.global);
  // Per level: step + L1 lookup + line fill (bus + DRAM).
  EXPECT_EQ(r.latency, Cycles(4 * (kStep + kHit + kBus + kMem)));  // 536
  EXPECT_EQ(b.now, b.clock.to_time(Cycles(536)));
  EXPECT_EQ(b.l1d.stats().by_requester[static_cast<int>(Requester::kWalker)].misses, 4u);
  for (int l = 0; l < 4; ++l)
    EXPECT_EQ(b.walker.stats().descriptor_reads[l], 1u);
}

TEST(PageTableWalker, WarmWalkPaysOnlyL1Hits) {
  WalkBench b;
  b.build(0x1234'5678'9000, kDram + 0x10'0000);
  b.walk(0x1234'5678'9000);
  const WalkResult r = b.walk(0x1234'5678'9000);
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
  b.walk(0x1234'5678'9000);
  EXPECT_EQ(b.walk(0x1234'5678'a000).latency, Cycles(24));
  EXPECT_EQ(b.walk(0x1234'567f'f000).latency,
            Cycles(3 * (kStep + kHit) + kStep + kHit + kBus + kMem));
}

TEST(PageTableWalker, InvalidDescriptorIsTranslationFaultAtItsLevel) {
  WalkBench b;
  b.build(0x1000, kDram + 0x10'0000);
  const WalkResult r = b.walk(0x20'0000);  // L2 index 1: empty
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
  const WalkResult r = b.walk(0x1000);
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
  const WalkResult r = b.walk(0x3f'fff8);
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
  const WalkResult r = b.walk(0x1000);
  EXPECT_EQ(r.fault.kind, arch::FaultKind::kExternal);
  EXPECT_EQ(r.fault.level, 1);
  EXPECT_EQ(r.fault.fault_status_code(), arch::fsc::kExternalWalkL0 + 1);
}

TEST(PageTableWalker, PerLevelWalkCacheSkipsKnownLevels) {
  WalkBench b(WalkCacheMode::kPerLevel);
  b.build(0x1234'5678'9000, kDram + 0x10'0000);
  b.build(0x1234'5678'a000, kDram + 0x11'0000);
  EXPECT_EQ(b.walk(0x1234'5678'9000).latency,
            Cycles(kWalkCacheHit + 4 * (kStep + kHit + kBus + kMem)));
  // Same 2 MB region: the L2 table descriptor is cached; only L3 is read
  // (and its line is already in the L1D).
  const WalkResult r = b.walk(0x1234'5678'a000);
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
  b.walk(0x1234'5678'9000);
  b.walker.walk_cache().invalidate_va_asid(VirtAddr(0x1234'5678'9000), Asid(5));
  EXPECT_EQ(b.walk(0x1234'5678'9000).latency, Cycles(kWalkCacheHit + 4 * (kStep + kHit)));
  EXPECT_EQ(b.walker.walk_cache().stats().invalidated, 3u);
  // Another ASID never hits entries filled for ASID 5.
  EXPECT_EQ(b.walker.walk_cache().lookup(VirtAddr(0x1234'5678'9000), Asid(6)).level, -1);
}

TEST(PageTableWalker, WalkWaitsForAFreeSlot) {
  WalkBench b(WalkCacheMode::kNone, /*slots=*/1);
  b.build(0x1000, kDram + 0x10'0000);
  b.build(0x2000, kDram + 0x11'0000);
  const WalkResult first = b.walk(0x1000);  // cycles 0-536
  EXPECT_EQ(first.entry.ready, 536u);
  b.now = sc_core::SC_ZERO_TIME;  // a second walk requested at cycle 0
  const WalkResult second = b.walk(0x2000);
  EXPECT_EQ(second.latency, Cycles(4 * (kStep + kHit)));  // starts at 536, all lines warm
  EXPECT_EQ(b.now, b.clock.to_time(Cycles(536 + 24)));
  EXPECT_EQ(b.walker.stats().slot_stalls, 1u);
  EXPECT_EQ(b.walker.stats().slot_stall_cycles, 536u);
}

TEST(PageTableWalker, ContiguousHintGivesA64KEntry) {
  WalkBench b;
  b.build(0x4'0003'5000, kDram + 0x13'5000, /*contiguous=*/true);
  const WalkResult r = b.walk(0x4'0003'5678);
  ASSERT_FALSE(r.fault.is_fault());
  EXPECT_EQ(r.entry.page_shift, 16);
  EXPECT_EQ(r.entry.output, PhysAddr(kDram + 0x13'0000));
  EXPECT_EQ(r.entry.translate(VirtAddr(0x4'0003'5678)), PhysAddr(kDram + 0x13'5678));
  EXPECT_EQ(b.walker.stats().leaves_by_size[static_cast<int>(PageSize::k64K)], 1u);
}

}  // namespace
}  // namespace mmusim
