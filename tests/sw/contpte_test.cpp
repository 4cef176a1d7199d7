// The contiguous hint (kernel.contpte): 64 KB anonymous folios mapped by 16
// PTEs with the contiguous bit, and the arm64 contpte fold/unfold rules.
#include <algorithm>

#include "sw/mm/address_spaces.h"
#include "tests/sw/kernel_fixture.h"

namespace mmusim::sw::test {
namespace {

constexpr uint64_t k64K = 0x10000;

KernelParams contpte_params() {
  KernelParams p = small_params();
  p.contpte = true;
  return p;
}

class ContpteTest : public KernelTest {
 protected:
  ContpteTest() : KernelTest(contpte_params()) {}

  // How many of the 16 PTEs of the run at `va` have the contiguous bit.
  int cont_ptes(uint64_t va) {
    int n = 0;
    for (uint64_t i = 0; i < 16; ++i) {
      const Walk w = walk_va(va + i * 0x1000);
      n += w.fault == arch::FaultKind::kNone && w.level == 3 && w.leaf.page_attrs().contiguous;
    }
    return n;
  }
  size_t count(const HwLog& l, HwEvent::Kind kind) {
    return static_cast<size_t>(
        std::count_if(l.begin(), l.end(), [&](const HwEvent& e) { return e.kind == kind; }));
  }
};

TEST_F(ContpteTest, AWriteFaultMapsA64KFolioWithTheContiguousBitOnAll16Ptes) {
  ASSERT_EQ(mmap(kBase, 2 * k64K, kRw, kAnonFixed), static_cast<int64_t>(kBase));
  ASSERT_EQ(store(kBase + 0x5008, 0x42), 0);
  const PhysAddr folio = walk_va(kBase).pa;
  EXPECT_EQ(folio.offset_in(k64K), 0u);
  for (uint64_t i = 0; i < 16; ++i) {
    const Walk w = walk_va(kBase + i * 0x1000);
    ASSERT_EQ(w.fault, arch::FaultKind::kNone) << i;
    EXPECT_EQ(w.level, 3);
    EXPECT_EQ(w.pa, folio + i * 0x1000);
    EXPECT_TRUE(w.leaf.page_attrs().contiguous);
    EXPECT_EQ(w.leaf.page_attrs().ap, arch::Ap::kRw);
  }
  const uint64_t faults = k.stats().page_faults;
  EXPECT_EQ(load(kBase + 0x5008), 0x42);
  EXPECT_EQ(store(kBase + 0xf000, 1), 0);
  EXPECT_EQ(k.stats().page_faults, faults);  // the folio is mapped whole
  EXPECT_EQ(k.stats().anon_pages_allocated, 16u);
  EXPECT_EQ(k.stats().mapped_cont_ptes, 16u);
  EXPECT_EQ(k.stats().mapped_4k, 0u);
  EXPECT_EQ(k.stats().contpte_folds, 0u);  // mapped folded, not folded later
  EXPECT_EQ(cont_ptes(kBase + k64K), 0);
}

TEST_F(ContpteTest, NoFolioWhereTheVmaDoesNotCoverTheAligned64KOrIsNohugepage) {
  ASSERT_EQ(mmap(kBase + 0x1000, k64K, kRw, kAnonFixed), static_cast<int64_t>(kBase + 0x1000));
  ASSERT_EQ(store(kBase + 0x1000, 1), 0);
  EXPECT_FALSE(walk_va(kBase + 0x1000).leaf.page_attrs().contiguous);
  EXPECT_EQ(walk_va(kBase + 0x2000).fault, arch::FaultKind::kTranslation);
  ASSERT_EQ(mmap(kBase + 4 * k64K, k64K, kRw, kAnonFixed), static_cast<int64_t>(kBase + 4 * k64K));
  ASSERT_EQ(k.madvise(VirtAddr(kBase + 4 * k64K), k64K, abi::kMadvNohugepage).value, 0);
  ASSERT_EQ(store(kBase + 4 * k64K, 1), 0);
  EXPECT_EQ(cont_ptes(kBase + 4 * k64K), 0);
  EXPECT_EQ(k.stats().anon_pages_allocated, 2u);
}

TEST_F(ContpteTest, MprotectOfOnePageUnfoldsTheRunWithBreakBeforeMake) {
  ASSERT_EQ(mmap(kBase, k64K, kRw, kAnonFixed), static_cast<int64_t>(kBase));
  for (uint64_t i = 0; i < 16; ++i)
    ASSERT_EQ(store(kBase + i * 0x1000, static_cast<uint8_t>(i + 1)), 0);
  const size_t mark = log.size();
  ASSERT_EQ(mprotect(kBase + 0x3000, 0x1000, abi::kProtRead), 0);
  const HwLog l = since(mark);
  // The first 16 descriptor writes clear the run, then one TLBI per page.
  size_t i = 0, zeros = 0;
  for (; i < l.size() && zeros < 16; ++i)
    if (l[i].kind == HwEvent::Kind::kWrite64 && l[i].value == 0) zeros++;
  ASSERT_EQ(zeros, 16u);
  for (uint64_t p = 0; p < 16; ++p)
    EXPECT_EQ(l.at(i + p),
              (HwEvent{HwEvent::Kind::kTlbiVaAsid, kBase + p * 0x1000, 0, asid().value()}));
  EXPECT_EQ(k.stats().contpte_unfolds, 1u);
  EXPECT_EQ(cont_ptes(kBase), 0);
  EXPECT_EQ(k.stats().mapped_cont_ptes, 0u);
  EXPECT_EQ(k.stats().mapped_4k, 16u);
  EXPECT_EQ(store(kBase + 0x3000, 9), -1);
  EXPECT_EQ(store(kBase + 0x4000, 9), 0);
  for (uint64_t p : {0u, 3u, 15u})
    EXPECT_EQ(load(kBase + p * 0x1000), p + 1);
  // Made writable again the run is whole and uniform: folded back.
  ASSERT_EQ(mprotect(kBase + 0x3000, 0x1000, kRw), 0);
  EXPECT_EQ(k.stats().contpte_folds, 1u);
  EXPECT_EQ(cont_ptes(kBase), 16);
}

TEST_F(ContpteTest, MunmapOfTheWholeRunNeedsNoUnfoldOfPartUnfolds) {
  ASSERT_EQ(mmap(kBase, 2 * k64K, kRw, kAnonFixed), static_cast<int64_t>(kBase));
  ASSERT_EQ(store(kBase, 1), 0);
  ASSERT_EQ(store(kBase + k64K, 2), 0);
  const uint64_t in_use = k.stats().frames_in_use;
  ASSERT_EQ(munmap(kBase, k64K), 0);
  EXPECT_EQ(k.stats().contpte_unfolds, 0u);
  EXPECT_EQ(k.stats().frames_in_use, in_use - 16);
  ASSERT_EQ(munmap(kBase + k64K + 0xf000, 0x1000), 0);
  EXPECT_EQ(k.stats().contpte_unfolds, 1u);
  EXPECT_EQ(cont_ptes(kBase + k64K), 0);
  EXPECT_EQ(k.stats().mapped_4k, 15u);
  EXPECT_EQ(load(kBase + k64K), 2);
}

TEST_F(ContpteTest, ForkKeepsBothRunsFoldedReadOnlyAndCopyOnWriteUnfoldsOne) {
  ASSERT_EQ(mmap(kBase, k64K, kRw, kAnonFixed), static_cast<int64_t>(kBase));
  for (uint64_t i = 0; i < 16; ++i)
    ASSERT_EQ(store(kBase + i * 0x1000, static_cast<uint8_t>(i + 1)), 0);
  const PhysAddr folio = walk_va(kBase).pa;
  const Pid child = static_cast<Pid>(k.fork().value);
  // The parent's run is write-protected (unfolded, then folded again once
  // all 16 are read-only); the child's copy folds when complete.
  EXPECT_EQ(cont_ptes(kBase), 16);
  EXPECT_EQ(walk_va(kBase).leaf.page_attrs().ap, arch::Ap::kRo);
  k.mm().switch_to(child);
  EXPECT_EQ(cont_ptes(kBase), 16);
  EXPECT_EQ(walk_va(kBase + 0x2000).pa, folio + 0x2000);
  ASSERT_EQ(store(kBase + 0x2000, 0x77), 0);  // copy-on-write of one page
  EXPECT_EQ(cont_ptes(kBase), 0);
  EXPECT_NE(walk_va(kBase + 0x2000).pa, folio + 0x2000);
  EXPECT_EQ(load(kBase + 0x2000), 0x77);
  EXPECT_EQ(load(kBase + 0x3000), 4);
  k.mm().switch_to(pid);
  EXPECT_EQ(cont_ptes(kBase), 16);
  EXPECT_EQ(load(kBase + 0x2000), 3);
}

TEST_F(ContpteTest, ASplitHugePageIsMappedAs32FoldedRuns) {
  ASSERT_EQ(mmap(kBase, 2 << 20, kRw, kAnonFixed), static_cast<int64_t>(kBase));
  ASSERT_EQ(k.madvise(VirtAddr(kBase), 2 << 20, abi::kMadvHugepage).value, 0);
  ASSERT_EQ(store(kBase, 1), 0);
  ASSERT_EQ(walk_va(kBase).level, 2);
  ASSERT_EQ(munmap(kBase + 0x1000, 0x1000), 0);
  EXPECT_EQ(k.stats().thp_split_pmd, 1u);
  EXPECT_EQ(k.stats().contpte_unfolds, 1u);  // the run with the hole
  EXPECT_EQ(k.stats().mapped_cont_ptes, 31u * 16);
  EXPECT_EQ(k.stats().mapped_4k, 15u);
  EXPECT_EQ(cont_ptes(kBase + k64K), 16);
  EXPECT_EQ(load(kBase), 1);
}

TEST_F(ContpteTest, UnfoldingGathersTheRunsAccessAndDirtyStateOntoEveryEntry) {
  // With FEAT_HAFDBS the walker sets AF and clears AP[2] only in the entry
  // it read, while the TLB holds the folded run as one 64 KB translation:
  // a store to any page of the run may leave its dirty state in another
  // page's entry. Unfolding (contpte_convert) must give every entry the
  // run's gathered state, or a writable-clean page would be taken for
  // clean and its data dropped for its stale swap copy.
  ASSERT_EQ(mmap(kBase, k64K, kRw, kAnonFixed), static_cast<int64_t>(kBase));
  ASSERT_EQ(store(kBase, 1), 0);
  ASSERT_EQ(cont_ptes(kBase), 16);
  // As if the run were writable-clean and old, and then one store through
  // the 64 KB TLB entry had made the walker update page 5's entry.
  for (uint64_t i = 0; i < 16; ++i) {
    const Walk w = walk_va(kBase + i * 0x1000);
    const PhysAddr slot = w.tables.back() + arch::table_index(VirtAddr(kBase + i * 0x1000), 3) * 8;
    arch::Descriptor d(w.leaf.raw() | (uint64_t{1} << arch::bit::kDbm));
    d = i == 5 ? d.with_af(true).with_ap(arch::Ap::kRw) : d.with_af(false).with_ap(arch::Ap::kRo);
    mem.write64(slot, d.raw());
  }
  // Any change to one entry unfolds the run first.
  ASSERT_EQ(mprotect(kBase + 0xa000, 0x1000, abi::kProtRead), 0);
  EXPECT_EQ(cont_ptes(kBase), 0);
  for (uint64_t i : {0, 3, 5, 15}) {
    const arch::PageAttrs a = walk_va(kBase + i * 0x1000).leaf.page_attrs();
    EXPECT_TRUE(a.af) << i;
    EXPECT_EQ(a.ap, arch::Ap::kRw) << i;  // dirty: written back before reuse
  }
}

}  // namespace
}  // namespace mmusim::sw::test
