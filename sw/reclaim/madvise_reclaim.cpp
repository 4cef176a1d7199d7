// The madvise advice that hands pages to reclaim (mm/madvise.c):
// MADV_COLD and MADV_PAGEOUT (madvise_cold_or_pageout_pte_range) and
// MADV_FREE (madvise_free_pte_range, lazy free). Called by madvise
// (sw/mm/madvise.cpp) for one VMA piece.
#include "sw/huge/huge_pages.h"
#include "sw/mm/address_spaces.h"
#include "sw/reclaim/reclaim.h"

namespace mmusim::sw {

using arch::Descriptor;

void Reclaim::madvise_cold_pageout(Process& p, const Vma& vma, uint64_t start, uint64_t end,
                                   bool pageout, CostMeter& m) {
  // A THP in the range is split first: its subpages go out 4 KB at a time.
  if (pageout) m_huge.split_huge_range(p, start, end, m);
  std::vector<std::pair<VirtAddr, PageTable::Leaf>> leaves;
  p.page_table->for_each_leaf(
      VirtAddr(start), VirtAddr(end),
      [&](VirtAddr va, const PageTable::Leaf& leaf) {
        if (leaf.desc.valid()) leaves.emplace_back(va, leaf);
      },
      m);
  for (auto& [va, leaf] : leaves) {
    const PhysAddr page = leaf.desc.output_address();
    if (page == m_ctx.zero_page || is_special_pte(leaf.desc) || leaf.desc.page_attrs().contiguous)
      continue;
    const PageMeta& meta = m_ctx.pages.meta(page);
    // Pages mapped elsewhere too are left alone (folio_maybe_mapped_shared).
    if (meta.mapcount != 1 || (meta.kind != PageKind::kAnon && meta.kind != PageKind::kFile))
      continue;
    // MADV_COLD clears the access flag (clear_young_dirty_ptes + flush);
    // PAGEOUT leaves it, the unmap flushes anyway (Linux 6.18).
    if (!pageout && leaf.desc.af()) {
      p.page_table->set_leaf(leaf, leaf.desc.with_af(false), m);
      m_ctx.tlb.flush_page(p, va, m);
    }
    lru_add_new(page);
    m_st.lru.set_referenced(page, false);
    if (!pageout) {  // folio_deactivate
      const LruList l = m_st.lru.list_of(page);
      if (l == LruList::kActiveAnon || l == LruList::kActiveFile) {
        m_st.lru.add(page,
                     l == LruList::kActiveAnon ? LruList::kInactiveAnon : LruList::kInactiveFile);
        m_ctx.stats.pgdeactivate++;
      }
      continue;
    }
    if (!evictable(page)) continue;
    std::vector<RmapEntry> refs = rmap(page, m, true);
    if (reclaim_page(page, refs, m)) m_ctx.stats.pgsteal_direct++;
    give_back_rmap(std::move(refs));
  }
  m_ctx.tlb.tlbbatch_flush(m);  // reclaim_pages: shrink_folio_list's try_to_unmap_flush
  (void)vma;
}

void Reclaim::madvise_free(Process& p, const Vma& vma, uint64_t start, uint64_t end, TlbGather& tlb,
                           CostMeter& m) {
  // madvise_free_pte_range: swap entries are dropped (the data is given
  // up now); pages mapped only here lose their dirty state (writable-clean,
  // AF cleared) and go to the inactive file list, where reclaim discards
  // them unless a store dirtied them again.
  std::vector<std::pair<VirtAddr, PageTable::Leaf>> leaves;
  p.page_table->for_each_leaf(
      VirtAddr(start), VirtAddr(end),
      [&](VirtAddr va, const PageTable::Leaf& leaf) { leaves.emplace_back(va, leaf); }, m);
  for (auto& [va, leaf] : leaves) {
    if (is_swap_pte(leaf.desc)) {
      m_mm.release_page(leaf.desc);
      p.page_table->set_leaf(leaf, Descriptor(), m);
      continue;
    }
    if (!leaf.desc.valid() || is_special_pte(leaf.desc) || leaf.desc.page_attrs().contiguous)
      continue;
    const PhysAddr page = leaf.desc.output_address();
    if (page == m_ctx.zero_page) continue;
    PageMeta& meta = m_ctx.pages.meta(page);
    if (meta.kind != PageKind::kAnon || meta.ksm || meta.mapcount != 1) continue;
    if (meta.swap_slot) {  // folio_free_swap: only when no swap entry needs the slot
      if (m_st.swap.count(meta.swap_slot - 1)) continue;
      m_st.swap.cache_del(meta.swap_slot - 1);
      meta.swap_slot = 0;
    }
    const arch::PageAttrs a = leaf.desc.page_attrs();
    Descriptor d = leaf.desc.with_af(false);
    if (a.ap == arch::Ap::kRw)  // pte_mkclean: writable-clean
      d = Descriptor(d.with_ap(arch::Ap::kRo).raw() | (uint64_t{1} << arch::bit::kDbm));
    if (!(d == leaf.desc)) {
      p.page_table->set_leaf(leaf, d, m);
      tlb.add(va);
    }
    if (!meta.lazyfree) m_ctx.stats.pglazyfree++;
    meta.lazyfree = true;
    m_st.lru.add(page, LruList::kInactiveFile);
  }
  (void)vma;
}

}  // namespace mmusim::sw
