#include "system/kernel_stats.h"

namespace mmusim {

void register_kernel_stats(stats::Group& g, const sw::Kernel& kernel) {
  const sw::Kernel* k = &kernel;
  // stats() may compute some figures when called: read it at visit time.
  const auto count = [&g, k](const char* name, uint64_t sw::KernelStats::*field, const char* unit,
                             const char* description) {
    g.add(
        name, [k, field] { return k->stats().*field; }, unit, description);
  };
  count("syscalls", &sw::KernelStats::syscalls, "calls", "system calls made");
  count("page_faults", &sw::KernelStats::page_faults, "faults",
        "faults the kernel was entered for");
  count("faults_resolved", &sw::KernelStats::faults_resolved, "faults",
        "faults that ended in a retry");
  count("sigsegv", &sw::KernelStats::sigsegv, "signals", "SIGSEGV decided by the kernel");
  count("sigbus", &sw::KernelStats::sigbus, "signals", "SIGBUS decided by the kernel");
  count("zero_page_maps", &sw::KernelStats::zero_page_maps, "pages",
        "read faults served with the shared zero page");
  count("anon_pages_allocated", &sw::KernelStats::anon_pages_allocated, "pages",
        "anonymous frames allocated");
  count("page_table_pages", &sw::KernelStats::page_table_pages, "pages",
        "translation-table pages allocated now");
  count("frames_in_use", &sw::KernelStats::frames_in_use, "pages", "frames allocated now");
  count("descriptor_writes", &sw::KernelStats::descriptor_writes, "writes",
        "descriptors the kernel stored");
  count("tlb_invalidations", &sw::KernelStats::tlb_invalidations, "TLBIs",
        "TLB maintenance operations issued");
  count("page_cache_pages", &sw::KernelStats::page_cache_pages, "pages",
        "pages in the page cache now (files and shared anonymous memory)");
  count("file_faults", &sw::KernelStats::file_faults, "faults",
        "faults on file or shmem VMAs that reached the fault handler (not served by fault-around)");
  count("file_faults_major", &sw::KernelStats::file_faults_major, "faults",
        "file faults that found the page absent from the page cache");
  count("fault_around_pages", &sw::KernelStats::fault_around_pages, "pages",
        "cached pages mapped around a read fault (64 KB fault-around)");
  count("file_pages_read", &sw::KernelStats::file_pages_read, "pages",
        "backing-store reads on page-cache misses");
  count("file_pages_written", &sw::KernelStats::file_pages_written, "pages",
        "backing-store writeback (msync)");
  count("readahead_sync", &sw::KernelStats::readahead_sync, "windows",
        "readahead windows started by a cache miss");
  count("readahead_async", &sw::KernelStats::readahead_async, "windows",
        "readahead windows started by reaching a PG_readahead page");
  count("readahead_pages", &sw::KernelStats::readahead_pages, "pages", "pages read by readahead");
  count("cow_copies", &sw::KernelStats::cow_copies, "pages",
        "pages copied by a first write to a file or shared copy-on-write page");
  count("ksm_pages", &sw::KernelStats::ksm_pages, "pages", "KSM pages now");
  count("ksm_merged", &sw::KernelStats::ksm_merged, "pages",
        "pages merged into a KSM page (MADV_MERGEABLE)");
  count("hwpoisoned_pages", &sw::KernelStats::hwpoisoned_pages, "pages",
        "MADV_HWPOISON injections");
  count("soft_offlined_pages", &sw::KernelStats::soft_offlined_pages, "pages",
        "MADV_SOFT_OFFLINE injections");
  count("oom_failures", &sw::KernelStats::oom_failures, "allocations",
        "allocations that found no frame after reclaim (each leads to an OOM kill)");
  count("pgfault", &sw::KernelStats::page_faults, "faults",
        "every fault (/proc/vmstat name; the same count as page_faults)");
  count("pgmajfault", &sw::KernelStats::pgmajfault, "faults",
        "faults that waited for the block device or file store (swap-in, page-cache miss)");
  count("pswpin", &sw::KernelStats::pswpin, "pages", "pages read from swap");
  count("pswpout", &sw::KernelStats::pswpout, "pages", "pages written to swap");
  count("pgscan_kswapd", &sw::KernelStats::pgscan_kswapd, "pages",
        "inactive-list pages scanned by background reclaim (at syscall and fault boundaries)");
  count("pgscan_direct", &sw::KernelStats::pgscan_direct, "pages",
        "inactive-list pages scanned by direct reclaim");
  count("pgsteal_kswapd", &sw::KernelStats::pgsteal_kswapd, "pages",
        "pages reclaimed by background reclaim");
  count("pgsteal_direct", &sw::KernelStats::pgsteal_direct, "pages",
        "pages reclaimed by direct reclaim (including MADV_PAGEOUT)");
  count("pgactivate", &sw::KernelStats::pgactivate, "pages",
        "inactive to active moves (referenced twice)");
  count("pgdeactivate", &sw::KernelStats::pgdeactivate, "pages",
        "active to inactive moves (aging)");
  count("kswapd_wakeups", &sw::KernelStats::kswapd_wakeups, "events",
        "boundaries below the low watermark");
  count("allocstall", &sw::KernelStats::allocstall, "events",
        "allocations that entered direct reclaim");
  count("swap_pages", &sw::KernelStats::swap_pages, "pages",
        "swap slots in use, at the last boundary");
  count("swap_cache_pages", &sw::KernelStats::swap_cache_pages, "pages",
        "swap-cache pages, at the last boundary");
  count("oom_kills", &sw::KernelStats::oom_kills, "processes",
        "OOM kills (each reported on stderr and in a script transcript)");
  count("pglazyfree", &sw::KernelStats::pglazyfree, "pages",
        "pages MADV_FREE made lazily freeable");
  count("pglazyfreed", &sw::KernelStats::pglazyfreed, "pages",
        "lazily freeable pages reclaim discarded while still clean");
  count("access_flag_faults", &sw::KernelStats::access_flag_faults, "faults",
        "software access-flag faults (0 with mmu.walker.hafdbs)");
  count("dirty_faults", &sw::KernelStats::dirty_faults, "faults",
        "writes to writable-clean entries (0 with mmu.walker.hafdbs)");
  count("device_cycles", &sw::KernelStats::device_cycles, "cycles",
        "block-device time charged to faults and syscalls (kswapd's is not charged)");
  count("major_fault_cycles", &sw::KernelStats::major_fault_cycles, "cycles",
        "total cost of the major faults (device wait, direct reclaim, fault handling); / "
        "pgmajfault = mean major-fault latency");
  count("thp_fault_alloc", &sw::KernelStats::thp_fault_alloc, "faults",
        "anonymous faults mapped with a new 2 MB transparent huge page");
  count("thp_fault_fallback", &sw::KernelStats::thp_fault_fallback, "faults",
        "THP-eligible faults that found no free aligned 2 MB block and used 4 KB pages");
  count("thp_split_pmd", &sw::KernelStats::thp_split_pmd, "splits",
        "2 MB block mappings split into 512 PTEs");
  count("hugetlb_faults", &sw::KernelStats::hugetlb_faults, "pages",
        "2 MB hugetlb pages taken from the pool by faults (and copy-on-write copies)");
  count("contpte_folds", &sw::KernelStats::contpte_folds, "runs",
        "runs of 16 PTEs given the contiguous bit (kernel.contpte)");
  count("contpte_unfolds", &sw::KernelStats::contpte_unfolds, "runs",
        "runs of 16 PTEs cleared of the contiguous bit");
  stats::Group& mapped = g.child("mapped_pages");
  mapped.add(
      "4K", [k] { return k->stats().mapped_4k; }, "entries",
      "valid level-3 user pages without the contiguous bit, in all page tables now");
  mapped.add(
      "64K", [k] { return k->stats().mapped_cont_ptes / 16; }, "entries",
      "runs of 16 level-3 entries with the contiguous bit, in all page tables now");
  mapped.add(
      "2M", [k] { return k->stats().mapped_2m; }, "entries",
      "level-2 user blocks, in all page tables now");
  count("pfnmap_faults", &sw::KernelStats::pfnmap_faults, "pages",
        "device frames inserted on fault (iomap ... MT_ONFAULT, the vmf_insert_pfn path)");
}

}  // namespace mmusim
