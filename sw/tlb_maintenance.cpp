#include "sw/tlb_maintenance.h"

#include <algorithm>
#include <stdexcept>

#include "sw/kernel.h"
#include "sw/mm/process.h"

namespace mmusim::sw {

using ports::TlbiKind;
using ports::TlbiOp;

namespace {

// __TLBI_RANGE_PAGES(num, scale).
constexpr uint64_t range_pages(uint64_t num, int scale) {
  return (num + 1) << (5 * scale + 1);
}

}  // namespace

TlbMaintenance::TlbMaintenance(ports::TlbMaintenance& hw, const KernelParams& params,
                               const unsigned& cpu)
    : m_hw(hw), m_params(params), m_cpu(cpu), m_handler(params.cpus) {
  m_batch.ipi_ops.assign(params.cpus, 0);
}

uint64_t TlbMaintenance::all_cpus() const {
  return m_params.cpus >= 64 ? ~uint64_t{0} : (uint64_t{1} << m_params.cpus) - 1;
}

TlbiOp TlbMaintenance::op(TlbiKind kind, const Process* mm, uint64_t va) const {
  TlbiOp o;
  o.kind = kind;
  o.va = VirtAddr(va);
  if (mm) o.asid = mm->asid();
  return o;
}

void TlbMaintenance::dsb(CostMeter& meter) {
  meter.tlb_sync(m_hw.dsb_ish(m_cpu));
}

void TlbMaintenance::issue(const Process* mm, bool sync, CostMeter& meter) {
  const unsigned self = m_cpu;
  if (m_params.tlb_shootdown == TlbShootdown::kBroadcast) {
    for (const TlbiOp& o : m_ops) {
      m_hw.tlbi_broadcast(self, o);
      meter.tlbi();
    }
    if (sync) dsb(meter);
    return;
  }
  // ipi: the ops here, then in each target's handler.
  for (const TlbiOp& o : m_ops) {
    m_hw.tlbi_local(self, o);
    meter.tlbi();
  }
  const uint64_t targets = (mm ? mm->mm_cpumask : all_cpus()) & all_cpus() & ~(uint64_t{1} << self);
  if (!targets) return;
  for (unsigned c = 0; c < m_params.cpus; ++c) {
    if (!(targets >> c & 1)) continue;
    for (const TlbiOp& o : m_ops)
      m_hw.tlbi_local(c, o);  // flush_tlb_func on CPU c
  }
  if (!sync) {
    // A batched op (reclaim): the IPI goes at tlbbatch_flush. An aging op:
    // sent now, nobody waits for it.
    if (m_batch.flush_required) {
      m_batch.ipi_targets |= targets;
      for (unsigned c = 0; c < m_params.cpus; ++c)
        if (targets >> c & 1) m_batch.ipi_ops[c] += m_ops.size();
      return;
    }
  }
  const Cycles h(m_params.costs.ipi_entry_cycles + m_ops.size() * m_params.costs.tlbi_cycles);
  for (unsigned c = 0; c < m_params.cpus; ++c)
    m_handler[c] = (targets >> c & 1) ? h : Cycles(0);
  const Cycles wait = m_hw.send_ipis(self, targets, m_handler.data());
  KernelStats& st = meter.stats();
  st.tlb_ipis_sent += static_cast<uint64_t>(__builtin_popcountll(targets));
  st.tlb_ipi_receiver_cycles += h.count() * static_cast<uint64_t>(__builtin_popcountll(targets));
  if (sync) meter.tlb_sync(wait);
}

void TlbMaintenance::flush_page(const Process& mm, VirtAddr va, CostMeter& meter) {
  meter.stats().tlb_flush_page++;
  m_ops.assign(1, op(TlbiKind::kVaLastLevel, &mm, va.align_down(arch::kPageSize).value()));
  m_ops[0].ttl = 3;
  issue(&mm, true, meter);
}

void TlbMaintenance::flush_page_nosync(const Process& mm, VirtAddr va, CostMeter& meter) {
  meter.stats().tlb_flush_page_nosync++;
  m_ops.assign(1, op(TlbiKind::kVaLastLevel, &mm, va.align_down(arch::kPageSize).value()));
  m_ops[0].ttl = 3;
  issue(&mm, false, meter);
}

void TlbMaintenance::flush_range(const Process& mm, uint64_t start, uint64_t end, uint64_t stride,
                                 bool last_level, CostMeter& meter, uint8_t tlb_level) {
  start &= ~(stride - 1);
  end = (end + stride - 1) & ~(stride - 1);
  if (end <= start) return;
  meter.stats().tlb_flush_range++;
  uint64_t pages = (end - start) >> arch::kPageShift;
  if ((!m_params.tlbi_range && end - start >= kMaxTlbiPages * stride) ||
      pages > kMaxTlbiRangePages) {
    m_ops.assign(1, op(TlbiKind::kAsid, &mm, 0));
    issue(&mm, true, meter);
    return;
  }
  // __flush_tlb_range_op, without LPA2.
  m_ops.clear();
  const TlbiKind single = last_level ? TlbiKind::kVaLastLevel : TlbiKind::kVa;
  const TlbiKind range = last_level ? TlbiKind::kRangeLastLevel : TlbiKind::kRange;
  uint64_t va = start;
  int scale = 3;
  while (pages > 0) {
    if (!m_params.tlbi_range || pages == 1) {
      TlbiOp o = op(single, &mm, va);
      o.ttl = tlb_level;
      m_ops.push_back(o);
      va += stride;
      pages -= std::min(pages, stride >> arch::kPageShift);
      continue;
    }
    if (scale < 0) throw std::logic_error("TlbMaintenance::flush_range: range left over");
    const int64_t num =
        static_cast<int64_t>(std::min(pages, range_pages(31, scale)) >> (5 * scale + 1)) - 1;
    if (num >= 0) {
      TlbiOp o = op(range, &mm, va);
      o.scale = static_cast<uint8_t>(scale);
      o.num = static_cast<uint8_t>(num);
      o.pages = range_pages(static_cast<uint64_t>(num), scale);
      o.ttl = tlb_level;
      m_ops.push_back(o);
      va += o.pages << arch::kPageShift;
      pages -= o.pages;
    }
    --scale;
  }
  issue(&mm, true, meter);
}

void TlbMaintenance::flush_mm(const Process& mm, CostMeter& meter) {
  meter.stats().tlb_flush_mm++;
  m_ops.assign(1, op(TlbiKind::kAsid, &mm, 0));
  issue(&mm, true, meter);
}

void TlbMaintenance::flush_all(CostMeter& meter) {
  m_ops.assign(1, op(TlbiKind::kAll, nullptr, 0));
  issue(nullptr, true, meter);
}

void TlbMaintenance::local_flush_all(unsigned cpu, CostMeter& meter) {
  m_hw.tlbi_local(cpu, op(TlbiKind::kAll, nullptr, 0));
  meter.tlbi();
}

void TlbMaintenance::tlbbatch_add_pending(Process& mm, VirtAddr va, bool dirty, CostMeter& meter) {
  meter.stats().tlb_batched_pages++;
  m_batch.flush_required = true;
  m_batch.writable |= dirty;
  mm.tlb_flush_batched_pending++;
  // arch_tlbbatch_add_pending: __flush_tlb_page_nosync, the TLBI now.
  m_ops.assign(1, op(TlbiKind::kVaLastLevel, &mm, va.align_down(arch::kPageSize).value()));
  m_ops[0].ttl = 3;
  issue(&mm, false, meter);
}

void TlbMaintenance::tlbbatch_flush(CostMeter& meter) {
  if (!m_batch.flush_required) return;
  meter.stats().tlb_batch_flushes++;
  if (m_params.tlb_shootdown == TlbShootdown::kBroadcast) {
    dsb(meter);  // arch_tlbbatch_flush: DSB ISH only
  } else if (m_batch.ipi_targets) {
    uint64_t receiver = 0;
    for (unsigned c = 0; c < m_params.cpus; ++c) {
      m_handler[c] = (m_batch.ipi_targets >> c & 1)
                         ? Cycles(m_params.costs.ipi_entry_cycles +
                                  m_batch.ipi_ops[c] * m_params.costs.tlbi_cycles)
                         : Cycles(0);
      receiver += m_handler[c].count();
    }
    meter.tlb_sync(m_hw.send_ipis(m_cpu, m_batch.ipi_targets, m_handler.data()));
    meter.stats().tlb_ipis_sent += static_cast<uint64_t>(__builtin_popcountll(m_batch.ipi_targets));
    meter.stats().tlb_ipi_receiver_cycles += receiver;
  }
  m_batch.flush_required = false;
  m_batch.writable = false;
  m_batch.ipi_targets = 0;
  m_batch.ipi_ops.assign(m_params.cpus, 0);
}

void TlbMaintenance::tlbbatch_flush_dirty(CostMeter& meter) {
  if (m_batch.writable) tlbbatch_flush(meter);
}

void TlbMaintenance::flush_tlb_batched_pending(Process& mm, CostMeter& meter) {
  if (mm.tlb_flush_batched_pending == mm.tlb_flush_batched_flushed) return;
  // arch_flush_tlb_batched_pending: DSB ISH (ipi mode: the batch's IPIs
  // were acknowledged at its flush; nothing left to wait for).
  if (m_params.tlb_shootdown == TlbShootdown::kBroadcast) dsb(meter);
  mm.tlb_flush_batched_flushed = mm.tlb_flush_batched_pending;
}

}  // namespace mmusim::sw
