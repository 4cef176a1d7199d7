#include "model/rtl/cosim_mmu.h"

#include <chrono>

#include "model/platform/hardware.h"
#include "model/rtl/mmu_lockstep.h"
#include "model/rtl/tlb_lockstep.h"

namespace mmusim::rtl {

namespace {

CosimOptions& options() {
  static CosimOptions o;
  return o;
}

RtlMmuAdapterParams shadow_params(const CosimOptions& o) {
  RtlMmuAdapterParams p;
  p.period = sc_core::sc_time::from_value(2);  // 2 time units: negligible simulated time
  p.cycle_limit = o.cycle_limit;
  p.trace_path = o.trace_path;
  // The C++ side translated against the page tables as they are now; the shadow must see the
  // same ones, so no other core's thread may run (and fault or unmap) before it is done.
  p.wait_cycles = false;
  return p;
}

using Clk = std::chrono::steady_clock;
double seconds_since(Clk::time_point t) {
  return std::chrono::duration<double>(Clk::now() - t).count();
}

}  // namespace

CosimMmu::CosimMmu(sc_core::sc_module_name name, const MmuParams& params, const Clock& clock,
                   const CosimOptions& o)
    : sc_module(name),
      cpu("cpu"),
      mem("mem"),
      imem("imem"),
      m_cpp("cpp", params, clock),
      m_rtl("rtl", shadow_params(o)),
      m_to_cpp("to_cpp"),
      m_to_rtl("to_rtl"),
      m_cpp_data("cpp_data"),
      m_cpp_fetch("cpp_fetch"),
      m_rtl_data("rtl_data"),
      m_rtl_fetch("rtl_fetch"),
      m_rtl_walk("rtl_walk"),
      m_label(o.label) {
  cpu.register_b_transport(this, &CosimMmu::b_transport);
  m_to_cpp.bind(m_cpp.cpu);
  m_to_rtl.bind(m_rtl.cpu);
  m_cpp.mem.bind(m_cpp_data);
  m_cpp.imem.bind(m_cpp_fetch);
  m_cpp_data.register_b_transport(this, &CosimMmu::forward);
  m_cpp_fetch.register_b_transport(this, &CosimMmu::forward);
  m_rtl.mem.bind(m_rtl_data);
  m_rtl.imem.bind(m_rtl_fetch);
  m_rtl.walk.bind(m_rtl_walk);
  m_rtl_data.register_b_transport(this, &CosimMmu::rtl_sink);
  m_rtl_fetch.register_b_transport(this, &CosimMmu::rtl_sink);
  m_rtl_walk.register_b_transport(this, &CosimMmu::rtl_walk);
}

// The C++ Mmu's physical access: recorded, then on to the L1D/L1I.
void CosimMmu::forward(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  m_last_pa = PhysAddr(trans.get_address());
  m_reached_memory = true;
  const AccessExt* ext = trans.get_extension<AccessExt>();
  (ext && ext->kind == arch::AccessKind::kFetch ? imem : mem)->b_transport(trans, delay);
}

void CosimMmu::rtl_sink(tlm::tlm_generic_payload& trans, sc_core::sc_time&) {
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

// The shadow's descriptor reads: debug transport on the primary walker's path.
void CosimMmu::rtl_walk(tlm::tlm_generic_payload& trans, sc_core::sc_time&) {
  const unsigned n = m_cpp.walker.mem->transport_dbg(trans);
  trans.set_response_status(n == trans.get_data_length() ? tlm::TLM_OK_RESPONSE
                                                         : tlm::TLM_ADDRESS_ERROR_RESPONSE);
}

void CosimMmu::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  AccessExt* ext = trans.get_extension<AccessExt>();
  MmuOp op;
  op.access.va = VirtAddr(trans.get_address());
  op.access.access = ext ? ext->kind : arch::AccessKind::kRead;
  op.access.el = ext ? ext->el : arch::ExceptionLevel::kEl0;
  op.access.len = trans.get_data_length();

  const uint64_t l2_hits = m_cpp.l2_tlb().stats().hits;
  const uint64_t walks = m_cpp.walker.stats().walks;
  m_last_pa = PhysAddr();
  m_reached_memory = false;
  auto t0 = Clk::now();
  m_to_cpp->b_transport(trans, delay);
  m_cpp_seconds += seconds_since(t0);
  RtlTranslation e;
  e.fault = ext->fault.kind;
  e.level = ext->fault.level;
  e.esr = static_cast<uint32_t>(ext->fault.esr());
  e.pa = m_last_pa;
  e.mem_type = ext->mem_type;
  e.l1_hit = ext->tlb_hit;
  e.l2_hit = m_cpp.l2_tlb().stats().hits != l2_hits;
  e.walked = m_cpp.walker.stats().walks != walks;
  const MmuFills fills = m_cpp.last_fills();
  e.l1_fill = fills.l1;
  e.l2_fill = fills.l2;
  // A fault raised after the access left the MMU (a bus error, or the L1D refusing the
  // Device part of a split or odd-sized access) is past translation: the shadow makes no
  // access, so it is compared as the successful translation it was.
  if (m_reached_memory && e.level == -1 &&
      (e.fault == arch::FaultKind::kExternal || e.fault == arch::FaultKind::kAlignment))
    e.fault = arch::FaultKind::kNone;

  t0 = Clk::now();
  RtlTranslation r;
  try {
    r = m_rtl.translate(op.access);
  } catch (const RtlStuck& stuck) {
    throw RtlStuck("cosim: " + m_label + "access " + std::to_string(m_compared) + ": " +
                   stuck.what());
  }
  m_rtl_seconds += seconds_since(t0);

  if (const char* what = translation_difference(e, r, op.access.access))
    throw CosimMismatch("cosim: " + m_label + "access " + std::to_string(m_compared) + " (" +
                        op.describe() + ", asid " + std::to_string(m_cpp.asid().value()) +
                        "): " + what + " differs\n  expected (C++): " + describe_translation(e) +
                        "\n  actual (RTL):   " + describe_translation(r));
  ++m_compared;
}

void CosimMmu::tlbi_va_asid(VirtAddr va, Asid asid) {
  ++m_ops;
  m_cpp.tlbi_va_asid(va, asid);
  m_rtl.tlbi_va_asid(va, asid);
}
void CosimMmu::tlbi_va_all_asids(VirtAddr va) {
  ++m_ops;
  m_cpp.tlbi_va_all_asids(va);
  m_rtl.tlbi_va_all_asids(va);
}
void CosimMmu::tlbi_asid(Asid asid) {
  ++m_ops;
  m_cpp.tlbi_asid(asid);
  m_rtl.tlbi_asid(asid);
}
void CosimMmu::tlbi_all() {
  ++m_ops;
  m_cpp.tlbi_all();
  m_rtl.tlbi_all();
}
void CosimMmu::set_ttbr0(PhysAddr table, Asid asid) {
  ++m_ops;
  m_cpp.set_ttbr0(table, asid);
  m_rtl.set_ttbr0(table, asid);
}
void CosimMmu::set_mair(uint64_t mair) {
  ++m_ops;
  m_cpp.set_mair(mair);
  m_rtl.set_mair(mair);
}

void set_cosim_options(const CosimOptions& o) {
  options() = o;
}

CosimMmu* cosim_of(MmuImpl* impl) {
  return dynamic_cast<CosimMmu*>(impl);
}

void register_rtl_mmu_impls() {
  register_rtl_mmu_impl();
  MmuImplFactory f;
  f.defaults = [](HardwareParams& p) { apply_rtl_mmu_params(p.mmu); };
  f.check = [](const HardwareParams& p) {
    if (options().check_config) check_rtl_mmu_params(p.mmu, "cosim");
  };
  f.make = [](const HardwareParams& p, const Clock& clock,
              unsigned core) -> std::unique_ptr<MmuImpl> {
    CosimOptions o = options();
    o.trace_path = per_core_path(o.trace_path, core, p.cores);
    if (p.cores > 1) o.label = "core" + std::to_string(core) + " ";
    return std::make_unique<CosimMmu>("cosim_mmu", p.mmu, clock, o);
  };
  register_mmu_impl("cosim", std::move(f));
}

}  // namespace mmusim::rtl
