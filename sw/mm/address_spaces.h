// Address spaces: the kernel subsystem of processes and their memory maps
// (Linux mm/mmap.c, mm/vma.c, mm/mprotect.c, mm/mremap.c, mm/madvise.c,
// mm/memory.c, kernel/fork.c, reduced). It owns the processes and tasks
// (each Process holds its VmaSet and PageTable), pid, ASID and anon_vma
// numbering and the device mappings; its counters are AddressSpaceStats.
// It dispatches every page fault, and its system calls are mmap, munmap,
// mprotect, mremap, madvise, brk, io_remap, fork, clone and exit. Sources:
// the other files of sw/mm/.
//
// It sits at the top of the intended order (address spaces -> page cache,
// huge pages, KSM -> reclaim) and calls the others through references
// given at construction:
//   PageCache  faults on file and shmem VMAs, do_wp_page (COW), the open
//              file of a descriptor, shmem objects, MADV_REMOVE/WILLNEED;
//   HugePages  the huge-page paths of faults, munmap, mprotect, mremap,
//              fork and smaps (THP, hugetlb, contpte);
//   Ksm        MADV_MERGEABLE/UNMERGEABLE/HWPOISON/SOFT_OFFLINE and a KSM
//              page's last unmap;
//   Reclaim    kswapd and the boundary around a fault, swap entries (fault,
//              fork, unmap, smaps), the LRU of a newly mapped page,
//              MADV_COLD/PAGEOUT/FREE, and holding reclaim off while fork
//              and mremap copy entries.
// It serves as KSM's host (KsmHost), forwarding the three operations KSM
// needs of the page cache, huge pages and reclaim.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "sw/kernel_context.h"
#include "sw/kernel_defs.h"
#include "sw/ksm/ksm.h"
#include "sw/mm/process.h"

namespace mmusim::stats {
class Group;
}

namespace mmusim::sw {

class PageCache;
class Reclaim;
class HugePages;

// The address spaces' state: processes and tasks, their VMAs and page
// tables (in Process), device mappings.
struct AddressSpaceState {
  struct IoMapping {
    IoRegion region;
    uint8_t attr_index;
    bool on_fault;
  };
  std::map<Pid, std::unique_ptr<Process>> procs;  // address spaces, by creating task
  std::map<Pid, Process*> tasks;                  // every task and its mm
  std::vector<Pid> current;                       // per CPU (0: idle)
  Pid next_pid = 1;
  AnonVmaId next_anon_vma = 1;
  std::map<MappedObjectId, IoMapping> io_regions;  // by the VMA's object (the open device)
  // An empty level-0 table (Linux's reserved_pg_dir), allocated at the first kill that leaves
  // another CPU without its task: that CPU's TTBR0 points here until it switches to a task.
  std::optional<PhysAddr> reserved_ttbr0;
};

class AddressSpaces final : public KsmHost {
 public:
  using IoMapping = AddressSpaceState::IoMapping;
  using Processes = std::map<Pid, std::unique_ptr<Process>>;
  AddressSpaces(KernelContext& ctx, PageCache& page_cache, Reclaim& reclaim, HugePages& huge,
                Ksm& ksm)
      : m_ctx(ctx), m_pc(page_cache), m_reclaim(reclaim), m_huge(huge), m_ksm(ksm) {
    m_st.current.assign(ctx.params.cpus, 0);
  }
  AddressSpaces(const AddressSpaces&) = delete;
  AddressSpaces& operator=(const AddressSpaces&) = delete;

  void register_stats(stats::Group& kernel_group) const;

  // ---- Processes and tasks ----
  // Creates a process with an empty address space and its own page-table
  // root (its ASID comes at its first switch-in). It becomes current on the
  // kernel's CPU when that CPU has no current task.
  Pid spawn();
  // Makes `pid` current on the kernel's CPU (switch_mm): when `pid` runs on
  // another CPU it migrates (that CPU becomes idle). A different mm goes
  // through the ASID allocator (check_and_switch_context: a local flush
  // after a rollover), joins mm_cpumask and programs TTBR0/ASID.
  KernelCost switch_to(Pid pid);
  // The kernel CPU's current task: 0 when idle (after the last task exited).
  Pid current() const { return m_st.current[m_ctx.cpu]; }
  Pid current_on(unsigned cpu) const { return m_st.current.at(cpu); }
  bool exists(Pid pid) const { return m_st.tasks.count(pid) != 0; }
  // The current task's address space (std::logic_error when there is none).
  Process& cur();
  const Process& cur() const;
  // Every address space, by its first task.
  const Processes& processes() const { return m_st.procs; }
  // The current task's mm, or nullptr when no task is current.
  const Process* current_mm() const {
    const Pid c = current();
    return c ? m_st.tasks.at(c) : nullptr;
  }
  // Ends every task of `p` and tears the mm down (the OOM killer's kill).
  void kill_process(Process& p);

  // ---- /proc views and introspection (std::out_of_range for an unknown pid) ----
  std::vector<VmaInfo> maps() const;  // the current process's VMAs, by address
  std::vector<SmapsInfo> smaps();     // the same with their memory use
  PhysAddr page_table_root(Pid pid) const;
  Asid asid(Pid pid) const;
  PhysAddr zero_page() const { return m_ctx.zero_page; }

  // ---- Entered by the CPU port when an access of the current process faults ----
  FaultResult handle_fault(const arch::FaultSyndrome& fault);

  // ---- System calls: bodies run by the Kernel's dispatch (sw/syscall.h)
  // for the calling process `p`; a value >= 0 or -errno.
  int64_t fork(Process& parent, CostMeter& m);  // the child's pid
  int64_t clone_thread(Process& p, CostMeter& m);
  // exit(2): the current task ends, its mm with its last task.
  void exit_task(Process& p, CostMeter& m);
  int64_t mmap(Process& p, CostMeter& m, VirtAddr addr, uint64_t length, int prot, int flags,
               int fd, uint64_t offset);
  int64_t munmap(Process& p, CostMeter& m, VirtAddr addr, uint64_t length);
  int64_t mprotect(Process& p, CostMeter& m, VirtAddr addr, uint64_t length, int prot);
  int64_t mremap(Process& p, CostMeter& m, VirtAddr old_addr, uint64_t old_length,
                 uint64_t new_length, int flags, VirtAddr new_addr);
  int64_t madvise(Process& p, CostMeter& m, VirtAddr addr, uint64_t length, int advice);
  int64_t brk(Process& p, CostMeter& m, VirtAddr addr);
  int64_t io_remap(Process& p, CostMeter& m, VirtAddr addr, uint64_t length, int prot, int flags,
                   const IoRegion& device, uint64_t offset);

  // ---- Page mapping, for the other subsystems (and KsmHost) ----
  FaultOutcome fault_in(Process& p, VirtAddr va, arch::AccessKind access, arch::ExceptionLevel el,
                        CostMeter& meter) override;
  // The level-3 descriptor the kernel writes for a user page of `vma_flags`
  // (an invalid PROT_NONE marker when the flags grant no access).
  arch::Descriptor make_user_pte(PhysAddr page, VmFlags vma_flags, bool writable,
                                 bool af) const override;
  // Whether `page` may be mapped writable in `vma` without a write fault
  // first: never the zero page; an anonymous page only while exclusive (not
  // shared copy-on-write, not KSM); a page-cache page only in a shared VMA
  // and once dirty (write-notify, Linux vma_wants_writenotify).
  bool pte_writable(PhysAddr page, const Vma& vma) override;
  // Maps `page` at `va` (an empty or replaced entry `leaf`), counting the mapping.
  void map_page(Process& p, const Vma& vma, const PageTable::Leaf& leaf, PhysAddr page,
                bool writable, CostMeter& meter) override;
  // Drops the mapping reference of the page (or swap slot) an entry mapped.
  void release_page(arch::Descriptor pte) override;
  // A new anonymous page's linear index (page->index) for rmap.
  void set_anon_index(PhysAddr page, const Vma& vma, VirtAddr va) override {
    m_ctx.pages.meta(page).index = vma_index(vma, va);
  }
  // `va`: the page it will map, for page colouring (kernel.page_colours):
  // a frame of its colour when one is left, else any frame.
  std::optional<PhysAddr> alloc_zeroed_page(CostMeter& meter,
                                            std::optional<VirtAddr> va = std::nullopt);
  void anon_vma_prepare(Process& p, VmaSet::iterator vma);
  // exit_mmap: every mapping of `p` goes, its tables and files with it.
  void exit_mmap(Process& p, CostMeter& meter);

  // ---- KsmHost: what KSM needs of the page cache, huge pages and reclaim ----
  void split_huge_range(Process& p, uint64_t start, uint64_t end, CostMeter& meter) override;
  Inode* file_inode(FileId id) override;
  void unmap_mapping_range(Inode& inode, uint64_t first, uint64_t last, bool even_cows,
                           CostMeter& meter) override;
  void pin(PhysAddr page) override;
  void unpin() override;

 private:
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
  FaultOutcome do_anonymous_page(Process& p, VmaSet::iterator vma, VirtAddr va, bool write,
                                 CostMeter& meter);
  // expand_downwards(): grows the VM_GROWSDOWN VMA `vma` down to the page of
  // `va`; false (SIGSEGV) when Linux refuses.
  bool expand_downwards(Process& p, VmaSet::iterator& vma, VirtAddr va);

  // mm/io_remap.cpp: device register mappings (VM_IO | VM_PFNMAP).
  FaultOutcome pfnmap_fault(Process& p, const Vma& vma, VirtAddr page_va, CostMeter& meter);
  bool copy_pfnmap_range(Process& parent, Process& child, const Vma& vma, CostMeter& meter);
  void change_pfnmap_protection(Process& p, const Vma& vma, uint64_t start, uint64_t end,
                                TlbGather& tlb, CostMeter& meter);
  arch::Descriptor make_io_pte(PhysAddr frame, VmFlags vma_flags, uint8_t attr_index) const;

  // mm/process.cpp: a new mm on the root table `table`, with the next pid
  // and ASID, one user, the contpte rules when kernel.contpte is on.
  std::unique_ptr<Process> new_mm(std::unique_ptr<PageTable> table);
  // copy_page_range for one VMA; false when out of frames.
  bool copy_page_range(Process& parent, Process& child, const Vma& vma, CostMeter& meter);

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

  KernelContext& m_ctx;
  PageCache& m_pc;
  Reclaim& m_reclaim;
  HugePages& m_huge;
  Ksm& m_ksm;
  AddressSpaceState m_st;
};

}  // namespace mmusim::sw
