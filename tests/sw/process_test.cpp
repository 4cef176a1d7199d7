// fork, copy-on-write, switch, threads and exit.
#include <gtest/gtest.h>

#include "sw/mm/address_spaces.h"
#include "tests/sw/kernel_fixture.h"

namespace mmusim::sw::test {
namespace {

using K = HwEvent::Kind;
using Lines = std::vector<std::string>;

TEST_F(KernelTest, ForkGivesTheChildWipeOnForkRangesEmpty) {
  // MADV_WIPEONFORK (and MAP_DROPPABLE memory): the child's VMA is there but
  // holds no pages, so it reads zeroes; the parent keeps its data.
  ASSERT_EQ(mmap(kBase, 0x3000, kRw, kAnonFixed), kBase);
  ASSERT_EQ(
      mmap(kBase + 0x10000, 0x1000, kRw, abi::kMapDroppable | abi::kMapAnonymous | abi::kMapFixed),
      kBase + 0x10000);
  for (uint64_t off : {0x0, 0x1000, 0x2000, 0x10000})
    ASSERT_EQ(store(kBase + off, 0x5a), 0);
  ASSERT_EQ(k.madvise(VirtAddr(kBase + 0x1000), 0x1000, abi::kMadvWipeonfork).value, 0);
  const SyscallResult r = k.fork();
  ASSERT_GT(r.value, 0);
  k.mm().switch_to(static_cast<Pid>(r.value));
  EXPECT_EQ(load(kBase), 0x5a);
  EXPECT_EQ(load(kBase + 0x1000), 0);
  EXPECT_EQ(load(kBase + 0x2000), 0x5a);
  EXPECT_EQ(load(kBase + 0x10000), 0);
  EXPECT_EQ(maps(), (Lines{"100000000000-100000001000 rw-p 00000000",
                           "100000001000-100000002000 rw-p 00000000",
                           "100000002000-100000003000 rw-p 00000000",
                           "100000010000-100000011000 rw-p 00000000"}));
  k.mm().switch_to(pid);
  EXPECT_EQ(load(kBase + 0x1000), 0x5a);
  EXPECT_EQ(load(kBase + 0x10000), 0x5a);
}

TEST_F(KernelTest, ForkWriteProtectsBothSidesAndFlushesTheParentsAsid) {
  ASSERT_EQ(mmap(kBase, 0x1000, kRw, kAnonFixed), kBase);
  ASSERT_EQ(store(kBase, 0x11), 0);
  const PhysAddr page = walk_va(kBase).pa;
  const size_t mark = log.size();
  const SyscallResult r = k.fork();
  ASSERT_GT(r.value, 0);
  const Pid child = static_cast<Pid>(r.value);
  EXPECT_EQ(k.mm().current(), pid);  // the parent keeps running
  EXPECT_NE(k.mm().asid(child), k.mm().asid(pid));
  EXPECT_NE(k.mm().page_table_root(child), k.mm().page_table_root(pid));
  // The parent's entry became read-only, then its whole ASID was flushed.
  const HwLog events = since(mark);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back(), (HwEvent{K::kTlbiAsid, 0, 0, k.mm().asid(pid).value()}));
  const Walk pw = walk_va(kBase);
  EXPECT_EQ(pw.leaf.page_attrs().ap, arch::Ap::kRo);
  const Walk cw = walk(mem, k.mm().page_table_root(child), VirtAddr(kBase));
  EXPECT_EQ(cw.pa, page);
  EXPECT_EQ(cw.leaf.page_attrs().ap, arch::Ap::kRo);
  // The parent's first write copies (and costs a copy), the child keeps the page.
  const TestCpu::Result w = cpu.access(VirtAddr(kBase), arch::AccessKind::kWrite);
  EXPECT_EQ(w.faults, 1);
  EXPECT_GE(w.cost.cycles.count(), params.costs.page_copy_cycles);
  EXPECT_NE(walk_va(kBase).pa, page);
  EXPECT_EQ(k.stats().cow_copies, 1u);
  // The child is now the only user: its write reuses the page in place.
  k.mm().switch_to(child);
  ASSERT_EQ(store(kBase, 0x22), 0);
  EXPECT_EQ(walk(mem, k.mm().page_table_root(child), VirtAddr(kBase)).pa, page);
  EXPECT_EQ(k.stats().cow_copies, 1u);
  k.mm().switch_to(pid);
  EXPECT_EQ(load(kBase), 0x11);
}

TEST_F(KernelTest, ForkSkipsDontforkAndDropsMlock) {
  ASSERT_EQ(mmap(kBase, 0x1000, kRw, kAnonFixed), kBase);
  ASSERT_EQ(mmap(kBase + 0x1000, 0x1000, kRw, kAnonFixed | abi::kMapLocked), kBase + 0x1000);
  ASSERT_EQ(k.madvise(VirtAddr(kBase), 0x1000, abi::kMadvDontfork).value, 0);
  const Pid child = static_cast<Pid>(k.fork().value);
  k.mm().switch_to(child);
  EXPECT_EQ(maps(), (Lines{"100000001000-100000002000 rw-p 00000000"}));
  EXPECT_EQ(load(kBase), -1);
  // VM_LOCKED was not inherited: DONTNEED (EINVAL on locked memory) works.
  EXPECT_EQ(k.madvise(VirtAddr(kBase + 0x1000), 0x1000, abi::kMadvDontneed).value, 0);
}

TEST_F(KernelTest, SwitchWritesTtbr0WithoutFlushingAndThreadsShareTheAsid) {
  const Pid other = k.mm().spawn();
  size_t mark = log.size();
  k.mm().switch_to(other);
  EXPECT_EQ(since(mark), (HwLog{{K::kSetTtbr0, k.mm().page_table_root(other).value(), 0,
                                 k.mm().asid(other).value()}}));
  k.mm().switch_to(pid);
  const Pid thread = static_cast<Pid>(k.clone_thread().value);
  EXPECT_EQ(k.mm().asid(thread), k.mm().asid(pid));
  EXPECT_EQ(k.mm().page_table_root(thread), k.mm().page_table_root(pid));
  mark = log.size();
  k.mm().switch_to(thread);
  EXPECT_TRUE(since(mark).empty());  // same mm: nothing to write, nothing to flush
}

TEST_F(KernelTest, ExitFreesEverythingWithTheLastTask) {
  const uint64_t frames0 = k.stats().frames_in_use;
  const Pid p2 = k.mm().spawn();
  k.mm().switch_to(p2);
  ASSERT_EQ(mmap(kBase, 0x3000, kRw, kAnonFixed), kBase);
  ASSERT_EQ(mmap(kBase + 0x10000, 0x1000, kRw, kShared | abi::kMapAnonymous | abi::kMapFixed),
            kBase + 0x10000);
  ASSERT_EQ(store(kBase, 1), 0);
  ASSERT_EQ(store(kBase + 0x2000, 1), 0);
  ASSERT_EQ(store(kBase + 0x10000, 1), 0);
  const Pid t = static_cast<Pid>(k.clone_thread().value);
  EXPECT_EQ(k.exit().value, 0);
  EXPECT_EQ(k.mm().current(), 0);
  EXPECT_GT(k.stats().frames_in_use, frames0);  // the thread still holds the mm
  k.mm().switch_to(t);
  EXPECT_EQ(load(kBase), 1);
  EXPECT_EQ(k.exit().value, 0);
  EXPECT_EQ(k.stats().frames_in_use, frames0);
  EXPECT_EQ(k.stats().page_cache_pages, 0u);
  EXPECT_FALSE(k.mm().exists(t));
}

TEST_F(KernelTest, SharedFileMappingStaysSharedAcrossFork) {
  make_file("f", 4096, 3);
  ASSERT_EQ(mmap_fd(kBase, 4096, kRw, kShared | abi::kMapFixed, 3, 0), kBase);
  ASSERT_EQ(store(kBase, 1), 0);
  const Pid child = static_cast<Pid>(k.fork().value);
  k.mm().switch_to(child);
  ASSERT_EQ(store(kBase, 2), 0);
  EXPECT_EQ(pread(3, 0), 2);  // the child inherited descriptor 3
  k.mm().switch_to(pid);
  EXPECT_EQ(load(kBase), 2);
}

}  // namespace
}  // namespace mmusim::sw::test

namespace mmusim::sw::test {
namespace {

TEST_F(KernelTest, BrkGrowsShrinksAndReturnsTheOldBreakWhenRefused) {
  const uint64_t heap = params.heap_start.value();
  EXPECT_EQ(k.brk(VirtAddr(0)).value, static_cast<int64_t>(heap));
  EXPECT_EQ(k.brk(VirtAddr(heap + 0x1800)).value, static_cast<int64_t>(heap + 0x1800));
  EXPECT_EQ(maps(), (std::vector<std::string>{"555556000000-555556002000 rw-p 00000000 [heap]"}));
  // A VMA one page above a bigger break refuses it: the old break comes back.
  ASSERT_EQ(mmap(heap + 0x5000, 0x1000, kRw, kAnonFixed), static_cast<int64_t>(heap + 0x5000));
  EXPECT_EQ(k.brk(VirtAddr(heap + 0x4001)).value, static_cast<int64_t>(heap + 0x1800));
  EXPECT_EQ(k.brk(VirtAddr(heap + 0x4000)).value, static_cast<int64_t>(heap + 0x4000));
  EXPECT_EQ(store(heap + 0x3000, 1), 0);
  EXPECT_EQ(k.brk(VirtAddr(heap + 0x1000)).value, static_cast<int64_t>(heap + 0x1000));
  EXPECT_EQ(load(heap + 0x3000), -1);
  EXPECT_EQ(k.brk(VirtAddr(heap - 1)).value, static_cast<int64_t>(heap + 0x1000));
}

TEST_F(KernelTest, SmapsCountsSharedAndPrivatePagesAsLinux) {
  make_file("f", 0x3000, 3);
  ASSERT_EQ(mmap_fd(kBase, 0x3000, kRw, kShared | abi::kMapFixed, 3, 0), kBase);
  ASSERT_EQ(mmap_fd(kBase + 0x10000, 0x3000, abi::kProtRead, kShared | abi::kMapFixed, 3, 0),
            kBase + 0x10000);
  ASSERT_EQ(store(kBase, 1), 0);  // page 0: dirty, mapped twice below
  ASSERT_EQ(load(kBase + 0x10000), 1);
  ASSERT_EQ(mmap(kBase + 0x20000, 0x2000, kRw, kAnonFixed | abi::kMapLocked), kBase + 0x20000);
  const std::vector<SmapsInfo> s = k.mm().smaps();
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].size_kb, 12u);
  EXPECT_EQ(s[0].rss_kb, 4u);  // a write fault maps one page
  EXPECT_EQ(s[0].pss_kb, 2u);
  EXPECT_EQ(s[0].shared_dirty_kb, 4u);
  // The read fault mapped the cached file around it: page 0 shared and
  // dirty, pages 1 and 2 private and clean.
  EXPECT_EQ(s[1].rss_kb, 12u);
  EXPECT_EQ(s[1].pss_kb, 10u);
  EXPECT_EQ(s[1].shared_dirty_kb, 4u);
  EXPECT_EQ(s[1].private_clean_kb, 8u);
  EXPECT_EQ(s[2].rss_kb, 8u);  // MAP_LOCKED populated both pages
  EXPECT_EQ(s[2].private_dirty_kb, 8u);
  EXPECT_EQ(s[2].locked_kb, 8u);
  EXPECT_EQ(s[2].swap_kb, 0u);
}

}  // namespace
}  // namespace mmusim::sw::test
