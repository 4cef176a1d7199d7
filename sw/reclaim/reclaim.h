// Reclaim: the kernel subsystem that frees memory under pressure (Linux
// mm/vmscan.c, mm/swap_state.c, mm/oom_kill.c, reduced). It owns the four
// LRU lists, swap space and the swap cache, the watermarks, the pages pinned
// against reclaim, direct-reclaim accounting and the OOM killer's state and
// reports; its counters are ReclaimStats. Sources: reclaim.cpp (rmap,
// aging, shrinking, kswapd, direct reclaim, OOM), swap_fault.cpp (swap-in,
// dirty tracking of swap-cache pages), madvise_reclaim.cpp (MADV_COLD,
// PAGEOUT, FREE).
//
// Calls into other subsystems (references given at construction), each
// against the intended order (address spaces -> page cache, huge pages,
// KSM -> reclaim), because Linux's reclaim does the same:
//   AddressSpaces  the processes for the reverse map and the OOM killer's
//                  choice, kill_process() for its kill, make_user_pte() and
//                  release_page() for the entries reclaim rewrites;
//   PageCache      the inode of a file page (evictable? dirty? shmem?) and
//                  do_wp_page() after a swap-in for a write (COW);
//   HugePages      splitting a THP before its subpages are aged or swapped.
#pragma once

#include <cstdint>
#include <vector>

#include "sw/kernel_context.h"
#include "sw/kernel_defs.h"
#include "sw/mm/process.h"
#include "sw/reclaim/lru.h"
#include "sw/reclaim/swap.h"

namespace mmusim::stats {
class Group;
}

namespace mmusim::sw {

class AddressSpaces;
class PageCache;
class HugePages;
struct Inode;

// Reclaim's state: LRU lists, swap, watermarks, kswapd, OOM.
struct ReclaimState {
  ReclaimState(PhysAddr dram_base, BlockDriver& blkdrv, uint64_t swap_bytes)
      : lru(dram_base), swap(blkdrv, swap_bytes) {}
  Lru lru;
  SwapSpace swap;
  std::vector<std::vector<RmapEntry>> rmap_pool;          // rmap()'s buffers, given back
  uint64_t wmark_min = 0, wmark_low = 0, wmark_high = 0;  // free frames
  std::vector<PhysAddr> pinned;  // pages a fault in progress works on: never reclaimed
  int no_reclaim = 0;            // > 0: allocations do not enter direct reclaim
  bool oom_pending = false;      // an allocation failed; the boundary kills
  KernelCost direct_cost;        // direct reclaim since the last boundary (charged to it)
  std::vector<OomKill> oom_kills;
};

class Reclaim {
 public:
  // Sets the watermarks (Linux's formulas) and hooks direct reclaim into
  // the frame allocator at the min watermark.
  Reclaim(KernelContext& ctx, AddressSpaces& mm, PageCache& page_cache, HugePages& huge);
  Reclaim(const Reclaim&) = delete;
  Reclaim& operator=(const Reclaim&) = delete;

  // OOM kills so far, oldest first.
  const std::vector<OomKill>& oom_kills() const { return m_st.oom_kills; }
  void register_stats(stats::Group& kernel_group) const;

  // ---- The boundary of every system call and fault ----
  // Background reclaim below the low watermark, up to the high one.
  void kswapd();
  // The end of every syscall and fault: kswapd (syscalls; faults run it
  // first instead), then a pending OOM kill. True when the current task died.
  bool boundary(bool run_kswapd = true);
  // The direct-reclaim cost since the last call (charged to the operation
  // that ends now).
  KernelCost take_direct_cost() {
    const KernelCost c = m_st.direct_cost;
    m_st.direct_cost = KernelCost{};
    return c;
  }

  // ---- For the allocating paths of the other subsystems ----
  // An allocation found no frame after reclaim: the boundary runs the OOM
  // killer. Counts oom_failures; returns SIGBUS for the fault.
  FaultOutcome out_of_memory();
  bool oom_pending() const { return m_st.oom_pending; }
  // The process the OOM killer would pick now (its report in `report`), or
  // nullptr when there is none.
  Process* oom_select(OomKill* report);
  // The pending OOM kill, now (populate, when the victim is another process).
  void oom_kill_pending() {
    m_st.oom_pending = false;
    oom_kill();
  }
  // Direct reclaim until `frames` more than the min watermark are free,
  // before an operation that must not be reclaimed under (a fork's or a
  // move's copy of entries); charged at the next boundary.
  void make_room(uint64_t frames);
  // Between these two, allocations do not enter direct reclaim.
  void suspend_direct() { m_st.no_reclaim++; }
  void resume_direct() { m_st.no_reclaim--; }
  // Keeps `page` from reclaim until the matching unpin(); Pin for a scope.
  void pin(PhysAddr page) { m_st.pinned.push_back(page); }
  void unpin() { m_st.pinned.pop_back(); }
  using Pin = ScopedPin<Reclaim>;

  // ---- LRU and swap, for the paths that map, copy and free pages ----
  Lru& lru() { return m_st.lru; }
  SwapSpace& swap() { return m_st.swap; }
  const SwapSpace& swap() const { return m_st.swap; }
  void lru_add_new(PhysAddr page);
  // The 512 frames of a new THP mapped at `haddr` of `vma`: their linear
  // indices and the inactive anon list (reclaim splits the block first).
  void lru_add_block(PhysAddr block, const Vma& vma, VirtAddr haddr);
  // The anon page of a dirty entry leaves the swap cache (its slot copy is stale).
  void note_pte_dirty(arch::Descriptor d);
  // do_swap_page: a fault on a swap entry.
  FaultOutcome do_swap_page(Process& p, VmaSet::iterator vma, const PageTable::Leaf& leaf,
                            VirtAddr va, bool write, CostMeter& m);
  // MADV_FREE over [start, end) of private anonymous `vma`.
  void madvise_free(Process& p, const Vma& vma, uint64_t start, uint64_t end, TlbGather& tlb,
                    CostMeter& m);
  // MADV_COLD / MADV_PAGEOUT over [start, end) of `vma`.
  void madvise_cold_pageout(Process& p, const Vma& vma, uint64_t start, uint64_t end, bool pageout,
                            CostMeter& m);

 private:
  // Every user entry mapping `page` (Linux rmap_walk: anon by linear index
  // over VMAs with an anon_vma, file by index over the file's VMAs).
  // With `split_huge`, a 2 MB block mapping the page is split into PTEs
  // first (split_huge_pmd), as reclaim splits a THP before swapping it.
  // The vector comes from a pool of buffers: hand it back with
  // give_back_rmap() when done, so that reclaim allocates nothing per page.
  std::vector<RmapEntry> rmap(PhysAddr page, CostMeter& m, bool split_huge = false);
  void give_back_rmap(std::vector<RmapEntry>&& refs) {
    refs.clear();
    m_st.rmap_pool.push_back(std::move(refs));
  }
  // Reclaims up to `nr` pages; returns how many were freed.
  uint64_t shrink(uint64_t nr, bool direct, CostMeter& m);
  uint64_t shrink_inactive(LruList list, uint64_t nr_to_scan, bool direct, CostMeter& m);
  void shrink_active(LruList list, uint64_t nr_to_scan, CostMeter& m);
  // try_to_unmap + pageout + free of one page; false when it must stay.
  bool reclaim_page(PhysAddr page, std::vector<RmapEntry>& refs, CostMeter& m);
  bool evictable(PhysAddr page) const;
  // A shmem page-cache page (swap-backed: on the anon LRU lists, swapped out by reclaim).
  bool is_shmem_page(PhysAddr page) const;
  // shmem_writeout: the unmapped shmem page goes to a swap slot that its
  // inode's page-cache slot keeps (the caller made sure swap has room).
  void shmem_writeout(Inode& inode, PhysAddr page, CostMeter& m);
  void direct_reclaim();
  // Kills the process with the largest rss + swap + page tables.
  bool oom_kill();

  KernelContext& m_ctx;
  AddressSpaces& m_mm;
  PageCache& m_pc;
  HugePages& m_huge;
  ReclaimState m_st;
};

}  // namespace mmusim::sw
