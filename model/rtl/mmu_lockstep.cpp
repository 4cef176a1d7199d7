#include "model/rtl/mmu_lockstep.h"

#include <chrono>

#include "model/rtl/tlb_lockstep.h"

namespace mmusim::rtl {

std::string describe_translation(const RtlTranslation& t) {
  std::string s;
  if (t.fault == arch::FaultKind::kNone)
    s = "pa " + hex(t.pa.value()) + " " + std::string(arch::to_string(t.mem_type));
  else
    s = std::string(arch::to_string(t.fault)) + " fault level " + std::to_string(t.level) +
        " ESR " + hex(t.esr);
  s += t.l1_hit ? ", L1 hit" : ", L1 miss";
  if (!t.l1_hit) s += t.l2_hit ? ", L2 hit" : ", L2 miss";
  if (t.walked) s += ", walked";
  if (t.l2_fill.filled) s += ", L2 fill way " + std::to_string(t.l2_fill.way);
  if (t.l1_fill.filled) s += ", L1 fill way " + std::to_string(t.l1_fill.way);
  return s;
}

const char* translation_difference(const RtlTranslation& e, const RtlTranslation& r,
                                   arch::AccessKind kind) {
  if (e.fault != r.fault) return "fault kind";
  if (e.fault != arch::FaultKind::kNone && ((e.level >= 0 && e.level != r.level) || e.esr != r.esr))
    return "fault syndrome";
  if (e.fault == arch::FaultKind::kNone && (e.pa != r.pa || e.mem_type != r.mem_type))
    return "translation";
  if (e.l1_hit != r.l1_hit || e.l2_hit != r.l2_hit || e.walked != r.walked) return "TLB hit/miss";
  // The L2 is filled first (after the walk), then the L1.
  if (e.l2_fill != r.l2_fill) return "L2 TLB fill way";
  if (e.l1_fill != r.l1_fill)
    return kind == arch::AccessKind::kFetch ? "L1 ITLB fill way" : "L1 DTLB fill way";
  return nullptr;
}

std::string MmuOp::describe() const {
  switch (kind) {
    case Kind::kAccess:
      return std::string(arch::to_string(access.access)) + " of " + std::to_string(access.len) +
             " at EL" + (access.el == arch::ExceptionLevel::kEl0 ? "0" : "1") + " va " +
             hex(access.va.value());
    case Kind::kInvVaAsid:
      return "tlbi va+asid va " + hex(va.value()) + " asid " + std::to_string(asid.value());
    case Kind::kInvVa:
      return "tlbi va va " + hex(va.value());
    case Kind::kInvAsid:
      return "tlbi asid " + std::to_string(asid.value());
    case Kind::kInvAll:
      return "tlbi all";
    case Kind::kSetTtbr0:
      return "ttbr0 " + hex(table.value()) + " asid " + std::to_string(asid.value());
    case Kind::kSetMair:
      return "mair " + hex(mair);
  }
  return "?";
}

MmuLockstep::MmuLockstep(sc_core::sc_module_name name, Mmu& mmu, RtlMmu& rtl)
    : sc_module(name), cpu("cpu"), data("data"), fetch("fetch"), m_mmu(mmu), m_rtl(rtl) {
  cpu.bind(mmu.cpu);
  mmu.mem.bind(data);
  mmu.imem.bind(fetch);
  data.register_b_transport(this, &MmuLockstep::b_transport);
  fetch.register_b_transport(this, &MmuLockstep::b_transport);
  m_trans.set_extension(&m_ext);
  m_trans.set_data_ptr(m_buffer);
  m_trans.set_byte_enable_ptr(nullptr);
  m_trans.set_dmi_allowed(false);
}

void MmuLockstep::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time&) {
  m_last_pa = PhysAddr(trans.get_address());
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

RtlTranslation MmuLockstep::translate_cpp(const RtlAccess& a) {
  const uint64_t l2_hits = m_mmu.l2_tlb().stats().hits;
  const uint64_t walks = m_mmu.walker.stats().walks;
  m_trans.set_address(a.va.value());
  m_trans.set_data_length(a.len);
  m_trans.set_streaming_width(a.len);
  m_trans.set_command(a.access == arch::AccessKind::kWrite ? tlm::TLM_WRITE_COMMAND
                                                           : tlm::TLM_READ_COMMAND);
  m_trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  m_ext = AccessExt{};
  m_ext.kind = a.access;
  m_ext.el = a.el;
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  cpu->b_transport(m_trans, delay);
  RtlTranslation t;
  t.fault = m_ext.fault.kind;
  t.level = m_ext.fault.level;
  t.esr = static_cast<uint32_t>(m_ext.fault.esr());
  t.pa = m_last_pa;
  t.mem_type = m_ext.mem_type;
  t.l1_hit = m_ext.tlb_hit;
  t.l2_hit = m_mmu.l2_tlb().stats().hits != l2_hits;
  t.walked = m_mmu.walker.stats().walks != walks;
  const MmuFills fills = m_mmu.last_fills();
  t.l1_fill = fills.l1;
  t.l2_fill = fills.l2;
  return t;
}

bool MmuLockstep::mismatch(const MmuOp& op, const std::string& what, const std::string& expected,
                           const std::string& actual) {
  m_report = "op " + std::to_string(m_compared) + " (" + op.describe() + "): " + what +
             " differs\n  expected (C++): " + expected + "\n  actual (RTL):   " + actual;
  return false;
}

bool MmuLockstep::step(const MmuOp& op) {
  if (failed()) return false;
  switch (op.kind) {
    case MmuOp::Kind::kAccess: {
      ++m_accesses;
      using Clock = std::chrono::steady_clock;
      const auto t0 = Clock::now();
      const RtlTranslation r = m_rtl.translate(op.access);
      const auto t1 = Clock::now();
      const RtlTranslation e = translate_cpp(op.access);
      m_rtl_seconds += std::chrono::duration<double>(t1 - t0).count();
      m_cpp_seconds += std::chrono::duration<double>(Clock::now() - t1).count();
      if (const char* what = translation_difference(e, r, op.access.access))
        return mismatch(op, what, describe_translation(e), describe_translation(r));
      if (!m_rtl.writes().empty())
        return mismatch(op, "descriptor write", "none (the C++ walker has no AF update)",
                        "write at " + hex(m_rtl.writes().front().pa.value()));
      break;
    }
    case MmuOp::Kind::kInvVaAsid:
      m_mmu.tlbi_va_asid(op.va, op.asid);
      m_rtl.invalidate(TlbInvKind::kVaAsid, op.va, op.asid);
      break;
    case MmuOp::Kind::kInvVa:
      m_mmu.tlbi_va_all_asids(op.va);
      m_rtl.invalidate(TlbInvKind::kVa, op.va, op.asid);
      break;
    case MmuOp::Kind::kInvAsid:
      m_mmu.tlbi_asid(op.asid);
      m_rtl.invalidate(TlbInvKind::kAsid, op.va, op.asid);
      break;
    case MmuOp::Kind::kInvAll:
      m_mmu.tlbi_all();
      m_rtl.invalidate(TlbInvKind::kAll, op.va, op.asid);
      break;
    case MmuOp::Kind::kSetTtbr0:
      m_mmu.set_ttbr0(op.table, op.asid);
      m_rtl.set_ttbr0(op.table, op.asid);
      break;
    case MmuOp::Kind::kSetMair:
      m_mmu.set_mair(op.mair);
      m_rtl.set_mair(op.mair);
      break;
  }
  ++m_compared;
  return true;
}

}  // namespace mmusim::rtl
