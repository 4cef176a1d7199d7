// Page faults, the descriptors the kernel writes (checked with the reference
// walker), break-before-make, TLB maintenance, table freeing and costs.
#include <gtest/gtest.h>

#include "sw/mm/address_spaces.h"
#include "sw/reclaim/reclaim.h"
#include "tests/sw/kernel_fixture.h"

namespace mmusim::sw::test {
namespace {

using K = HwEvent::Kind;

arch::Descriptor user_page(PhysAddr pa, arch::Ap ap, bool uxn) {
  arch::PageAttrs a;
  a.attr_index = arch::mt::kNormal;
  a.ap = ap;
  a.sh = arch::Sh::kInner;
  a.af = true;
  a.ng = true;
  a.pxn = true;
  a.uxn = uxn;
  return arch::Descriptor::make_page(pa, a);
}

TEST_F(KernelTest, ReadFaultMapsTheZeroPageReadOnly) {
  ASSERT_GT(mmap(kBase, 0x2000, kRw, kAnonFixed), 0);
  EXPECT_EQ(cpu.load(kBase + 0x1234), 0);
  const Walk w = walk_va(kBase + 0x1234);
  ASSERT_EQ(w.fault, arch::FaultKind::kNone);
  EXPECT_EQ(w.level, 3);
  EXPECT_EQ(w.leaf, user_page(k.mm().zero_page(), arch::Ap::kRo, true));
  EXPECT_EQ(k.stats().zero_page_maps, 1u);
  EXPECT_EQ(k.stats().anon_pages_allocated, 0u);
}

TEST_F(KernelTest, WriteAfterZeroPageReplacesItWithBreakBeforeMake) {
  ASSERT_GT(mmap(kBase, 0x2000, kRw, kAnonFixed), 0);
  ASSERT_EQ(cpu.load(kBase), 0);
  const Walk before = walk_va(kBase);
  const PhysAddr slot = before.tables[3] + arch::table_index(VirtAddr(kBase), 3) * 8;
  const size_t mark = log.size();
  const TestCpu::Result r = cpu.access(VirtAddr(kBase), arch::AccessKind::kWrite);
  ASSERT_EQ(r.outcome, FaultOutcome::kRetry);
  EXPECT_EQ(r.faults, 1);
  const Walk after = walk_va(kBase);
  const PhysAddr page = after.leaf.output_address();
  EXPECT_NE(page, k.mm().zero_page());
  EXPECT_EQ(after.leaf, user_page(page, arch::Ap::kRw, true));
  EXPECT_EQ(since(mark), (HwLog{{K::kWrite64, slot.value(), 0, 0},
                                {K::kTlbiVaAsid, kBase, 0, 1},
                                {K::kWrite64, slot.value(), after.leaf.raw(), 0}}));
  // The new page was zeroed (fresh fake DRAM holds 0xa5).
  EXPECT_EQ(mem.byte(page + 0xfff), 0);
}

TEST_F(KernelTest, FirstWriteFaultMapsAZeroedWritablePageWithoutTlbi) {
  ASSERT_GT(mmap(kBase, 0x1000, kRw, kAnonFixed), 0);
  const size_t mark = log.size();
  ASSERT_EQ(cpu.store(kBase + 3, 0x11), FaultOutcome::kRetry);
  const Walk w = walk_va(kBase);
  EXPECT_EQ(w.leaf, user_page(w.leaf.output_address(), arch::Ap::kRw, true));
  for (const HwEvent& e : since(mark))
    EXPECT_EQ(e.kind, K::kWrite64);
  EXPECT_EQ(since(mark).size(), 4u);  // L0, L1, L2 table entries and the page
  EXPECT_EQ(mem.byte(w.pa + 4), 0);
}

TEST_F(KernelTest, ExecOnlyMemoryIsFetchableAndReadableButNotWritable) {
  ASSERT_GT(mmap(kBase, 0x1000, abi::kProtExec, kAnonFixed), 0);
  EXPECT_EQ(cpu.access(VirtAddr(kBase), arch::AccessKind::kFetch).outcome, FaultOutcome::kRetry);
  EXPECT_EQ(walk_va(kBase).leaf, user_page(k.mm().zero_page(), arch::Ap::kRo, false));
  EXPECT_EQ(cpu.load(kBase), 0);
  EXPECT_EQ(cpu.store(kBase, 1), FaultOutcome::kSigsegv);
}

TEST_F(KernelTest, WriteOnlyMemoryIsReadable) {
  ASSERT_GT(mmap(kBase, 0x1000, abi::kProtWrite, kAnonFixed), 0);
  EXPECT_EQ(cpu.load(kBase), 0);
  EXPECT_EQ(cpu.store(kBase, 4), FaultOutcome::kRetry);
  EXPECT_EQ(cpu.load(kBase), 4);
  EXPECT_EQ(walk_va(kBase).leaf.ap(), arch::Ap::kRw);
}

TEST_F(KernelTest, FetchFromNonExecutableMemoryIsSigsegv) {
  ASSERT_GT(mmap(kBase, 0x1000, kRw, kAnonFixed), 0);
  EXPECT_EQ(cpu.access(VirtAddr(kBase), arch::AccessKind::kFetch).outcome, FaultOutcome::kSigsegv);
}

TEST_F(KernelTest, AlignmentAndExternalAbortsAreSigbus) {
  arch::FaultSyndrome f;
  f.kind = arch::FaultKind::kAlignment;
  f.va = VirtAddr(kBase + 1);
  EXPECT_EQ(k.handle_fault(f).outcome, FaultOutcome::kSigbus);
  f.kind = arch::FaultKind::kExternal;
  EXPECT_EQ(k.handle_fault(f).outcome, FaultOutcome::kSigbus);
  EXPECT_EQ(k.stats().sigbus, 2u);
  EXPECT_EQ(k.stats().oom_failures, 0u);
}

TEST_F(KernelTest, MprotectDowngradeRewritesPtesAndFlushesEachPage) {
  ASSERT_GT(mmap(kBase, 0x3000, kRw, kAnonFixed), 0);
  ASSERT_EQ(cpu.store(kBase, 1), FaultOutcome::kRetry);
  ASSERT_EQ(cpu.store(kBase + 0x2000, 1), FaultOutcome::kRetry);
  const PhysAddr p0 = walk_va(kBase).leaf.output_address();
  const size_t mark = log.size();
  ASSERT_EQ(mprotect(kBase, 0x3000, abi::kProtRead), 0);
  EXPECT_EQ(walk_va(kBase).leaf, user_page(p0, arch::Ap::kRo, true));
  HwLog tlbis;
  for (const HwEvent& e : since(mark))
    if (e.kind != K::kWrite64) tlbis.push_back(e);
  // One range flush over the changed entries (pages 0..2), per page.
  EXPECT_EQ(tlbis, (HwLog{{K::kTlbiVaAsid, kBase, 0, 1},
                          {K::kTlbiVaAsid, kBase + 0x1000, 0, 1},
                          {K::kTlbiVaAsid, kBase + 0x2000, 0, 1}}));
}

TEST_F(KernelTest, MprotectUpgradeMakesOwnPagesWritableButKeepsTheZeroPageReadOnly) {
  ASSERT_GT(mmap(kBase, 0x2000, abi::kProtRead, kAnonFixed), 0);
  ASSERT_EQ(cpu.load(kBase), 0);
  ASSERT_EQ(mprotect(kBase, 0x2000, kRw), 0);
  ASSERT_EQ(cpu.store(kBase + 0x1000, 1), FaultOutcome::kRetry);
  ASSERT_EQ(mprotect(kBase, 0x2000, abi::kProtRead), 0);
  ASSERT_EQ(mprotect(kBase, 0x2000, kRw), 0);
  EXPECT_EQ(walk_va(kBase).leaf, user_page(k.mm().zero_page(), arch::Ap::kRo, true));
  const Walk own = walk_va(kBase + 0x1000);
  EXPECT_EQ(own.leaf, user_page(own.leaf.output_address(), arch::Ap::kRw, true));
  const uint64_t faults = k.stats().page_faults;
  EXPECT_EQ(cpu.store(kBase + 0x1000, 2), FaultOutcome::kRetry);
  EXPECT_EQ(k.stats().page_faults, faults);
}

TEST_F(KernelTest, AccessFlagFaultSetsAfWithoutTlbi) {
  ASSERT_GT(mmap(kBase, 0x1000, kRw, kAnonFixed), 0);
  ASSERT_EQ(cpu.store(kBase, 0x33), FaultOutcome::kRetry);
  const Walk w = walk_va(kBase);
  const PhysAddr slot = w.tables[3] + arch::table_index(VirtAddr(kBase), 3) * 8;
  mem.write64(slot, w.leaf.with_af(false).raw());  // as reclaim aging would
  ASSERT_EQ(walk_va(kBase).fault, arch::FaultKind::kAccessFlag);
  const size_t mark = log.size();
  const TestCpu::Result r = cpu.access(VirtAddr(kBase), arch::AccessKind::kRead);
  EXPECT_EQ(r.outcome, FaultOutcome::kRetry);
  EXPECT_EQ(r.faults, 1);
  EXPECT_EQ(since(mark), (HwLog{{K::kWrite64, slot.value(), w.leaf.raw(), 0}}));
}

TEST_F(KernelTest, SpuriousFaultOnAPermittingEntryFlushesAndRetries) {
  ASSERT_GT(mmap(kBase, 0x1000, kRw, kAnonFixed), 0);
  ASSERT_EQ(cpu.store(kBase, 1), FaultOutcome::kRetry);
  arch::FaultSyndrome f;
  f.kind = arch::FaultKind::kPermission;
  f.level = 3;
  f.access = arch::AccessKind::kWrite;
  f.va = VirtAddr(kBase + 8);
  const size_t mark = log.size();
  EXPECT_EQ(k.handle_fault(f).outcome, FaultOutcome::kRetry);
  EXPECT_EQ(since(mark), (HwLog{{K::kTlbiVaAsid, kBase, 0, 1}}));
}

TEST_F(KernelTest, MunmapFreesEmptiedTablesAndFlushesTheRange) {
  const uint64_t frames0 = k.stats().frames_in_use;
  ASSERT_GT(mmap(kBase, 0x2000, kRw, kAnonFixed), 0);
  ASSERT_EQ(cpu.store(kBase + 0x1000, 1), FaultOutcome::kRetry);
  EXPECT_EQ(k.stats().page_table_pages, 4u);
  EXPECT_EQ(k.stats().frames_in_use, frames0 + 4);
  const size_t mark = log.size();
  ASSERT_EQ(munmap(kBase, 0x2000), 0);
  EXPECT_EQ(k.stats().page_table_pages, 1u);
  EXPECT_EQ(k.stats().frames_in_use, frames0);
  EXPECT_EQ(walk_va(kBase).level, 0);
  EXPECT_EQ(walk_va(kBase).fault, arch::FaultKind::kTranslation);
  HwLog tlbis;
  for (const HwEvent& e : since(mark))
    if (e.kind != K::kWrite64) tlbis.push_back(e);
  // The range grows to cover the freed tables' VA (as Linux's pte_free_tlb
  // widens the mmu_gather), so walk caches drop them too.
  EXPECT_EQ(tlbis, (HwLog{{K::kTlbiVaAsid, kBase, 0, 1}, {K::kTlbiVaAsid, kBase + 0x1000, 0, 1}}));
}

TEST_F(KernelTest, MunmapKeepsTablesStillInUse) {
  ASSERT_GT(mmap(kBase, 0x2000, kRw, kAnonFixed), 0);
  ASSERT_EQ(cpu.store(kBase, 1), FaultOutcome::kRetry);
  ASSERT_EQ(cpu.store(kBase + 0x1000, 2), FaultOutcome::kRetry);
  ASSERT_EQ(munmap(kBase + 0x1000, 0x1000), 0);
  EXPECT_EQ(k.stats().page_table_pages, 4u);
  EXPECT_EQ(cpu.load(kBase), 1);
}

TEST_F(KernelTest, LargeMunmapFlushesTheWholeAsid) {
  ASSERT_GT(mmap(kBase, 600 * 4096, kRw, kAnonFixed | abi::kMapPopulate), 0);
  EXPECT_EQ(k.stats().anon_pages_allocated, 600u);
  const size_t mark = log.size();
  ASSERT_EQ(munmap(kBase, 600 * 4096), 0);
  HwLog tlbis;
  for (const HwEvent& e : since(mark))
    if (e.kind != K::kWrite64) tlbis.push_back(e);
  EXPECT_EQ(tlbis, (HwLog{{K::kTlbiAsid, 0, 0, 1}}));
  EXPECT_EQ(k.stats().page_table_pages, 1u);
}

TEST_F(KernelTest, FaultCostIsTheSumOfItsParts) {
  ASSERT_GT(mmap(kBase, 0x1000, kRw, kAnonFixed), 0);
  arch::FaultSyndrome f;
  f.kind = arch::FaultKind::kTranslation;
  f.level = 0;
  f.access = arch::AccessKind::kWrite;
  f.va = VirtAddr(kBase);
  const KernelStats s0 = k.stats();
  const FaultResult r = k.handle_fault(f);
  ASSERT_EQ(r.outcome, FaultOutcome::kRetry);
  const KernelCostParams& c = params.costs;
  // Three tables and the page: allocated, zeroed, and one entry written each;
  // two VMA operations (find, anon_vma_prepare).
  EXPECT_EQ(r.cost.cycles.count(), c.fault_cycles + 2 * c.vma_op_cycles + 4 * c.frame_alloc_cycles +
                                       4 * c.page_zero_cycles + 4 * c.descriptor_write_cycles);
  EXPECT_EQ(r.cost.cycles.count(), 1880u);
  EXPECT_EQ(r.cost.descriptor_writes, 4u);
  EXPECT_EQ(r.cost.frames_allocated, 4u);
  EXPECT_EQ(r.cost.bytes_written, 4 * 8 + 4 * 4096u);
  EXPECT_EQ(r.cost.tlb_invalidations, 0u);
  EXPECT_EQ(k.stats().descriptor_writes - s0.descriptor_writes, 4u);
  EXPECT_EQ(k.stats().page_faults - s0.page_faults, 1u);
  EXPECT_EQ(k.stats().faults_resolved - s0.faults_resolved, 1u);
}

TEST_F(KernelTest, SyscallCostsAddUpAcrossOperations) {
  KernelCost total;
  uint64_t syscalls = 0;
  auto add = [&](const SyscallResult& r) {
    EXPECT_GT(r.cost.cycles.count(), 0u);
    total += r.cost;
    syscalls++;
  };
  add(k.mmap(VirtAddr(kBase), 0x4000, kRw, kAnonFixed | abi::kMapPopulate, -1, 0));
  add(k.mprotect(VirtAddr(kBase + 0x1000), 0x1000, abi::kProtRead));
  add(k.munmap(VirtAddr(kBase), 0x4000));
  add(k.munmap(VirtAddr(kBase + 1), 0x4000));  // an error costs the entry too
  EXPECT_EQ(k.stats().syscalls, syscalls);
  EXPECT_EQ(k.stats().descriptor_writes, total.descriptor_writes);
  EXPECT_EQ(k.stats().tlb_invalidations, total.tlb_invalidations);
  EXPECT_EQ(total.frames_allocated, 3u + 4u);
  // mprotect flushed one page, munmap four.
  EXPECT_EQ(total.tlb_invalidations, 5u);
  const SyscallResult bad = k.munmap(VirtAddr(kBase + 1), 0x1000);
  EXPECT_EQ(bad.cost.cycles.count(), params.costs.syscall_cycles);
}

class TinyKernelTest : public KernelTest {
 protected:
  TinyKernelTest() : KernelTest(small_params(1 << 20)) {}
};

TEST_F(TinyKernelTest, RunningOutOfFramesWithoutSwapIsAnOomKill) {
  // 256 frames: the zero page, the root, three tables, then 251 pages. With
  // no swap and nothing else to reclaim, the 252nd page is an OOM kill of
  // the only (largest) process, which the fault reports.
  ASSERT_GT(mmap(kBase, 300 * 4096, kRw, kAnonFixed), 0);
  for (uint64_t i = 0; i < 251; ++i)
    ASSERT_EQ(cpu.store(kBase + i * 4096, 1), FaultOutcome::kRetry) << i;
  EXPECT_EQ(cpu.store(kBase + 251 * 4096, 1), FaultOutcome::kKilled);
  EXPECT_EQ(k.stats().oom_failures, 1u);
  EXPECT_EQ(k.stats().oom_kills, 1u);
  EXPECT_EQ(k.stats().sigbus, 0u);
  EXPECT_EQ(k.mm().current(), 0);
  EXPECT_FALSE(k.mm().exists(pid));
  ASSERT_EQ(k.reclaim().oom_kills().size(), 1u);
  EXPECT_EQ(k.reclaim().oom_kills()[0].anon_rss_kb, 251u * 4);
  // Everything but the zero page came back.
  EXPECT_EQ(k.stats().frames_in_use, 1u);
}

}  // namespace
}  // namespace mmusim::sw::test
