// The kernel layer's internals behind sw/kernel.h. Split by responsibility:
// kernel.cpp (processes, params, maps), mmap.cpp (mmap, munmap, address
// search), mprotect.cpp, fault.cpp (page faults and PTE construction).
#pragma once

#include <map>
#include <memory>
#include <optional>

#include "model/arch/descriptor.h"
#include "sw/cost_meter.h"
#include "sw/frame_allocator.h"
#include "sw/kernel.h"
#include "sw/pgtable.h"
#include "sw/vma.h"

namespace mmusim::sw {

// arm64 with 48-bit VAs (arch/arm64/include/asm/processor.h).
constexpr uint64_t kTaskSize = uint64_t{1} << 48;
constexpr uint64_t kTaskUnmappedBase = kTaskSize / 4;  // PAGE_ALIGN(DEFAULT_MAP_WINDOW / 4)
// stack_guard_gap: 256 pages below a VM_GROWSDOWN VMA.
constexpr uint64_t kStackGuardGap = 256 * arch::kPageSize;

struct Process {
  Pid pid = 0;
  Asid asid;
  VmaSet vmas;
  std::unique_ptr<PageTable> page_table;
};

class KernelImpl {
 public:
  KernelImpl(const KernelParams& params, PhysMemory& mem, MmuControl& mmu);

  Pid spawn();
  KernelCost switch_to(Pid pid);
  Pid current() const { return m_current; }

  SyscallResult mmap(VirtAddr addr, uint64_t length, int prot, int flags, int fd, uint64_t offset);
  SyscallResult munmap(VirtAddr addr, uint64_t length);
  SyscallResult mprotect(VirtAddr addr, uint64_t length, int prot);
  FaultResult handle_fault(const arch::FaultSyndrome& fault);

  std::vector<VmaInfo> maps() const;
  const KernelStats& stats() const { return m_stats; }
  const KernelParams& params() const { return m_params; }
  PhysAddr zero_page() const { return m_zero_page; }
  PhysAddr page_table_root(Pid pid) const;
  Asid asid_of(Pid pid) const;

 private:
  Process& cur();
  const Process& cur() const;
  CostMeter meter() { return CostMeter(m_params.costs, m_stats); }
  // Ends a system call: charges the VMA operations done since `vma_ops_before`.
  SyscallResult finish(CostMeter& meter, Process& p, uint64_t vma_ops_before, int64_t value);

  // mmap.cpp
  std::optional<uint64_t> get_unmapped_area(Process& p, uint64_t addr, uint64_t len, int flags,
                                            VmFlags vm_flags, int64_t* error);
  std::optional<uint64_t> unmapped_area_topdown(Process& p, uint64_t len, uint64_t low,
                                                uint64_t high);
  std::optional<uint64_t> unmapped_area_bottomup(Process& p, uint64_t len, uint64_t low,
                                                 uint64_t high);
  // Linux do_vmi_munmap's work on an aligned range: 0 or -ENOMEM.
  int64_t do_munmap(Process& p, uint64_t start, uint64_t end, CostMeter& meter);
  void populate(Process& p, uint64_t start, uint64_t end, CostMeter& meter);

  // mprotect.cpp: Linux change_protection() over [start, end) of a VMA.
  void change_protection(Process& p, const Vma& vma, uint64_t start, uint64_t end, TlbGather& tlb,
                         CostMeter& meter);

  // fault.cpp
  FaultOutcome fault_in(Process& p, VirtAddr va, arch::AccessKind access, arch::ExceptionLevel el,
                        CostMeter& meter);
  FaultOutcome do_anonymous_page(Process& p, VmaSet::iterator vma, VirtAddr va, bool write,
                                 CostMeter& meter);
  std::optional<PhysAddr> alloc_zeroed_page(CostMeter& meter);
  void release_page(arch::Descriptor pte);
  FaultOutcome out_of_memory();

 public:
  // The level-3 descriptor the kernel writes for a user page of `vma_flags`
  // (an invalid PROT_NONE marker when the flags grant no access).
  arch::Descriptor make_user_pte(PhysAddr page, VmFlags vma_flags, bool writable, bool af) const;
  // Whether a page at `page` in a VMA of `vma_flags` is mapped writable.
  bool pte_writable(PhysAddr page, VmFlags vma_flags) const {
    return (vma_flags & vm::kWrite) && page != m_zero_page;
  }

 private:
  KernelParams m_params;
  PhysMemory& m_mem;
  MmuControl& m_mmu;
  FrameAllocator m_frames;
  KernelStats m_stats;
  PhysAddr m_zero_page;
  std::map<Pid, std::unique_ptr<Process>> m_procs;
  Pid m_current = 0;
  Pid m_next_pid = 1;
  uint32_t m_next_asid = 1;
  AnonVmaId m_next_anon_vma = 1;
  MappedObjectId m_next_object = 1;
};

}  // namespace mmusim::sw
