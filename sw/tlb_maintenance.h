// The one place where the kernel issues TLB maintenance (the TLBIs of
// ports::MmuControl). Every flush a subsystem needs after changing an entry
// is one of the four operations below, named as Linux's flush_tlb_* calls,
// each for one address space (mm) or for all of them. Today there is one
// CPU and each operation is the TLBI sequence the arm64 kernel issues on it
// (arch/arm64/include/asm/tlbflush.h); cross-core shootdowns and a
// per-mm CPU mask belong here, so that no caller changes when they come.
// Every TLBI is charged to the operation's meter (CostMeter::tlbi).
#pragma once

#include <cstdint>

#include "model/arch/types.h"
#include "sw/cost_meter.h"
#include "sw/hw.h"

namespace mmusim::sw {

struct Process;

class TlbMaintenance {
 public:
  // arm64 MAX_DVM_OPS (PTRS_PER_PTE): a range of this many strides or more
  // is flushed as the whole ASID.
  static constexpr uint64_t kMaxTlbiPages = 512;

  explicit TlbMaintenance(MmuControl& mmu) : m_mmu(mmu) {}
  TlbMaintenance(const TlbMaintenance&) = delete;
  TlbMaintenance& operator=(const TlbMaintenance&) = delete;

  // flush_tlb_page: the page of `mm` at `va` (one TLBI VAE1 with its ASID).
  void flush_page(const Process& mm, VirtAddr va, CostMeter& meter);
  // __flush_tlb_range: [start, end) of `mm`, both multiples of `stride`
  // (4 KB, or 2 MB when only block entries changed): one TLBI VAE1 per
  // stride, or one TLBI ASIDE1 from kMaxTlbiPages strides on. Nothing for
  // an empty range.
  void flush_range(const Process& mm, uint64_t start, uint64_t end, uint64_t stride,
                   CostMeter& meter);
  // flush_tlb_mm: every non-global entry of `mm` (one TLBI ASIDE1).
  void flush_mm(const Process& mm, CostMeter& meter);
  // flush_tlb_all: every entry of every address space (one TLBI VMALLE1).
  void flush_all(CostMeter& meter);

 private:
  MmuControl& m_mmu;
};

}  // namespace mmusim::sw
