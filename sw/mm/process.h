// One address space (mm_struct) and what its tasks share: VMAs, page
// tables, ASID, open files, the heap break. Owned by the address-space
// subsystem (AddressSpaceState in sw/mm/address_spaces.h); other subsystems get
// a Process& for the operation at hand.
#pragma once

#include <cstdint>
#include <map>
#include <memory>

#include "sw/kernel.h"
#include "sw/mm/pgtable.h"
#include "sw/mm/vma.h"
#include "sw/pagecache/files.h"

namespace mmusim::sw {

struct Process {
  Pid pid = 0;
  // mm->context.id: generation | ASID (sw/mm/asid.h); 0 until the first
  // switch-in.
  uint64_t context_id = 0;
  Asid asid() const { return Asid(static_cast<uint16_t>(context_id & 0xffff)); }
  // The CPUs that ran this mm since they last flushed their whole TLB (x86
  // semantics, used by kernel.tlb_shootdown=ipi only; arm64 keeps none).
  uint64_t mm_cpumask = 0;
  // mm->tlb_flush_batched: reclaim's deferred TLBIs of this mm, and how many
  // of them a flush_tlb_batched_pending has waited for.
  uint32_t tlb_flush_batched_pending = 0;
  uint32_t tlb_flush_batched_flushed = 0;
  VmaSet vmas;
  std::unique_ptr<PageTable> page_table;
  std::map<int, std::shared_ptr<OpenFile>> fds;
  int users = 0;           // tasks sharing this mm (threads)
  uint64_t brk_start = 0;  // mm->start_brk (0: no heap yet)
  uint64_t brk = 0;        // mm->brk
};

}  // namespace mmusim::sw
