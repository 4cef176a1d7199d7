#include "sw/tlb_maintenance.h"

#include "sw/mm/process.h"

namespace mmusim::sw {

void TlbMaintenance::flush_page(const Process& mm, VirtAddr va, CostMeter& meter) {
  m_mmu.tlbi_va_asid(va, mm.asid);
  meter.tlbi();
}

void TlbMaintenance::flush_range(const Process& mm, uint64_t start, uint64_t end, uint64_t stride,
                                 CostMeter& meter) {
  if (end <= start) return;
  if ((end - start) / stride >= kMaxTlbiPages) {
    m_mmu.tlbi_asid(mm.asid);
    meter.tlbi();
    return;
  }
  for (uint64_t va = start; va < end; va += stride) {
    m_mmu.tlbi_va_asid(VirtAddr(va), mm.asid);
    meter.tlbi();
  }
}

void TlbMaintenance::flush_mm(const Process& mm, CostMeter& meter) {
  m_mmu.tlbi_asid(mm.asid);
  meter.tlbi();
}

void TlbMaintenance::flush_all(CostMeter& meter) {
  m_mmu.tlbi_all();
  meter.tlbi();
}

}  // namespace mmusim::sw
