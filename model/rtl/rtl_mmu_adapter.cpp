#include "model/rtl/rtl_mmu_adapter.h"

#include <cstdio>
#include <sstream>
#include <stdexcept>

#include "Vmmu_top_sc.h"
#include "Vmmu_top_sc___024root.h"
#include "model/platform/platform.h"
#include "model/rtl/mmu_top_sc_pins.h"
#include "model/rtl/rtl_mmu.h"
#include "model/rtl/rtl_ptw.h"
#include "model/rtl/tlb_lockstep.h"
#include "model/util/config_error.h"
#include "rtl_mmu_params.h"  // generated: kRtlMmuParams
#include "verilated_fst_sc.h"

namespace mmusim::rtl {

namespace {

// "-GName=value" words of MMUSIM_RTL_MMU_PARAMS; values decimal or N'b/N'h/N'd.
uint64_t param_value(const std::string& name, uint64_t fallback) {
  std::istringstream words(kRtlMmuParams);
  std::string w;
  const std::string key = "-G" + name + "=";
  while (words >> w) {
    if (w.compare(0, key.size(), key) != 0) continue;
    std::string v = w.substr(key.size());
    int base = 10;
    const size_t tick = v.find('\'');
    if (tick != std::string::npos) {
      const char radix = v.at(tick + 1);
      base = radix == 'b' ? 2 : radix == 'h' ? 16 : 10;
      v = v.substr(tick + 2);
    }
    return std::stoull(v, nullptr, base);
  }
  return fallback;
}

RtlTlbGeometry tlb_geometry(const std::string& prefix, unsigned entries, unsigned ways,
                            uint8_t sizes) {
  return {static_cast<unsigned>(param_value(prefix + "Entries", entries)),
          static_cast<unsigned>(param_value(prefix + "Ways", ways)),
          static_cast<uint8_t>(param_value(prefix + "PageSizes", sizes))};
}

std::string sizes_text(uint8_t mask) {
  std::string text;
  for (unsigned i = 0; i < kPageSizes; ++i)
    if (mask & (1u << i)) text += (text.empty() ? "" : ",") + std::string(page_size_name(i));
  return text;
}

void check_tlb(const TlbParams& p, const RtlTlbGeometry& g, const std::string& key,
               const std::string& who) {
  auto reject = [&](const std::string& field, const std::string& have, const std::string& need) {
    throw util::ConfigError(key + "." + field + ": " + have + ", but " + who + " needs the RTL's " +
                            need + " (MMUSIM_RTL_MMU_PARAMS: " + RtlMmuGeometry::params_text() +
                            ")");
  };
  if (p.entries != g.entries)
    reject("entries", std::to_string(p.entries), std::to_string(g.entries));
  if (p.ways != g.ways) reject("ways", std::to_string(p.ways), std::to_string(g.ways));
  if (p.page_sizes != g.page_sizes)
    reject("page_sizes", sizes_text(p.page_sizes), sizes_text(g.page_sizes));
  if (p.replacement != ReplPolicy::kTreePlru)
    reject("replacement", std::string(to_string(p.replacement)), "tree-plru");
  if (p.split) reject("split", "true", "unified organisation (false)");
}

}  // namespace

const RtlMmuGeometry& RtlMmuGeometry::built() {
  static const RtlMmuGeometry g = [] {
    RtlMmuGeometry r;  // mmu_top's parameter defaults, overridden by MMUSIM_RTL_MMU_PARAMS
    r.itlb = tlb_geometry("ITlb", 16, 16, 0b1101);
    r.dtlb = tlb_geometry("DTlb", 16, 16, 0b1101);
    r.l2 = tlb_geometry("L2Tlb", 256, 4, 0b1101);
    r.hw_af_update = param_value("HwAfUpdate", 0) != 0;
    return r;
  }();
  return g;
}

std::string RtlMmuGeometry::params_text() {
  return kRtlMmuParams;
}

void apply_rtl_mmu_params(MmuParams& p) {
  const RtlMmuGeometry& g = RtlMmuGeometry::built();
  auto set = [](TlbParams& t, const RtlTlbGeometry& tg) {
    t.entries = tg.entries;
    t.ways = tg.ways;
    t.page_sizes = tg.page_sizes;
    t.replacement = ReplPolicy::kTreePlru;
    t.split = false;
  };
  set(p.l1_itlb, g.itlb);
  set(p.l1_dtlb, g.dtlb);
  set(p.l2_tlb, g.l2);
  p.l2_inclusive = false;
  p.walker.walk_cache.mode = WalkCacheMode::kNone;
  p.walker.max_concurrent_walks = 1;
}

void check_rtl_mmu_params(const MmuParams& p, const std::string& who) {
  const RtlMmuGeometry& g = RtlMmuGeometry::built();
  check_tlb(p.l1_itlb, g.itlb, "mmu.l1_itlb", who);
  check_tlb(p.l1_dtlb, g.dtlb, "mmu.l1_dtlb", who);
  check_tlb(p.l2_tlb, g.l2, "mmu.l2_tlb", who);
  if (p.l2_inclusive)
    throw util::ConfigError("mmu.l2_tlb.inclusive: true, but " + who +
                            " needs false (the RTL has no back-invalidation)");
  if (p.walker.walk_cache.mode != WalkCacheMode::kNone)
    throw util::ConfigError(
        "mmu.walker.walk_cache.mode: " + std::string(to_string(p.walker.walk_cache.mode)) +
        ", but " + who + " needs none (the RTL has no walk cache)");
  if (p.walker.hafdbs)
    throw util::ConfigError("mmu.walker.hafdbs: true, but " + who +
                            " needs false (the RTL walker has no hardware dirty-state update)");
  if (p.walker.max_concurrent_walks != 1)
    throw util::ConfigError(
        "mmu.walker.max_concurrent_walks: " + std::to_string(p.walker.max_concurrent_walks) +
        ", but " + who + " needs 1 (the RTL walks one at a time)");
}

struct RtlMmuAdapter::Pins : MmuTopScPins {
  std::unique_ptr<VerilatedFstSc> fst;
};

RtlMmuAdapter::RtlMmuAdapter(sc_core::sc_module_name name, const RtlMmuAdapterParams& params)
    : sc_module(name),
      cpu("cpu"),
      mem("mem"),
      imem("imem"),
      walk("walk"),
      m_params(params),
      m_half(params.period / 2) {
  if (m_half * 2 != params.period || m_half == sc_core::SC_ZERO_TIME)
    throw std::invalid_argument(std::string(this->name()) +
                                ": clock period must be an even number of time units");
  if (!params.trace_path.empty()) Verilated::traceEverOn(true);
  m_pins = std::make_unique<Pins>();
  m_pins->rsp_ready = true;  // responses are taken as soon as they are valid
  cpu.register_b_transport(this, &RtlMmuAdapter::b_transport);
  SC_HAS_PROCESS(RtlMmuAdapter);
  SC_THREAD(memory_thread);
  m_walk_ext.requester = Requester::kWalker;
  m_walk_ext.el = arch::ExceptionLevel::kEl1;
  m_walk_trans.set_extension(&m_walk_ext);
  m_walk_trans.set_data_ptr(reinterpret_cast<unsigned char*>(&m_walk_buffer));
  m_walk_trans.set_data_length(sizeof m_walk_buffer);
  m_walk_trans.set_streaming_width(sizeof m_walk_buffer);
  m_walk_trans.set_byte_enable_ptr(nullptr);
  m_walk_trans.set_dmi_allowed(false);
}

RtlMmuAdapter::~RtlMmuAdapter() {
  m_walk_trans.clear_extension(&m_walk_ext);
  if (m_pins->fst) m_pins->fst->close();
  m_pins->top.final();
}

void RtlMmuAdapter::start() {
  m_started = true;
  if (!m_params.trace_path.empty()) {
    m_pins->fst = std::make_unique<VerilatedFstSc>();
    m_pins->top.trace(m_pins->fst.get(), 99);
    m_pins->fst->open(m_params.trace_path.c_str());
  }
  m_pins->rst_n = false;
  wait(m_half);
  posedge("reset");
  wait(m_half);
  posedge("reset");
  m_pins->rst_n = true;
}

// Called in the low phase with the inputs written; settles them, raises the clock, waits the
// high phase and lowers it. Outputs read after the settling wait(m_half) are the values the RTL
// samples at this edge.
void RtlMmuAdapter::posedge(const char* waiting_for) {
  if (m_op_cycles >= m_params.cycle_limit) stuck(waiting_for);
  m_pins->clk = true;
  wait(m_half);
  m_pins->clk = false;
  ++m_op_cycles;
  ++m_stats.cycles;
}

void RtlMmuAdapter::stuck(const char* waiting_for) {
  const Vmmu_top_sc___024root& r = *m_pins->top.rootp;
  std::string mem_state =
      m_mem_busy ? "descriptor read of " + hex(m_mem_addr) + " outstanding"
      : m_pins->mem_req_valid.read()
          ? "descriptor read of " + hex(m_pins->mem_req_addr.read()) + " requested, not accepted"
          : "no descriptor read outstanding";
  throw RtlStuck("mmu_top stuck: no " + std::string(waiting_for) + " within " +
                 std::to_string(m_params.cycle_limit) + " cycles; FSM state " +
                 mmu_state_name(r.mmu_top__DOT__state_q) + ", walker " +
                 ptw_state_name(r.mmu_top__DOT__u_ptw__DOT__state_q) + ", " + mem_state);
}

// While the walker waits for a descriptor read that is still cycles away, nothing in the RTL
// changes: the clock stays low for those cycles (counted as if they had toggled) instead of
// evaluating the model on every edge.
void RtlMmuAdapter::skip_memory_wait() {
  if (!m_mem_busy || m_mem_wait <= 1) return;
  uint64_t k = m_mem_wait - 1;
  if (m_op_cycles + k > m_params.cycle_limit) k = m_params.cycle_limit - m_op_cycles;
  wait(m_half * 2.0 * static_cast<double>(k));
  m_mem_wait -= k;
  m_op_cycles += k;
  m_stats.cycles += k;
}

void RtlMmuAdapter::invalidate(const Inv& inv) {
  Pins& p = *m_pins;
  m_op_cycles = 0;
  p.inv_kind = inv.kind;
  p.inv_va = inv.va.value() & ((uint64_t{1} << 48) - 1);
  p.inv_asid = inv.asid.value();
  p.inv_valid = true;
  for (;;) {
    wait(m_half);
    const bool accepted = p.inv_ready.read();
    posedge("invalidation accepted");
    if (accepted) break;
  }
  p.inv_valid = false;
}

RtlTranslation RtlMmuAdapter::translate(const RtlAccess& a) {
  if (!m_started) start();
  for (const Inv& inv : m_pending_inv)
    invalidate(inv);
  m_pending_inv.clear();
  Pins& p = *m_pins;
  m_op_cycles = 0;
  p.ttbr = m_ttbr.value();
  p.asid = m_asid.value();
  p.mair = m_mair;
  p.req_va = a.va.value();
  p.req_access = static_cast<uint32_t>(a.access);
  p.req_el = a.el != arch::ExceptionLevel::kEl0;
  p.req_len = a.len & 0x7f;
  p.req_valid = true;
  for (;;) {
    wait(m_half);
    const bool accepted = p.req_ready.read();
    posedge("request accepted");
    if (accepted) break;
  }
  p.req_valid = false;
  RtlTranslation r;
  for (;;) {
    wait(m_half);
    if (p.rsp_valid.read()) {
      r.fault = static_cast<arch::FaultKind>(p.fault.read());
      r.level = static_cast<int>(p.fault_level.read());
      if (r.fault == arch::FaultKind::kAlignment) r.level = -1;
      r.esr = p.esr.read();
      r.pa = PhysAddr(p.pa.read());
      r.mem_type = static_cast<arch::MemType>(p.mem_type.read());
      r.attr_index = static_cast<uint8_t>(p.attr_idx.read());
      r.l1_hit = p.l1_hit.read();
      r.l2_hit = p.l2_hit.read();
      r.walked = p.walked.read();
      r.l1_fill = {p.l1_filled.read(), p.l1_fill_way.read()};
      r.l2_fill = {p.l2_filled.read(), p.l2_fill_way.read()};
      posedge("response");  // taken at this edge (rsp_ready is high)
      break;
    }
    skip_memory_wait();
    posedge("translation response");
  }
  r.cycles = m_op_cycles;
  ++m_stats.accesses;
  m_stats.l1_hits += r.l1_hit;
  m_stats.l2_hits += !r.l1_hit && r.l2_hit;
  m_stats.walks += r.walked;
  m_stats.faults += r.fault != arch::FaultKind::kNone;
  return r;
}

// Descriptor reads: a request seen at a falling edge is accepted at the next rising edge and
// answered at a falling edge after the latency the walk target annotated (at least one cycle).
void RtlMmuAdapter::memory_thread() {
  Pins& p = *m_pins;
  uint64_t& wait_cycles = m_mem_wait;
  for (;;) {
    wait(p.clk.negedge_event());
    p.mem_req_ready = false;
    p.mem_rsp_valid = false;
    if (m_mem_busy) {
      if (wait_cycles > 0) {
        --wait_cycles;
        continue;
      }
      p.mem_rsp_valid = true;
      p.mem_rsp_rdata = m_walk_buffer;
      p.mem_rsp_err = !m_walk_trans.is_response_ok();
      m_mem_busy = false;
    } else if (p.mem_req_valid.read()) {
      p.mem_req_ready = true;
      m_mem_busy = true;
      m_mem_addr = p.mem_req_addr.read();
      ++m_stats.descriptor_reads;
      const bool write = p.mem_req_we.read();
      m_walk_buffer = write ? p.mem_req_wdata.read() : 0;
      m_walk_trans.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
      m_walk_trans.set_address(m_mem_addr);
      m_walk_trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
      sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
      walk->b_transport(m_walk_trans, delay);
      const sc_core::sc_time period = m_half * 2;
      wait_cycles =
          static_cast<uint64_t>((delay + period - sc_core::sc_time::from_value(1)) / period);
      if (wait_cycles > 0) --wait_cycles;  // the acceptance cycle counts
    }
  }
}

void RtlMmuAdapter::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  AccessExt* ext = trans.get_extension<AccessExt>();
  if (!ext) throw std::logic_error(std::string(name()) + ": access without an AccessExt");
  const VirtAddr va(trans.get_address());
  const unsigned len = trans.get_data_length();
  ext->fault = arch::FaultSyndrome{};
  ext->fault.va = va;
  ext->fault.access = ext->kind;
  ext->fault.el = ext->el;
  ext->asid = m_asid;
  if (va.offset_in(arch::kPageSize) + len > arch::kPageSize || len == 0 || len > 64)
    throw std::logic_error(std::string(name()) + ": access crosses a page; the CPU port splits");
  RtlAccess a;
  a.va = va;
  a.access = ext->kind;
  a.el = ext->el;
  a.len = len;
  const RtlTranslation r = translate(a);  // waits: the cycles are charged as simulated time
  ext->tlb_hit = r.l1_hit;
  ext->l2_tlb_hit = r.l2_hit;
  if (r.fault != arch::FaultKind::kNone) {
    ext->fault.kind = r.fault;
    ext->fault.level = static_cast<int8_t>(r.level);
    trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    return;
  }
  ext->mem_type = r.mem_type;
  trans.set_address(r.pa.value());
  (ext->kind == arch::AccessKind::kFetch ? imem : mem)->b_transport(trans, delay);
  trans.set_address(va.value());
  if (trans.is_response_error() && trans.get_response_status() != tlm::TLM_GENERIC_ERROR_RESPONSE) {
    ext->fault.kind = arch::FaultKind::kExternal;
    ext->fault.level = -1;
    ++m_stats.faults;
  }
}

void RtlMmuAdapter::tlbi_va_asid(VirtAddr va, Asid asid) {
  m_pending_inv.push_back({static_cast<uint8_t>(TlbInvKind::kVaAsid), va, asid});
}
void RtlMmuAdapter::tlbi_va_all_asids(VirtAddr va) {
  m_pending_inv.push_back({static_cast<uint8_t>(TlbInvKind::kVa), va, Asid()});
}
void RtlMmuAdapter::tlbi_asid(Asid asid) {
  m_pending_inv.push_back({static_cast<uint8_t>(TlbInvKind::kAsid), VirtAddr(), asid});
}
void RtlMmuAdapter::tlbi_all() {
  m_pending_inv.clear();  // everything before it is subsumed
  m_pending_inv.push_back({static_cast<uint8_t>(TlbInvKind::kAll), VirtAddr(), Asid()});
}
void RtlMmuAdapter::set_ttbr0(PhysAddr table, Asid asid) {
  m_ttbr = table;
  m_asid = asid;
}
void RtlMmuAdapter::set_mair(uint64_t mair) {
  m_mair = mair;
}

void register_rtl_mmu_impl() {
  MmuImplFactory f;
  f.defaults = [](PlatformParams& p) { apply_rtl_mmu_params(p.mmu); };
  f.check = [](const PlatformParams& p) { check_rtl_mmu_params(p.mmu, "mmu.impl=rtl"); };
  f.make = [](const PlatformParams&, const Clock& clock) -> std::unique_ptr<MmuImpl> {
    RtlMmuAdapterParams a;
    a.period = clock.period();
    return std::make_unique<RtlMmuAdapter>("rtl_mmu", a);
  };
  register_mmu_impl("rtl", std::move(f));
}

}  // namespace mmusim::rtl
