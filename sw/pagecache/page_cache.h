// Page cache and files: the kernel subsystem of inodes, their cached pages
// and open files (Linux mm/filemap.c, mm/readahead.c, mm/truncate.c,
// mm/page-writeback.c, mm/shmem.c, reduced). It owns the FileStore and its
// counters are PageCacheStats. Sources: page_cache.cpp (the cache,
// writeback, truncation, shmem swap-in), readahead.cpp, file_fault.cpp
// (faults on file and shmem VMAs, do_wp_page), file_syscalls.cpp (the file
// system calls and msync).
//
// Calls into other subsystems (references given at construction):
//   AddressSpaces  (against the intended order, as Linux's i_mmap walk) the
//                  processes whose VMAs map an inode, for truncation,
//                  writeback and shmem teardown; the user-PTE format,
//                  map_page(), release_page(), alloc_zeroed_page(),
//                  set_anon_index() and anon_vma_prepare() for the pages a
//                  file fault maps;
//   Reclaim        the LRU (a new cache page), swap (shmem pages swapped
//                  out, swap-cache pages COW-copied), pinning the page a
//                  fault works on, out_of_memory().
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "sw/kernel_context.h"
#include "sw/kernel_defs.h"
#include "sw/mm/process.h"
#include "sw/pagecache/files.h"

namespace mmusim::stats {
class Group;
}

namespace mmusim::sw {

class AddressSpaces;
class Reclaim;

// The page cache's state: the FileStore (inodes with their cache pages,
// open files).
struct PageCacheState {
  FileStore files;
};

class PageCache {
 public:
  PageCache(KernelContext& ctx, AddressSpaces& mm, Reclaim& reclaim)
      : m_ctx(ctx), m_mm(mm), m_reclaim(reclaim) {}
  PageCache(const PageCache&) = delete;
  PageCache& operator=(const PageCache&) = delete;

  void register_stats(stats::Group& kernel_group) const;

  // ---- System calls (file_syscalls.cpp): bodies run by the Kernel's
  // dispatch (sw/syscall.h) for the calling process `p`; 0, a value, or -errno.
  int64_t create_file(Process& p, CostMeter& m, const std::string& name, uint64_t size);
  int64_t open(Process& p, CostMeter& m, int fd, const std::string& name, int mode);
  int64_t close(Process& p, CostMeter& m, int fd);
  int64_t ftruncate(Process& p, CostMeter& m, int fd, uint64_t size);
  int64_t pread(Process& p, CostMeter& m, int fd, uint64_t offset, uint8_t* byte);
  int64_t pwrite(Process& p, CostMeter& m, int fd, uint64_t offset, uint8_t byte);
  int64_t msync(Process& p, CostMeter& m, VirtAddr addr, uint64_t length, int flags);

  // ---- For address spaces and reclaim ----
  FileStore& files() { return m_st.files; }
  const FileStore& files() const { return m_st.files; }
  Inode* inode_of(const Vma& vma) { return vma.file ? m_st.files.get(vma.file) : nullptr; }
  std::shared_ptr<OpenFile> fd_file(Process& p, int fd);
  // file_fault.cpp
  FaultOutcome do_file_fault(Process& p, VmaSet::iterator vma, VirtAddr va, bool write,
                             CostMeter& meter);
  // A write to a present, write-protected entry: write-notify of a shared
  // file page, reuse of an exclusive anonymous page, or a copy.
  FaultOutcome do_wp_page(Process& p, VmaSet::iterator vma, const PageTable::Leaf& leaf,
                          VirtAddr va, CostMeter& meter);
  // Zaps user mappings of pages [first, last] of `inode` in every process
  // (unmap_mapping_range); private copies too when `even_cows`.
  void unmap_mapping_range(Inode& inode, uint64_t first, uint64_t last, bool even_cows,
                           CostMeter& meter);
  // Drops cached pages [first, last] (truncate_inode_pages_range), and the
  // swap slots of swapped-out shmem pages there (shmem_undo_range).
  void drop_cache_pages(Inode& inode, uint64_t first, uint64_t last);
  // shmem_swapin_folio: reads swapped-out page `index` of shmem `inode` back
  // into its page cache (dirty; the slot is freed); nullopt when out of frames.
  std::optional<PhysAddr> shmem_swapin(Inode& inode, uint64_t index, CostMeter& meter);
  // Swapped-out pages of shmem `inode` in [first, first + n) (shmem_partial_swap_usage).
  uint64_t shmem_swapped_range(const Inode& inode, uint64_t first, uint64_t n) const;
  // Frees a shmem inode once no VMA of any process maps it.
  void maybe_free_shmem(FileId id);
  // force_page_cache_ra (MADV_WILLNEED).
  void force_readahead(Inode& inode, RaState& ra, uint64_t index, uint64_t nr, CostMeter& meter);

 private:
  // Maps cached pages around a read fault (do_fault_around, filemap_map_pages);
  // true when `va` itself was mapped.
  bool do_fault_around(Process& p, const Vma& vma, VirtAddr va, Inode& inode, OpenFile& file,
                       CostMeter& meter);
  // The cached page `index` of `inode`, read from the backing store (or a
  // zeroed shmem page) when absent; nullopt when out of frames.
  std::optional<PhysAddr> cache_page(Inode& inode, uint64_t index, CostMeter& meter);
  // Reads absent pages [index, index + n) into the cache (clipped to EOF),
  // marking page index + n - lookahead with PG_readahead when lookahead > 0.
  void read_pages(Inode& inode, uint64_t index, uint64_t n, uint64_t lookahead, CostMeter& meter);
  // Writes dirty pages [first, last] back, write-protecting their shared
  // mappings first (page_mkclean) so that the next store dirties them again.
  void writeback_range(Inode& inode, uint64_t first, uint64_t last, CostMeter& meter);
  // truncate_setsize + truncate_pagecache.
  void set_file_size(Inode& inode, uint64_t size, CostMeter& meter);
  // readahead.cpp (mm/readahead.c ondemand readahead, mm/filemap.c mmap hooks)
  void sync_readahead(Inode& inode, RaState& ra, uint64_t index, uint64_t req_count,
                      CostMeter& meter);
  void async_readahead(Inode& inode, RaState& ra, uint64_t index, uint64_t req_count,
                       CostMeter& meter);
  void mmap_sync_readahead(Inode& inode, OpenFile& file, const Vma& vma, uint64_t index,
                           CostMeter& meter);
  void mmap_async_readahead(Inode& inode, OpenFile& file, const Vma& vma, uint64_t index,
                            CostMeter& meter);

  KernelContext& m_ctx;
  AddressSpaces& m_mm;
  Reclaim& m_reclaim;
  PageCacheState m_st;
};

}  // namespace mmusim::sw
