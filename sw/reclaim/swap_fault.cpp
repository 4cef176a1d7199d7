// Swap-in (mm/memory.c do_swap_page) and the software-dirty entry format for
// pages that have a copy in swap. MADV_COLD / PAGEOUT / FREE are in
// madvise_reclaim.cpp.
//
// Dirtiness as arm64 Linux: an exclusive page read back from swap is mapped
// writable-clean (DBM=1 with AP[2]=1, Linux PTE_WRITE|PTE_RDONLY) and stays
// in the swap cache. A store makes it dirty: with FEAT_HAFDBS the walker
// clears AP[2] itself; without, the permission fault does it
// (AddressSpaces::fault_in). Reclaim writes the page back to its slot only when
// an entry is dirty (AP[2] clear). Whenever the kernel itself would
// write-protect a dirty entry of such a page (fork, mprotect), the page
// leaves the swap cache first (note_pte_dirty), so no dirty data can be
// mistaken for the slot's copy.
#include "sw/mm/address_spaces.h"
#include "sw/pagecache/page_cache.h"
#include "sw/reclaim/reclaim.h"

namespace mmusim::sw {

using arch::Descriptor;

void Reclaim::note_pte_dirty(Descriptor d) {
  if (!d.valid() || d.page_attrs().ap != arch::Ap::kRw || is_special_pte(d)) return;
  const PhysAddr page = d.output_address();
  if (page == m_ctx.zero_page) return;
  PageMeta& meta = m_ctx.pages.meta(page);
  if (meta.kind != PageKind::kAnon || !meta.swap_slot) return;
  m_st.swap.cache_del(meta.swap_slot - 1);
  meta.swap_slot = 0;
}

FaultOutcome Reclaim::do_swap_page(Process& p, VmaSet::iterator it, const PageTable::Leaf& leaf,
                                   VirtAddr va, bool write, CostMeter& m) {
  const Vma& vma = it->second;
  const uint32_t slot = swap_pte_slot(leaf.desc);
  std::optional<PhysAddr> page = m_st.swap.cached(slot);
  if (!page) {
    // Not in the swap cache: a major fault that waits for the device.
    page = m_ctx.frames.alloc();
    if (!page) return out_of_memory();
    m.frame_alloc();
    m.device_wait(m_st.swap.read(slot, *page));
    m_ctx.stats.pswpin++;
    m_ctx.stats.pgmajfault++;
    PageMeta& fresh = m_ctx.pages.meta(*page);
    fresh = PageMeta{};
    fresh.kind = PageKind::kAnon;
    fresh.index = vma_index(vma, va);
    fresh.swap_slot = slot + 1;
    m_st.swap.cache_add(slot, *page);
  }
  PageMeta& meta = m_ctx.pages.meta(*page);
  meta.mapcount++;
  lru_add_new(*page);
  m_st.swap.put(slot);  // this entry no longer refers to the slot
  const bool exclusive = meta.mapcount == 1 && m_st.swap.count(slot) == 0;
  Descriptor d = m_mm.make_user_pte(*page, vma.flags, false, true);
  if (exclusive && (vma.flags & vm::kWrite)) {
    if (write) {
      // A write fault frees the swap copy (should_try_to_free_swap) and
      // maps the page dirty.
      m_st.swap.cache_del(slot);
      meta.swap_slot = 0;
      d = m_mm.make_user_pte(*page, vma.flags, true, true);
    } else {
      // pte_mkwrite without pte_mkdirty: writable-clean.
      d = Descriptor(m_mm.make_user_pte(*page, vma.flags, true, true).with_ap(arch::Ap::kRo).raw() |
                     (uint64_t{1} << arch::bit::kDbm));
    }
  }
  p.page_table->set_leaf(leaf, d, m);
  if (write && !(exclusive && (vma.flags & vm::kWrite)))
    return m_pc.do_wp_page(p, it, PageTable::Leaf{leaf.slot, d}, va, m);
  return FaultOutcome::kRetry;
}

}  // namespace mmusim::sw
