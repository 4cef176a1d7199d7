// Page reclaim (mm/vmscan.c, reduced): LRU lists aged by the access flag,
// background reclaim (kswapd) with min/low/high watermarks, direct reclaim
// when an allocation finds free memory at the min watermark, and the OOM
// killer (mm/oom_kill.c) when nothing can be reclaimed.
//
// There is no background thread: "kswapd" runs at the end of every system
// call and at the start of every fault (so that the access a fault resolves
// completes before kswapd looks at its page again), when free memory is
// below the low watermark, and reclaims up to the high one; its time is not
// charged to the process (kswapd runs on another CPU in Linux). Direct reclaim runs
// inside the allocation that needs it and is charged to the operation.
//
// Access tracking: reclaim clears AF in every entry mapping a page it looks
// at (with TLBI by VA+ASID); the next access sets it again, by an
// access-flag fault (software) or by the walker (FEAT_HAFDBS). Dirtiness of
// anonymous pages in the swap cache is read from their entries (writable
// and AP[2] clear = dirty; see swap_fault.cpp).
#include <algorithm>
#include <stdexcept>

#include "sw/huge/huge_pages.h"
#include "sw/kernel_stats.h"
#include "sw/mm/address_spaces.h"
#include "sw/pagecache/page_cache.h"
#include "sw/reclaim/reclaim.h"

namespace mmusim::sw {

using arch::Descriptor;

namespace {

constexpr uint64_t kSwapClusterMax = 32;  // SWAP_CLUSTER_MAX
constexpr int kDefPriority = 12;          // DEF_PRIORITY

bool pte_maps(Descriptor d, PhysAddr page) {
  if (is_swap_pte(d) || is_special_pte(d) || (d.raw() & (uint64_t{1} << kPtePoisonBit)))
    return false;
  if (!d.valid() && !(d.raw() & (uint64_t{1} << kPteProtNoneBit))) return false;
  return d.output_address() == page;
}

bool is_anon_list(LruList l) {
  return l == LruList::kInactiveAnon || l == LruList::kActiveAnon;
}

uint64_t isqrt(uint64_t v) {
  uint64_t r = 0;
  while ((r + 1) * (r + 1) <= v)
    ++r;
  return r;
}

}  // namespace

Reclaim::Reclaim(KernelContext& ctx, AddressSpaces& mm, PageCache& page_cache, HugePages& huge)
    : m_ctx(ctx),
      m_mm(mm),
      m_pc(page_cache),
      m_huge(huge),
      m_st(ctx.params.dram_base, ctx.blkdrv, ctx.params.swap_bytes) {
  // Watermarks as Linux calculate_min_free_kbytes + __setup_per_zone_wmarks
  // (one zone, watermark_scale_factor 10): min = sqrt(16 * memory in kB)
  // clamped to [128 kB, 256 MB]; low and high one and two steps above it.
  const uint64_t kb = m_ctx.frames.frames_total() * 4;
  const uint64_t min_kb = std::min<uint64_t>(std::max<uint64_t>(isqrt(kb * 16), 128), 262144);
  m_st.wmark_min = min_kb / 4;
  const uint64_t step = std::max(m_st.wmark_min / 4, m_ctx.frames.frames_total() * 10 / 10000);
  m_st.wmark_low = m_st.wmark_min + step;
  m_st.wmark_high = m_st.wmark_min + 2 * step;
  m_ctx.frames.set_low_hook(m_st.wmark_min, [this] { direct_reclaim(); });
}

void Reclaim::register_stats(stats::Group& kernel_group) const {
  register_reclaim_stats(m_ctx.stats, kernel_group);
}

void Reclaim::lru_add_new(PhysAddr page) {
  const PageMeta& meta = m_ctx.pages.meta(page);
  if (m_st.lru.list_of(page) != LruList::kNone) return;
  // shmem is swap-backed: Linux keeps it on the anon lists (folio_is_file_lru).
  if (meta.kind == PageKind::kAnon || is_shmem_page(page))
    m_st.lru.add(page, LruList::kInactiveAnon);
  else if (meta.kind == PageKind::kFile)
    m_st.lru.add(page, LruList::kInactiveFile);
}

void Reclaim::lru_add_block(PhysAddr block, const Vma& vma, VirtAddr haddr) {
  const uint64_t index = vma_index(vma, haddr);
  for (uint64_t i = 0; i < FrameAllocator::kBlockFrames; ++i) {
    const PhysAddr page = block + i * arch::kPageSize;
    m_ctx.pages.meta(page).index = index + i;
    m_st.lru.add(page, LruList::kInactiveAnon);
  }
}

std::vector<RmapEntry> Reclaim::rmap(PhysAddr page, CostMeter& m, bool split_huge) {
  const PageMeta& meta = m_ctx.pages.meta(page);
  std::vector<RmapEntry> out;
  if (!m_st.rmap_pool.empty()) {
    out = std::move(m_st.rmap_pool.back());
    m_st.rmap_pool.pop_back();
  }
  const bool anon = meta.kind == PageKind::kAnon;
  for (auto& [pid, proc] : m_mm.processes()) {
    for (auto& [start, v] : proc->vmas) {
      if (anon ? !v.anon_vma : v.file != meta.file) continue;
      if (meta.index < v.pgoff || meta.index - v.pgoff >= v.pages()) continue;
      const VirtAddr va = v.start + ((meta.index - v.pgoff) << arch::kPageShift);
      if (split_huge && anon) {
        auto pmd = proc->page_table->lookup_pmd(va, m);
        if (pmd && PageTable::is_huge(pmd->desc) &&
            pmd->desc.output_address() == page.align_down(kPmdSize))
          m_huge.split_huge_pmd(*proc, va, m);
      }
      auto leaf = proc->page_table->lookup(va, m);
      if (!leaf || !pte_maps(leaf->desc, page)) continue;
      out.push_back(RmapEntry{proc.get(), va, *leaf, v.flags});
      if (out.size() == meta.mapcount) return out;
    }
  }
  return out;
}

bool Reclaim::evictable(PhysAddr page) const {
  if (std::find(m_st.pinned.begin(), m_st.pinned.end(), page) != m_st.pinned.end()) return false;
  const PageMeta& meta = const_cast<PageDb&>(m_ctx.pages).meta(page);
  if (meta.ksm || meta.poisoned || meta.soft_offline) return false;
  if (meta.kind == PageKind::kFile) return const_cast<FileStore&>(m_pc.files()).get(meta.file);
  return meta.kind == PageKind::kAnon;
}

bool Reclaim::is_shmem_page(PhysAddr page) const {
  const PageMeta& meta = const_cast<PageDb&>(m_ctx.pages).meta(page);
  if (meta.kind != PageKind::kFile) return false;
  const Inode* inode = const_cast<FileStore&>(m_pc.files()).get(meta.file);
  return inode && inode->shmem;
}

void Reclaim::shmem_writeout(Inode& inode, PhysAddr page, CostMeter& m) {
  const uint64_t index = m_ctx.pages.meta(page).index;
  auto slot = m_st.swap.alloc();
  if (!slot) throw std::logic_error("shmem_writeout: swap full (the caller checks)");
  m_st.swap.dup(*slot);  // the inode's page-cache slot holds the swap entry
  m.device_wait(m_st.swap.write(*slot, page));
  m_ctx.stats.pswpout++;
  inode.swapped.emplace(index, *slot);
}

bool Reclaim::reclaim_page(PhysAddr page, std::vector<RmapEntry>& refs, CostMeter& m) {
  PageMeta& meta = m_ctx.pages.meta(page);
  if (refs.size() != meta.mapcount) return false;  // a mapping rmap cannot see: keep it
  for (const RmapEntry& r : refs)
    if (r.flags & vm::kLocked) return false;  // mlocked: unevictable
  if (meta.kind == PageKind::kAnon && meta.lazyfree) {
    // A lazily freed page still clean (no store since MADV_FREE) is
    // discarded: its entries become empty and read zeroes from now on.
    bool dirty = false;
    for (const RmapEntry& r : refs)
      dirty |= r.leaf.desc.valid() && r.leaf.desc.page_attrs().ap == arch::Ap::kRw;
    if (!dirty) {
      for (RmapEntry& r : refs) {
        r.p->page_table->set_leaf(r.leaf, Descriptor(), m);
        meta.mapcount--;
        m_ctx.tlb.tlbbatch_add_pending(*r.p, r.va, false, m);
      }
      if (meta.swap_slot) m_st.swap.cache_del(meta.swap_slot - 1);
      m_st.lru.remove(page);
      meta = PageMeta{};
      m_ctx.frames.free(page);
      m_ctx.stats.pglazyfreed++;
      return true;
    }
    meta.lazyfree = false;  // stored to since: an ordinary anonymous page again
  }
  if (meta.kind == PageKind::kAnon) {
    // add_to_swap + try_to_unmap + pageout.
    bool dirty = meta.swap_slot == 0;  // never written to swap
    if (!meta.swap_slot) {
      auto slot = m_st.swap.alloc();
      if (!slot) return false;
      m_st.swap.cache_add(*slot, page);
      meta.swap_slot = *slot + 1;
    }
    const uint32_t slot = meta.swap_slot - 1;
    for (RmapEntry& r : refs) {
      const bool pte_dirty = r.leaf.desc.valid() && r.leaf.desc.page_attrs().ap == arch::Ap::kRw;
      dirty |= pte_dirty;
      r.p->page_table->set_leaf(r.leaf, make_swap_pte(slot), m);
      m_st.swap.dup(slot);
      meta.mapcount--;
      // try_to_unmap_one with TTU_BATCH_FLUSH: the TLBI now, the DSB later.
      m_ctx.tlb.tlbbatch_add_pending(*r.p, r.va, pte_dirty, m);
    }
    if (dirty) {
      m_ctx.tlb.tlbbatch_flush_dirty(m);  // before pageout
      m.device_wait(m_st.swap.write(slot, page));
      m_ctx.stats.pswpout++;
    }
    m_st.swap.cache_del(slot);
    m_st.lru.remove(page);
    meta = PageMeta{};
    m_ctx.frames.free(page);
    return true;
  }
  // A page-cache page: unmapped everywhere, written back when dirty, dropped.
  Inode* inode = m_pc.files().get(meta.file);
  auto cp = inode->pages.find(meta.index);
  if (cp == inode->pages.end() || cp->second.frame != page) return false;
  // shmem (shmem_writeout): a dirty page needs a swap slot before it is
  // unmapped; a clean one holds zeroes only (never stored to) and is dropped
  // like a clean file page, its next fault gets a new zeroed page.
  if (inode->shmem && cp->second.dirty && m_st.swap.full()) return false;
  for (RmapEntry& r : refs) {
    const bool pte_dirty = r.leaf.desc.valid() && r.leaf.desc.page_attrs().ap == arch::Ap::kRw;
    r.p->page_table->set_leaf(r.leaf, Descriptor(), m);
    meta.mapcount--;
    m_ctx.tlb.tlbbatch_add_pending(*r.p, r.va, pte_dirty, m);
  }
  if (cp->second.dirty) m_ctx.tlb.tlbbatch_flush_dirty(m);  // before pageout
  if (inode->shmem) {
    if (cp->second.dirty) shmem_writeout(*inode, page, m);
  } else if (cp->second.dirty) {
    PageBytes buf;
    m_ctx.mem.read(page, buf.data(), buf.size());
    m_ctx.store->write_page(inode->id, meta.index, buf);
    if (m_ctx.dev_store && m_ctx.store == m_ctx.dev_store.get())
      m.file_write_timed(m_ctx.store->take_device_cycles());
    else
      m.file_write();
  }
  inode->pages.erase(cp);
  m_ctx.stats.page_cache_pages--;
  m_st.lru.remove(page);
  meta = PageMeta{};
  m_ctx.frames.free(page);
  return true;
}

void Reclaim::shrink_active(LruList list, uint64_t nr_to_scan, CostMeter& m) {
  // shrink_active_list: pages leave the active list oldest first, their
  // access flags cleared; only referenced executable file pages stay.
  const LruList inactive = is_anon_list(list) ? LruList::kInactiveAnon : LruList::kInactiveFile;
  for (uint64_t i = 0; i < nr_to_scan; ++i) {
    auto page = m_st.lru.tail(list);
    if (!page) return;
    const PageKind kind = m_ctx.pages.meta(*page).kind;
    if (kind != PageKind::kAnon && kind != PageKind::kFile) {
      m_st.lru.remove(*page);
      continue;
    }
    bool keep = false;
    std::vector<RmapEntry> refs = rmap(*page, m);
    for (RmapEntry& r : refs) {
      if (!r.leaf.desc.af() || (r.leaf.desc.valid() && r.leaf.desc.page_attrs().contiguous))
        continue;
      if (!is_anon_list(list) && (r.flags & vm::kExec)) keep = true;
      r.p->page_table->set_leaf(r.leaf, r.leaf.desc.with_af(false), m);
      // ptep_clear_flush_young: flush_tlb_page_nosync, no DSB.
      m_ctx.tlb.flush_page_nosync(*r.p, r.va, m);
    }
    give_back_rmap(std::move(refs));
    if (keep) {
      m_st.lru.add(*page, list);
      continue;
    }
    m_st.lru.add(*page, inactive);
    m_ctx.stats.pgdeactivate++;
  }
}

uint64_t Reclaim::shrink_inactive(LruList list, uint64_t nr_to_scan, bool direct, CostMeter& m) {
  const LruList active =
      list == LruList::kInactiveAnon ? LruList::kActiveAnon : LruList::kActiveFile;
  uint64_t reclaimed = 0;
  for (uint64_t i = 0; i < nr_to_scan; ++i) {
    auto tail = m_st.lru.tail(list);
    if (!tail) break;
    const PhysAddr page = *tail;
    const PageKind kind = m_ctx.pages.meta(page).kind;
    if (kind != PageKind::kAnon && kind != PageKind::kFile) {  // freed meanwhile
      m_st.lru.remove(page);
      continue;
    }
    (direct ? m_ctx.stats.pgscan_direct : m_ctx.stats.pgscan_kswapd)++;
    if (!evictable(page)) {
      m_st.lru.add(page, active);
      continue;
    }
    // folio_check_references: clear and count the access flags. A THP is
    // split first: its subpages are aged and reclaimed 4 KB at a time.
    // A kernel.contpte run is unfolded first (its access and dirty state
    // gathered onto every entry) and its pages reclaimed 4 KB at a time, as
    // Linux splits a large folio it does not swap whole.
    std::vector<RmapEntry> refs = rmap(page, m, true);
    bool folded = false;
    for (const RmapEntry& r : refs)
      if (r.leaf.desc.valid() && r.leaf.desc.page_attrs().contiguous) {
        r.p->page_table->unfold(r.leaf, m);
        folded = true;
      }
    if (folded) {
      give_back_rmap(std::move(refs));
      refs = rmap(page, m, true);
    }
    uint64_t young = 0;
    bool exec = false;
    for (RmapEntry& r : refs) {
      if (!r.leaf.desc.valid() || !r.leaf.desc.af()) continue;
      young++;
      exec |= (r.flags & vm::kExec) != 0;
      r.leaf.desc = r.leaf.desc.with_af(false);
      r.p->page_table->set_leaf(r.leaf, r.leaf.desc, m);
      m_ctx.tlb.flush_page_nosync(*r.p, r.va, m);  // ptep_clear_flush_young
    }
    if (young) {
      give_back_rmap(std::move(refs));
      if (m_st.lru.referenced(page) || young > 1 || (exec && !is_anon_list(list))) {
        m_st.lru.add(page, active);
        m_ctx.stats.pgactivate++;
      } else {
        m_st.lru.add(page, list);  // keep, rotated; activated if seen referenced again
        m_st.lru.set_referenced(page, true);
      }
      continue;
    }
    const bool done = reclaim_page(page, refs, m);
    give_back_rmap(std::move(refs));
    if (done) {
      reclaimed++;
      (direct ? m_ctx.stats.pgsteal_direct : m_ctx.stats.pgsteal_kswapd)++;
    } else {
      m_st.lru.add(page, active);
      m_ctx.stats.pgactivate++;
    }
  }
  // try_to_unmap_flush at the end of shrink_folio_list: one DSB for the
  // batch. (The model frees each frame as it goes: its TLBIs already took
  // effect, so no core can still reach it.)
  m_ctx.tlb.tlbbatch_flush(m);
  return reclaimed;
}

uint64_t Reclaim::shrink(uint64_t nr, bool direct, CostMeter& m) {
  // shrink_node at falling priorities: each pass scans size >> priority of
  // every list (at least a cluster), file before anon; anon only while swap
  // has room (get_scan_count without swap scans file only).
  uint64_t reclaimed = 0;
  for (int prio = kDefPriority; prio >= 0 && reclaimed < nr; --prio) {
    for (const bool anon : {false, true}) {
      if (anon && m_st.swap.full() && m_st.swap.cache_pages() == 0) continue;
      const LruList inactive = anon ? LruList::kInactiveAnon : LruList::kInactiveFile;
      const LruList active = anon ? LruList::kActiveAnon : LruList::kActiveFile;
      const uint64_t size = m_st.lru.size(inactive) + m_st.lru.size(active);
      if (size == 0) continue;
      const uint64_t scan = std::max(size >> prio, std::min(size, kSwapClusterMax));
      // inactive_is_low: keep the inactive list at least as long as the active one.
      if (m_st.lru.size(inactive) < m_st.lru.size(active))
        shrink_active(active, std::min(scan, m_st.lru.size(active) - m_st.lru.size(inactive)), m);
      reclaimed += shrink_inactive(inactive, scan, direct, m);
      if (reclaimed >= nr) break;
    }
  }
  return reclaimed;
}

void Reclaim::direct_reclaim() {
  if (m_st.no_reclaim) return;
  m_ctx.stats.allocstall++;
  CostMeter dm(m_ctx.params.costs, m_ctx.stats);
  shrink(kSwapClusterMax, true, dm);
  m_st.direct_cost += dm.cost();
}

void Reclaim::make_room(uint64_t frames) {
  CostMeter dm(m_ctx.params.costs, m_ctx.stats);
  const uint64_t need = frames + m_st.wmark_min;
  if (m_ctx.frames.frames_free() < need) shrink(need - m_ctx.frames.frames_free(), true, dm);
  m_st.direct_cost += dm.cost();
}

void Reclaim::kswapd() {
  if (m_ctx.frames.frames_free() < m_st.wmark_low && !m_st.no_reclaim) {
    // kswapd: balance_pgdat up to the high watermark; not charged.
    m_ctx.stats.kswapd_wakeups++;
    KernelStats& s = m_ctx.stats;
    CostMeter km(m_ctx.params.costs, s);
    const uint64_t free0 = m_ctx.frames.frames_free();
    if (free0 < m_st.wmark_high) shrink(m_st.wmark_high - free0, false, km);
  }
}

FaultOutcome Reclaim::out_of_memory() {
  // Reclaim found nothing: the boundary of this fault or syscall runs the
  // OOM killer (sw/reclaim/reclaim.cpp); the fault is then retried, or ends the
  // task when it was the one killed.
  m_ctx.stats.oom_failures++;
  m_st.oom_pending = true;
  return FaultOutcome::kSigbus;
}

bool Reclaim::boundary(bool run_kswapd) {
  if (run_kswapd) kswapd();
  bool killed_current = false;
  if (m_st.oom_pending) {
    m_st.oom_pending = false;
    killed_current = oom_kill();
  }
  m_ctx.stats.swap_pages = m_st.swap.used();
  m_ctx.stats.swap_cache_pages = m_st.swap.cache_pages();
  return killed_current;
}

Process* Reclaim::oom_select(OomKill* report) {
  // select_bad_process + oom_badness: rss + swap entries + page-table
  // pages; ties go to the later process, as the task-list walk does. Mapped
  // shmem pages count in rss (MM_SHMEMPAGES, here in file-rss); swapped-out
  // shmem pages have no swap entry in any page table (the inode holds it),
  // so, as MM_SWAPENTS in Linux, they count for no process.
  CostMeter m = m_ctx.meter();
  Process* victim = nullptr;
  uint64_t best = 0;
  for (auto& [pid, proc] : m_mm.processes()) {
    OomKill r;
    r.pid = pid;
    for (const auto& [start, v] : proc->vmas) {
      r.total_vm_kb += (v.end - v.start) >> 10;
      proc->page_table->for_each_leaf(
          v.start, v.end,
          [&](VirtAddr, const PageTable::Leaf& leaf) {
            if (is_swap_pte(leaf.desc)) {
              r.swap_kb += 4;
              return;
            }
            if (!pte_maps(leaf.desc, leaf.desc.output_address())) return;
            const PhysAddr page = leaf.desc.output_address();
            if (page == m_ctx.zero_page) return;
            (m_ctx.pages.meta(page).kind == PageKind::kAnon ? r.anon_rss_kb : r.file_rss_kb) += 4;
          },
          m);
    }
    r.pgtables_kb = proc->page_table->table_pages() * 4;
    const uint64_t points = r.anon_rss_kb + r.file_rss_kb + r.swap_kb + r.pgtables_kb;
    if (!victim || points >= best) {
      victim = proc.get();
      best = points;
      if (report) *report = r;
    }
  }
  return victim;
}

bool Reclaim::oom_kill() {
  OomKill report;
  Process* victim = oom_select(&report);
  if (!victim) return false;
  const bool current = m_mm.current_mm() == victim;
  m_st.oom_kills.push_back(report);
  m_ctx.stats.oom_kills++;
  m_mm.kill_process(*victim);
  return current;
}

}  // namespace mmusim::sw
