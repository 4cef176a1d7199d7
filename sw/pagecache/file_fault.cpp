// Faults on file and shmem VMAs (mm/memory.c do_read_fault, do_cow_fault,
// do_shared_fault, do_fault_around; mm/filemap.c filemap_fault,
// filemap_map_pages) and write-protect faults on present pages (do_wp_page:
// wp_page_shared, wp_page_reuse, wp_page_copy).
//
// Dirty tracking of shared file pages is Linux's write-notify: a page-cache
// page is mapped read-only until a store faults on it; the fault marks the
// page dirty and maps it writable (filemap_page_mkwrite). Writeback
// write-protects every mapping of the page again (page_mkclean), so the next
// store dirties it anew. Arm's hardware dirty state (DBM) is not relied on,
// as Linux does not rely on it for write-notify mappings either.
#include <algorithm>

#include "sw/mm/address_spaces.h"
#include "sw/pagecache/page_cache.h"
#include "sw/reclaim/reclaim.h"

namespace mmusim::sw {

using arch::Descriptor;

namespace {

// fault_around_bytes default: 64 KB.
constexpr uint64_t kFaultAroundPages = 16;
constexpr uint64_t kPtrsPerTable = 512;

}  // namespace

FaultOutcome PageCache::do_file_fault(Process& p, VmaSet::iterator it, VirtAddr page_va, bool write,
                                      CostMeter& m) {
  const Vma& vma = it->second;
  Inode* inode = inode_of(vma);
  OpenFile* file = m_st.files.open_file(vma.object);
  if (!inode || !file) return FaultOutcome::kSigbus;
  const uint64_t index = vma_index(vma, page_va);
  // filemap_fault / shmem_fault: a page wholly beyond EOF is SIGBUS.
  if (index >= inode->size_pages()) return FaultOutcome::kSigbus;
  auto leaf = p.page_table->lookup_or_alloc(page_va, m);
  if (!leaf) return m_reclaim.out_of_memory();

  if (!write && do_fault_around(p, vma, page_va, *inode, *file, m)) return FaultOutcome::kRetry;

  // ->fault: filemap_fault (readahead, then the page) or shmem_fault.
  m_ctx.stats.file_faults++;
  if (!inode->shmem) {
    auto cached = inode->pages.find(index);
    if (cached != inode->pages.end()) {
      mmap_async_readahead(*inode, *file, vma, index, m);
    } else {
      m_ctx.stats.file_faults_major++;
      m_ctx.stats.pgmajfault++;
      mmap_sync_readahead(*inode, *file, vma, index, m);
    }
  }
  // shmem_fault finding a swap entry in the mapping: shmem_swapin_folio, a
  // major fault that waits for the device.
  const bool swapin = inode->shmem && inode->swapped.count(index);
  auto page = cache_page(*inode, index, m);
  if (!page) return m_reclaim.out_of_memory();
  if (swapin) m_ctx.stats.pgmajfault++;

  if (!write) {  // do_read_fault: read-only until a store (write-notify or COW)
    m_mm.map_page(p, vma, *leaf, *page, false, m);
    return FaultOutcome::kRetry;
  }
  if (vma.flags & vm::kShared) {  // do_shared_fault: page_mkwrite dirties the page
    inode->pages.at(index).dirty = true;
    m_mm.map_page(p, vma, *leaf, *page, true, m);
    return FaultOutcome::kRetry;
  }
  // do_cow_fault: a private copy of the cached page.
  m_mm.anon_vma_prepare(p, it);
  Reclaim::Pin pinned(m_reclaim, *page);
  auto copy = m_ctx.frames.alloc();
  if (!copy) return m_reclaim.out_of_memory();
  m.frame_alloc();
  PageBytes buf;
  m_ctx.mem.read(*page, buf.data(), buf.size());
  m_ctx.mem.write(*copy, buf.data(), buf.size());
  m.page_copy(arch::kPageSize);
  m_ctx.pages.meta(*copy) = PageMeta{0, PageKind::kAnon};
  m_ctx.stats.anon_pages_allocated++;
  m_ctx.stats.cow_copies++;
  m_mm.set_anon_index(*copy, vma, page_va);
  m_mm.map_page(p, vma, *leaf, *copy, true, m);
  return FaultOutcome::kRetry;
}

FaultOutcome PageCache::do_wp_page(Process& p, VmaSet::iterator it, const PageTable::Leaf& leaf,
                                   VirtAddr page_va, CostMeter& m) {
  const Vma& vma = it->second;
  const PhysAddr page = leaf.desc.output_address();
  PageMeta& meta = m_ctx.pages.meta(page);
  const bool zero = page == m_ctx.zero_page;
  if (!zero && meta.kind == PageKind::kFile && (vma.flags & vm::kShared)) {
    // wp_page_shared: the first store to a clean shared page dirties it.
    if (Inode* inode = m_st.files.get(meta.file)) {
      auto cp = inode->pages.find(meta.index);
      if (cp != inode->pages.end()) cp->second.dirty = true;
    }
    p.page_table->set_leaf(leaf, m_mm.make_user_pte(page, vma.flags, true, true), m);
    m_ctx.tlb.flush_page(p, page_va, m);
    return FaultOutcome::kRetry;
  }
  if (!zero && meta.kind == PageKind::kAnon && meta.mapcount <= 1 && !meta.ksm &&
      (!meta.swap_slot || m_reclaim.swap().count(meta.swap_slot - 1) == 0)) {
    // wp_page_reuse: the last mapping of an anonymous page takes it over;
    // a page of the swap cache first leaves it when no swap entry still
    // needs its slot (folio_free_swap), as its slot copy goes stale.
    if (meta.swap_slot) {
      m_reclaim.swap().cache_del(meta.swap_slot - 1);
      meta.swap_slot = 0;
    }
    p.page_table->set_leaf(leaf, m_mm.make_user_pte(page, vma.flags, true, true), m);
    m_ctx.tlb.flush_page(p, page_va, m);
    return FaultOutcome::kRetry;
  }
  // wp_page_copy: a new anonymous page with the old contents (zeroes for
  // the zero page), swapped in with break-before-make (Arm ARM D8.16.1).
  m_mm.anon_vma_prepare(p, it);
  Reclaim::Pin pinned(m_reclaim, page);
  std::optional<PhysAddr> fresh;
  if (zero) {
    fresh = m_mm.alloc_zeroed_page(m);
    if (!fresh) return m_reclaim.out_of_memory();
  } else {
    fresh = m_ctx.frames.alloc();
    if (!fresh) return m_reclaim.out_of_memory();
    m.frame_alloc();
    PageBytes buf;
    m_ctx.mem.read(page, buf.data(), buf.size());
    m_ctx.mem.write(*fresh, buf.data(), buf.size());
    m.page_copy(arch::kPageSize);
    m_ctx.pages.meta(*fresh) = PageMeta{0, PageKind::kAnon};
    m_ctx.stats.anon_pages_allocated++;
    m_ctx.stats.cow_copies++;
  }
  m_mm.set_anon_index(*fresh, vma, page_va);
  p.page_table->set_leaf(leaf, Descriptor(), m);
  m_ctx.tlb.flush_page(p, page_va, m);
  m_mm.release_page(leaf.desc);
  m_mm.map_page(p, vma, PageTable::Leaf{leaf.slot, Descriptor()}, *fresh, true, m);
  return FaultOutcome::kRetry;
}

bool PageCache::do_fault_around(Process& p, const Vma& vma, VirtAddr va, Inode& inode,
                                OpenFile& file, CostMeter& m) {
  // do_fault_around: the fault_around_bytes-aligned block around the fault,
  // inside the VMA and the one level-3 table.
  const uint64_t index = vma_index(vma, va);
  const uint64_t pte_off = (va.value() >> arch::kPageShift) & (kPtrsPerTable - 1);
  const uint64_t vma_off = (va - vma.start) >> arch::kPageShift;
  const uint64_t block = pte_off & ~(kFaultAroundPages - 1);
  const uint64_t from_pte = std::max(block, pte_off - std::min(pte_off, vma_off));
  const uint64_t to_pte =
      std::min({block + kFaultAroundPages, kPtrsPerTable, pte_off + vma.pages() - vma_off}) - 1;
  const uint64_t first = index - (pte_off - from_pte);
  const uint64_t last = std::min(index + (to_pte - pte_off), inode.size_pages() - 1);
  bool mapped_fault = false;
  uint64_t seen = 0;
  // filemap_map_pages: uptodate pages not marked for readahead, in empty entries.
  for (auto it = inode.pages.lower_bound(first); it != inode.pages.end() && it->first <= last;
       ++it) {
    if (it->second.readahead) continue;
    if (m_ctx.pages.meta(it->second.frame).poisoned) continue;
    seen++;
    const VirtAddr at(va.value() + (it->first - index) * arch::kPageSize);
    auto leaf = p.page_table->lookup(at, m);
    if (!leaf || leaf->desc.raw() != 0) continue;
    m_mm.map_page(p, vma, *leaf, it->second.frame, false, m);
    if (it->first == index)
      mapped_fault = true;
    else
      m_ctx.stats.fault_around_pages++;
  }
  file.ra.mmap_miss =
      seen >= file.ra.mmap_miss ? 0 : file.ra.mmap_miss - static_cast<uint32_t>(seen);
  return mapped_fault;
}

}  // namespace mmusim::sw
