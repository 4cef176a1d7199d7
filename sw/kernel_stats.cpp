#include "sw/kernel_stats.h"

#include "model/stats/stats.h"

namespace mmusim::sw {

void register_core_stats(const CoreStats& s, stats::Group& g) {
  g.add("syscalls", s.syscalls, "calls", "system calls made");
  g.add("page_table_pages", s.page_table_pages, "pages", "translation-table pages allocated now");
  g.add("frames_in_use", s.frames_in_use, "pages", "frames allocated now");
  g.add("descriptor_writes", s.descriptor_writes, "writes", "descriptors the kernel stored");
  g.add("tlb_invalidations", s.tlb_invalidations, "TLBIs", "TLB maintenance operations issued");
  g.add("device_cycles", s.device_cycles, "cycles",
        "block-device time charged to faults and syscalls");
  stats::Group& mapped = g.child("mapped_pages");
  mapped.add("4K", s.mapped_4k, "entries",
             "user mappings present now: valid level-3 pages without the contiguous bit");
  mapped.add(
      "64K", [&s] { return s.mapped_cont_ptes / 16; }, "entries",
      "user mappings present now: runs of 16 level-3 pages with the contiguous bit");
  mapped.add("2M", s.mapped_2m, "entries", "user mappings present now: level-2 blocks");
}

void register_tlb_stats(const TlbStats& s, stats::Group& kernel_group) {
  stats::Group& t = kernel_group.child("tlb");
  t.add("flush_mm", s.tlb_flush_mm, "calls", "flush_tlb_mm: TLBI ASIDE1IS and a DSB");
  t.add("flush_range", s.tlb_flush_range, "calls",
        "__flush_tlb_range: per page, by range (FEAT_TLBIRANGE) or by ASID, and a DSB");
  t.add("flush_page", s.tlb_flush_page, "calls", "flush_tlb_page: TLBI VALE1IS and a DSB");
  t.add("flush_page_nosync", s.tlb_flush_page_nosync, "calls",
        "flush_tlb_page_nosync (aging): TLBI VALE1IS without a DSB");
  t.add("batched_pages", s.tlb_batched_pages, "pages",
        "reclaim unmaps whose TLBI was issued at once and waited for with the batch");
  t.add("batch_flushes", s.tlb_batch_flushes, "batches", "reclaim batches flushed (one DSB each)");
  t.add("shootdown_cycles", s.tlb_shootdown_cycles, "cycles",
        "the initiator's waits for other CPUs: DSB ISH stalls, IPI acknowledgements");
  t.add("ipis_sent", s.tlb_ipis_sent, "IPIs", "TLB shootdown IPIs sent (kernel.tlb_shootdown=ipi)");
  t.add("ipi_receiver_cycles", s.tlb_ipi_receiver_cycles, "cycles",
        "IPI handler time charged to the receiving CPUs");
  stats::Group& a = kernel_group.child("asid");
  a.add("allocations", s.asid_allocations, "mms",
        "ASIDs given to an mm for the current generation (new_context)");
  a.add("rollovers", s.asid_rollovers, "rollovers", "ASID generation rollovers");
  a.add("local_flushes", s.asid_local_flushes, "flushes",
        "local_flush_tlb_all at a CPU's first switch after a rollover");
}

void register_address_space_stats(const AddressSpaceStats& s, stats::Group& g) {
  g.add("page_faults", s.page_faults, "faults", "faults the kernel was entered for");
  g.add("pgfault", s.page_faults, "faults", "every fault");
  g.add("faults_resolved", s.faults_resolved, "faults", "faults that ended in a retry");
  g.add("sigsegv", s.sigsegv, "signals", "SIGSEGV decided by the kernel");
  g.add("sigbus", s.sigbus, "signals", "SIGBUS decided by the kernel");
  g.add("zero_page_maps", s.zero_page_maps, "pages",
        "read faults served with the shared zero page");
  g.add("anon_pages_allocated", s.anon_pages_allocated, "pages", "anonymous frames allocated");
  g.add("cow_copies", s.cow_copies, "pages",
        "pages copied by a first write to a file or shared copy-on-write page");
  g.add("pgmajfault", s.pgmajfault, "faults",
        "faults that waited for the block device or file store (swap-in, page-cache miss)");
  g.add("major_fault_cycles", s.major_fault_cycles, "cycles",
        "total cost of the major faults; / pgmajfault = mean major-fault latency");
  g.add("access_flag_faults", s.access_flag_faults, "faults", "software access-flag faults");
  g.add("dirty_faults", s.dirty_faults, "faults", "writes to writable-clean entries");
  g.add("pfnmap_faults", s.pfnmap_faults, "pages", "device frames inserted on fault");
}

void register_page_cache_stats(const PageCacheStats& s, stats::Group& g) {
  g.add("page_cache_pages", s.page_cache_pages, "pages",
        "pages in the page cache now (files and shared anonymous memory)");
  g.add("file_faults", s.file_faults, "faults",
        "faults on file or shmem VMAs that reached the fault handler");
  g.add("file_faults_major", s.file_faults_major, "faults",
        "file faults that found the page absent");
  g.add("fault_around_pages", s.fault_around_pages, "pages",
        "cached pages mapped around a read fault");
  g.add("file_pages_read", s.file_pages_read, "pages", "backing-store reads on cache misses");
  g.add("file_pages_written", s.file_pages_written, "pages", "backing-store writes (writeback)");
  g.add("readahead_sync", s.readahead_sync, "windows", "readahead windows started by a cache miss");
  g.add("readahead_async", s.readahead_async, "windows",
        "readahead windows started by reaching a PG_readahead page");
  g.add("readahead_pages", s.readahead_pages, "pages", "pages read by readahead");
}

void register_reclaim_stats(const ReclaimStats& s, stats::Group& g) {
  g.add("oom_failures", s.oom_failures, "allocations",
        "allocations that found no frame after reclaim (each leads to an OOM kill)");
  g.add("pswpin", s.pswpin, "pages", "pages read from swap");
  g.add("pswpout", s.pswpout, "pages", "pages written to swap");
  g.add("pgscan_kswapd", s.pgscan_kswapd, "pages",
        "inactive-list pages scanned by background reclaim");
  g.add("pgscan_direct", s.pgscan_direct, "pages", "inactive-list pages scanned by direct reclaim");
  g.add("pgsteal_kswapd", s.pgsteal_kswapd, "pages", "pages reclaimed by background reclaim");
  g.add("pgsteal_direct", s.pgsteal_direct, "pages",
        "pages reclaimed by direct reclaim (includes MADV_PAGEOUT)");
  g.add("pgactivate", s.pgactivate, "pages", "inactive to active moves (referenced twice)");
  g.add("pgdeactivate", s.pgdeactivate, "pages", "active to inactive moves (aging)");
  g.add("kswapd_wakeups", s.kswapd_wakeups, "events", "boundaries below the low watermark");
  g.add("allocstall", s.allocstall, "events", "allocations that entered direct reclaim");
  g.add("swap_pages", s.swap_pages, "pages", "swap slots in use, at the last boundary");
  g.add("swap_cache_pages", s.swap_cache_pages, "pages", "swap-cache pages, at the last boundary");
  g.add("oom_kills", s.oom_kills, "processes", "OOM kills");
  g.add("pglazyfree", s.pglazyfree, "pages", "pages MADV_FREE made lazily freeable");
  g.add("pglazyfreed", s.pglazyfreed, "pages",
        "lazily freeable pages that reclaim discarded while still clean");
}

void register_huge_page_stats(const HugePageStats& s, stats::Group& g) {
  g.add("thp_fault_alloc", s.thp_fault_alloc, "faults",
        "anonymous faults mapped with a new 2 MB THP");
  g.add("thp_fault_fallback", s.thp_fault_fallback, "faults",
        "eligible faults that found no free 2 MB block and fell back to 4 KB");
  g.add("thp_split_pmd", s.thp_split_pmd, "splits", "2 MB block mappings split into 512 PTEs");
  g.add("hugetlb_faults", s.hugetlb_faults, "pages",
        "2 MB hugetlb pages taken from the pool by faults");
  g.add("contpte_folds", s.contpte_folds, "runs", "runs of 16 PTEs given the contiguous bit");
  g.add("contpte_unfolds", s.contpte_unfolds, "runs",
        "runs of 16 PTEs cleared of the contiguous bit");
}

void register_ksm_stats(const KsmStats& s, stats::Group& g) {
  g.add("ksm_pages", s.ksm_pages, "pages", "KSM pages now");
  g.add("ksm_merged", s.ksm_merged, "pages", "pages merged into a KSM page (MADV_MERGEABLE)");
  g.add("hwpoisoned_pages", s.hwpoisoned_pages, "pages", "MADV_HWPOISON injections");
  g.add("soft_offlined_pages", s.soft_offlined_pages, "pages", "MADV_SOFT_OFFLINE injections");
}

}  // namespace mmusim::sw
