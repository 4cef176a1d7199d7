// Huge pages: the kernel subsystem of mappings larger than 4 KB (Linux
// mm/huge_memory.c, mm/hugetlb.c, arm64 contpte, reduced). It owns the huge
// zero page, the hugetlb pool and its files; its counters are
// HugePageStats. Sources: thp.cpp (transparent huge pages: 2 MB block
// faults, splits, mprotect/fork/mremap/smaps of blocks), hugetlb.cpp
// (MAP_HUGETLB), contpte.cpp (64 KB folios with the contiguous bit).
//
// Calls into other subsystems (references given at construction):
//   AddressSpaces  (against the intended order) the user-PTE format,
//                  release_page() (a split or zapped block's subpages),
//                  set_anon_index() and anon_vma_prepare() for a new huge
//                  page, and the processes that map a hugetlb file;
//   Reclaim        the LRU (a new THP or 64 KB folio) and out_of_memory().
#pragma once

#include <map>
#include <optional>
#include <set>
#include <vector>

#include "sw/kernel_context.h"
#include "sw/kernel_defs.h"
#include "sw/mm/process.h"

namespace mmusim::stats {
class Group;
}

namespace mmusim::sw {

class AddressSpaces;
class Reclaim;

// Huge pages' state: THP (the huge zero page), the hugetlb pool and its files.
struct HugePageState {
  struct HugetlbObject {  // the hugetlbfs file behind one MAP_HUGETLB mapping
    uint64_t page_size = 0;
    std::set<uint64_t> reserved;         // page indices still holding a reservation
    std::map<uint64_t, PhysAddr> cache;  // shared mappings: the file's pages
  };
  std::optional<PhysAddr> huge_zero;   // the huge zero page, once a read needed it
  std::vector<PhysAddr> hugetlb_free;  // the pool's free 2 MB pages
  uint64_t hugetlb_resv = 0;           // of which promised to mappings
  std::map<MappedObjectId, HugetlbObject> hugetlb;
};

class HugePages {
 public:
  using HugetlbObject = HugePageState::HugetlbObject;
  HugePages(KernelContext& ctx, AddressSpaces& mm, Reclaim& reclaim)
      : m_ctx(ctx), m_mm(mm), m_reclaim(reclaim) {}
  HugePages(const HugePages&) = delete;
  HugePages& operator=(const HugePages&) = delete;

  void register_stats(stats::Group& kernel_group) const;

  // ---- thp.cpp: transparent huge pages (level-2 blocks of private anonymous memory) ----
  // A fault at `va` in private anonymous `vma` would take Linux's huge-page
  // path under the THP policy if no PTE table covered it.
  bool thp_fault_eligible(const Vma& vma, VirtAddr va) const;
  // The huge-PMD part of a fault on private anonymous memory at `va`: a
  // new block (do_huge_pmd_anonymous_page), a write to a write-protected
  // block (do_huge_pmd_wp_page: reuse when exclusive, else split), or a
  // stale block entry; nullopt when the 4 KB path must handle the fault.
  std::optional<FaultOutcome> huge_pmd_fault(Process& p, VmaSet::iterator vma, VirtAddr va,
                                             bool write, CostMeter& meter);
  // __split_huge_pmd: the block mapping `va`, if any (and if no other
  // mapping shares it, with `only_exclusive`), becomes a table of 512 PTEs.
  void split_huge_pmd(Process& p, VirtAddr va, CostMeter& meter, bool only_exclusive = false);
  // split_folio of an exclusive block mapping `va`: the PMD split, then every
  // subpage that holds only zeros is mapped to the shared zero page instead
  // and freed (remap_page with RMP_USE_SHARED_ZEROPAGE).
  void split_huge_folio(Process& p, VirtAddr va, CostMeter& meter);
  // Splits the blocks that [start, end) covers only in part (vma_adjust_trans_huge).
  void split_huge_boundaries(Process& p, uint64_t start, uint64_t end, CostMeter& meter,
                             bool only_exclusive = false);
  // Splits every block intersecting [start, end).
  void split_huge_range(Process& p, uint64_t start, uint64_t end, CostMeter& meter);
  // move_huge_pmd: the blocks wholly inside [addr, addr + len) whose new
  // place (new_addr + offset) is 2 MB-aligned and empty move whole, each
  // flushed at its old address.
  void move_huge_pmds(Process& p, uint64_t addr, uint64_t len, uint64_t new_addr, CostMeter& meter);
  // Drops one block mapping's reference to each of its 512 frames.
  void release_block(arch::Descriptor pmd);
  // change_huge_pmd for the blocks in [start, end) (whole blocks only).
  void change_huge_pmds(Process& p, const Vma& vma, uint64_t start, uint64_t end, TlbGather& tlb,
                        CostMeter& meter);
  // copy_huge_pmd for the blocks of `vma`; false when out of frames.
  bool copy_huge_pmds(Process& parent, Process& child, const Vma& vma, CostMeter& meter);
  // smaps_pmd_entry for the blocks in `vma`.
  void smaps_blocks(Process& p, const Vma& vma, SmapsInfo& s, uint64_t& pss_x4096,
                    CostMeter& meter);
  // The end of the block mapping `va`, or nullopt when no block maps it.
  std::optional<uint64_t> huge_mapped_end(Process& p, VirtAddr va, CostMeter& meter);

  // ---- contpte.cpp: the contiguous hint ----
  // Turns the contpte rules on for `p`'s tables (their TLBIs for `p`).
  void enable_contpte(Process& p);
  // A private anonymous write fault mapping a whole 64 KB folio (16
  // contiguous frames, contiguous bit set) when kernel.contpte is on, the
  // VMA covers the aligned 64 KB and none of its 16 PTEs is set; nullopt:
  // map one 4 KB page.
  std::optional<FaultOutcome> do_anonymous_folio(Process& p, VmaSet::iterator vma, VirtAddr va,
                                                 CostMeter& meter);

  // ---- hugetlb.cpp: MAP_HUGETLB ----
  void hugetlb_init();  // sets the pool aside (kernel.hugetlb_pages_2m)
  // The huge page size MAP_HUGETLB `flags` ask for (0: EINVAL), with `len` rounded up to it.
  uint64_t hugetlb_page_size(int flags, uint64_t* len) const;
  // Creates the mapping's object and reserves its pages: 0 or -ENOMEM.
  int64_t hugetlb_reserve(MappedObjectId object, uint64_t page_size, uint64_t len, bool noreserve);
  // Gives back the reservations of [start, end) of a private hugetlb VMA being unmapped.
  void hugetlb_unreserve(const Vma& vma, uint64_t start, uint64_t end);
  void maybe_free_hugetlb(MappedObjectId object);
  FaultOutcome hugetlb_fault(Process& p, VmaSet::iterator vma, VirtAddr va, bool write,
                             CostMeter& meter);
  // false when `addr` falls inside a huge page of a hugetlb VMA (EINVAL).
  bool hugetlb_split_ok(Process& p, uint64_t addr);

 private:
  // The level-2 block descriptor for the 2 MB block at `block`, attributes as make_user_pte.
  arch::Descriptor make_user_pmd(PhysAddr block, VmFlags vma_flags, bool writable, bool af) const;
  // A zeroed 2 MB block for a THP (mapcount 1 on each frame, counted in
  // thp_fault_alloc); nullopt when no aligned block is free.
  std::optional<PhysAddr> alloc_thp(CostMeter& meter);
  // No other mapping shares any frame of the block (and none is KSM).
  bool block_exclusive(PhysAddr block);
  void hugetlb_put(PhysAddr page);
  std::optional<PhysAddr> hugetlb_alloc(HugetlbObject& h, uint64_t index, CostMeter& meter);

  KernelContext& m_ctx;
  AddressSpaces& m_mm;
  Reclaim& m_reclaim;
  HugePageState m_st;
};

}  // namespace mmusim::sw
