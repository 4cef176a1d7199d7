// The kernel layer's internals behind sw/kernel.h: KernelImpl, whose
// member functions are implemented by subsystem, one folder each
// (sw/README.md has the table and the dependencies between them):
//   sw/mm/        address spaces: VMAs, page tables, fault dispatch, mmap,
//                 munmap, mprotect, mremap, madvise, brk, smaps, processes
//   sw/pagecache/ page cache and files: readahead, writeback, truncation,
//                 file faults, the file system calls
//   sw/reclaim/   LRU, swap, kswapd, direct reclaim, OOM, MADV_COLD/PAGEOUT/FREE
//   sw/huge/      THP, hugetlb, contpte
//   sw/ksm/       KSM merging and memory-failure injection
// The services they share are in KernelContext (sw/kernel_context.h). KSM
// is a class of its own (sw/ksm/ksm.h) that KernelImpl serves as KsmHost;
// the others' state is a struct each below. The system-call prologue and
// epilogue is KernelImpl::Syscall.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <unordered_map>

#include "model/arch/descriptor.h"
#include "sw/backing_store.h"
#include "sw/cost_meter.h"
#include "sw/frame_allocator.h"
#include "sw/kernel.h"
#include "sw/kernel_context.h"
#include "sw/ksm/ksm.h"
#include "sw/mm/pgtable.h"
#include "sw/mm/process.h"
#include "sw/mm/vma.h"
#include "sw/page_db.h"
#include "sw/pagecache/files.h"
#include "sw/reclaim/lru.h"
#include "sw/reclaim/swap.h"

namespace mmusim::sw {

// arm64 with 48-bit VAs (arch/arm64/include/asm/processor.h).
constexpr uint64_t kTaskSize = uint64_t{1} << 48;
constexpr uint64_t kTaskUnmappedBase = kTaskSize / 4;  // PAGE_ALIGN(DEFAULT_MAP_WINDOW / 4)

// Helpers every system-call file uses.
using abi::Errno;
// A system call's failure result: -errno.
constexpr int64_t err(Errno e) {
  return -static_cast<int64_t>(e);
}
constexpr uint64_t kPageMask = ~(arch::kPageSize - 1);
// PAGE_ALIGN(): rounds up; wraps to 0 at the top of the address space as Linux's does.
constexpr uint64_t page_align(uint64_t v) {
  return (v + arch::kPageSize - 1) & kPageMask;
}
constexpr bool page_aligned(uint64_t v) {
  return (v & ~kPageMask) == 0;
}

// A level-3 entry of a VM_PFNMAP mapping (kPteSpecialBit).
bool is_special_pte(arch::Descriptor d);

// One entry of a page's reverse map (reclaim/reclaim.cpp rmap()).
struct RmapEntry {
  Process* p;
  VirtAddr va;
  PageTable::Leaf leaf;
  VmFlags flags;
};

// ---- Each subsystem's state (sw/README.md: who owns what) ----

// Address spaces: processes and tasks, their VMAs and page tables (in
// Process), device mappings. mm/mmap.cpp, mm/mprotect.cpp, mm/mremap.cpp,
// mm/madvise.cpp, mm/brk_smaps.cpp, mm/fault.cpp, mm/process.cpp, mm/io_remap.cpp.
struct AddressSpaceState {
  struct IoMapping {
    IoRegion region;
    uint8_t attr_index;
    bool on_fault;
  };
  std::map<Pid, std::unique_ptr<Process>> procs;  // address spaces, by creating task
  std::map<Pid, Process*> tasks;                  // every task and its mm
  Pid current = 0;
  Pid next_pid = 1;
  uint32_t next_asid = 1;
  AnonVmaId next_anon_vma = 1;
  std::map<MappedObjectId, IoMapping> io_regions;  // by the VMA's object (the open device)
};

// Page cache and files: inodes, open files, the cache pages (in the
// inodes). pagecache/page_cache.cpp, pagecache/readahead.cpp, pagecache/file_fault.cpp,
// pagecache/file_syscalls.cpp.
struct PageCacheState {
  FileStore files;
};

// Reclaim: LRU lists, swap, watermarks, kswapd, OOM. reclaim/reclaim.cpp,
// reclaim/swap_fault.cpp, reclaim/madvise_reclaim.cpp.
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

// Huge pages: THP (the huge zero page), the hugetlb pool and its files.
// huge/thp.cpp, huge/hugetlb.cpp, huge/contpte.cpp.
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

class KernelImpl final : public KsmHost {
 public:
  using IoMapping = AddressSpaceState::IoMapping;
  using HugetlbObject = HugePageState::HugetlbObject;
  KernelImpl(const KernelParams& params, PhysMemory& mem, MmuControl& mmu, BackingStore* store,
             DeviceIo* io);

  Pid spawn();
  KernelCost switch_to(Pid pid);
  Pid current() const { return m_as.current; }
  // mm/process.cpp
  SyscallResult fork();
  SyscallResult clone_thread();
  SyscallResult exit_task();
  bool exists(Pid pid) const { return m_as.tasks.count(pid) != 0; }

  SyscallResult mmap(VirtAddr addr, uint64_t length, int prot, int flags, int fd, uint64_t offset);
  SyscallResult munmap(VirtAddr addr, uint64_t length);
  SyscallResult mprotect(VirtAddr addr, uint64_t length, int prot);
  SyscallResult msync(VirtAddr addr, uint64_t length, int flags);
  SyscallResult mremap(VirtAddr old_addr, uint64_t old_length, uint64_t new_length, int flags,
                       VirtAddr new_addr);
  SyscallResult madvise(VirtAddr addr, uint64_t length, int advice);
  SyscallResult create_file(const std::string& name, uint64_t size);
  SyscallResult open(int fd, const std::string& name, int mode);
  SyscallResult close(int fd);
  SyscallResult ftruncate(int fd, uint64_t size);
  SyscallResult pread(int fd, uint64_t offset, uint8_t* byte);
  SyscallResult pwrite(int fd, uint64_t offset, uint8_t byte);
  FaultResult handle_fault(const arch::FaultSyndrome& fault);

  std::vector<VmaInfo> maps() const;
  std::vector<SmapsInfo> smaps();
  SyscallResult brk(VirtAddr addr);
  SyscallResult io_remap(VirtAddr addr, uint64_t length, int prot, int flags,
                         const IoRegion& device, uint64_t offset);
  const KernelStats& stats() const { return m_ctx.stats; }
  void register_stats(stats::Group& kernel_group) const;
  const KernelParams& params() const { return m_ctx.params; }
  const std::vector<OomKill>& oom_kills() const { return m_reclaim.oom_kills; }
  PhysAddr zero_page() const { return m_ctx.zero_page; }
  PhysAddr page_table_root(Pid pid) const;
  Asid asid_of(Pid pid) const;

 private:
  Process& cur();
  const Process& cur() const;
  CostMeter meter() { return m_ctx.meter(); }
  // One system call of the current process, from entry to result: the
  // prologue (entry cost, the syscall count, the VMA-operation count at
  // entry) at construction, the epilogue in done().
  class Syscall {
   public:
    explicit Syscall(KernelImpl& k);
    Syscall(const Syscall&) = delete;
    Syscall& operator=(const Syscall&) = delete;
    // Ends the call with `value`: charges the VMA operations done since
    // entry, then the boundary (kswapd, a pending OOM kill, which may kill
    // the caller: `p` is not used after this) and the direct reclaim since
    // the last boundary.
    SyscallResult done(int64_t value);

    KernelImpl& k;
    Process& p;   // the calling process
    CostMeter m;  // the call's cost
   private:
    uint64_t m_vma_ops0;
  };

  // ==== Address spaces (sw/mm/) ====
  // mm/mmap.cpp
  // do_mmap's argument checks, in Linux's order, shared by every mapping path: a zero
  // length, MAP_FIXED_NOREPLACE implying MAP_FIXED, the hint rounded (round_hint_to_min),
  // the length page-aligned without wrapping, pgoff overflow, the map count. 0 or -errno.
  int64_t do_mmap_checks(const Process& p, uint64_t& addr, uint64_t& len, int& flags,
                         uint64_t pgoff) const;
  std::optional<uint64_t> get_unmapped_area(Process& p, uint64_t addr, uint64_t len, int flags,
                                            VmFlags vm_flags, int64_t* error);
  std::optional<uint64_t> unmapped_area_topdown(Process& p, uint64_t len, uint64_t low,
                                                uint64_t high);
  std::optional<uint64_t> unmapped_area_bottomup(Process& p, uint64_t len, uint64_t low,
                                                 uint64_t high);
  // Linux do_vmi_munmap's work on an aligned range: 0 or -ENOMEM.
  int64_t do_munmap(Process& p, uint64_t start, uint64_t end, CostMeter& meter);
  void populate(Process& p, uint64_t start, uint64_t end, CostMeter& meter);

  // mm/mprotect.cpp: Linux change_protection() over [start, end) of a VMA.
  void change_protection(Process& p, const Vma& vma, uint64_t start, uint64_t end, TlbGather& tlb,
                         CostMeter& meter);

  // mm/fault.cpp
  FaultOutcome fault_in(Process& p, VirtAddr va, arch::AccessKind access, arch::ExceptionLevel el,
                        CostMeter& meter) override;
  FaultOutcome do_anonymous_page(Process& p, VmaSet::iterator vma, VirtAddr va, bool write,
                                 CostMeter& meter);
  std::optional<PhysAddr> alloc_zeroed_page(CostMeter& meter);
  void release_page(arch::Descriptor pte) override;
  FaultOutcome out_of_memory();
  // The level-3 descriptor the kernel writes for a user page of `vma_flags`
  // (an invalid PROT_NONE marker when the flags grant no access).
  arch::Descriptor make_user_pte(PhysAddr page, VmFlags vma_flags, bool writable,
                                 bool af) const override;
  // Whether `page` may be mapped writable in `vma` without a write fault
  // first: never the zero page; an anonymous page only while exclusive (not
  // shared copy-on-write, not KSM); a page-cache page only in a shared VMA
  // and once dirty (write-notify, Linux vma_wants_writenotify).
  bool pte_writable(PhysAddr page, const Vma& vma) override;

  // mm/io_remap.cpp: device register mappings (VM_IO | VM_PFNMAP).
  FaultOutcome pfnmap_fault(Process& p, const Vma& vma, VirtAddr page_va, CostMeter& meter);
  bool copy_pfnmap_range(Process& parent, Process& child, const Vma& vma, CostMeter& meter);
  void change_pfnmap_protection(Process& p, const Vma& vma, uint64_t start, uint64_t end,
                                TlbGather& tlb, CostMeter& meter);
  arch::Descriptor make_io_pte(PhysAddr frame, VmFlags vma_flags, uint8_t attr_index) const;
  void anon_vma_prepare(Process& p, VmaSet::iterator vma);
  // expand_downwards(): grows the VM_GROWSDOWN VMA `vma` down to the page of
  // `va`; false (SIGSEGV) when Linux refuses.
  bool expand_downwards(Process& p, VmaSet::iterator& vma, VirtAddr va);
  // A fault at `va` in private anonymous `vma` would take Linux's huge-page
  // path under the THP policy if no PTE table covered it.
  bool thp_fault_eligible(const Vma& vma, VirtAddr va) const;
  static constexpr uint64_t kPmdSize = uint64_t{2} << 20;

  // mm/process.cpp: copy_page_range for one VMA; false when out of frames.
  bool copy_page_range(Process& parent, Process& child, const Vma& vma, CostMeter& meter);
  void exit_mmap(Process& p, CostMeter& meter);

  // mm/madvise.cpp: one VMA piece [start, end); 0 or -errno. `resume` is where
  // the walk continues (the end of a merged VMA).
  int64_t madvise_vma(Process& p, VmaSet::iterator vma, uint64_t start, uint64_t end, int advice,
                      TlbGather& tlb, uint64_t* resume, CostMeter& meter);
  // mm/mremap.cpp
  // do_vmi_munmap for the kernel's own callers: EINVAL beyond TASK_SIZE.
  int64_t vmi_munmap(Process& p, uint64_t start, uint64_t len, CostMeter& meter);
  // Linux 6.17+ remap_move: MREMAP_FIXED with equal lengths over several VMAs.
  int64_t remap_move(Process& p, uint64_t start, uint64_t len, uint64_t new_addr, bool dontunmap,
                     CostMeter& meter);
  int64_t move_vma(Process& p, uint64_t addr, uint64_t old_len, uint64_t new_addr, uint64_t new_len,
                   bool dontunmap, CostMeter& meter);

  // ==== Page cache and files (sw/pagecache/) ====
  // pagecache/file_fault.cpp
  FaultOutcome do_file_fault(Process& p, VmaSet::iterator vma, VirtAddr va, bool write,
                             CostMeter& meter);
  FaultOutcome do_wp_page(Process& p, VmaSet::iterator vma, const PageTable::Leaf& leaf,
                          VirtAddr va, CostMeter& meter);
  // Maps cached pages around a read fault (do_fault_around, filemap_map_pages);
  // true when `va` itself was mapped.
  bool do_fault_around(Process& p, const Vma& vma, VirtAddr va, Inode& inode, OpenFile& file,
                       CostMeter& meter);
  uint64_t vma_index(const Vma& vma, VirtAddr va) const {
    return vma.pgoff + ((va - vma.start) >> arch::kPageShift);
  }

  // pagecache/page_cache.cpp
  // The cached page `index` of `inode`, read from the backing store (or a
  // zeroed shmem page) when absent; nullopt when out of frames.
  std::optional<PhysAddr> cache_page(Inode& inode, uint64_t index, CostMeter& meter);
  // Reads absent pages [index, index + n) into the cache (clipped to EOF),
  // marking page index + n - lookahead with PG_readahead when lookahead > 0.
  void read_pages(Inode& inode, uint64_t index, uint64_t n, uint64_t lookahead, CostMeter& meter);
  // Writes dirty pages [first, last] back, write-protecting their shared
  // mappings first (page_mkclean) so that the next store dirties them again.
  void writeback_range(Inode& inode, uint64_t first, uint64_t last, CostMeter& meter);
  // Zaps user mappings of pages [first, last] of `inode` in every process
  // (unmap_mapping_range); private copies too when `even_cows`.
  void unmap_mapping_range(Inode& inode, uint64_t first, uint64_t last, bool even_cows,
                           CostMeter& meter) override;
  // Drops cached pages [first, last] (truncate_inode_pages_range), and the
  // swap slots of swapped-out shmem pages there (shmem_undo_range).
  void drop_cache_pages(Inode& inode, uint64_t first, uint64_t last);
  // shmem_swapin_folio: reads swapped-out page `index` of shmem `inode` back
  // into its page cache (dirty; the slot is freed); nullopt when out of frames.
  std::optional<PhysAddr> shmem_swapin(Inode& inode, uint64_t index, CostMeter& meter);
  // Swapped-out pages of shmem `inode` in [first, first + n) (shmem_partial_swap_usage).
  uint64_t shmem_swapped_range(const Inode& inode, uint64_t first, uint64_t n) const;
  // truncate_setsize + truncate_pagecache.
  void set_file_size(Inode& inode, uint64_t size, CostMeter& meter);
  // Frees a shmem inode once no VMA of any process maps it.
  void maybe_free_shmem(FileId id);
  Inode* inode_of(const Vma& vma) { return vma.file ? m_pc.files.get(vma.file) : nullptr; }

  // pagecache/readahead.cpp (mm/readahead.c ondemand readahead, mm/filemap.c mmap hooks)
  void sync_readahead(Inode& inode, RaState& ra, uint64_t index, uint64_t req_count,
                      CostMeter& meter);
  void async_readahead(Inode& inode, RaState& ra, uint64_t index, uint64_t req_count,
                       CostMeter& meter);
  void force_readahead(Inode& inode, RaState& ra, uint64_t index, uint64_t nr, CostMeter& meter);
  void mmap_sync_readahead(Inode& inode, OpenFile& file, const Vma& vma, uint64_t index,
                           CostMeter& meter);
  void mmap_async_readahead(Inode& inode, OpenFile& file, const Vma& vma, uint64_t index,
                            CostMeter& meter);

  // pagecache/file_syscalls.cpp
  std::shared_ptr<OpenFile> fd_file(Process& p, int fd);

  // ==== Huge pages (sw/huge/) ====
  // huge/thp.cpp: transparent huge pages (level-2 blocks of private anonymous memory)
  // The level-2 block descriptor for the 2 MB block at `block`, attributes as make_user_pte.
  arch::Descriptor make_user_pmd(PhysAddr block, VmFlags vma_flags, bool writable, bool af) const;
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
  // move_huge_pmd: the blocks wholly inside [addr, addr + len) whose new
  // place (new_addr + offset) is 2 MB-aligned and empty move whole, each
  // flushed at its old address.
  void move_huge_pmds(Process& p, uint64_t addr, uint64_t len, uint64_t new_addr, CostMeter& meter);
  // Splits every block intersecting [start, end).
  void split_huge_range(Process& p, uint64_t start, uint64_t end, CostMeter& meter) override;
  // A zeroed 2 MB block for a THP (mapcount 1 on each frame, counted in
  // thp_fault_alloc); nullopt when no aligned block is free.
  std::optional<PhysAddr> alloc_thp(CostMeter& meter);
  // Drops one block mapping's reference to each of its 512 frames.
  void release_block(arch::Descriptor pmd);
  // No other mapping shares any frame of the block (and none is KSM).
  bool block_exclusive(PhysAddr block);
  // change_huge_pmd for the blocks in [start, end) (whole blocks only).
  void change_huge_pmds(Process& p, const Vma& vma, uint64_t start, uint64_t end, TlbGather& tlb,
                        CostMeter& meter);
  // copy_huge_pmd for the blocks of `vma`; false when out of frames.
  bool copy_huge_pmds(Process& parent, Process& child, const Vma& vma, CostMeter& meter);
  // smaps_pmd_entry for the blocks in `vma`.
  void smaps_blocks(Process& p, const Vma& vma, SmapsInfo& s, uint64_t& pss_x4096,
                    CostMeter& meter);
  // huge/contpte.cpp: the contiguous hint
  // Turns the contpte rules on for `p`'s tables (TLBIs with its ASID).
  void enable_contpte(Process& p);
  // A private anonymous write fault mapping a whole 64 KB folio (16
  // contiguous frames, contiguous bit set) when kernel.contpte is on, the
  // VMA covers the aligned 64 KB and none of its 16 PTEs is set; nullopt:
  // map one 4 KB page.
  std::optional<FaultOutcome> do_anonymous_folio(Process& p, VmaSet::iterator vma, VirtAddr va,
                                                 CostMeter& meter);
  static arch::Descriptor without_cont(arch::Descriptor d) {
    return arch::Descriptor(d.raw() & ~(uint64_t{1} << arch::bit::kContiguous));
  }
  // huge/hugetlb.cpp: MAP_HUGETLB
  void hugetlb_init();  // sets the pool aside (kernel.hugetlb_pages_2m)
  // The huge page size MAP_HUGETLB `flags` ask for (0: EINVAL), with `len` rounded up to it.
  uint64_t hugetlb_page_size(int flags, uint64_t* len) const;
  // Creates the mapping's object and reserves its pages: 0 or -ENOMEM.
  int64_t hugetlb_reserve(MappedObjectId object, uint64_t page_size, uint64_t len, bool noreserve);
  // Gives back the reservations of [start, end) of a private hugetlb VMA being unmapped.
  void hugetlb_unreserve(const Vma& vma, uint64_t start, uint64_t end);
  void maybe_free_hugetlb(MappedObjectId object);
  void hugetlb_put(PhysAddr page);
  std::optional<PhysAddr> hugetlb_alloc(HugetlbObject& h, uint64_t index, CostMeter& meter);
  FaultOutcome hugetlb_fault(Process& p, VmaSet::iterator vma, VirtAddr va, bool write,
                             CostMeter& meter);
  // false when `addr` falls inside a huge page of a hugetlb VMA (EINVAL).
  bool hugetlb_split_ok(Process& p, uint64_t addr);
  // The end of the block mapping `va`, or nullopt when no block maps it.
  std::optional<uint64_t> huge_mapped_end(Process& p, VirtAddr va, CostMeter& meter);
  // Maps `page` at `va` (an empty or replaced entry `leaf`), counting the mapping.
  void map_page(Process& p, const Vma& vma, const PageTable::Leaf& leaf, PhysAddr page,
                bool writable, CostMeter& meter) override;

  // ==== KSM and memory failure (sw/ksm/) ====
  // The subsystem itself is m_ksm (sw/ksm/ksm.h); KernelImpl serves it as
  // its KsmHost.
  Inode* file_inode(FileId id) override { return m_pc.files.get(id); }

  // ==== Reclaim (sw/reclaim/) ====
  // ---- Memory pressure: reclaim/reclaim.cpp (LRU, kswapd, direct reclaim,
  // OOM), reclaim/swap_fault.cpp (swap-in, swap entries in fork/mprotect)
  // and reclaim/madvise_reclaim.cpp (MADV_COLD, PAGEOUT, FREE) ----
  using RmapEntry = sw::RmapEntry;
  // Every user entry mapping `page` (Linux rmap_walk: anon by linear index
  // over VMAs with an anon_vma, file by index over the file's VMAs).
  // With `split_huge`, a 2 MB block mapping the page is split into PTEs
  // first (split_huge_pmd), as reclaim splits a THP before swapping it.
  // The vector comes from a pool of buffers: hand it back with
  // give_back_rmap() when done, so that reclaim allocates nothing per page.
  std::vector<RmapEntry> rmap(PhysAddr page, CostMeter& m, bool split_huge = false);
  void give_back_rmap(std::vector<RmapEntry>&& refs) {
    refs.clear();
    m_reclaim.rmap_pool.push_back(std::move(refs));
  }
  // A new anonymous page's linear index (page->index) for rmap.
  void set_anon_index(PhysAddr page, const Vma& vma, VirtAddr va) override {
    m_ctx.pages.meta(page).index = vma_index(vma, va);
  }
  void lru_add_new(PhysAddr page);
  // The 512 frames of a new THP mapped at `haddr` of `vma`: their linear
  // indices and the inactive anon list (reclaim splits the block first).
  void lru_add_block(PhysAddr block, const Vma& vma, VirtAddr haddr);
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
  // Background reclaim below the low watermark, up to the high one.
  void kswapd();
  // The end of every syscall and fault: kswapd (syscalls; faults run it
  // first instead), then a pending OOM kill. True when the current task died.
  bool boundary(bool run_kswapd = true);
  // Kills the process with the largest rss + swap + page tables.
  bool oom_kill();
  // The process the OOM killer would pick now (its report in `report`), or
  // nullptr when there is none.
  Process* oom_select(OomKill* report);
  void kill_process(Process& p);
  // The anon page of a dirty entry leaves the swap cache (its slot copy is stale).
  void note_pte_dirty(arch::Descriptor d);
  FaultOutcome do_swap_page(Process& p, VmaSet::iterator vma, const PageTable::Leaf& leaf,
                            VirtAddr va, bool write, CostMeter& m);
  // MADV_FREE over [start, end) of private anonymous `vma`.
  void madvise_free(Process& p, const Vma& vma, uint64_t start, uint64_t end, TlbGather& tlb,
                    CostMeter& m);
  // MADV_COLD / MADV_PAGEOUT over [start, end) of `vma`.
  void madvise_cold_pageout(Process& p, const Vma& vma, uint64_t start, uint64_t end, bool pageout,
                            CostMeter& m);

 public:
  // Used by PagePin.
  void pin(PhysAddr page) override { m_reclaim.pinned.push_back(page); }
  void unpin() override { m_reclaim.pinned.pop_back(); }

 private:
  // The shared services, then each subsystem's own state (the functions
  // that use each are listed with the state structs above).
  KernelContext m_ctx;
  PageCacheState m_pc;
  AddressSpaceState m_as;
  ReclaimState m_reclaim;
  HugePageState m_huge;
  Ksm m_ksm{m_ctx, *this};
};

// Pins a page for the scope (direct reclaim leaves it alone).
class PagePin {
 public:
  PagePin(KernelImpl& k, PhysAddr page) : m_k(k) { m_k.pin(page); }
  ~PagePin() { m_k.unpin(); }
  PagePin(const PagePin&) = delete;
  PagePin& operator=(const PagePin&) = delete;

 private:
  KernelImpl& m_k;
};

}  // namespace mmusim::sw
