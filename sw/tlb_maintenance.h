// The one place where the kernel issues TLB maintenance: Linux arm64's
// flush policy (arch/arm64/include/asm/tlbflush.h, v6.12), on the CPUs of
// the TLB-maintenance port (model/ports/tlb_maintenance.h). Each operation
// is named as the Linux function it models and issues the same TLBIs:
//   flush_mm          flush_tlb_mm: TLBI ASIDE1IS; DSB ISH
//   flush_range       __flush_tlb_range: one TLBI VA(L)E1IS per stride, or
//                     with FEAT_TLBIRANGE (mmu.tlbi_range) TLBI RVA(L)E1IS
//                     ranges by Linux's scale/num decomposition; by ASID
//                     from MAX_DVM_OPS strides on (range: beyond
//                     MAX_TLBI_RANGE_PAGES); DSB ISH
//   flush_page        flush_tlb_page: TLBI VALE1IS; DSB ISH
//   flush_page_nosync flush_tlb_page_nosync (aging): TLBI VALE1IS, no DSB
//   tlbbatch_*        reclaim's deferred flush (mm/rmap.c): the TLBI VALE1IS
//                     now, one DSB ISH per batch; flush_tlb_batched_pending
//                     before a PTE walk of an mm with unflushed batches
//   local_flush_all   local_flush_tlb_all: TLBI VMALLE1 on one CPU (after an
//                     ASID rollover)
//   flush_all         flush_tlb_all: TLBI VMALLE1IS; DSB ISH
// With kernel.tlb_shootdown=broadcast every user TLBI is inner-shareable
// (the mm's cpumask is unused, as on arm64). With ipi the initiator issues
// the same ops locally, and each other CPU of the mm's cpumask runs them in
// an IPI handler (kernel.costs.ipi_entry_cycles + one tlbi_cycles per op,
// charged to that CPU); flushes that synchronise wait for the
// acknowledgements, a reclaim batch sends one IPI per CPU at its flush.
// Every TLBI costs kernel.costs.tlbi_cycles on the operation's meter; a
// wait (the DSB stall, the IPI acknowledgements) adds kernel.tlb.shootdown_cycles.
#pragma once

#include <cstdint>
#include <vector>

#include "model/arch/types.h"
#include "sw/cost_meter.h"
#include "sw/hw.h"

namespace mmusim::sw {

struct Process;
struct KernelParams;

class TlbMaintenance {
 public:
  // arm64 MAX_DVM_OPS (PTRS_PER_PTE): without range ops, a range of this
  // many strides or more is flushed as the whole ASID.
  static constexpr uint64_t kMaxTlbiPages = 512;
  // MAX_TLBI_RANGE_PAGES = __TLBI_RANGE_PAGES(31, 3): beyond this many pages
  // even range ops give way to the whole ASID.
  static constexpr uint64_t kMaxTlbiRangePages = uint64_t{32} << 16;

  // `cpu`: the kernel's current CPU (KernelContext::cpu), read at each call.
  TlbMaintenance(ports::TlbMaintenance& hw, const KernelParams& params, const unsigned& cpu);
  TlbMaintenance(const TlbMaintenance&) = delete;
  TlbMaintenance& operator=(const TlbMaintenance&) = delete;

  void flush_page(const Process& mm, VirtAddr va, CostMeter& meter);
  void flush_page_nosync(const Process& mm, VirtAddr va, CostMeter& meter);
  // [start, end) rounded out to `stride` (4 KB, or 2 MB when only block
  // entries changed); `last_level`: no table was freed (VALE1 forms);
  // `tlb_level` the TTL hint (3 PTEs, 2 blocks, 0 unknown). Nothing for an
  // empty range.
  void flush_range(const Process& mm, uint64_t start, uint64_t end, uint64_t stride,
                   bool last_level, CostMeter& meter, uint8_t tlb_level = 0);
  void flush_mm(const Process& mm, CostMeter& meter);
  void flush_all(CostMeter& meter);
  void local_flush_all(unsigned cpu, CostMeter& meter);

  // Reclaim (set_tlb_ubc_flush_pending / try_to_unmap_flush[_dirty]):
  // the PTE of `mm` at `va` was cleared; `dirty` when it was dirty.
  void tlbbatch_add_pending(Process& mm, VirtAddr va, bool dirty, CostMeter& meter);
  void tlbbatch_flush(CostMeter& meter);        // if any page was added
  void tlbbatch_flush_dirty(CostMeter& meter);  // if a dirty page was added
  // flush_tlb_batched_pending(mm): a DSB when `mm` has batched TLBIs not yet
  // waited for (at the start of mprotect, munmap and mremap walks).
  void flush_tlb_batched_pending(Process& mm, CostMeter& meter);

  // The ops of the last flush_range, for tests and the docs' examples.
  const std::vector<ports::TlbiOp>& last_ops() const { return m_ops; }

 private:
  ports::TlbiOp op(ports::TlbiKind kind, const Process* mm, uint64_t va) const;
  // Issues m_ops for `mm` (nullptr: every address space, every CPU), then
  // waits for completion when `sync`.
  void issue(const Process* mm, bool sync, CostMeter& meter);
  // DSB ISH (broadcast) on the current CPU.
  void dsb(CostMeter& meter);
  uint64_t all_cpus() const;

  ports::TlbMaintenance& m_hw;
  const KernelParams& m_params;
  const unsigned& m_cpu;
  std::vector<ports::TlbiOp> m_ops;
  std::vector<Cycles> m_handler;  // per CPU: the IPI handler cost
  struct Batch {
    bool flush_required = false;
    bool writable = false;
    uint64_t ipi_targets = 0;       // ipi mode: CPUs owed an IPI
    std::vector<uint64_t> ipi_ops;  // ... and how many ops each one's handler ran
  } m_batch;
};

}  // namespace mmusim::sw
