// The caches behind the L1s (docs/architecture.md, caches): L1I/L1D -> L2 ->
// LLC -> bus, fills and write-backs between the levels, inclusion, where the
// walker reads descriptors, and the per-access L2/LLC miss counts.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "model/stats/dump.h"
#include "model/util/config_error.h"
#include "model/util/config_node.h"
#include "model/util/yaml.h"
#include "system/platform.h"
#include "tests/model/fn_workload.h"
#include "tests/model/map_rw.h"

namespace mmusim {
namespace {

using arch::AccessKind;
using namespace sw::abi;
using test::FnWorkload;
using test::map_rw;

constexpr uint64_t kVa = 0x1000'0000'0000;

PlatformParams with_l2_and_llc() {
  PlatformParams pp;
  pp.l2_enable = true;
  pp.llc_enable = true;
  return pp;
}

// The physical address of `va` (the current tables in DRAM, walked by hand).
uint64_t pa_of(Platform& p, uint64_t va) {
  uint64_t table = p.mmu.ttbr0().value();
  for (int level = 0; level <= 3; ++level) {
    const arch::Descriptor d(
        p.phys.read64(PhysAddr(table + arch::table_index(VirtAddr(va), level) * 8)));
    if (d.type(level) != arch::DescType::kTable) return d.output_address().value() + (va & 0xfff);
    table = d.output_address().value();
  }
  return 0;
}

// The CPU's reads: accesses, those missing the L1D, those missing the L1D
// and then the LLC; the LLC's read line lookups that hit and missed.
void expect_reads(Platform& p, uint64_t accesses, uint64_t l1_misses, uint64_t llc_misses,
                  uint64_t llc_line_hits, uint64_t llc_line_misses) {
  const CpuPortStats& c = p.cpu.stats();
  EXPECT_EQ(c.per_read.accesses, accesses);
  EXPECT_EQ(c.per_read.l1_cache_misses, l1_misses);
  EXPECT_EQ(c.per_read.llc_misses, llc_misses);
  EXPECT_EQ(p.llc->stats().read_hits, llc_line_hits);
  EXPECT_EQ(p.llc->stats().read_misses, llc_line_misses);
}

// A load after TLBI ALL (the TLBs and the walk caches empty): four
// descriptor reads and the data, all served by the level left holding them.
TEST(Hierarchy, WalkLatencyWithDescriptorsInL2VsLlcVsDram) {
  const PlatformParams pp = with_l2_and_llc();
  Platform p("top", pp);
  uint64_t translation[3] = {};
  uint64_t served[3][4] = {};
  FnWorkload w([&](CpuPort& cpu) {
    map_rw(cpu, kVa, 0x1000);
    uint64_t v = 1;
    ASSERT_EQ(cpu.access(AccessKind::kWrite, VirtAddr(kVa), 8, reinterpret_cast<uint8_t*>(&v)),
              AccessOutcome::kOk);
    for (int level = 0; level < 3; ++level) {  // 0: in the L2, 1: in the LLC, 2: in DRAM
      p.mmu_control().tlbi_all();
      p.l1d.invalidate_all();
      if (level >= 1) p.l2->invalidate_all();
      if (level >= 2) p.llc->invalidate_all();
      const uint64_t before = p.mmu.stats().translation_latency.sum();
      uint64_t before_served[4];
      for (int l = 0; l < 4; ++l)
        before_served[l] = p.mmu.walker.stats().descriptor_reads_served[l];
      ASSERT_EQ(cpu.access(AccessKind::kRead, VirtAddr(kVa), 8, reinterpret_cast<uint8_t*>(&v)),
                AccessOutcome::kOk);
      EXPECT_EQ(v, 1u);
      translation[level] = p.mmu.stats().translation_latency.sum() - before;
      for (int l = 0; l < 4; ++l)
        served[level][l] = p.mmu.walker.stats().descriptor_reads_served[l] - before_served[l];
    }
  });
  p.run(w);
  // L1 DTLB 1 + L2 TLB 8 + walk caches 1, then per level a step of 2 and a
  // descriptor read: L1D 4 + L2 12 (+ LLC 40 (+ bus 8 + DRAM 120)).
  ASSERT_EQ(pp.mmu.l1_dtlb.hit_latency_cycles, 1u);
  ASSERT_EQ(pp.mmu.l2_tlb.hit_latency_cycles, 8u);
  ASSERT_EQ(pp.mmu.walker.walk_cache.hit_latency_cycles, 1u);
  ASSERT_EQ(pp.mmu.walker.step_latency_cycles, 2u);
  EXPECT_EQ(translation[0], 1u + 8 + 1 + 4 * (2 + 4 + 12));
  EXPECT_EQ(translation[1], 1u + 8 + 1 + 4 * (2 + 4 + 12 + 40));
  EXPECT_EQ(translation[2], 1u + 8 + 1 + 4 * (2 + 4 + 12 + 40 + 8 + 120));
  EXPECT_EQ(translation[0], 82u);
  EXPECT_EQ(translation[1], 242u);
  EXPECT_EQ(translation[2], 754u);
  // descriptor_reads_served: l1d, l2, llc, memory.
  for (int level = 0; level < 3; ++level)
    for (int l = 0; l < 4; ++l)
      EXPECT_EQ(served[level][l], l == level + 1 ? 4u : 0u) << level << " " << l;
}

// With the walker reading through the LLC (or straight from memory) the
// L1D and the L2 never see a descriptor.
TEST(Hierarchy, WalkerThroughLlcReadsDescriptorsPastTheL1dAndL2) {
  PlatformParams pp = with_l2_and_llc();
  pp.walker_through = WalkerReadLevel::kLlc;
  Platform p("top", pp);
  FnWorkload w([&](CpuPort& cpu) {
    map_rw(cpu, kVa, 0x1000);
    uint64_t v = 1;
    ASSERT_EQ(cpu.access(AccessKind::kWrite, VirtAddr(kVa), 8, reinterpret_cast<uint8_t*>(&v)),
              AccessOutcome::kOk);
  });
  p.run(w);
  const int kWalker = static_cast<int>(Requester::kWalker);
  EXPECT_EQ(p.l1d.stats().by_requester[kWalker].hits + p.l1d.stats().by_requester[kWalker].misses,
            0u);
  EXPECT_EQ(p.l2->stats().by_requester[kWalker].hits + p.l2->stats().by_requester[kWalker].misses,
            0u);
  const WalkerStats& ws = p.mmu.walker.stats();
  const uint64_t reads = ws.descriptor_reads[0] + ws.descriptor_reads[1] + ws.descriptor_reads[2] +
                         ws.descriptor_reads[3];
  EXPECT_GT(reads, 0u);
  EXPECT_EQ(p.llc->stats().by_requester[kWalker].hits + p.llc->stats().by_requester[kWalker].misses,
            reads);
  EXPECT_EQ(ws.descriptor_reads_served[2] + ws.descriptor_reads_served[3], reads);
  EXPECT_EQ(ws.descriptor_reads_served[3], p.llc->stats().by_requester[kWalker].misses);
}

// Cachegrind's LL: looked up only for what missed the L1, once per missed
// line; an access that hit the L1 never reaches the LLC.
TEST(Hierarchy, LlcCountsAccessMissesOnlyOnL1Miss) {
  PlatformParams pp;
  pp.llc_enable = true;
  pp.walker_through = WalkerReadLevel::kMemory;  // only the workload's accesses in the caches
  Platform p("top", pp);
  FnWorkload w([&](CpuPort& cpu) {
    map_rw(cpu, kVa, 0x2000);
    uint8_t buf[16] = {};
    // The first attempt faults before any cache (the kernel zeroes the
    // frame through physical memory); the retry misses the L1D and the LLC.
    ASSERT_EQ(cpu.access(AccessKind::kRead, VirtAddr(kVa), 8, buf), AccessOutcome::kOk);
    ASSERT_EQ(cpu.access(AccessKind::kRead, VirtAddr(kVa + 8), 8, buf), AccessOutcome::kOk);
    // Two lines, the first in the L1D: one LLC lookup, a miss.
    ASSERT_EQ(cpu.access(AccessKind::kRead, VirtAddr(kVa + 56), 16, buf), AccessOutcome::kOk);
    // Out of the L1D, still in the LLC: an L1 miss that hits the LLC.
    p.l1d.invalidate_all();
    ASSERT_EQ(cpu.access(AccessKind::kRead, VirtAddr(kVa + 64), 8, buf), AccessOutcome::kOk);
  });
  p.run(w);
  expect_reads(p, 4, 3, 2, 1, 2);
  const util::Value v = stats::to_value(p.stats_group());
  ASSERT_NE(v.find("top.llc"), nullptr) << v.to_json();
  EXPECT_EQ(v.find("top.llc")->find("accesses")->as_uint(), 3u);
  EXPECT_EQ(v.find("top.llc")->find("access_misses")->as_uint(), 2u);
  EXPECT_EQ(v.find("top.l1d")->find("access_misses")->as_uint(), 3u);
}

// llc.lookup_l1_hit_lines (cachegrind's LL, cg_sim.c): an access that
// misses the L1 in one of its lines looks the LLC up for every line, in
// address order, and counts one LLC miss if any of them misses. A
// direct-mapped 2-line L1D (sets: even and odd lines) lets a line sit in
// the L1D and not in the LLC, or the other way round.
PlatformParams with_whole_access_llc() {
  PlatformParams pp;
  pp.llc_enable = true;
  pp.llc.lookup_l1_hit_lines = true;
  pp.walker_through = WalkerReadLevel::kMemory;  // only the workload's accesses in the caches
  pp.l1d.size_bytes = 128;
  pp.l1d.ways = 1;
  return pp;
}

TEST(Hierarchy, LookupL1HitLinesLooksUpBothLinesOfAnAccessThatMissesTheL1) {
  Platform p("top", with_whole_access_llc());
  uint64_t probe_only_llc_misses = 0, both_hit_llc_lookups = 0;
  FnWorkload w([&](CpuPort& cpu) {
    map_rw(cpu, kVa, 0x1000);
    uint8_t buf[16] = {};
    const auto read = [&](uint64_t offset, unsigned size) {
      ASSERT_EQ(cpu.access(AccessKind::kRead, VirtAddr(kVa + offset), size, buf),
                AccessOutcome::kOk);
    };
    read(64, 8);  // line 1: L1D miss, LLC miss
    p.llc->invalidate_all();
    read(128, 8);  // line 2: L1D miss, LLC miss
    read(256, 8);  // line 4: L1D miss (evicts line 2 from the L1D), LLC miss
    // Lines 1 (in the L1D only) and 2 (in the LLC only): line 1 is looked
    // up first and misses the LLC, line 2 hits it: one LLC miss.
    const uint64_t before = p.cpu.stats().per_read.llc_misses;
    read(120, 16);
    probe_only_llc_misses = p.cpu.stats().per_read.llc_misses - before;
    read(440, 16);  // lines 6 and 7 miss both: one L1 miss, one LLC miss
    const uint64_t lookups = p.llc->stats().hits() + p.llc->stats().misses();
    read(440, 16);  // both hit the L1D: no LLC lookup
    both_hit_llc_lookups = p.llc->stats().hits() + p.llc->stats().misses() - lookups;
    // Line 5 misses the L1D (evicts line 7) and the LLC; line 6 hits the
    // L1D and is looked up in the LLC after it (a hit).
    read(376, 16);
  });
  p.run(w);
  EXPECT_EQ(probe_only_llc_misses, 1u);
  EXPECT_EQ(both_hit_llc_lookups, 0u);
  // LLC lookups: 1, 2, 4, then 1 (miss) 2 (hit), 6 7 (misses), 5 (miss) 6 (hit).
  expect_reads(p, 7, 6, 6, 2, 7);
  EXPECT_EQ(p.l1d.stats().read_hits, 4u);
  EXPECT_EQ(p.l1d.stats().read_misses, 7u);
}

// The two parts of a page-crossing access are one access: a lower part
// that hit the L1D is looked up in the LLC when the upper part misses (before
// it), an upper part that hits when the lower part missed; an LLC miss of
// such a lookup alone makes the access an LLC miss.
TEST(Hierarchy, LookupL1HitLinesTreatsAPageCrossingAccessAsOne) {
  Platform p("top", with_whole_access_llc());
  uint64_t probe_only_llc_misses = 0;
  FnWorkload w([&](CpuPort& cpu) {
    map_rw(cpu, kVa, 0x4000);
    uint8_t buf[16] = {};
    // A frame of its own for each page (a read fault would map the zero
    // page, one frame for all four), then empty caches.
    for (uint64_t page = 0; page < 4; ++page)
      ASSERT_EQ(cpu.access(AccessKind::kWrite, VirtAddr(kVa + page * 0x1000 + 0x800), 1, buf),
                AccessOutcome::kOk);
    p.l1d.invalidate_all();
    p.llc->invalidate_all();
    const auto read = [&](uint64_t offset, unsigned size) {
      ASSERT_EQ(cpu.access(AccessKind::kRead, VirtAddr(kVa + offset), size, buf),
                AccessOutcome::kOk);
    };
    read(0xfc0, 8);  // line 63: L1D miss, LLC miss
    // Line 63 hits the L1D, line 64 misses it: the LLC looks up 63 (a hit),
    // then 64 (a miss).
    read(0xff8, 16);
    read(0x2000, 8);  // line 128: L1D miss (evicts 64), LLC miss
    // Line 127 misses the L1D and the LLC, line 128 hits the L1D and then
    // the LLC.
    read(0x1ff8, 16);
    read(0x3000, 8);  // line 192: L1D miss (evicts 128), LLC miss
    p.llc->invalidate_all();
    read(0x2fc0, 8);  // line 191: L1D miss, LLC miss
    read(0x2f40, 8);  // line 189: L1D miss (evicts 191), LLC miss
    // Line 191 misses the L1D and hits the LLC; line 192 hits the L1D and
    // misses the LLC: an LLC miss of the access.
    const uint64_t before = p.cpu.stats().per_read.llc_misses;
    read(0x2ff8, 16);
    probe_only_llc_misses = p.cpu.stats().per_read.llc_misses - before;
  });
  p.run(w);
  EXPECT_EQ(probe_only_llc_misses, 1u);
  EXPECT_EQ(p.cpu.stats().split_accesses, 3u);
  // LLC lookups: the four writes' fills (misses), then 63, 63 (hit) 64,
  // 128, 127 128 (hit), 192, 191, 189, 191 (hit) 192.
  expect_reads(p, 8, 8, 8, 3, 4 + 8);
}

// kernel.page_colours: each private anonymous page's frame number has the
// colour (low bits) of its virtual page number, whatever order the pages
// are touched in (page tables take frames in between).
TEST(Hierarchy, PageColoursGiveEachAnonymousPageAFrameOfItsVirtualColour) {
  PlatformParams pp;
  pp.kernel.page_colours = 16;
  Platform p("top", pp);
  uint64_t pfn[5] = {};
  constexpr uint64_t kPages[5] = {0x3, 0x1, 0x10, 0x2f, 0x7};
  FnWorkload w([&](CpuPort& cpu) {
    map_rw(cpu, kVa, 0x30000);
    for (int i = 0; i < 5; ++i) {
      uint8_t b = 1;
      ASSERT_EQ(cpu.access(AccessKind::kWrite, VirtAddr(kVa + kPages[i] * 0x1000), 1, &b),
                AccessOutcome::kOk);
      pfn[i] = pa_of(p, kVa + kPages[i] * 0x1000) >> 12;
    }
  });
  p.run(w);
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(pfn[i] % 16, ((kVa >> 12) + kPages[i]) % 16) << i;
}

TEST(Hierarchy, PageColoursMustBeAPowerOfTwo) {
  sw::KernelParams k;
  k.page_colours = 12;
  try {
    k.validate();
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "kernel.page_colours: must be a power of two from 1 (off) to 65536");
  }
}

// A dirty L1D victim's write-back: without writeback_allocate it changes
// neither the LLC's lines nor its replacement state and goes on to the bus;
// with it, the line is allocated dirty without a fill.
TEST(Hierarchy, WritebacksDoNotTouchLlcWithoutWritebackAllocate) {
  PlatformParams pp;
  pp.llc_enable = true;
  pp.llc.writeback_allocate = false;
  pp.walker_through = WalkerReadLevel::kMemory;
  // A direct-mapped 2-line L1D: lines 0 and 128 bytes apart share its set.
  pp.l1d.size_bytes = 128;
  pp.l1d.ways = 1;
  Platform p("top", pp);
  uint64_t line_pa = 0;
  FnWorkload w([&](CpuPort& cpu) {
    map_rw(cpu, kVa, 0x1000);
    uint8_t b = 7;
    ASSERT_EQ(cpu.access(AccessKind::kWrite, VirtAddr(kVa), 1, &b), AccessOutcome::kOk);
    const uint64_t llc_lines_filled = p.llc->stats().misses();
    EXPECT_EQ(llc_lines_filled, 1u);  // the store's fill
    p.llc->invalidate_all();          // the write-back must now miss the LLC
    const uint64_t bus_before = p.bus.stats().transactions;
    // Evicts the dirty line: a fill (LLC miss, bus) and a write-back (bus).
    ASSERT_EQ(cpu.access(AccessKind::kRead, VirtAddr(kVa + 128), 1, &b), AccessOutcome::kOk);
    EXPECT_EQ(p.l1d.stats().writebacks, 1u);
    EXPECT_EQ(p.llc->stats().writebacks_in_misses, 1u);
    EXPECT_EQ(p.bus.stats().transactions - bus_before, 2u);
    line_pa = 1;
  });
  p.run(w);
  ASSERT_EQ(line_pa, 1u);
  EXPECT_EQ(p.llc->stats().misses(), 2u);  // lookups: the two fills only
  EXPECT_EQ(p.llc->stats().writebacks, 0u);
  EXPECT_EQ(p.llc->stats().writebacks_in_hits, 0u);
  EXPECT_EQ(p.cpu.stats().per_read.llc_misses + p.cpu.stats().per_write.llc_misses, 2u);
}

TEST(Hierarchy, WritebackAllocateMakesTheLineDirtyInTheLlcWithoutAFill) {
  PlatformParams pp;
  pp.llc_enable = true;  // writeback_allocate: true by default
  pp.walker_through = WalkerReadLevel::kMemory;
  pp.l1d.size_bytes = 128;
  pp.l1d.ways = 1;
  Platform p("top", pp);
  FnWorkload w([&](CpuPort& cpu) {
    map_rw(cpu, kVa, 0x1000);
    uint8_t b = 7;
    ASSERT_EQ(cpu.access(AccessKind::kWrite, VirtAddr(kVa), 1, &b), AccessOutcome::kOk);
    p.llc->invalidate_all();
    const uint64_t bus_before = p.bus.stats().transactions;
    ASSERT_EQ(cpu.access(AccessKind::kRead, VirtAddr(kVa + 128), 1, &b), AccessOutcome::kOk);
    EXPECT_EQ(p.llc->stats().writebacks_in_misses, 1u);
    EXPECT_EQ(p.bus.stats().transactions - bus_before, 1u);  // the fill only
  });
  p.run(w);
  EXPECT_EQ(p.llc->stats().misses(), 2u);  // no lookup, no fill for the write-back
}

// An inclusive L2's eviction takes the line out of the L1D (counted); its
// dirty copy there leaves with it.
TEST(Hierarchy, InclusiveL2EvictionBackInvalidatesTheL1d) {
  PlatformParams pp;
  pp.l2_enable = true;
  pp.l2.inclusive = true;
  pp.l2.size_bytes = 128;  // direct-mapped, 2 lines
  pp.l2.ways = 1;
  pp.walker_through = WalkerReadLevel::kMemory;
  Platform p("top", pp);
  uint64_t pa0 = 0;
  FnWorkload w([&](CpuPort& cpu) {
    map_rw(cpu, kVa, 0x1000);
    uint8_t b = 7;
    ASSERT_EQ(cpu.access(AccessKind::kWrite, VirtAddr(kVa), 1, &b), AccessOutcome::kOk);
    pa0 = pa_of(p, kVa);
    EXPECT_TRUE(p.l1d.is_dirty(PhysAddr(pa0)));
    EXPECT_TRUE(p.l2->contains(PhysAddr(pa0)));
    // Same L2 set, another L1D set (32K L1D): the L2 evicts the dirty line.
    ASSERT_EQ(cpu.access(AccessKind::kRead, VirtAddr(kVa + 128), 1, &b), AccessOutcome::kOk);
  });
  p.run(w);
  EXPECT_FALSE(p.l1d.contains(PhysAddr(pa0)));
  EXPECT_FALSE(p.l2->contains(PhysAddr(pa0)));
  EXPECT_EQ(p.l2->stats().back_invalidations, 1u);
  EXPECT_EQ(p.l2->stats().writebacks, 1u);  // the L1D's dirty copy, written back by the L2
  EXPECT_EQ(p.l1d.stats().writebacks, 0u);
}

HardwareParams read_params(const std::string& yaml) {
  const util::ConfigNode root(util::parse_yaml(yaml, "test.yaml"));
  return HardwareParams::read(root);
}

std::string config_error(const std::string& yaml) {
  try {
    HardwareParams p = read_params(yaml);
    p.validate();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "no error";
}

TEST(Hierarchy, ConfigErrorsNameTheKey) {
  EXPECT_EQ(config_error("l2: {enable: true, size: 96K}"),
            "l2.size: size / (ways * line_bytes) must be a power of two");
  EXPECT_EQ(config_error("llc: {enable: true, ways: 0}").rfind("llc.ways", 0), 0u);
  EXPECT_EQ(config_error("llc: {enable: true, line_bytes: 128}"),
            "llc.line_bytes: 128 must equal l1d.line_bytes (64)");
  EXPECT_EQ(config_error("l2: {enable: true, line_bytes: 32}"),
            "l2.line_bytes: 32 must equal l1d.line_bytes (64)");
  // A disabled level's geometry is not checked.
  EXPECT_EQ(config_error("l2: {size: 96K}"), "no error");
  EXPECT_EQ(config_error("l2: {enable: true}\nllc: {enable: true, lookup_l1_hit_lines: true}"),
            "llc.lookup_l1_hit_lines: needs l2.enable: false (the L1s must look up the LLC "
            "directly)");
  EXPECT_EQ(config_error("mmu: {walker: {through: l2}}"), "mmu.walker.through: l2 needs l2.enable");
  EXPECT_EQ(config_error("mmu: {walker: {through: llc}}"),
            "mmu.walker.through: llc needs llc.enable");
  EXPECT_EQ(config_error("mmu: {walker: {through: l1d, through_l1d: true}}"),
            "mmu.walker.through_l1d and mmu.walker.through: give one (through_l1d is the old "
            "name: true is through: l1d, false is through: memory)");
}

TEST(Hierarchy, WalkerThroughL1dFalseIsThroughMemory) {
  EXPECT_EQ(read_params("mmu: {walker: {through_l1d: false}}").walker_through,
            WalkerReadLevel::kMemory);
  EXPECT_EQ(read_params("mmu: {walker: {through_l1d: true}}").walker_through,
            WalkerReadLevel::kL1d);
  EXPECT_EQ(read_params("{}").walker_through, WalkerReadLevel::kL1d);
  EXPECT_EQ(read_params("mmu: {walker: {through: memory}}").walker_through,
            WalkerReadLevel::kMemory);
  EXPECT_EQ(read_params("llc: {enable: true}\nmmu: {walker: {through: llc}}").walker_through,
            WalkerReadLevel::kLlc);
}

}  // namespace
}  // namespace mmusim
