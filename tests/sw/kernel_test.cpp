// System calls at the API level: results, error codes in Linux's order,
// partial effects, and the VMA layout `maps` prints.
#include <gtest/gtest.h>

#include <stdexcept>

#include "sw/mm/address_spaces.h"
#include "tests/sw/kernel_fixture.h"

namespace mmusim::sw::test {
namespace {

using Lines = std::vector<std::string>;

// A VMA script (an earlier version of docs/examples/vma_basics.scn), line by
// line, against what Linux printed for it.
TEST_F(KernelTest, VmaBasicsScriptMatchesLinuxTranscript) {
  EXPECT_EQ(mmap(0x100000000000, 32 << 10, kRw, kAnonFixed), 0x100000000000);
  EXPECT_EQ(cpu.store(0x100000000010, 0x2a), FaultOutcome::kRetry);
  EXPECT_EQ(cpu.load(0x100000000010), 0x2a);
  EXPECT_EQ(cpu.load(0x100000005000), 0x00);
  EXPECT_EQ(mprotect(0x100000002000, 4 << 10, abi::kProtRead), 0);
  EXPECT_EQ(maps(), (Lines{"100000000000-100000002000 rw-p 00000000",
                           "100000002000-100000003000 r--p 00000000",
                           "100000003000-100000008000 rw-p 00000000"}));
  EXPECT_EQ(cpu.store(0x100000002000, 1), FaultOutcome::kSigsegv);
  EXPECT_EQ(mprotect(0x100000002000, 4 << 10, kRw), 0);
  EXPECT_EQ(maps(), (Lines{"100000000000-100000008000 rw-p 00000000"}));
  EXPECT_EQ(munmap(0x100000004000, 8 << 10), 0);
  EXPECT_EQ(maps(), (Lines{"100000000000-100000004000 rw-p 00000000",
                           "100000006000-100000008000 rw-p 00000000"}));
  FaultOutcome sig;
  EXPECT_EQ(cpu.load(0x100000004000, &sig), std::nullopt);
  EXPECT_EQ(sig, FaultOutcome::kSigsegv);
  EXPECT_EQ(munmap(0x100000000003, 4 << 10), kEINVAL);
  // The page stored to at the start survived the split and the re-merge.
  EXPECT_EQ(cpu.load(0x100000000010), 0x2a);
  const Walk w = walk_va(0x100000000010);
  ASSERT_EQ(w.fault, arch::FaultKind::kNone);
  EXPECT_EQ(w.leaf.ap(), arch::Ap::kRw);
}

TEST_F(KernelTest, MmapRejectsZeroLength) {
  EXPECT_EQ(mmap(kBase, 0, kRw, kAnonFixed), kEINVAL);
}

TEST_F(KernelTest, MmapChecksOffsetAlignmentBeforeTheFile) {
  EXPECT_EQ(mmap(kBase, 4096, kRw, abi::kMapPrivate, 0x10), kEINVAL);
  EXPECT_EQ(mmap(kBase, 0, kRw, abi::kMapPrivate, 0x1000), kEBADF);  // no files: EBADF first
  EXPECT_EQ(mmap(kBase, 4096, kRw, kAnonFixed, 0x800), kEINVAL);
}

TEST_F(KernelTest, MmapLengthThatOverflowsWhenAlignedIsEnomem) {
  EXPECT_EQ(mmap(0, ~uint64_t{0}, kRw, kAnon), kENOMEM);
  EXPECT_EQ(mmap(0, ~uint64_t{0} - 4094, kRw, kAnon), kENOMEM);
}

TEST_F(KernelTest, MmapNeedsSharedOrPrivate) {
  EXPECT_EQ(mmap(kBase, 4096, kRw, abi::kMapAnonymous | abi::kMapFixed), kEINVAL);
  EXPECT_EQ(mmap(kBase, 4096, kRw, abi::kMapSharedValidate | abi::kMapAnonymous), kEINVAL);
  EXPECT_TRUE(maps().empty());
}

TEST_F(KernelTest, MmapFixedNeedsAnAlignedAddressInsideTaskSize) {
  EXPECT_EQ(mmap(kBase + 1, 4096, kRw, kAnonFixed), kEINVAL);
  EXPECT_EQ(mmap((uint64_t{1} << 48) - 4096, 8192, kRw, kAnonFixed), kENOMEM);
  EXPECT_EQ(mmap(uint64_t{1} << 48, 4096, kRw, kAnonFixed), kENOMEM);
  EXPECT_EQ(mmap(0, uint64_t{1} << 48, kRw, kAnonFixed), kENOMEM);
  EXPECT_EQ(mmap((uint64_t{1} << 48) - 4096, 4096, kRw, kAnonFixed),
            static_cast<int64_t>((uint64_t{1} << 48) - 4096));
}

TEST_F(KernelTest, MmapFixedBelowMmapMinAddrIsEperm) {
  EXPECT_EQ(mmap(0, 4096, kRw, kAnonFixed), -1);
  EXPECT_EQ(mmap(params.mmap_min_addr.value() - 4096, 4096, kRw, kAnonFixed), -1);
  EXPECT_EQ(mmap(params.mmap_min_addr.value(), 4096, kRw, kAnonFixed),
            static_cast<int64_t>(params.mmap_min_addr.value()));
}

TEST_F(KernelTest, FixedNoreplaceFailsWithEexistOnAnyOverlap) {
  const int noreplace = kAnon | abi::kMapFixedNoreplace;
  ASSERT_EQ(mmap(kBase + 0x2000, 0x2000, kRw, kAnonFixed), static_cast<int64_t>(kBase + 0x2000));
  EXPECT_EQ(mmap(kBase, 0x3000, kRw, noreplace), kEEXIST);
  EXPECT_EQ(mmap(kBase + 0x3000, 0x1000, abi::kProtRead, noreplace), kEEXIST);
  // EEXIST comes before the MAP_TYPE check, as in do_mmap.
  EXPECT_EQ(mmap(kBase + 0x3000, 0x1000, kRw, abi::kMapAnonymous | abi::kMapFixedNoreplace),
            kEEXIST);
  EXPECT_EQ(mmap(kBase, 0x2000, kRw, noreplace), static_cast<int64_t>(kBase));
  EXPECT_EQ(maps(), (Lines{"100000000000-100000004000 rw-p 00000000"}));
}

TEST_F(KernelTest, MapFixedReplacesWhatWasThereAndFreesItsPages) {
  ASSERT_EQ(mmap(kBase, 0x4000, kRw, kAnonFixed), static_cast<int64_t>(kBase));
  const uint64_t frames0 = k.stats().frames_in_use;
  ASSERT_EQ(cpu.store(kBase + 0x1000, 7), FaultOutcome::kRetry);
  EXPECT_EQ(k.stats().frames_in_use, frames0 + 4);  // three tables and the page
  EXPECT_EQ(mmap(kBase + 0x1000, 0x1000, abi::kProtRead, kAnonFixed),
            static_cast<int64_t>(kBase + 0x1000));
  EXPECT_EQ(maps(), (Lines{"100000000000-100000001000 rw-p 00000000",
                           "100000001000-100000002000 r--p 00000000",
                           "100000002000-100000004000 rw-p 00000000"}));
  EXPECT_EQ(k.stats().frames_in_use, frames0);
  EXPECT_EQ(cpu.load(kBase + 0x1000), 0);
  // Mapping rw- over the hole again merges all three back.
  EXPECT_EQ(mmap(kBase + 0x1000, 0x1000, kRw, kAnonFixed), static_cast<int64_t>(kBase + 0x1000));
  EXPECT_EQ(maps(), (Lines{"100000000000-100000004000 rw-p 00000000"}));
}

TEST_F(KernelTest, KernelChoosesAddressesTopDownBelowMmapBase) {
  const uint64_t base = params.mmap_base.value();
  EXPECT_EQ(mmap(0, 0x2000, kRw, kAnon), static_cast<int64_t>(base - 0x2000));
  EXPECT_EQ(mmap(0, 0x1000, kRw, kAnon), static_cast<int64_t>(base - 0x3000));
  EXPECT_EQ(mmap(0, 0x1000, abi::kProtRead, kAnon), static_cast<int64_t>(base - 0x4000));
  EXPECT_EQ(maps(), (Lines{"fffff7ffb000-fffff7ffc000 r--p 00000000",
                           "fffff7ffc000-fffff7fff000 rw-p 00000000"}));
  // A hole left by munmap is found again from the top.
  ASSERT_EQ(munmap(base - 0x2000, 0x1000), 0);
  EXPECT_EQ(mmap(0, 0x1000, kRw, kAnon), static_cast<int64_t>(base - 0x2000));
  // A hole too small is skipped.
  ASSERT_EQ(munmap(base - 0x2000, 0x1000), 0);
  EXPECT_EQ(mmap(0, 0x2000, kRw, kAnon), static_cast<int64_t>(base - 0x6000));
}

TEST_F(KernelTest, KernelUsesAFreeHintAndSearchesWhenItIsTaken) {
  EXPECT_EQ(mmap(kBase + 0x123, 0x1000, kRw, kAnon), static_cast<int64_t>(kBase));
  EXPECT_EQ(mmap(kBase, 0x1000, kRw, kAnon),
            static_cast<int64_t>(params.mmap_base.value() - 0x1000));
  // A hint below vm.mmap_min_addr is raised to it.
  EXPECT_EQ(mmap(0x1000, 0x1000, kRw, kAnon), static_cast<int64_t>(params.mmap_min_addr.value()));
}

TEST_F(KernelTest, MmapIsEnomemWhenNoHoleIsBigEnough) {
  // Larger than anything below mmap_base or above TASK_UNMAPPED_BASE.
  EXPECT_EQ(mmap(0, params.mmap_base.value(), kRw, kAnon), kENOMEM);
  EXPECT_TRUE(maps().empty());
}

TEST_F(KernelTest, MunmapChecksAlignmentLengthAndTaskSize) {
  EXPECT_EQ(munmap(kBase + 8, 4096), kEINVAL);
  EXPECT_EQ(munmap(kBase, 0), kEINVAL);
  EXPECT_EQ(munmap((uint64_t{1} << 48) + 4096, 4096), kEINVAL);
  EXPECT_EQ(munmap((uint64_t{1} << 48) - 4096, 8192), kEINVAL);
  EXPECT_EQ(munmap(kBase, ~uint64_t{0}), kEINVAL);
  EXPECT_EQ(munmap(kBase, 4096), 0);  // nothing mapped: fine
}

TEST_F(KernelTest, MunmapAcrossHolesRemovesEverythingInRange) {
  ASSERT_GT(mmap(kBase, 0x2000, kRw, kAnonFixed), 0);
  ASSERT_GT(mmap(kBase + 0x3000, 0x2000, abi::kProtRead, kAnonFixed), 0);
  ASSERT_GT(mmap(kBase + 0x6000, 0x2000, kRw, kAnonFixed), 0);
  EXPECT_EQ(munmap(kBase + 0x1000, 0x6000), 0);
  EXPECT_EQ(maps(), (Lines{"100000000000-100000001000 rw-p 00000000",
                           "100000007000-100000008000 rw-p 00000000"}));
}

TEST_F(KernelTest, MprotectChecksAlignmentProtBitsAndLength) {
  ASSERT_GT(mmap(kBase, 0x2000, kRw, kAnonFixed), 0);
  EXPECT_EQ(mprotect(kBase + 1, 0, abi::kProtRead), kEINVAL);  // alignment before length
  EXPECT_EQ(mprotect(kBase, 0, abi::kProtRead), 0);
  EXPECT_EQ(mprotect(kBase, 0x1000, 0x10), kEINVAL);
  EXPECT_EQ(mprotect(kBase, 0x1000, 0x01000000 | 0x02000000), kEINVAL);
  EXPECT_EQ(mprotect(kBase, ~uint64_t{0}, abi::kProtRead), kENOMEM);
  EXPECT_EQ(mprotect(kBase, 0x1000, abi::kProtRead | 0x8), 0);  // PROT_SEM is accepted
  EXPECT_EQ(maps(), (Lines{"100000000000-100000001000 r--p 00000000",
                           "100000001000-100000002000 rw-p 00000000"}));
}

TEST_F(KernelTest, MprotectWithoutAVmaAtStartIsEnomemAndChangesNothing) {
  ASSERT_GT(mmap(kBase + 0x1000, 0x2000, kRw, kAnonFixed), 0);
  EXPECT_EQ(mprotect(kBase, 0x3000, abi::kProtRead), kENOMEM);
  EXPECT_EQ(mprotect(kBase + 0x10000, 0x1000, abi::kProtRead), kENOMEM);
  EXPECT_EQ(maps(), (Lines{"100000001000-100000003000 rw-p 00000000"}));
}

TEST_F(KernelTest, MprotectStopsAtAHoleAfterChangingTheVmasBeforeIt) {
  ASSERT_GT(mmap(kBase, 0x2000, kRw, kAnonFixed), 0);
  ASSERT_GT(mmap(kBase + 0x3000, 0x2000, kRw, kAnonFixed), 0);
  EXPECT_EQ(mprotect(kBase + 0x1000, 0x4000, abi::kProtRead), kENOMEM);
  EXPECT_EQ(maps(), (Lines{"100000000000-100000001000 rw-p 00000000",
                           "100000001000-100000002000 r--p 00000000",
                           "100000003000-100000005000 rw-p 00000000"}));
}

TEST_F(KernelTest, MprotectPastTheLastVmaIsEnomemAfterChangingIt) {
  ASSERT_GT(mmap(kBase, 0x2000, kRw, kAnonFixed), 0);
  EXPECT_EQ(mprotect(kBase, 0x3000, abi::kProtRead), kENOMEM);
  EXPECT_EQ(maps(), (Lines{"100000000000-100000002000 r--p 00000000"}));
}

TEST_F(KernelTest, MprotectOverSeveralVmasMergesThemIntoOne) {
  ASSERT_GT(mmap(kBase, 0x1000, kRw, kAnonFixed), 0);
  ASSERT_GT(mmap(kBase + 0x1000, 0x1000, abi::kProtRead, kAnonFixed), 0);
  ASSERT_GT(mmap(kBase + 0x2000, 0x1000, abi::kProtExec, kAnonFixed), 0);
  EXPECT_EQ(maps().size(), 3u);
  // The never-faulted rw- VMA drops VM_ACCOUNT on becoming read-only, so
  // all three end with the same flags.
  EXPECT_EQ(mprotect(kBase, 0x3000, abi::kProtRead), 0);
  EXPECT_EQ(maps(), (Lines{"100000000000-100000003000 r--p 00000000"}));
}

TEST_F(KernelTest, FaultedWritableMemoryKeepsItsChargeAndDoesNotMergeWithReadOnly) {
  ASSERT_GT(mmap(kBase, 0x1000, kRw, kAnonFixed), 0);
  ASSERT_GT(mmap(kBase + 0x1000, 0x1000, abi::kProtRead, kAnonFixed), 0);
  ASSERT_EQ(cpu.store(kBase, 1), FaultOutcome::kRetry);  // gives it an anon_vma
  EXPECT_EQ(mprotect(kBase, 0x1000, abi::kProtRead), 0);
  EXPECT_EQ(maps(), (Lines{"100000000000-100000001000 r--p 00000000",
                           "100000001000-100000002000 r--p 00000000"}));
}

TEST_F(KernelTest, SeparatelyFaultedPiecesDoNotRemergeAcrossTheMiddle) {
  ASSERT_GT(mmap(kBase, 0x3000, kRw, kAnonFixed), 0);
  ASSERT_EQ(mprotect(kBase + 0x1000, 0x1000, abi::kProtRead), 0);
  ASSERT_EQ(cpu.store(kBase, 1), FaultOutcome::kRetry);           // anon_vma A
  ASSERT_EQ(cpu.store(kBase + 0x2000, 1), FaultOutcome::kRetry);  // anon_vma B
  EXPECT_EQ(mprotect(kBase + 0x1000, 0x1000, kRw), 0);
  EXPECT_EQ(maps(), (Lines{"100000000000-100000002000 rw-p 00000000",
                           "100000002000-100000003000 rw-p 00000000"}));
}

TEST_F(KernelTest, MprotectNoneThenBackKeepsTheData) {
  ASSERT_GT(mmap(kBase, 0x1000, kRw, kAnonFixed), 0);
  ASSERT_EQ(cpu.store(kBase + 5, 0x5a), FaultOutcome::kRetry);
  ASSERT_EQ(mprotect(kBase, 0x1000, abi::kProtNone), 0);
  EXPECT_EQ(maps(), (Lines{"100000000000-100000001000 ---p 00000000"}));
  EXPECT_EQ(walk_va(kBase).fault, arch::FaultKind::kTranslation);
  EXPECT_EQ(cpu.load(kBase + 5), std::nullopt);
  EXPECT_EQ(cpu.store(kBase + 5, 1), FaultOutcome::kSigsegv);
  ASSERT_EQ(mprotect(kBase, 0x1000, abi::kProtRead), 0);
  EXPECT_EQ(cpu.load(kBase + 5), 0x5a);
  EXPECT_EQ(walk_va(kBase).leaf.ap(), arch::Ap::kRo);
}

TEST_F(KernelTest, ProtNoneMappingFaultsEveryAccess) {
  ASSERT_GT(mmap(kBase, 0x1000, abi::kProtNone, kAnonFixed), 0);
  FaultOutcome sig;
  EXPECT_EQ(cpu.load(kBase, &sig), std::nullopt);
  EXPECT_EQ(sig, FaultOutcome::kSigsegv);
  EXPECT_EQ(cpu.access(VirtAddr(kBase), arch::AccessKind::kFetch).outcome, FaultOutcome::kSigsegv);
  EXPECT_EQ(k.stats().sigsegv, 2u);
  EXPECT_EQ(walk_va(kBase).fault, arch::FaultKind::kTranslation);
}

TEST_F(KernelTest, SharedAnonymousMemoryIsItsOwnObject) {
  const int shared = abi::kMapShared | abi::kMapAnonymous | abi::kMapFixed;
  ASSERT_GT(mmap(kBase, 0x2000, kRw, shared), 0);
  ASSERT_GT(mmap(kBase + 0x2000, 0x1000, kRw, shared), 0);
  ASSERT_EQ(mprotect(kBase + 0x1000, 0x1000, abi::kProtRead), 0);
  EXPECT_EQ(maps(), (Lines{"100000000000-100000001000 rw-s 00000000 [shared-anon]",
                           "100000001000-100000002000 r--s 00001000 [shared-anon]",
                           "100000002000-100000003000 rw-s 00000000 [shared-anon]"}));
  // A read gets a page of its own, not the zero page.
  ASSERT_EQ(cpu.load(kBase), 0);
  EXPECT_NE(walk_va(kBase).leaf.output_address(), k.mm().zero_page());
  EXPECT_EQ(k.stats().zero_page_maps, 0u);
  EXPECT_EQ(mmap(kBase + 0x4000, 0x1000, kRw,
                 abi::kMapShared | abi::kMapAnonymous | abi::kMapFixed | abi::kMapGrowsdown),
            kEINVAL);
}

TEST_F(KernelTest, MapPopulatePrefaultsTheRange) {
  ASSERT_GT(mmap(kBase, 0x3000, kRw, kAnonFixed | abi::kMapPopulate), 0);
  EXPECT_EQ(k.stats().anon_pages_allocated, 3u);
  EXPECT_EQ(k.stats().page_faults, 0u);
  EXPECT_EQ(cpu.store(kBase + 0x2000, 1), FaultOutcome::kRetry);
  EXPECT_EQ(k.stats().page_faults, 0u);
}

TEST_F(KernelTest, ProcessesHaveDistinctAsidsRootsAndAddressSpaces) {
  ASSERT_GT(mmap(kBase, 0x1000, kRw, kAnonFixed), 0);
  ASSERT_EQ(cpu.store(kBase, 9), FaultOutcome::kRetry);
  const Pid other = k.mm().spawn();
  EXPECT_EQ(k.mm().current(), pid);
  EXPECT_EQ(k.mm().asid(pid), Asid(1));
  // Linux init_new_context: no ASID before the first switch-in (context.id 0).
  EXPECT_EQ(k.mm().asid(other), Asid(0));
  EXPECT_NE(k.mm().page_table_root(pid), k.mm().page_table_root(other));
  const size_t mark = log.size();
  k.mm().switch_to(other);
  EXPECT_EQ(k.mm().asid(other), Asid(2));
  EXPECT_EQ(since(mark),
            (HwLog{{HwEvent::Kind::kSetTtbr0, k.mm().page_table_root(other).value(), 0, 2}}));
  EXPECT_TRUE(maps().empty());
  EXPECT_EQ(cpu.load(kBase), std::nullopt);
  k.mm().switch_to(pid);
  EXPECT_EQ(cpu.load(kBase), 9);
}

TEST_F(KernelTest, BootProgramsMairAndTheFirstProcessTtbr0) {
  ASSERT_GE(log.size(), 2u);
  EXPECT_EQ(log[0], (HwEvent{HwEvent::Kind::kSetMair, 0, arch::kLinuxMair, 0}));
  EXPECT_EQ(log.back(),
            (HwEvent{HwEvent::Kind::kSetTtbr0, k.mm().page_table_root(pid).value(), 0, 1}));
}

TEST(KernelParams, ValidateNamesTheBadField) {
  KernelParams p;
  p.dram_bytes = 4096 * 100;
  try {
    p.validate();
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "kernel.dram_bytes: must be a multiple of 4096 and at least 1 MiB");
  }
  p = KernelParams{};
  p.mmap_base = VirtAddr(0x1234);
  EXPECT_THROW(p.validate(), std::invalid_argument);
  p = KernelParams{};
  p.costs.tlbi_cycles = ~uint64_t{0};
  try {
    p.validate();
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("kernel.costs.tlbi_cycles"), std::string::npos);
  }
  EXPECT_NO_THROW(KernelParams{}.validate());
}

}  // namespace
}  // namespace mmusim::sw::test

namespace mmusim::sw::test {
namespace {

TEST_F(KernelTest, SplittingBeyondMaxMapCountIsEnomem) {
  // 65529 one-page VMAs of alternating protection, then one of three pages.
  for (uint64_t i = 0; i + 1 < 65530; ++i)
    ASSERT_GT(mmap(kBase + i * 4096, 4096, (i & 1) ? kRw : abi::kProtRead, kAnonFixed), 0);
  const uint64_t last = kBase + 65529 * 4096;
  ASSERT_GT(mmap(last, 3 * 4096, kRw, kAnonFixed), 0);  // the one before is r--: no merge
  ASSERT_EQ(k.mm().maps().size(), 65530u);
  EXPECT_EQ(munmap(last + 4096, 4096), kENOMEM);
  EXPECT_EQ(mprotect(last + 4096, 4096, abi::kProtRead), kENOMEM);
  EXPECT_EQ(munmap(last, 4096), 0);  // trimming an end needs no split
}

}  // namespace
}  // namespace mmusim::sw::test
