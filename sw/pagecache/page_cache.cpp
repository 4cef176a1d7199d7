// The page cache (mm/filemap.c, mm/truncate.c, mm/page-writeback.c) and the
// reverse mapping from a file's pages to the VMAs that map them (Linux's
// i_mmap tree; here a scan of every process's VMAs, which only truncation,
// writeback and shmem teardown need).
#include <algorithm>

#include "sw/kernel_stats.h"
#include "sw/mm/address_spaces.h"
#include "sw/pagecache/page_cache.h"
#include "sw/reclaim/reclaim.h"

namespace mmusim::sw {

namespace {

struct Mapper {
  Process* p;
  VirtAddr start;
  VirtAddr end;
  uint64_t pgoff;
  VmFlags flags;
};

}  // namespace

void PageCache::register_stats(stats::Group& kernel_group) const {
  register_page_cache_stats(m_ctx.stats, kernel_group);
}

std::optional<PhysAddr> PageCache::cache_page(Inode& inode, uint64_t index, CostMeter& m) {
  auto it = inode.pages.find(index);
  if (it != inode.pages.end()) return it->second.frame;
  if (inode.shmem && inode.swapped.count(index)) return shmem_swapin(inode, index, m);
  auto frame = m_ctx.frames.alloc();
  if (!frame) return std::nullopt;
  m.frame_alloc();
  if (inode.shmem) {
    m_ctx.mem.fill(*frame, 0, arch::kPageSize);
    m.page_zero(arch::kPageSize);
  } else {
    PageBytes buf;
    m_ctx.store->read_page(inode.id, index, buf);
    // The part of the last page beyond EOF reads as zeroes (block_read_full_folio).
    const uint64_t page_start = index << arch::kPageShift;
    if (inode.size < page_start + arch::kPageSize) {
      const uint64_t keep = inode.size > page_start ? inode.size - page_start : 0;
      std::fill(buf.begin() + static_cast<long>(keep), buf.end(), 0);
    }
    m_ctx.mem.write(*frame, buf.data(), buf.size());
    if (m_ctx.dev_store && m_ctx.store == m_ctx.dev_store.get())
      m.file_read_timed(m_ctx.store->take_device_cycles());
    else
      m.file_read();
  }
  PageMeta& meta = m_ctx.pages.meta(*frame);
  meta = PageMeta{};
  meta.kind = PageKind::kFile;
  meta.file = inode.id;
  meta.index = index;
  inode.pages.emplace(index, CachePage{*frame});
  m_ctx.stats.page_cache_pages++;
  m_reclaim.lru_add_new(*frame);  // shmem: on the anon lists
  return frame;
}

void PageCache::read_pages(Inode& inode, uint64_t index, uint64_t n, uint64_t lookahead,
                           CostMeter& m) {
  // do_page_cache_ra: never past the last page of the file.
  const uint64_t end_index = inode.size_pages();
  if (n == 0 || index >= end_index) return;
  n = std::min(n, end_index - index);
  const uint64_t mark = lookahead && lookahead <= n ? n - lookahead : UINT64_MAX;
  for (uint64_t i = 0; i < n; ++i) {
    if (inode.pages.count(index + i)) continue;  // present pages are skipped, unmarked
    if (!cache_page(inode, index + i, m)) return;
    m_ctx.stats.readahead_pages++;
    if (i == mark) inode.pages.at(index + i).readahead = true;
  }
}

namespace {

template <typename Procs>
std::vector<Mapper> mappers_of(Procs& procs, FileId id) {
  std::vector<Mapper> out;
  for (auto& [pid, proc] : procs)
    for (auto& [start, v] : proc->vmas)
      if (v.file == id) out.push_back(Mapper{proc.get(), v.start, v.end, v.pgoff, v.flags});
  return out;
}

}  // namespace

void PageCache::writeback_range(Inode& inode, uint64_t first, uint64_t last, CostMeter& m) {
  if (inode.shmem) return;  // shmem: noop_fsync
  std::vector<Mapper> mappers;
  bool have_mappers = false;
  for (auto it = inode.pages.lower_bound(first); it != inode.pages.end() && it->first <= last;
       ++it) {
    CachePage& cp = it->second;
    if (!cp.dirty) continue;
    if (!have_mappers) {
      mappers = mappers_of(m_mm.processes(), inode.id);
      have_mappers = true;
    }
    // page_mkclean: write-protect every shared mapping of the page.
    for (const Mapper& mp : mappers) {
      if (!(mp.flags & vm::kShared)) continue;
      const uint64_t pages = (mp.end - mp.start) >> arch::kPageShift;
      if (it->first < mp.pgoff || it->first >= mp.pgoff + pages) continue;
      const VirtAddr va = mp.start + ((it->first - mp.pgoff) << arch::kPageShift);
      auto leaf = mp.p->page_table->lookup(va, m);
      if (!leaf || !leaf->desc.valid() || leaf->desc.output_address() != cp.frame) continue;
      const arch::Descriptor ro = m_mm.make_user_pte(cp.frame, mp.flags, false, leaf->desc.af());
      if (ro == leaf->desc) continue;
      mp.p->page_table->set_leaf(*leaf, ro, m);
      m_ctx.tlb.flush_page(*mp.p, va, m);
    }
    PageBytes buf;
    m_ctx.mem.read(cp.frame, buf.data(), buf.size());
    m_ctx.store->write_page(inode.id, it->first, buf);
    if (m_ctx.dev_store && m_ctx.store == m_ctx.dev_store.get())
      m.file_write_timed(m_ctx.store->take_device_cycles());
    else
      m.file_write();
    cp.dirty = false;
  }
}

void PageCache::unmap_mapping_range(Inode& inode, uint64_t first, uint64_t last, bool even_cows,
                                    CostMeter& m) {
  for (const Mapper& mp : mappers_of(m_mm.processes(), inode.id)) {
    const uint64_t pages = (mp.end - mp.start) >> arch::kPageShift;
    const uint64_t lo = std::max(first, mp.pgoff);
    const uint64_t hi = std::min(last, mp.pgoff + pages - 1);
    if (lo > hi) continue;
    const VirtAddr start = mp.start + ((lo - mp.pgoff) << arch::kPageShift);
    const VirtAddr end = mp.start + ((hi - mp.pgoff + 1) << arch::kPageShift);
    TlbGather tlb(m_ctx.tlb, *mp.p);
    if (even_cows || (mp.flags & vm::kShared)) {
      mp.p->page_table->unmap_range(
          start, end, tlb, [this](arch::Descriptor d) { m_mm.release_page(d); }, m);
    } else {
      mp.p->page_table->for_each_leaf(
          start, end,
          [&](VirtAddr va, const PageTable::Leaf& leaf) {
            if (is_swap_pte(leaf.desc) || (leaf.desc.raw() & (uint64_t{1} << kPtePoisonBit)) ||
                m_ctx.pages.meta(leaf.desc.output_address()).kind != PageKind::kFile)
              return;
            m_mm.release_page(leaf.desc);
            mp.p->page_table->set_leaf(leaf, arch::Descriptor(), m);
            tlb.add(va);
          },
          m);
    }
    tlb.flush(m);
  }
}

std::optional<PhysAddr> PageCache::shmem_swapin(Inode& inode, uint64_t index, CostMeter& m) {
  const uint32_t slot = inode.swapped.at(index);
  auto frame = m_ctx.frames.alloc();
  if (!frame) return std::nullopt;
  // The allocation may have reclaimed: the slot is still the inode's.
  m.frame_alloc();
  m.device_wait(m_reclaim.swap().read(slot, *frame));
  m_ctx.stats.pswpin++;
  PageMeta& meta = m_ctx.pages.meta(*frame);
  meta = PageMeta{};
  meta.kind = PageKind::kFile;
  meta.file = inode.id;
  meta.index = index;
  // delete_from_swap_cache + folio_mark_dirty + swap_free: the page cache
  // holds the only copy now.
  inode.swapped.erase(index);
  m_reclaim.swap().put(slot);
  inode.pages.emplace(index, CachePage{*frame, true});
  m_ctx.stats.page_cache_pages++;
  m_reclaim.lru_add_new(*frame);
  return frame;
}

uint64_t PageCache::shmem_swapped_range(const Inode& inode, uint64_t first, uint64_t n) const {
  uint64_t count = 0;
  for (auto it = inode.swapped.lower_bound(first);
       it != inode.swapped.end() && it->first - first < n; ++it)
    count++;
  return count;
}

void PageCache::drop_cache_pages(Inode& inode, uint64_t first, uint64_t last) {
  for (auto sw = inode.swapped.lower_bound(first);
       sw != inode.swapped.end() && sw->first <= last;) {
    m_reclaim.swap().put(sw->second);
    sw = inode.swapped.erase(sw);
  }
  auto it = inode.pages.lower_bound(first);
  while (it != inode.pages.end() && it->first <= last) {
    const PhysAddr frame = it->second.frame;
    m_reclaim.lru().remove(frame);
    m_ctx.pages.meta(frame) = PageMeta{};
    m_ctx.frames.free(frame);
    m_ctx.stats.page_cache_pages--;
    it = inode.pages.erase(it);
  }
}

void PageCache::set_file_size(Inode& inode, uint64_t size, CostMeter& m) {
  const uint64_t old = inode.size;
  inode.size = size;
  if (size >= old) return;
  // truncate_pagecache: unmap (private copies too), drop the pages wholly
  // beyond the new size, zero the tail of the partial last page.
  const uint64_t first = (size + arch::kPageSize - 1) >> arch::kPageShift;
  unmap_mapping_range(inode, first, UINT64_MAX, true, m);
  drop_cache_pages(inode, first, UINT64_MAX);
  const uint32_t tail = static_cast<uint32_t>(size & (arch::kPageSize - 1));
  if (tail) {
    auto it = inode.pages.find(size >> arch::kPageShift);
    if (it != inode.pages.end()) m_ctx.mem.fill(it->second.frame + tail, 0, arch::kPageSize - tail);
  }
  if (!inode.shmem) m_ctx.store->discard_from(inode.id, first, tail);
}

void PageCache::maybe_free_shmem(FileId id) {
  Inode* inode = m_st.files.get(id);
  if (!inode || !inode->shmem) return;
  for (auto& [pid, proc] : m_mm.processes())
    for (auto& [start, v] : proc->vmas)
      if (v.file == id) return;
  drop_cache_pages(*inode, 0, UINT64_MAX);
  m_st.files.erase(id);
}

}  // namespace mmusim::sw
