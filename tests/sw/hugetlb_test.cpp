// MAP_HUGETLB with a pool of 2 MB pages (kernel.hugetlb_pages_2m). The
// results below were checked against Linux 6.18 on the host with
// vm.nr_hugepages set to the same pool size (goldens need the host's empty
// pool: tests/golden/linux/59).
#include "sw/mm/address_spaces.h"
#include "tests/sw/kernel_fixture.h"

namespace mmusim::sw::test {
namespace {

constexpr uint64_t k2M = uint64_t{2} << 20;
constexpr int kHuge = abi::kMapHugetlb;

KernelParams pool_params(uint64_t pages) {
  KernelParams p = small_params(32 << 20);
  p.hugetlb_pages_2m = pages;
  return p;
}

class HugetlbTest : public KernelTest {
 protected:
  HugetlbTest() : KernelTest(pool_params(4)) {}
};

TEST_F(HugetlbTest, FaultsMap2MBlocksFromThePoolAndReservationsLimitMappings) {
  ASSERT_EQ(mmap(kBase, 0x1000, kRw, kAnonFixed | kHuge), static_cast<int64_t>(kBase));
  EXPECT_EQ(maps(), (std::vector<std::string>{"100000000000-100000200000 rw-p 00000000 "
                                              "/anon_hugepage (deleted)"}));
  ASSERT_EQ(mmap(kBase + k2M, 3 << 20, kRw, kAnonFixed | kHuge),
            static_cast<int64_t>(kBase + k2M));  // 4 MB: two pages reserved
  ASSERT_EQ(mmap(kBase + 8 * k2M, k2M, kRw, kAnonFixed | kHuge),
            static_cast<int64_t>(kBase + 8 * k2M));
  // The pool's 4 pages are all reserved now.
  EXPECT_EQ(mmap(kBase + 12 * k2M, k2M, kRw, kAnonFixed | kHuge), kENOMEM);
  EXPECT_EQ(mmap(kBase + 12 * k2M + 0x1000, k2M, kRw, kAnonFixed | kHuge), kEINVAL);
  ASSERT_EQ(store(kBase + 0x123, 17), 0);
  const Walk w = walk_va(kBase + 0x123);
  EXPECT_EQ(w.level, 2);
  EXPECT_EQ(w.leaf.type(2), arch::DescType::kBlock);
  EXPECT_EQ(w.leaf.page_attrs().ap, arch::Ap::kRw);
  EXPECT_EQ(w.pa.offset_in(k2M), 0x123u);
  EXPECT_EQ(load(kBase + 0x123), 17);
  EXPECT_EQ(load(kBase + 0x1fffff), 0);
  EXPECT_EQ(k.stats().hugetlb_faults, 1u);
  EXPECT_EQ(k.stats().mapped_2m, 1u);
  // A private read maps the page read-only; the write reuses it in place.
  EXPECT_EQ(load(kBase + k2M), 0);
  EXPECT_EQ(walk_va(kBase + k2M).leaf.page_attrs().ap, arch::Ap::kRo);
  const PhysAddr page = walk_va(kBase + k2M).leaf.output_address();
  ASSERT_EQ(store(kBase + k2M, 5), 0);
  EXPECT_EQ(walk_va(kBase + k2M).leaf.output_address(), page);
  EXPECT_EQ(walk_va(kBase + k2M).leaf.page_attrs().ap, arch::Ap::kRw);
}

TEST_F(HugetlbTest, SplitsOnlyAt2MAndDontneedNeedsAnAlignedStart) {
  ASSERT_EQ(mmap(kBase, 2 * k2M, kRw, kAnonFixed | kHuge), static_cast<int64_t>(kBase));
  ASSERT_EQ(store(kBase + k2M + 0x456, 18), 0);
  EXPECT_EQ(munmap(kBase, 0x1000), kEINVAL);
  EXPECT_EQ(mprotect(kBase, 0x1000, abi::kProtRead), kEINVAL);
  EXPECT_EQ(k.madvise(VirtAddr(kBase + 0x1000), 0x1000, abi::kMadvDontneed).value, kEINVAL);
  EXPECT_EQ(k.madvise(VirtAddr(kBase), 0x1000, abi::kMadvRandom).value, kEINVAL);
  EXPECT_EQ(k.madvise(VirtAddr(kBase), k2M, abi::kMadvFree).value, kEINVAL);
  ASSERT_EQ(k.madvise(VirtAddr(kBase), k2M, abi::kMadvRandom).value, 0);
  EXPECT_EQ(maps(), (std::vector<std::string>{
                        "100000000000-100000200000 rw-p 00000000 /anon_hugepage (deleted)",
                        "100000200000-100000400000 rw-p 00200000 /anon_hugepage (deleted)"}));
  // DONTNEED of one 4 KB page drops the whole 2 MB page (the end rounds up).
  ASSERT_EQ(k.madvise(VirtAddr(kBase + k2M), 0x1000, abi::kMadvDontneed).value, 0);
  EXPECT_EQ(load(kBase + k2M + 0x456), 0);
  EXPECT_EQ(k.stats().hugetlb_faults, 2u);
  ASSERT_EQ(mprotect(kBase, k2M, abi::kProtRead), 0);
  EXPECT_EQ(store(kBase, 1), -1);
}

TEST_F(HugetlbTest, NoreserveTakesOnlyUnreservedPagesElseSigbus) {
  ASSERT_EQ(mmap(kBase, 6 << 20, kRw, kAnonFixed | kHuge), static_cast<int64_t>(kBase));
  ASSERT_EQ(mmap(kBase + 8 * k2M, k2M, kRw, kAnonFixed | kHuge | abi::kMapNoreserve),
            static_cast<int64_t>(kBase + 8 * k2M));
  ASSERT_EQ(store(kBase + 8 * k2M, 1), 0);  // the one page nobody reserved
  ASSERT_EQ(mmap(kBase + 10 * k2M, k2M, kRw, kAnonFixed | kHuge | abi::kMapNoreserve),
            static_cast<int64_t>(kBase + 10 * k2M));
  EXPECT_EQ(store(kBase + 10 * k2M, 1), -2);  // SIGBUS
  EXPECT_EQ(load(kBase + 10 * k2M), -2);
  // Unmapping a reserved, never faulted 2 MB gives its page back.
  ASSERT_EQ(munmap(kBase + 2 * k2M, k2M), 0);
  EXPECT_EQ(store(kBase + 10 * k2M, 2), 0);
  EXPECT_EQ(load(kBase + 10 * k2M), 2);
}

TEST_F(HugetlbTest, SharedPagesKeepTheirDataAcrossDontneedAndUnmapFreesThePool) {
  ASSERT_EQ(mmap(kBase, k2M, kRw, kShared | abi::kMapAnonymous | abi::kMapFixed | kHuge),
            static_cast<int64_t>(kBase));
  ASSERT_EQ(store(kBase + 0x10, 33), 0);
  ASSERT_EQ(k.madvise(VirtAddr(kBase), k2M, abi::kMadvDontneed).value, 0);
  EXPECT_EQ(load(kBase + 0x10), 33);
  ASSERT_EQ(mprotect(kBase, k2M, abi::kProtNone), 0);
  EXPECT_EQ(load(kBase + 0x10), -1);
  ASSERT_EQ(mprotect(kBase, k2M, kRw), 0);
  EXPECT_EQ(load(kBase + 0x10), 33);
  std::vector<SmapsInfo> s = k.mm().smaps();
  EXPECT_EQ(s[0].kernel_page_kb, 2048u);
  EXPECT_EQ(s[0].mmu_page_kb, 2048u);
  EXPECT_EQ(s[0].rss_kb, 0u);  // hugetlb is not in Rss
  EXPECT_EQ(s[0].private_hugetlb_kb, 2048u);
  ASSERT_EQ(munmap(kBase, k2M), 0);
  // All 4 pages are free again: a 4-page mapping reserves and faults them.
  ASSERT_EQ(mmap(kBase, 4 * k2M, kRw, kAnonFixed | kHuge), static_cast<int64_t>(kBase));
  for (uint64_t i = 0; i < 4; ++i)
    EXPECT_EQ(store(kBase + i * k2M, 1), 0);
}

TEST_F(HugetlbTest, ForkSharesPrivatePagesUntilAWriteCopiesThe2MPage) {
  ASSERT_EQ(mmap(kBase, k2M, kRw, kAnonFixed | kHuge), static_cast<int64_t>(kBase));
  ASSERT_EQ(store(kBase + 7, 7), 0);
  const PhysAddr page = walk_va(kBase).leaf.output_address();
  const Pid child = static_cast<Pid>(k.fork().value);
  EXPECT_EQ(walk_va(kBase).leaf.page_attrs().ap, arch::Ap::kRo);
  k.mm().switch_to(child);
  EXPECT_EQ(walk_va(kBase).leaf.output_address(), page);
  EXPECT_EQ(k.mm().smaps()[0].shared_hugetlb_kb, 2048u);
  ASSERT_EQ(store(kBase + 8, 8), 0);  // hugetlb_wp: a copy from the pool
  EXPECT_NE(walk_va(kBase).leaf.output_address(), page);
  EXPECT_EQ(walk_va(kBase).level, 2);
  EXPECT_EQ(load(kBase + 7), 7);
  EXPECT_EQ(load(kBase + 8), 8);
  ASSERT_EQ(k.exit().value, 0);
  k.mm().switch_to(pid);
  EXPECT_EQ(load(kBase + 8), 0);
  ASSERT_EQ(store(kBase + 9, 9), 0);  // exclusive again: reused in place
  EXPECT_EQ(walk_va(kBase).leaf.output_address(), page);
  EXPECT_EQ(k.stats().hugetlb_faults, 2u);
}

TEST_F(HugetlbTest, MremapMovesThePagesAndTheirReservations) {
  ASSERT_EQ(mmap(kBase, 4 * k2M, kRw, kAnonFixed | kHuge), static_cast<int64_t>(kBase));
  ASSERT_EQ(store(kBase + 5, 5), 0);
  const uint64_t to = kBase + 16 * k2M;
  EXPECT_EQ(k.mremap(VirtAddr(kBase), 4 * k2M, 8 * k2M, abi::kMremapMaymove, VirtAddr(0)).value,
            kEINVAL);  // no growth
  ASSERT_EQ(k.mremap(VirtAddr(kBase), 4 * k2M, 4 * k2M, abi::kMremapMaymove | abi::kMremapFixed,
                     VirtAddr(to))
                .value,
            static_cast<int64_t>(to));
  EXPECT_EQ(load(to + 5), 5);
  // The three pages never faulted are still reserved for the moved mapping.
  EXPECT_EQ(mmap(kBase, k2M, kRw, kAnonFixed | kHuge), kENOMEM);
  for (uint64_t i = 1; i < 4; ++i)
    EXPECT_EQ(store(to + i * k2M, 1), 0);
}

TEST(HugetlbPool, APoolLargerThanDramIsRejectedNamingTheKey) {
  HwLog log;
  KernelParams p = small_params(16 << 20);
  p.hugetlb_pages_2m = 8;
  FakePhysMemory mem(p.dram_base, p.dram_bytes, log);
  RecordingMmu mmu(log);
  try {
    Kernel k(p, mem, mmu);
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()),
              "kernel.hugetlb_pages_2m: 8 pages of 2 MB do not fit in memory with 1 MiB left "
              "for the kernel (7 do)");
  }
}

TEST(HugetlbPool, IsSetAsideBeforeTheZeroPageSoFourPagesFitInNineMiB) {
  // 9 MiB of memory: the pool takes the first 8 MiB as four aligned blocks
  // and leaves 1 MiB (256 frames) for the zero page, tables and user pages.
  // With the zero page first, the first block was lost and 10 MiB needed.
  HwLog log;
  KernelParams p = small_params(16 << 20);
  p.phys_mem_bytes = 9 << 20;
  p.hugetlb_pages_2m = 4;
  FakePhysMemory mem(p.dram_base, p.dram_bytes, log);
  RecordingMmu mmu(log);
  Kernel k(p, mem, mmu);
  EXPECT_EQ(k.mm().zero_page(), p.dram_base + (8u << 20));
  EXPECT_EQ(k.stats().frames_in_use, 4 * 512u + 1);
  TestCpu cpu(k, mem, mmu);
  k.mm().spawn();
  ASSERT_EQ(k.mmap(VirtAddr(kBase), 4 * k2M, kRw, kAnonFixed | kHuge, -1, 0).value,
            static_cast<int64_t>(kBase));
  for (uint64_t i = 0; i < 4; ++i)
    ASSERT_EQ(cpu.store(kBase + i * k2M + i, static_cast<uint8_t>(0x40 + i)), FaultOutcome::kRetry);
  for (uint64_t i = 0; i < 4; ++i)
    EXPECT_EQ(cpu.load(kBase + i * k2M + i), 0x40 + i);
  EXPECT_EQ(k.stats().hugetlb_faults, 4u);
  // One more page would leave 1 MiB less one block: refused, naming the key.
  p.hugetlb_pages_2m = 5;
  try {
    Kernel k5(p, mem, mmu);
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()),
              "kernel.hugetlb_pages_2m: 5 pages of 2 MB do not fit in memory with 1 MiB left "
              "for the kernel (4 do)");
  }
}

}  // namespace
}  // namespace mmusim::sw::test
