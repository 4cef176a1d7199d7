#include "model/mmu/mmu.h"

#include <stdexcept>

namespace mmusim {

using arch::AccessKind;
using arch::FaultKind;

void MmuParams::validate(const std::string& name) const {
  l1_itlb.validate(name + ".l1_itlb");
  walker.walk_cache.validate(name + ".walker.walk_cache");
  l1_dtlb.validate(name + ".l1_dtlb");
  l2_tlb.validate(name + ".l2_tlb");
}

Mmu::Mmu(sc_core::sc_module_name name, const MmuParams& params, const Clock& clock)
    : sc_module(name),
      cpu("cpu"),
      mem("mem"),
      imem("imem"),
      walker("walker", params.walker, clock),
      m_params(params),
      m_clock(clock),
      m_l1_itlb(std::string(this->name()) + ".l1_itlb", params.l1_itlb),
      m_l1_dtlb(std::string(this->name()) + ".l1_dtlb", params.l1_dtlb),
      m_l2_tlb(std::string(this->name()) + ".l2_tlb", params.l2_tlb),
      m_l1_latency{clock.to_time(Cycles(params.l1_itlb.hit_latency_cycles)),
                   clock.to_time(Cycles(params.l1_dtlb.hit_latency_cycles))},
      m_l2_latency(clock.to_time(Cycles(params.l2_tlb.hit_latency_cycles))) {
  set_mair(0);
  cpu.register_b_transport(this, &Mmu::b_transport);
  cpu.register_transport_dbg(this, &Mmu::transport_dbg);
}

void Mmu::fault(AccessExt& ext, tlm::tlm_generic_payload& trans, FaultKind kind, int level) {
  ext.fault.kind = kind;
  ext.fault.level = static_cast<int8_t>(level);
  ++m_stats.faults_by_kind[static_cast<int>(kind)];
  trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
}

const TlbEntry* Mmu::translate(VirtAddr va, AccessExt& ext, sc_core::sc_time& delay) {
  const bool fetch = ext.kind == AccessKind::kFetch;
  Tlb& l1 = fetch ? m_l1_itlb : m_l1_dtlb;
  delay += m_l1_latency[fetch ? 0 : 1];
  if (TlbEntry* e = l1.lookup(va, m_asid)) {
    ext.tlb_hit = true;
    if (e->ready != 0) wait_ready(*e, delay);
    return e;
  }
  ext.tlb_hit = false;
  delay += m_l2_latency;
  TlbEntry* const l2_entry = m_l2_tlb.lookup(va, m_asid);
  ext.l2_tlb_hit = l2_entry != nullptr;
  if (TlbEntry* e = l2_entry) {
    if (e->ready != 0) wait_ready(*e, delay);
    const Tlb::InsertResult inner = l1.insert(*e, va);
    m_fills = MmuFills{{true, inner.way}, {}};
    m_fills_access = m_stats.accesses;
    return inner.installed;
  }
  m_walked = true;
  WalkResult walk = walker.walk(va, m_ttbr0, m_asid, m_mem_types, ext.kind, ext.el, delay);
  if (walk.fault.is_fault()) {
    ext.fault = walk.fault;
    return nullptr;
  }
  const Tlb::InsertResult outer = m_l2_tlb.insert(walk.entry, va);
  if (m_params.l2_inclusive && outer.evicted_valid) {
    m_l1_itlb.invalidate_covered_by(outer.evicted);
    m_l1_dtlb.invalidate_covered_by(outer.evicted);
  }
  const Tlb::InsertResult inner = l1.insert(walk.entry, va);
  m_fills = MmuFills{{true, inner.way}, {true, outer.way}};
  m_fills_access = m_stats.accesses;
  return inner.installed;
}

void Mmu::wait_ready(TlbEntry& e, sc_core::sc_time& delay) {
  if (e.ready > m_clock.at(delay).count()) {
    ++m_stats.hits_under_walk;
    delay = m_clock.delay_until(Cycles(e.ready));
  } else {
    e.ready = 0;
  }
}

void Mmu::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  AccessExt* ext = trans.get_extension<AccessExt>();
  if (!ext) throw std::logic_error(std::string(name()) + ": access without an AccessExt");
  ++m_stats.accesses;
  const VirtAddr va(trans.get_address());
  const unsigned len = trans.get_data_length();
  ext->fault = arch::FaultSyndrome{};
  ext->fault.va = va;
  ext->fault.access = ext->kind;
  ext->fault.el = ext->el;
  ext->asid = m_asid;
  if (va.offset_in(arch::kPageSize) + len > arch::kPageSize)
    throw std::logic_error(std::string(name()) + ": access crosses a page; the CPU port splits");

  // A VA outside the TTBR0 range (bits [63:48] not zero) with TTBR1 walks
  // disabled is a level-0 translation fault.
  if (!arch::is_ttbr0_va(va)) return fault(*ext, trans, FaultKind::kTranslation, 0);

  const sc_core::sc_time arrival = delay;
  m_walked = false;
  const TlbEntry* e = translate(va, *ext, delay);
  if (e && m_params.walker.hafdbs && ext->kind == AccessKind::kWrite && !m_walked &&
      !arch::permits(e->perm, ext->kind, ext->el)) {
    // The TLB keeps no DBM bit: a write denied by a cached entry walks again,
    // and the walker clears AP[2] if the descriptor has DBM set (D8.4.6).
    ++m_stats.dirty_rewalks;
    m_l1_dtlb.invalidate_va_asid(va, m_asid);
    m_l2_tlb.invalidate_va_asid(va, m_asid);
    e = translate(va, *ext, delay);
  }
  if (!e) {
    ++m_stats.faults_by_kind[static_cast<int>(ext->fault.kind)];
    trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    return;
  }
  if (!arch::permits(e->perm, ext->kind, ext->el))
    return fault(*ext, trans, FaultKind::kPermission, e->level);
  // Device memory must be accessed naturally aligned (D8.x, alignment fault).
  if (arch::is_device(e->mem_type) && (va.value() & (len - 1)) != 0)
    return fault(*ext, trans, FaultKind::kAlignment, -1);

  m_stats.translation_latency.add(m_clock.to_cycles(delay - arrival).count());
  ext->mem_type = e->mem_type;
  trans.set_address(e->translate(va).value());
  (ext->kind == AccessKind::kFetch ? imem : mem)->b_transport(trans, delay);
  trans.set_address(va.value());
  if (trans.is_response_error() && trans.get_response_status() != tlm::TLM_GENERIC_ERROR_RESPONSE) {
    // The bus or the target refused the physical access: synchronous external abort.
    ext->fault.kind = FaultKind::kExternal;
    ext->fault.level = -1;
    ++m_stats.faults_by_kind[static_cast<int>(FaultKind::kExternal)];
  }
}

unsigned int Mmu::transport_dbg(tlm::tlm_generic_payload&) {
  return 0;
}

void Mmu::tlbi_va_asid(VirtAddr va, Asid asid) {
  walker.walk_cache().invalidate_va_asid(va, asid);
  m_l1_itlb.invalidate_va_asid(va, asid);
  m_l1_dtlb.invalidate_va_asid(va, asid);
  m_l2_tlb.invalidate_va_asid(va, asid);
}

void Mmu::tlbi_va_all_asids(VirtAddr va) {
  walker.walk_cache().invalidate_va(va);
  m_l1_itlb.invalidate_va(va);
  m_l1_dtlb.invalidate_va(va);
  m_l2_tlb.invalidate_va(va);
}

void Mmu::tlbi_asid(Asid asid) {
  walker.walk_cache().invalidate_asid(asid);
  m_l1_itlb.invalidate_asid(asid);
  m_l1_dtlb.invalidate_asid(asid);
  m_l2_tlb.invalidate_asid(asid);
}

void Mmu::tlbi_all() {
  walker.walk_cache().invalidate_all();
  m_l1_itlb.invalidate_all();
  m_l1_dtlb.invalidate_all();
  m_l2_tlb.invalidate_all();
}

void Mmu::set_ttbr0(PhysAddr table, Asid asid) {
  m_ttbr0 = table;
  m_asid = asid;
}

void Mmu::set_mair(uint64_t mair) {
  m_mair = mair;
  for (unsigned i = 0; i < 8; ++i)
    m_mem_types[i] = arch::decode_mair_attr(arch::mair_attr(mair, i)).type;
}

}  // namespace mmusim
