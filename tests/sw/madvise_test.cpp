// madvise extensions Linux cannot be compared on here (KSM merging at
// madvise time, memory-failure injection) and mremap's page moves.
#include <gtest/gtest.h>

#include "tests/sw/kernel_fixture.h"

namespace mmusim::sw::test {
namespace {

using Lines = std::vector<std::string>;
constexpr int kSig = -2;

int64_t madvise(Kernel& k, uint64_t a, uint64_t len, int advice) {
  return k.madvise(VirtAddr(a), len, advice).value;
}

TEST_F(KernelTest, MergeableMergesIdenticalPagesCopyOnWrite) {
  ASSERT_EQ(mmap(kBase, 0x4000, kRw, kAnonFixed), kBase);
  ASSERT_EQ(store(kBase, 7), 0);
  ASSERT_EQ(store(kBase + 0x1000, 7), 0);
  ASSERT_EQ(store(kBase + 0x2000, 8), 0);
  const uint64_t frames = k.stats().frames_in_use;
  EXPECT_EQ(madvise(k, kBase, 0x4000, abi::kMadvMergeable), 0);
  EXPECT_EQ(k.stats().ksm_pages, 2u);   // the 7-page and the 8-page
  EXPECT_EQ(k.stats().ksm_merged, 1u);  // the second 7-page
  EXPECT_EQ(k.stats().frames_in_use, frames - 1);
  EXPECT_EQ(walk_va(kBase).pa, walk_va(kBase + 0x1000).pa);
  EXPECT_EQ(load(kBase + 0x1000), 7);
  // A write copies; the other mapping keeps the KSM page.
  EXPECT_EQ(store(kBase + 0x1000, 9), 0);
  EXPECT_EQ(load(kBase), 7);
  EXPECT_EQ(load(kBase + 0x1000), 9);
  EXPECT_NE(walk_va(kBase).pa, walk_va(kBase + 0x1000).pa);
  EXPECT_EQ(maps(), (Lines{"100000000000-100000004000 rw-p 00000000"}));
  // UNMERGEABLE breaks the remaining sharing by copying.
  EXPECT_EQ(madvise(k, kBase, 0x4000, abi::kMadvUnmergeable), 0);
  EXPECT_EQ(k.stats().ksm_pages, 0u);
  EXPECT_EQ(load(kBase), 7);
  EXPECT_EQ(load(kBase + 0x2000), 8);
}

TEST_F(KernelTest, MergeableIgnoresSharedMemory) {
  ASSERT_EQ(mmap(kBase, 0x2000, kRw, kShared | abi::kMapAnonymous | abi::kMapFixed), kBase);
  ASSERT_EQ(store(kBase, 1), 0);
  ASSERT_EQ(store(kBase + 0x1000, 1), 0);
  EXPECT_EQ(madvise(k, kBase, 0x2000, abi::kMadvMergeable), 0);
  EXPECT_EQ(k.stats().ksm_pages, 0u);
}

TEST_F(KernelTest, HwpoisonMakesThePageSigbusForGood) {
  ASSERT_EQ(mmap(kBase, 0x2000, kRw, kAnonFixed), kBase);
  ASSERT_EQ(store(kBase, 5), 0);
  EXPECT_EQ(madvise(k, kBase, 0x1000, abi::kMadvHwpoison), 0);
  EXPECT_EQ(load(kBase), kSig);
  EXPECT_EQ(store(kBase + 8, 1), kSig);
  EXPECT_EQ(load(kBase + 0x1000), 0);
  EXPECT_EQ(mprotect(kBase, 0x1000, abi::kProtRead), 0);
  EXPECT_EQ(load(kBase), kSig);  // mprotect does not resurrect it
  EXPECT_EQ(k.stats().hwpoisoned_pages, 1u);
  // Unmapping does not return the frame to the allocator.
  const uint64_t frames = k.stats().frames_in_use;
  EXPECT_EQ(munmap(kBase, 0x1000), 0);
  EXPECT_EQ(k.stats().frames_in_use, frames);
  // Nothing mapped: EFAULT; the zero page cannot be poisoned: EBUSY.
  EXPECT_EQ(madvise(k, kBase + 0x10000, 0x1000, abi::kMadvHwpoison), -14);
  EXPECT_EQ(madvise(k, kBase + 0x1000, 0x1000, abi::kMadvHwpoison), kEBUSY);
}

TEST_F(KernelTest, SoftOfflineMovesTheContentsToANewFrame) {
  ASSERT_EQ(mmap(kBase, 0x1000, kRw, kAnonFixed), kBase);
  ASSERT_EQ(store(kBase + 3, 0x5a), 0);
  const PhysAddr before = walk_va(kBase).pa;
  EXPECT_EQ(madvise(k, kBase, 0x1000, abi::kMadvSoftOffline), 0);
  EXPECT_NE(walk_va(kBase).pa, before);
  EXPECT_EQ(load(kBase + 3), 0x5a);
  EXPECT_EQ(store(kBase + 4, 1), 0);
  EXPECT_EQ(k.stats().soft_offlined_pages, 1u);
  // A page-cache page moves too; the file keeps its data.
  make_file("f", 4096, 3);
  ASSERT_EQ(pwrite(3, 0, 0x66), 1);
  ASSERT_EQ(mmap_fd(kBase + 0x10000, 4096, kRw, kShared | abi::kMapFixed, 3, 0), kBase + 0x10000);
  ASSERT_EQ(load(kBase + 0x10000), 0x66);
  const PhysAddr cached = walk_va(kBase + 0x10000).pa;
  EXPECT_EQ(madvise(k, kBase + 0x10000, 0x1000, abi::kMadvSoftOffline), 0);
  EXPECT_EQ(load(kBase + 0x10000), 0x66);
  EXPECT_NE(walk_va(kBase + 0x10000).pa, cached);
  EXPECT_EQ(pread(3, 0), 0x66);
}

TEST_F(KernelTest, MremapMovesPagesWithoutCopying) {
  ASSERT_EQ(mmap(kBase, 0x2000, kRw, kAnonFixed), kBase);
  ASSERT_EQ(store(kBase + 0x1000, 0x42), 0);
  const PhysAddr page = walk_va(kBase + 0x1000).pa;
  const uint64_t allocated = k.stats().anon_pages_allocated;
  EXPECT_EQ(k.mremap(VirtAddr(kBase), 0x2000, 0x2000, abi::kMremapMaymove | abi::kMremapFixed,
                     VirtAddr(kBase + 0x100000))
                .value,
            static_cast<int64_t>(kBase + 0x100000));
  EXPECT_EQ(walk_va(kBase + 0x101000).pa, page);
  EXPECT_EQ(k.stats().anon_pages_allocated, allocated);
  EXPECT_EQ(load(kBase + 0x1000), -1);
  EXPECT_EQ(load(kBase + 0x101000), 0x42);
}

}  // namespace
}  // namespace mmusim::sw::test
