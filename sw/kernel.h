// The simulated kernel: the public face of sw/. The platform (model/) and the
// script runner (testbench/) use only this header, abi.h, hw.h and cost.h.
// Linux semantics throughout: system calls return a value >= 0 or -errno,
// with Linux's partial effects; faults resolve, or end in a signal.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model/arch/fault.h"
#include "model/arch/types.h"
#include "sw/abi.h"
#include "sw/cost.h"
#include "sw/hw.h"

namespace mmusim::stats {
class Group;
}

namespace mmusim::sw {

using Pid = int;

// /sys/kernel/mm/transparent_hugepage/enabled.
enum class ThpPolicy : uint8_t { kAlways, kMadvise, kNever };
const char* to_string(ThpPolicy policy);

// How a TLB flush reaches the other CPUs (kernel.tlb_shootdown): broadcast
// TLBI ...IS and DSB ISH (Arm DVM, what arm64 Linux does), or an IPI to
// each CPU of the mm's cpumask, whose handler invalidates locally (x86 and
// RISC-V style, with arm64's choice of operations).
enum class TlbShootdown : uint8_t { kBroadcast, kIpi };
const char* to_string(TlbShootdown mechanism);

struct KernelParams {
  // Physical memory the kernel owns: frames for page tables, user pages and
  // the zero page come from [dram_base, dram_base + dram_bytes).
  PhysAddr dram_base{0x4000'0000};
  uint64_t dram_bytes = uint64_t{4} << 30;
  // Top-down allocation base for kernel-chosen mmap addresses (Linux arm64,
  // 48-bit VA, no randomisation: TASK_SIZE minus the stack gap).
  VirtAddr mmap_base{0x0000'ffff'f7ff'f000ull};
  // Lowest address mmap may return (vm.mmap_min_addr).
  VirtAddr mmap_min_addr{0x1'0000};
  // mm->start_brk of every process: where the heap starts (no randomisation).
  VirtAddr heap_start{0x5555'5600'0000ull};
  uint64_t mair = 0;  // 0: arch::kLinuxMair
  // Transparent huge pages for private anonymous memory (kernel.thp):
  // madvise (only VM_HUGEPAGE VMAs, the host's and most distributions'
  // setting), always (every VMA not VM_NOHUGEPAGE) or never.
  ThpPolicy thp = ThpPolicy::kMadvise;
  // The contiguous hint (kernel.contpte): private anonymous write faults map
  // a whole 64 KB-aligned folio of 16 contiguous frames (Linux mTHP
  // hugepages-64kB) with the contiguous bit, and page tables fold and
  // unfold runs of 16 PTEs as Linux arm64 contpte does. Off by default, as
  // Linux's 64 KB mTHP.
  bool contpte = false;
  // The hugetlb pool (kernel.hugetlb_pages_2m, vm.nr_hugepages): 2 MB pages
  // set aside at boot for MAP_HUGETLB. 0, as on the host: every MAP_HUGETLB
  // mapping that reserves fails with ENOMEM.
  uint64_t hugetlb_pages_2m = 0;
  // The CPUs the kernel schedules on (cpu.cores; 1 to kMaxCpus): each has a
  // current task and its own MMU behind the TLB-maintenance port.
  unsigned cpus = 1;
  // ASID width (mmu.asid_bits, ID_AA64MMFR0_EL1.ASIDBits): 8 or 16. The
  // allocator of arch/arm64/mm/context.c rolls over to a new generation
  // when they run out (sw/mm/asid.h).
  unsigned asid_bits = 16;
  // FEAT_TLBIRANGE (mmu.tlbi_range): __flush_tlb_range issues TLBI RVAE1IS
  // ranges instead of one TLBI per page.
  bool tlbi_range = false;
  TlbShootdown tlb_shootdown = TlbShootdown::kBroadcast;  // kernel.tlb_shootdown
  static constexpr unsigned kMaxCpus = 64;
  // Page colouring (kernel.page_colours): a private anonymous 4 KB page
  // gets a frame whose number modulo page_colours equals its virtual page
  // number's, while one is left (else any frame). A physically indexed
  // cache whose way is at most page_colours * 4 KB then indexes as if
  // virtually indexed. 1 (a power of two; the default): off.
  uint64_t page_colours = 1;
  KernelCostParams costs;
  // Memory pressure (sw/reclaim/reclaim.cpp, sw/reclaim/swap.cpp). phys_mem_bytes: frames the
  // kernel may use (0: all of dram_bytes; else at least kMinPhysMem).
  // swap_bytes: swap space on the block device whose registers sit at
  // swap_device (0: no swap).
  uint64_t phys_mem_bytes = 0;
  uint64_t swap_bytes = 0;
  // file_store_bytes > 0: file data lives on the same block device, in this
  // many bytes after the swap area (sw/block_store.h); 0: in host memory.
  uint64_t file_store_bytes = 0;
  PhysAddr swap_device{0x0a00'0000};
  static constexpr uint64_t kMinPhysMem = uint64_t{1} << 20;

  // Throws std::invalid_argument naming the field ("kernel.dram_bytes: ...").
  void validate() const;
};

// kKilled: the faulting process was chosen by the OOM killer and is gone.
enum class FaultOutcome : uint8_t { kRetry, kSigsegv, kSigbus, kKilled };

struct FaultResult {
  FaultOutcome outcome = FaultOutcome::kRetry;
  KernelCost cost;
};

struct SyscallResult {
  int64_t value = 0;  // >= 0 on success, -errno on failure
  KernelCost cost;
  bool ok() const { return value >= 0; }
};

// One line of /proc/PID/maps.
struct VmaInfo {
  VirtAddr start;
  VirtAddr end;
  bool read = false, write = false, exec = false, shared = false;
  uint64_t file_offset = 0;  // bytes; 0 for anonymous memory
  std::string name;          // file name, "[shared-anon]", "[heap]", or empty
};

// One VMA of /proc/PID/smaps (sizes in kB, as Linux prints them).
struct SmapsInfo {
  VmaInfo vma;
  uint64_t size_kb = 0, rss_kb = 0, pss_kb = 0;
  uint64_t shared_clean_kb = 0, shared_dirty_kb = 0;
  uint64_t private_clean_kb = 0, private_dirty_kb = 0;
  uint64_t kernel_page_kb = 4, mmu_page_kb = 4;  // KernelPageSize, MMUPageSize
  uint64_t anon_huge_kb = 0;  // AnonHugePages: anonymous memory mapped by 2 MB blocks
  uint64_t shared_hugetlb_kb = 0, private_hugetlb_kb = 0;
  uint64_t swap_kb = 0, locked_kb = 0;
  uint64_t swap_pss_kb = 0;  // SwapPss: each swap entry divided by its swap count
};

// One OOM kill (Linux's "Out of memory: Killed process ..." line).
struct OomKill {
  Pid pid = 0;  // the mm's first task
  uint64_t total_vm_kb = 0, anon_rss_kb = 0, file_rss_kb = 0, swap_kb = 0, pgtables_kb = 0;
  std::string describe() const;
};

// The kernel's counters, each group owned by the subsystem that counts it
// (sw/README.md) and registered with the statistics registry by it
// (Kernel::register_stats). Names are Linux /proc/vmstat's where they exist.

// Kernel-wide services (sw/kernel_context.h): system calls, the cost meter
// (descriptor writes, TLBIs, device waits), frames and page tables.
struct CoreStats {
  uint64_t syscalls = 0;
  uint64_t page_table_pages = 0;  // currently allocated table pages
  uint64_t frames_in_use = 0;
  uint64_t descriptor_writes = 0;
  uint64_t tlb_invalidations = 0;
  uint64_t device_cycles = 0;  // block-device time waited for by faults and syscalls
  // User mappings present now, by page size, in every process's tables:
  // level-3 pages without and with the contiguous bit (16 per 64 KB run)
  // and level-2 blocks (2 MB).
  uint64_t mapped_4k = 0;
  uint64_t mapped_cont_ptes = 0;
  uint64_t mapped_2m = 0;
};

// Address spaces: fault dispatch and the faults on anonymous memory.
struct AddressSpaceStats {
  uint64_t page_faults = 0;      // every fault the kernel was entered for
  uint64_t faults_resolved = 0;  // retried
  uint64_t sigsegv = 0;
  uint64_t sigbus = 0;
  uint64_t zero_page_maps = 0;  // read faults served by the shared zero page
  uint64_t anon_pages_allocated = 0;
  uint64_t cow_copies = 0;          // pages copied by a write to a shared or file page
  uint64_t pgmajfault = 0;          // faults that waited for the device (file or swap)
  uint64_t major_fault_cycles = 0;  // the whole cost of the faults counted in pgmajfault
  uint64_t access_flag_faults = 0;  // access-flag faults taken (software access tracking)
  uint64_t dirty_faults = 0;        // write faults on writable-clean entries (software dirty)
  uint64_t pfnmap_faults = 0;       // device frames inserted on fault (fault-populated io maps)
};

// The page cache and files.
struct PageCacheStats {
  uint64_t page_cache_pages = 0;    // pages in the page cache now (files and shmem)
  uint64_t file_faults = 0;         // faults on file or shmem VMAs that reached ->fault
  uint64_t file_faults_major = 0;   // ... that found the page absent from the cache
  uint64_t fault_around_pages = 0;  // cached pages mapped around a read fault
  uint64_t file_pages_read = 0;     // pages read from the backing store
  uint64_t file_pages_written = 0;  // dirty pages written back (msync)
  uint64_t readahead_sync = 0;      // synchronous readahead windows (cache miss)
  uint64_t readahead_async = 0;     // asynchronous windows (a PG_readahead page was reached)
  uint64_t readahead_pages = 0;     // pages read by readahead beyond the one asked for
};

// Reclaim: LRU, swap, kswapd, OOM.
struct ReclaimStats {
  uint64_t oom_failures = 0;      // allocations that found no free frame after reclaim
  uint64_t pswpin = 0;            // pages read from swap
  uint64_t pswpout = 0;           // pages written to swap
  uint64_t pgscan_kswapd = 0;     // inactive pages scanned by background reclaim
  uint64_t pgscan_direct = 0;     // ... by direct reclaim (an allocation waited)
  uint64_t pgsteal_kswapd = 0;    // pages reclaimed by background reclaim
  uint64_t pgsteal_direct = 0;    // ... by direct reclaim
  uint64_t pgactivate = 0;        // inactive -> active (referenced)
  uint64_t pgdeactivate = 0;      // active -> inactive (aging)
  uint64_t kswapd_wakeups = 0;    // boundaries that found free memory below the low watermark
  uint64_t allocstall = 0;        // allocations that entered direct reclaim
  uint64_t swap_pages = 0;        // swap slots in use now
  uint64_t swap_cache_pages = 0;  // pages in the swap cache now
  uint64_t oom_kills = 0;
  uint64_t pglazyfree = 0;   // pages MADV_FREE made lazily freeable
  uint64_t pglazyfreed = 0;  // ... that reclaim then discarded (clean)
};

// Huge pages: THP, hugetlb, the contiguous hint.
struct HugePageStats {
  uint64_t thp_fault_alloc = 0;     // anonymous faults mapped with a new 2 MB block
  uint64_t thp_fault_fallback = 0;  // eligible faults that found no free 2 MB block
  uint64_t thp_split_pmd = 0;       // 2 MB block mappings split into 512 PTEs
  uint64_t hugetlb_faults = 0;      // 2 MB hugetlb pages allocated by faults (and copies)
  // The contiguous hint (kernel.contpte): runs of 16 PTEs folded and unfolded.
  uint64_t contpte_folds = 0;
  uint64_t contpte_unfolds = 0;
};

// KSM and memory-failure handling.
struct KsmStats {
  uint64_t ksm_pages = 0;            // KSM pages now (each shared by its merged copies)
  uint64_t ksm_merged = 0;           // anonymous pages replaced by an identical KSM page
  uint64_t hwpoisoned_pages = 0;     // MADV_HWPOISON
  uint64_t soft_offlined_pages = 0;  // MADV_SOFT_OFFLINE migrations
};

// TLB maintenance (sw/tlb_maintenance.h, kernel.tlb.*) and the ASID
// allocator (sw/mm/asid.h, kernel.asid.*).
struct TlbStats {
  uint64_t tlb_flush_mm = 0;             // flush_tlb_mm calls (TLBI ASIDE1IS)
  uint64_t tlb_flush_range = 0;          // __flush_tlb_range calls (per page, ranges or by ASID)
  uint64_t tlb_flush_page = 0;           // flush_tlb_page calls (TLBI VALE1IS + DSB)
  uint64_t tlb_flush_page_nosync = 0;    // flush_tlb_page_nosync calls (aging: no DSB)
  uint64_t tlb_batched_pages = 0;        // arch_tlbbatch_add_pending calls (reclaim unmaps)
  uint64_t tlb_batch_flushes = 0;        // arch_tlbbatch_flush DSBs (one per batch)
  uint64_t tlb_shootdown_cycles = 0;     // the initiator's waits: DSB ISH stalls, IPI acks
  uint64_t tlb_ipis_sent = 0;            // IPIs sent (kernel.tlb_shootdown=ipi)
  uint64_t tlb_ipi_receiver_cycles = 0;  // handler time charged to the receiving CPUs
  uint64_t asid_allocations = 0;         // new_context: an mm given an ASID of this generation
  uint64_t asid_rollovers = 0;           // generation rollovers (flush_context)
  uint64_t asid_local_flushes = 0;       // local_flush_tlb_all at a switch after a rollover
};

// Every counter of the kernel, by name (ks.pswpin) as before the split.
struct KernelStats : CoreStats,
                     AddressSpaceStats,
                     PageCacheStats,
                     ReclaimStats,
                     HugePageStats,
                     KsmStats,
                     TlbStats {};

// A device the io_remap path can map (what a character device's mmap
// handler knows): its register frames [base, base + size), the MAIR index
// of the memory type its entries get, and whether they are inserted at
// mmap time (io_remap_pfn_range) or on first touch (vmf_insert_pfn from
// the fault handler, as vfio-pci).
struct IoRegion {
  std::string name;  // shown in maps as /dev/NAME
  PhysAddr base;
  uint64_t size = 0;
  uint8_t attr_index = 4;  // arch::mt::kDeviceNGnRE
  bool on_fault = false;
};

class BackingStore;
class AddressSpaces;
class PageCache;
class Reclaim;
class HugePages;
class Ksm;
class CostMeter;
struct Process;

// The kernel's public face: its system calls (each entered through the one
// prologue of sw/syscall.h and run by the subsystem that implements it),
// the fault entry, the counters, and the subsystems themselves for
// everything else (processes and /proc views: mm(); OOM reports:
// reclaim(); headers in sw/mm/, sw/pagecache/, sw/reclaim/, sw/huge/,
// sw/ksm/).
class Kernel {
 public:
  // `store` holds file data outside the page cache; nullptr: an in-memory
  // store owned by the kernel.
  // `io` reaches the swap block device (required when params.swap_bytes > 0).
  // One CPU: TLB maintenance goes to `mmu` (ports::SingleCoreTlbMaintenance).
  Kernel(const KernelParams& params, PhysMemory& mem, MmuControl& mmu,
         BackingStore* store = nullptr, DeviceIo* io = nullptr);
  // params.cpus CPUs: `mmus[c]` is CPU c's MMU (TTBR0 and ASID), `tlb` the
  // maintenance between them (model/ports/tlb_maintenance.h), which must
  // cover as many CPUs. std::invalid_argument otherwise.
  Kernel(const KernelParams& params, PhysMemory& mem, std::vector<MmuControl*> mmus,
         ports::TlbMaintenance& tlb, BackingStore* store = nullptr, DeviceIo* io = nullptr);
  ~Kernel();
  Kernel(const Kernel&) = delete;
  Kernel& operator=(const Kernel&) = delete;

  // ---- System calls of the current task (std::logic_error when none is current) ----
  // fork(2) of the current task: value is the child's pid (not made
  // current) or -ENOMEM. The child gets a copy of the VMAs (not VM_DONTCOPY
  // ones, and without VM_LOCKED), its own page tables and ASID, and shares
  // private pages copy-on-write; shared mappings stay shared; descriptors
  // are copied.
  SyscallResult fork();
  // clone(CLONE_VM | CLONE_FILES): a task sharing the current mm (same
  // tables and ASID); value is its pid.
  SyscallResult clone_thread();
  // exit(2) of the current task: the mm is torn down with its last task.
  // No task is current afterwards (switch_to another one).
  SyscallResult exit();

  SyscallResult mmap(VirtAddr addr, uint64_t length, int prot, int flags, int fd, uint64_t offset);
  SyscallResult munmap(VirtAddr addr, uint64_t length);
  SyscallResult mprotect(VirtAddr addr, uint64_t length, int prot);
  SyscallResult msync(VirtAddr addr, uint64_t length, int flags);
  // mremap(2): value is the new address or -errno. `new_addr` is used with
  // MREMAP_FIXED or MREMAP_DONTUNMAP.
  SyscallResult mremap(VirtAddr old_addr, uint64_t old_length, uint64_t new_length, int flags,
                       VirtAddr new_addr);
  // madvise(2), every advice of abi.h (MADV_MERGEABLE merges at once; the
  // process holds CAP_SYS_ADMIN for MADV_HWPOISON / MADV_SOFT_OFFLINE).
  SyscallResult madvise(VirtAddr addr, uint64_t length, int advice);
  // brk(2): the new break, or the old one when the request is refused
  // (Linux's result; never -errno). The heap starts at params.heap_start.
  SyscallResult brk(VirtAddr addr);
  // mmap(2) of a character device whose driver maps `device` with
  // io_remap_pfn_range (sw/mm/io_remap.cpp): MAP_SHARED only, [offset,
  // offset + length) within the device; the VMA is VM_IO | VM_PFNMAP |
  // VM_DONTEXPAND | VM_DONTDUMP, named /dev/NAME. Value: address or -errno.
  SyscallResult io_remap(VirtAddr addr, uint64_t length, int prot, int flags,
                         const IoRegion& device, uint64_t offset);

  // Files. The file store is kernel-wide; descriptors belong to the current
  // process. `fd` is the caller's own number (as dup2 would place it).
  // create_file: create NAME, or truncate it, to `size` zero bytes (as
  // open(O_CREAT|O_TRUNC) + ftruncate + close); value 0.
  SyscallResult create_file(const std::string& name, uint64_t size);
  // open(2) of an existing file onto `fd` (replacing what it held); `mode`
  // is O_RDONLY, O_WRONLY or O_RDWR. -ENOENT for an unknown name.
  SyscallResult open(int fd, const std::string& name, int mode);
  SyscallResult close(int fd);
  SyscallResult ftruncate(int fd, uint64_t size);
  // One byte through the read path (page cache, readahead): value 1 and
  // `*byte` set, 0 at end of file, or -errno.
  SyscallResult pread(int fd, uint64_t offset, uint8_t* byte);
  // One byte through the write path: value 1, or -errno.
  SyscallResult pwrite(int fd, uint64_t offset, uint8_t byte);

  // Entered by the CPU port when an access of the current process faults.
  FaultResult handle_fault(const arch::FaultSyndrome& fault);

  // ---- CPUs ----
  // The CPU the following calls run on (system calls, faults, switch_to,
  // spawn): each CPU has its own current task. std::out_of_range naming the
  // cpu when it is not below params().cpus. The kernel never yields, so one
  // current CPU is sound for cores running in turn (design notes 3.2).
  void set_cpu(unsigned cpu);
  unsigned cpu() const;

  // ---- The subsystems (sw/README.md: who owns what) ----
  // Address spaces (sw/mm/address_spaces.h): processes and tasks (spawn,
  // switch_to, current, exists), maps/smaps, page-table roots and ASIDs.
  AddressSpaces& mm();
  const AddressSpaces& mm() const;
  PageCache& page_cache();  // sw/pagecache/page_cache.h
  Reclaim& reclaim();       // sw/reclaim/reclaim.h: OOM kills, LRU, swap
  const Reclaim& reclaim() const;
  HugePages& huge_pages();  // sw/huge/huge_pages.h
  Ksm& ksm();               // sw/ksm/ksm.h

  const KernelStats& stats() const;
  // Registers every counter of stats() with the statistics registry under
  // `kernel_group` (the "kernel" group), as each subsystem's own: the names,
  // units and descriptions of docs/stats.md. The group must not outlive the
  // kernel.
  void register_stats(stats::Group& kernel_group) const;
  const KernelParams& params() const;

 private:
  struct Parts;  // the shared context and the subsystems (sw/kernel.cpp)
  // The dispatch of every system call: the prologue, `body` of subsystem
  // `sub` for the calling process, the epilogue.
  template <typename Subsystem, typename... Params, typename... Args>
  SyscallResult syscall(Subsystem& sub, int64_t (Subsystem::*body)(Process&, CostMeter&, Params...),
                        Args&&... args);
  void boot(BackingStore* store, DeviceIo* io);  // the constructors' common part
  std::unique_ptr<Parts> m_parts;
};

}  // namespace mmusim::sw
