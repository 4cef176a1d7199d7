// Transparent huge pages: 2 MB level-2 blocks for private anonymous memory,
// the THP policy, fallback, splitting, fork copy-on-write, smaps and freeing.
#include <algorithm>

#include "sw/mm/address_spaces.h"
#include "tests/sw/kernel_fixture.h"

namespace mmusim::sw::test {
namespace {

constexpr uint64_t k2M = uint64_t{2} << 20;

KernelParams thp_params(ThpPolicy policy, uint64_t dram_bytes = 16 << 20) {
  KernelParams p = small_params(dram_bytes);
  p.thp = policy;
  return p;
}

class ThpTest : public KernelTest {
 protected:
  explicit ThpTest(const KernelParams& p = thp_params(ThpPolicy::kMadvise)) : KernelTest(p) {}

  // A 4 MB private anonymous mapping at kBase (2 MB-aligned), MADV_HUGEPAGE.
  void map_huge(uint64_t len = 2 * k2M) {
    ASSERT_EQ(mmap(kBase, len, kRw, kAnonFixed), static_cast<int64_t>(kBase));
    ASSERT_EQ(k.madvise(VirtAddr(kBase), len, abi::kMadvHugepage).value, 0);
  }
  // Writes a distinct byte into each of the first `pages` pages of the block at kBase.
  void fill_pages(unsigned pages, uint8_t salt = 0) {
    for (unsigned i = 0; i < pages; ++i)
      ASSERT_EQ(store(kBase + i * 0x1000 + i, static_cast<uint8_t>(i * 7 + salt + 1)), 0);
  }
  void expect_pages(unsigned pages, uint8_t salt = 0, uint64_t base = kBase) {
    for (unsigned i = 0; i < pages; ++i)
      EXPECT_EQ(load(base + i * 0x1000 + i), static_cast<uint8_t>(i * 7 + salt + 1)) << i;
  }
  size_t count(const HwLog& l, HwEvent::Kind kind) {
    return static_cast<size_t>(
        std::count_if(l.begin(), l.end(), [&](const HwEvent& e) { return e.kind == kind; }));
  }
};

TEST_F(ThpTest, WriteFaultInMadvisedRegionMapsOneLevel2BlockDescriptor) {
  map_huge();
  ASSERT_EQ(store(kBase + 0x12345, 0xab), 0);
  const Walk w = walk_va(kBase + 0x12345);
  ASSERT_EQ(w.fault, arch::FaultKind::kNone);
  EXPECT_EQ(w.level, 2);
  EXPECT_EQ(w.leaf.type(2), arch::DescType::kBlock);
  const PhysAddr block = w.leaf.output_address();
  EXPECT_EQ(block.offset_in(k2M), 0u);
  EXPECT_EQ(w.pa, block + 0x12345);
  const arch::PageAttrs a = w.leaf.page_attrs();
  EXPECT_EQ(a.ap, arch::Ap::kRw);
  EXPECT_EQ(a.attr_index, 0);
  EXPECT_EQ(a.sh, arch::Sh::kInner);
  EXPECT_TRUE(a.af);
  EXPECT_TRUE(a.ng);
  EXPECT_TRUE(a.pxn);
  EXPECT_TRUE(a.uxn);
  EXPECT_FALSE(a.contiguous);
  // The rest of the block is zero and mapped: no more faults.
  const uint64_t faults = k.stats().page_faults;
  EXPECT_EQ(load(kBase + 0x12345), 0xab);
  EXPECT_EQ(load(kBase + k2M - 1), 0);
  EXPECT_EQ(store(kBase + 0x1000, 1), 0);
  EXPECT_EQ(k.stats().page_faults, faults);
  EXPECT_EQ(k.stats().thp_fault_alloc, 1u);
  EXPECT_EQ(k.stats().thp_fault_fallback, 0u);
  EXPECT_EQ(k.stats().mapped_2m, 1u);
  EXPECT_EQ(k.stats().mapped_4k, 0u);
  EXPECT_EQ(k.stats().anon_pages_allocated, 512u);
  // The second 2 MB of the VMA gets a block of its own.
  ASSERT_EQ(store(kBase + k2M, 2), 0);
  EXPECT_EQ(walk_va(kBase + k2M).level, 2);
  EXPECT_EQ(k.stats().mapped_2m, 2u);
}

TEST_F(ThpTest, NoBlockWithoutMadvHugepageOrWithNohugepageOrAPartBlockVma) {
  ASSERT_EQ(mmap(kBase, k2M, kRw, kAnonFixed), static_cast<int64_t>(kBase));
  ASSERT_EQ(store(kBase, 1), 0);
  EXPECT_EQ(walk_va(kBase).level, 3);
  ASSERT_EQ(mmap(kBase + 2 * k2M, k2M, kRw, kAnonFixed), static_cast<int64_t>(kBase + 2 * k2M));
  ASSERT_EQ(k.madvise(VirtAddr(kBase + 2 * k2M), k2M, abi::kMadvNohugepage).value, 0);
  ASSERT_EQ(store(kBase + 2 * k2M, 1), 0);
  EXPECT_EQ(walk_va(kBase + 2 * k2M).level, 3);
  // MADV_HUGEPAGE on a VMA that does not cover an aligned 2 MB block.
  const uint64_t odd = kBase + 4 * k2M + 0x1000;
  ASSERT_EQ(mmap(odd, k2M, kRw, kAnonFixed), static_cast<int64_t>(odd));
  ASSERT_EQ(k.madvise(VirtAddr(odd), k2M, abi::kMadvHugepage).value, 0);
  ASSERT_EQ(store(odd, 1), 0);
  EXPECT_EQ(walk_va(odd).level, 3);
  EXPECT_EQ(k.stats().thp_fault_alloc, 0u);
  EXPECT_EQ(k.stats().mapped_4k, 3u);
}

TEST_F(ThpTest, AReadMapsTheHugeZeroPageAndAWriteReplacesItWithAThp) {
  map_huge();
  EXPECT_EQ(load(kBase + 0x5000), 0);
  const Walk r = walk_va(kBase + 0x5000);
  EXPECT_EQ(r.level, 2);
  EXPECT_EQ(r.leaf.page_attrs().ap, arch::Ap::kRo);
  const PhysAddr zero = r.leaf.output_address();
  EXPECT_EQ(zero.offset_in(k2M), 0u);
  EXPECT_EQ(k.mm().smaps()[0].rss_kb, 0u);  // the huge zero page is not counted
  EXPECT_EQ(k.stats().thp_fault_alloc, 0u);
  // A second block's read shares the same huge zero page.
  EXPECT_EQ(load(kBase + k2M), 0);
  EXPECT_EQ(walk_va(kBase + k2M).leaf.output_address(), zero);
  // do_huge_zero_wp_pmd: the write gets a THP of its own (as the host does).
  const size_t mark = log.size();
  ASSERT_EQ(store(kBase + 0x6000, 1), 0);
  const Walk w = walk_va(kBase + 0x6000);
  EXPECT_EQ(w.level, 2);
  EXPECT_NE(w.leaf.output_address(), zero);
  EXPECT_EQ(w.leaf.page_attrs().ap, arch::Ap::kRw);
  EXPECT_EQ(count(since(mark), HwEvent::Kind::kTlbiVaAsid), 1u);  // break-before-make
  EXPECT_EQ(k.stats().thp_fault_alloc, 1u);
  EXPECT_EQ(load(kBase + 0x5000), 0);
  EXPECT_EQ(k.mm().smaps()[0].anon_huge_kb, 2048u);
  // Splitting a huge zero mapping maps the 4 KB zero page 511 times.
  ASSERT_EQ(munmap(kBase + k2M, 0x1000), 0);
  EXPECT_EQ(walk_va(kBase + k2M + 0x1000).level, 3);
  EXPECT_EQ(walk_va(kBase + k2M + 0x1000).leaf.output_address(), k.mm().zero_page());
  EXPECT_EQ(load(kBase + k2M + 0x1000), 0);
  ASSERT_EQ(store(kBase + k2M + 0x2000, 2), 0);  // 4 KB copy-on-write from the zero page
  EXPECT_EQ(walk_va(kBase + k2M + 0x2000).level, 3);
  EXPECT_EQ(load(kBase + k2M + 0x2000), 2);
}

class ThpAlwaysTest : public ThpTest {
 protected:
  ThpAlwaysTest() : ThpTest(thp_params(ThpPolicy::kAlways)) {}
};

TEST_F(ThpAlwaysTest, EveryAlignedAnonymousRegionGetsABlockUnlessNohugepage) {
  ASSERT_EQ(mmap(kBase, 2 * k2M, kRw, kAnonFixed), static_cast<int64_t>(kBase));
  ASSERT_EQ(k.madvise(VirtAddr(kBase + k2M), k2M, abi::kMadvNohugepage).value, 0);
  ASSERT_EQ(store(kBase, 1), 0);
  ASSERT_EQ(store(kBase + k2M, 1), 0);
  EXPECT_EQ(walk_va(kBase).level, 2);
  EXPECT_EQ(walk_va(kBase + k2M).level, 3);
  EXPECT_EQ(k.stats().thp_fault_alloc, 1u);
}

TEST_F(ThpAlwaysTest, PopulateMapsWholeBlocksWithOneFaultEach) {
  ASSERT_EQ(mmap(kBase, 2 * k2M, kRw, kAnonFixed | abi::kMapPopulate), static_cast<int64_t>(kBase));
  EXPECT_EQ(k.stats().thp_fault_alloc, 2u);
  EXPECT_EQ(k.stats().mapped_2m, 2u);
  EXPECT_EQ(k.stats().mapped_4k, 0u);
}

TEST_F(ThpAlwaysTest, HwpoisonSplitsOnlyTheHugePagesItsLoopReaches) {
  // madvise_inject_error stops at the first page it cannot get: a huge
  // page beyond a hole is never reached, so never split.
  ASSERT_EQ(mmap(kBase, k2M, kRw, kAnonFixed), static_cast<int64_t>(kBase));
  ASSERT_EQ(mmap(kBase + 2 * k2M, k2M, kRw, kAnonFixed), static_cast<int64_t>(kBase + 2 * k2M));
  ASSERT_EQ(store(kBase, 1), 0);
  ASSERT_EQ(store(kBase + 2 * k2M, 2), 0);
  ASSERT_EQ(k.stats().mapped_2m, 2u);
  EXPECT_EQ(k.madvise(VirtAddr(kBase), 3 * k2M, abi::kMadvHwpoison).value, -14);
  EXPECT_EQ(k.stats().thp_split_pmd, 1u);
  EXPECT_EQ(k.stats().hwpoisoned_pages, 512u);
  EXPECT_EQ(k.stats().mapped_2m, 1u);
  EXPECT_EQ(load(kBase + 2 * k2M), 2);
}

class ThpNeverTest : public ThpTest {
 protected:
  ThpNeverTest() : ThpTest(thp_params(ThpPolicy::kNever)) {}
};

TEST_F(ThpNeverTest, MadvHugepageMapsOnly4KPages) {
  map_huge();
  ASSERT_EQ(store(kBase, 1), 0);
  EXPECT_EQ(walk_va(kBase).level, 3);
  EXPECT_EQ(k.stats().thp_fault_alloc, 0u);
  EXPECT_EQ(k.stats().thp_fault_fallback, 0u);
}

class ThpSmallDramTest : public ThpTest {
 protected:
  // 4 MB: frames 0-511 hold the zero page and tables, 512-1023 one block.
  ThpSmallDramTest() : ThpTest(thp_params(ThpPolicy::kMadvise, 4 << 20)) {}
};

TEST_F(ThpSmallDramTest, AWriteToTheHugeZeroPageWithNoBlockFreeSplitsItTo4KPages) {
  map_huge();
  EXPECT_EQ(load(kBase), 0);  // the huge zero page takes the one free 2 MB block
  ASSERT_EQ(walk_va(kBase).level, 2);
  ASSERT_EQ(store(kBase + 0x3000, 9), 0);
  EXPECT_EQ(k.stats().thp_fault_fallback, 1u);
  EXPECT_EQ(k.stats().thp_split_pmd, 1u);
  EXPECT_EQ(walk_va(kBase).leaf.output_address(), k.mm().zero_page());
  EXPECT_EQ(walk_va(kBase + 0x3000).level, 3);
  EXPECT_EQ(load(kBase + 0x3000), 9);
}

TEST_F(ThpSmallDramTest, FallsBackTo4KPagesWhenNoAlignedBlockIsFree) {
  map_huge();
  ASSERT_EQ(store(kBase, 1), 0);
  EXPECT_EQ(walk_va(kBase).level, 2);
  const PhysAddr block = walk_va(kBase).leaf.output_address();
  EXPECT_EQ(block, params.dram_base + k2M);
  ASSERT_EQ(store(kBase + k2M, 2), 0);  // no second block: 4 KB pages
  EXPECT_EQ(walk_va(kBase + k2M).level, 3);
  EXPECT_EQ(k.stats().thp_fault_alloc, 1u);
  EXPECT_EQ(k.stats().thp_fault_fallback, 1u);
  EXPECT_EQ(load(kBase + k2M), 2);
  // Unmapping the block returns all 512 frames; the next fault gets it again.
  const uint64_t in_use = k.stats().frames_in_use;
  ASSERT_EQ(munmap(kBase, k2M), 0);
  EXPECT_EQ(k.stats().frames_in_use, in_use - 512 - 1);  // and its deposited table
  ASSERT_EQ(mmap(kBase, k2M, kRw, kAnonFixed), static_cast<int64_t>(kBase));
  ASSERT_EQ(k.madvise(VirtAddr(kBase), k2M, abi::kMadvHugepage).value, 0);
  ASSERT_EQ(store(kBase + 5, 3), 0);
  EXPECT_EQ(walk_va(kBase).leaf.output_address(), block);
  EXPECT_EQ(load(kBase + 5), 3);
  EXPECT_EQ(load(kBase), 0);  // zeroed again
}

TEST_F(ThpTest, PartialMunmapSplitsTheBlockIntoPtesAndKeepsTheData) {
  map_huge();
  fill_pages(8);
  const PhysAddr block = walk_va(kBase).leaf.output_address();
  const size_t mark = log.size();
  ASSERT_EQ(munmap(kBase + 0x3000, 0x1000), 0);
  EXPECT_EQ(k.stats().thp_split_pmd, 1u);
  // Break-before-make: the block entry is cleared and flushed (one TLBI at
  // the block) before the table goes in.
  const HwLog l = since(mark);
  ASSERT_GE(l.size(), 2u);
  EXPECT_EQ(l[0].kind, HwEvent::Kind::kWrite64);
  EXPECT_EQ(l[0].value, 0u);
  EXPECT_EQ(l[1], (HwEvent{HwEvent::Kind::kTlbiVaAsid, kBase, 0, asid().value()}));
  for (unsigned i : {0u, 2u, 4u, 511u}) {
    const Walk w = walk_va(kBase + i * 0x1000);
    EXPECT_EQ(w.level, 3) << i;
    EXPECT_EQ(w.pa, block + i * 0x1000) << i;
    EXPECT_EQ(w.leaf.page_attrs().ap, arch::Ap::kRw);
  }
  EXPECT_EQ(load(kBase + 0x3000), -1);
  for (unsigned i : {0u, 1u, 2u, 4u, 5u, 6u, 7u})
    EXPECT_EQ(load(kBase + i * 0x1000 + i), static_cast<uint8_t>(i * 7 + 1)) << i;
  EXPECT_EQ(k.stats().mapped_2m, 0u);
  EXPECT_EQ(k.stats().mapped_4k, 511u);
}

TEST_F(ThpTest, PartialMprotectSplitsWholeMprotectKeepsTheBlock) {
  map_huge(k2M);
  fill_pages(4);
  ASSERT_EQ(mprotect(kBase, k2M, abi::kProtRead), 0);
  EXPECT_EQ(walk_va(kBase).level, 2);
  EXPECT_EQ(walk_va(kBase).leaf.page_attrs().ap, arch::Ap::kRo);
  EXPECT_EQ(store(kBase, 9), -1);
  ASSERT_EQ(mprotect(kBase, k2M, kRw), 0);  // exclusive: writable again at once
  EXPECT_EQ(walk_va(kBase).leaf.page_attrs().ap, arch::Ap::kRw);
  EXPECT_EQ(k.stats().thp_split_pmd, 0u);
  ASSERT_EQ(mprotect(kBase + 0x1000, 0x1000, abi::kProtRead), 0);
  EXPECT_EQ(k.stats().thp_split_pmd, 1u);
  EXPECT_EQ(walk_va(kBase + 0x1000).level, 3);
  EXPECT_EQ(store(kBase + 0x1000, 9), -1);
  EXPECT_EQ(store(kBase + 0x2000, 9), 0);
  EXPECT_EQ(load(kBase + 0x2000), 9);
  expect_pages(2);
  EXPECT_EQ(load(kBase + 0x3000 + 3), 22);
}

TEST_F(ThpTest, DontneedOfPartSplitsOfAllFreesTheBlock) {
  map_huge(k2M);
  fill_pages(4);
  ASSERT_EQ(k.madvise(VirtAddr(kBase + 0x1000), 0x1000, abi::kMadvDontneed).value, 0);
  EXPECT_EQ(k.stats().thp_split_pmd, 1u);
  EXPECT_EQ(load(kBase + 0x1000 + 1), 0);
  EXPECT_EQ(load(kBase), 1);
  EXPECT_EQ(load(kBase + 0x2000 + 2), 15);
  ASSERT_EQ(munmap(kBase, k2M), 0);
  map_huge(k2M);
  fill_pages(2);
  const uint64_t in_use = k.stats().frames_in_use;
  ASSERT_EQ(k.madvise(VirtAddr(kBase), k2M, abi::kMadvDontneed).value, 0);
  EXPECT_EQ(k.stats().thp_split_pmd, 1u);
  // The block, its deposited table, and the level-2 and level-1 tables left empty.
  EXPECT_EQ(k.stats().frames_in_use, in_use - 515);
  EXPECT_EQ(load(kBase), 0);
}

TEST_F(ThpTest, PartialMadvFreeSplitsTheFolioAndMapsZeroSubpagesToTheZeroPage) {
  map_huge(k2M);
  ASSERT_EQ(store(kBase + 0x3005, 7), 0);
  const PhysAddr block = walk_va(kBase).leaf.output_address();
  const uint64_t in_use = k.stats().frames_in_use;
  ASSERT_EQ(k.madvise(VirtAddr(kBase + 0x1000), 0x4000, abi::kMadvFree).value, 0);
  EXPECT_EQ(k.stats().thp_split_pmd, 1u);
  // Still the block's frame; MADV_FREE made the entry old and clean (lazy free).
  EXPECT_EQ(walk_va(kBase + 0x3000).leaf.output_address(), block + 0x3000);
  EXPECT_FALSE(walk_va(kBase + 0x3000).leaf.af());
  EXPECT_EQ(walk_va(kBase).leaf.output_address(), k.mm().zero_page());
  EXPECT_EQ(walk_va(kBase + 0x1ff000).leaf.output_address(), k.mm().zero_page());
  EXPECT_EQ(k.stats().frames_in_use, in_use - 511);
  EXPECT_EQ(k.mm().smaps()[0].rss_kb, 4u);  // as Linux 6.18 shows it
  EXPECT_EQ(load(kBase + 0x3005), 7);
  EXPECT_EQ(load(kBase + 0x10), 0);
  ASSERT_EQ(store(kBase + 0x10, 1), 0);  // copy-on-write from the zero page
  EXPECT_EQ(load(kBase + 0x10), 1);
}

TEST_F(ThpTest, ForkSharesTheBlockAndAWriteSplitsAndCopiesOnePage) {
  map_huge(k2M);
  fill_pages(4);
  const PhysAddr block = walk_va(kBase).leaf.output_address();
  const SyscallResult f = k.fork();
  ASSERT_GT(f.value, 0);
  const Pid child = static_cast<Pid>(f.value);
  // Both sides map the block read-only.
  EXPECT_EQ(walk_va(kBase).level, 2);
  EXPECT_EQ(walk_va(kBase).leaf.page_attrs().ap, arch::Ap::kRo);
  k.mm().switch_to(child);
  EXPECT_EQ(walk_va(kBase).level, 2);
  EXPECT_EQ(walk_va(kBase).leaf.output_address(), block);
  EXPECT_EQ(walk_va(kBase).leaf.page_attrs().ap, arch::Ap::kRo);
  EXPECT_EQ(k.stats().mapped_2m, 2u);
  // The child's write: do_huge_pmd_wp_page splits, the 4 KB path copies.
  ASSERT_EQ(store(kBase + 0x1000, 0x77), 0);
  EXPECT_EQ(k.stats().thp_split_pmd, 1u);
  EXPECT_EQ(walk_va(kBase + 0x1000).level, 3);
  EXPECT_NE(walk_va(kBase + 0x1000).pa, block + 0x1000);
  EXPECT_EQ(walk_va(kBase + 0x2000).pa, block + 0x2000);
  EXPECT_EQ(load(kBase + 0x1000), 0x77);
  EXPECT_EQ(load(kBase + 0x1000 + 1), 8);
  expect_pages(1);
  k.mm().switch_to(pid);
  EXPECT_EQ(load(kBase + 0x1000), 0);
  expect_pages(4);
  // The parent's block is still shared: its write splits it too.
  ASSERT_EQ(store(kBase + 0x2000, 0x55), 0);
  EXPECT_EQ(k.stats().thp_split_pmd, 2u);
  EXPECT_NE(walk_va(kBase + 0x2000).pa, block + 0x2000);
  k.mm().switch_to(child);
  EXPECT_EQ(load(kBase + 0x2000 + 2), 15);
  k.mm().switch_to(pid);
  EXPECT_EQ(load(kBase + 0x2000), 0x55);
}

TEST_F(ThpTest, ForkThenChildExitLeavesTheParentsBlockToReuseInPlace) {
  map_huge(k2M);
  fill_pages(2);
  const PhysAddr block = walk_va(kBase).leaf.output_address();
  const Pid child = static_cast<Pid>(k.fork().value);
  k.mm().switch_to(child);
  ASSERT_EQ(k.exit().value, 0);
  k.mm().switch_to(pid);
  ASSERT_EQ(store(kBase + 0x10, 5), 0);  // exclusive again: reuse, no split
  EXPECT_EQ(k.stats().thp_split_pmd, 0u);
  EXPECT_EQ(walk_va(kBase).level, 2);
  EXPECT_EQ(walk_va(kBase).leaf.output_address(), block);
  EXPECT_EQ(walk_va(kBase).leaf.page_attrs().ap, arch::Ap::kRw);
  expect_pages(2);
}

TEST_F(ThpTest, SmapsCountsAnonHugePagesAndSharesAfterFork) {
  map_huge();
  ASSERT_EQ(store(kBase, 1), 0);
  ASSERT_EQ(store(kBase + k2M, 1), 0);
  ASSERT_EQ(munmap(kBase + k2M, 0x1000), 0);  // the second block split and one page gone
  std::vector<SmapsInfo> s = k.mm().smaps();
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].rss_kb, 2048u);
  EXPECT_EQ(s[0].anon_huge_kb, 2048u);
  EXPECT_EQ(s[0].private_dirty_kb, 2048u);
  EXPECT_EQ(s[1].rss_kb, 2044u);
  EXPECT_EQ(s[1].anon_huge_kb, 0u);
  k.fork();
  s = k.mm().smaps();
  EXPECT_EQ(s[0].rss_kb, 2048u);
  EXPECT_EQ(s[0].pss_kb, 1024u);
  EXPECT_EQ(s[0].shared_dirty_kb, 2048u);
  EXPECT_EQ(s[0].anon_huge_kb, 2048u);
}

TEST_F(ThpTest, MremapMovesABlockWholeToAnAlignedPlaceAndSplitsItForAnyOther) {
  map_huge(k2M);
  fill_pages(4);
  const PhysAddr block = walk_va(kBase).leaf.output_address();
  const uint64_t to = kBase + 8 * k2M;
  const size_t mark = log.size();
  ASSERT_EQ(
      k.mremap(VirtAddr(kBase), k2M, k2M, abi::kMremapMaymove | abi::kMremapFixed, VirtAddr(to))
          .value,
      static_cast<int64_t>(to));
  EXPECT_EQ(k.stats().thp_split_pmd, 0u);
  EXPECT_EQ(walk_va(to).level, 2);
  EXPECT_EQ(walk_va(to).leaf.output_address(), block);
  EXPECT_EQ(count(since(mark), HwEvent::Kind::kTlbiVaAsid), 1u);  // the old block's VA
  expect_pages(4, 0, to);
  EXPECT_EQ(load(kBase), -1);
  // Not 2 MB-aligned: split, then moved as 512 PTEs.
  const uint64_t odd = kBase + 16 * k2M + 0x1000;
  ASSERT_EQ(k.mremap(VirtAddr(to), k2M, k2M, abi::kMremapMaymove | abi::kMremapFixed, VirtAddr(odd))
                .value,
            static_cast<int64_t>(odd));
  EXPECT_EQ(k.stats().thp_split_pmd, 1u);
  EXPECT_EQ(walk_va(odd).level, 3);
  EXPECT_EQ(walk_va(odd + 0x3000).pa, block + 0x3000);
  expect_pages(4, 0, odd);
}

TEST_F(ThpTest, ExitReturnsEveryFrame) {
  const uint64_t before = k.stats().frames_in_use;
  const Pid child = static_cast<Pid>(k.fork().value);
  k.mm().switch_to(child);
  map_huge();
  fill_pages(3);
  ASSERT_EQ(store(kBase + k2M, 1), 0);
  EXPECT_EQ(k.stats().mapped_2m, 2u);
  ASSERT_EQ(k.exit().value, 0);
  k.mm().switch_to(pid);
  EXPECT_EQ(k.stats().mapped_2m, 0u);
  EXPECT_EQ(k.stats().frames_in_use, before);
}

}  // namespace
}  // namespace mmusim::sw::test
