#include "model/mmu/mmu.h"
#include "model/sim/histogram_stats.h"
#include "model/sim/report.h"

#include <cstdio>

namespace mmusim {

using arch::AccessKind;
using arch::FaultKind;

void MmuParams::validate(const std::string& name) const {
  l1_itlb.validate(name + ".l1_itlb");
  walker.walk_cache.validate(name + ".walker.walk_cache");
  l1_dtlb.validate(name + ".l1_dtlb");
  l2_tlb.validate(name + ".l2_tlb");
}

namespace {
// `name`, once the parameters are valid (before any member is built from them).
const sc_core::sc_module_name& checked(const sc_core::sc_module_name& name,
                                       const MmuParams& params) {
  MMUSIM_CHECK_PARAMS(report::kMmu, params.validate(static_cast<const char*>(name)));
  return name;
}
}  // namespace

Mmu::Mmu(sc_core::sc_module_name name, const MmuParams& params, const Clock& clock)
    : sc_module(checked(name, params)),
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
      m_l2_latency(clock.to_time(Cycles(params.l2_tlb.hit_latency_cycles))),
      m_tcr(tcr::supported_value(params.walker.walk_mem_type, params.walker.hafdbs)) {
  set_mair(0);
  m_plain_ext.requester = Requester::kCpu;
  cpu.register_b_transport(this, &Mmu::b_transport);
  cpu.register_transport_dbg(this, &Mmu::transport_dbg);
}

namespace {
Mmu* find_mmu(const std::vector<sc_core::sc_object*>& objects,
              const sc_core::sc_interface* bound_interface) {
  for (sc_core::sc_object* o : objects) {
    if (Mmu* m = dynamic_cast<Mmu*>(o); m && m->cpu.get_interface() == bound_interface) return m;
    if (Mmu* m = find_mmu(o->get_child_objects(), bound_interface)) return m;
  }
  return nullptr;
}
}  // namespace

Mmu* Mmu::bound_at(const sc_core::sc_interface* bound_interface) {
  if (!bound_interface) return nullptr;
  return find_mmu(sc_core::sc_get_top_level_objects(), bound_interface);
}

void Mmu::start_of_simulation() {
  m_l1d = DirectTarget::reached_from(mem.get_interface());
  m_l1i = DirectTarget::reached_from(imem.get_interface());
}

void Mmu::fault(AccessExt& ext, tlm::tlm_generic_payload& trans, FaultKind kind, int level) {
  ext.fault.kind = kind;
  ext.fault.level = static_cast<int8_t>(level);
  ++m_stats.faults_by_kind[static_cast<int>(kind)];
  trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
  record_fault(ext, trans);
}

void Mmu::record_fault(const AccessExt& ext, const tlm::tlm_generic_payload& trans) {
  const arch::FaultSyndrome& f = ext.fault;
  MmuFault& r = m_last_fault;
  r.valid = true;
  r.va = f.va;
  r.kind = f.kind;
  r.level = f.level;
  r.write = f.access == AccessKind::kWrite;
  r.fetch = f.access == AccessKind::kFetch;
  r.el = f.el;
  r.fsc = f.fault_status_code();
  r.esr = f.esr();
  r.iss = static_cast<uint32_t>(r.esr & ((uint64_t{1} << arch::kEsrIlBit) - 1));
  r.response = trans.get_response_status();
  m_fault_access = m_stats.accesses;
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
  if (AccessExt* ext = trans.get_extension<AccessExt>()) return transport(trans, *ext, delay);
  plain_transport(trans, delay);
}

void Mmu::plain_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  if (trans.get_command() == tlm::TLM_IGNORE_COMMAND) {
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
    return;
  }
  m_plain_ext.kind = trans.is_write() ? AccessKind::kWrite : AccessKind::kRead;
  m_plain_ext.el = arch::ExceptionLevel::kEl0;
  m_plain_ext.unaligned = false;
  m_plain_ext.older_done = 0;
  // The physical access carries it (its memory type for the L1), the
  // initiator's payload is returned without it, however transport() leaves.
  struct Attached {
    tlm::tlm_generic_payload& trans;
    AccessExt& ext;
    Attached(tlm::tlm_generic_payload& t, AccessExt& e) : trans(t), ext(e) {
      trans.set_extension(&ext);
    }
    ~Attached() { trans.clear_extension(&ext); }
  } attached(trans, m_plain_ext);
  transport(trans, m_plain_ext, delay);
}

void Mmu::transport(tlm::tlm_generic_payload& trans, AccessExt& ext_ref, sc_core::sc_time& delay) {
  AccessExt* const ext = &ext_ref;
  const VirtAddr va(trans.get_address());
  const unsigned len = trans.get_data_length();
  if (len == 0 || va.offset_in(arch::kPageSize) + len > arch::kPageSize) {
    // Not one translation: the initiator splits it (CpuPort always does).
    trans.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    return;
  }
  ++m_stats.accesses;
  ext->fault = arch::FaultSyndrome{};
  ext->fault.va = va;
  ext->fault.access = ext->kind;
  ext->fault.el = ext->el;
  ext->asid = m_asid;

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
    record_fault(*ext, trans);
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
  const bool fetch = ext->kind == AccessKind::kFetch;
  if (DirectTarget* l1 = fetch ? m_l1i : m_l1d)
    l1->direct_transport(trans, delay);
  else
    (fetch ? imem : mem)->b_transport(trans, delay);
  trans.set_address(va.value());
  if (trans.is_response_error()) {
    if (trans.get_response_status() != tlm::TLM_GENERIC_ERROR_RESPONSE) {
      // The bus or the target refused the physical access: synchronous external abort.
      ext->fault.kind = FaultKind::kExternal;
      ext->fault.level = -1;
      ++m_stats.faults_by_kind[static_cast<int>(FaultKind::kExternal)];
    }
    // (A generic error here is the L1's alignment fault, already in ext->fault.)
    record_fault(*ext, trans);
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

void Mmu::tlbi_range(Asid asid, VirtAddr va, uint64_t pages, bool /*last_level*/) {
  walker.walk_cache().invalidate_range_asid(va, pages, asid);
  m_l1_itlb.invalidate_range_asid(va, pages, asid);
  m_l1_dtlb.invalidate_range_asid(va, pages, asid);
  m_l2_tlb.invalidate_range_asid(va, pages, asid);
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

bool Mmu::set_ttbr0_el1(uint64_t value) {
  const uint64_t baddr_low = value & 0xffe;
  if (baddr_low != 0) {
    char buf[96];
    std::snprintf(buf, sizeof buf,
                  ": TTBR0_EL1 0x%016llx: BADDR[11:1] = 0x%llx: the level-0 table must be 4 KB "
                  "aligned",
                  static_cast<unsigned long long>(value),
                  static_cast<unsigned long long>(baddr_low >> 1));
    sc_core::sc_report_handler::report(sc_core::SC_ERROR, report::kMmu,
                                       (std::string(name()) + buf).c_str(), __FILE__, __LINE__);
    return false;
  }
  set_ttbr0(PhysAddr(value & 0x0000'ffff'ffff'f000), Asid(static_cast<uint16_t>(value >> 48)));
  return true;
}

bool Mmu::set_tcr(uint64_t value) {
  const std::string why = tcr::refusal(value);
  if (!why.empty()) {
    char buf[48];
    std::snprintf(buf, sizeof buf, ": TCR_EL1 0x%016llx: ", static_cast<unsigned long long>(value));
    sc_core::sc_report_handler::report(sc_core::SC_ERROR, report::kMmu,
                                       (std::string(name()) + buf + why).c_str(), __FILE__,
                                       __LINE__);
    return false;
  }
  m_tcr = value;
  walker.set_walk_mem_type(tcr::walk_mem_type(value));
  m_params.walker.hafdbs = tcr::hafdbs(value);
  walker.set_hafdbs(m_params.walker.hafdbs);
  return true;
}

void Mmu::set_mair(uint64_t mair) {
  m_mair = mair;
  for (unsigned i = 0; i < 8; ++i)
    m_mem_types[i] = arch::decode_mair_attr(arch::mair_attr(mair, i)).type;
}

void Mmu::register_stats(stats::Group& g) const {
  g.add("accesses", m_stats.accesses, "translations",
        "translations requested (one per page touched by an access)");
  g.add("hits_under_walk", m_stats.hits_under_walk, "lookups",
        "TLB hits on an entry whose walk had not finished: they waited for it (merged walks)");
  g.add("dirty_rewalks", m_stats.dirty_rewalks, "writes",
        "FEAT_HAFDBS: writes denied by a cached read-only entry that walked again");
  stats::Group& faults = g.child("faults");
  for (int k = 1; k <= static_cast<int>(arch::FaultKind::kExternal); ++k)
    faults.add(std::string(arch::to_string(static_cast<arch::FaultKind>(k))),
               m_stats.faults_by_kind[k], "faults",
               std::string(arch::to_string(static_cast<arch::FaultKind>(k))) + " faults");
  register_histogram(g.child("translation_latency"), m_stats.translation_latency,
                     "successful translations measured, from reaching the MMU to the "
                     "translation being known");
  m_l1_itlb.register_stats(g.component("l1_itlb"));
  m_l1_dtlb.register_stats(g.component("l1_dtlb"));
  m_l2_tlb.register_stats(g.component("l2_tlb"));
  walker.register_stats(g.component("walker"));
}

MmuParams MmuParams::read(const util::ConfigNode& n, const MmuParams& d) {
  MmuParams p = d;
  p.l1_itlb = TlbParams::read(n.child("l1_itlb"), d.l1_itlb);
  p.l1_dtlb = TlbParams::read(n.child("l1_dtlb"), d.l1_dtlb);
  p.l2_tlb = TlbParams::read(n.child("l2_tlb"), d.l2_tlb);
  p.l2_inclusive = n.child("l2_tlb").get_bool("inclusive", d.l2_inclusive,
                                              "an L2 eviction back-invalidates the L1 TLBs");
  p.walker = WalkerParams::read(n.child("walker"), d.walker);
  return p;
}

}  // namespace mmusim
