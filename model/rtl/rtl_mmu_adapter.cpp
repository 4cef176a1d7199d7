// The Verilated headers come first (verilated.h must not see SystemC: C++ Verilations).
#include "Vmmu_top_fast.h"
#include "Vmmu_top_fast___024root.h"
#include "Vmmu_top_wave.h"
#include "Vmmu_top_wave___024root.h"
#include "model/rtl/rtl_sim.h"

#include <cstdio>
#include <sstream>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "model/platform/hardware.h"
#include "model/rtl/rtl_mmu.h"
#include "model/rtl/rtl_mmu_adapter.h"
#include "model/rtl/rtl_ptw.h"
#include "model/rtl/tlb_lockstep.h"
#include "model/util/config_error.h"
#include "rtl_mmu_params.h"  // generated: kRtlMmuParams

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

// One translation or TLBI on the model, clocked to its end by the calling thread.
class RtlMmuAdapter::Core {
 public:
  virtual ~Core() = default;
  virtual void reset() = 0;
  virtual void invalidate(const Inv& inv) = 0;
  virtual RtlTranslation translate(const RtlAccess& a, PhysAddr ttbr, Asid asid, uint64_t mair) = 0;
};

// Whether the Verilated root class R has the previous clock value that Verilator 5.0's edge
// detection compares clk_i with (a generated member, not an API: where it is named differently
// the driver evaluates the low phase as well).
template <typename R, typename = void>
struct HasClkPrev : std::false_type {};
template <typename R>
struct HasClkPrev<R, std::void_t<decltype(std::declval<R&>().__Vtrigrprev__TOP__clk_i)>>
    : std::true_type {};

// The pin-level driver of one C++ Verilation of mmu_top. A cycle is the inputs of the coming
// edge, with the clock low, then the rising edge. With a waveform both are evaluated (and
// dumped). Without, only the edge is: no output of mmu_top depends on an input in the same
// cycle (its ports are registered), so the outputs read before an edge are those of the last
// evaluation, the edge's evaluation settles the new inputs first (Verilator's input region runs
// at every eval), and the low phase is recorded in the previous clock value Verilator keeps
// instead of being evaluated: one evaluation a cycle. (Concurrent assertions then sample signals
// computed from the inputs, such as the walker's next state in RequestStable_A, as the previous
// evaluation left them; that one's antecedent, a request not accepted, never holds here, as the
// memory below accepts every request at the first edge it can.) The walker's memory answers as a
// target on the far side of a registered port: after each edge it accepts a request the RTL shows,
// or presents the response due, for the next edge (the behaviour of the falling-edge memory process
// this replaces).
template <typename V, bool kWave>
class RtlMmuAdapter::CoreOf final : public RtlMmuAdapter::Core {
  using Root = std::remove_pointer_t<std::remove_cv_t<decltype(std::declval<V&>().rootp)>>;
  static constexpr bool kOneEval = !kWave && HasClkPrev<Root>::value;

 public:
  CoreOf(RtlMmuAdapter& owner, const std::string& trace_path) : m_owner(owner) {
    if (kWave) m_ctx.traceEverOn(true);
    m_top = std::make_unique<V>(&m_ctx, unique_instance_name("rtl_mmu").c_str());
    V& t = *m_top;
    t.clk_i = 0;
    t.rst_ni = 1;
    t.req_valid_i = 0;
    t.rsp_ready_i = 1;  // responses are taken as soon as they are valid
    t.inv_valid_i = 0;
    t.mem_req_ready_i = 0;
    t.mem_rsp_valid_i = 0;
    t.mem_rsp_rdata_i = 0;
    t.mem_rsp_err_i = 0;
    if constexpr (kWave) m_trace.open(t, trace_path);
  }
  ~CoreOf() override {
    m_trace.close();
    m_top->final();
  }

  // Two edges with rst_ni low.
  void reset() override {
    V& t = *m_top;
    t.rst_ni = 0;
    settle(true);
    edge("reset");
    settle(true);
    edge("reset");
    t.rst_ni = 1;
  }

  void invalidate(const Inv& inv) override {
    V& t = *m_top;
    t.inv_kind_i = inv.kind;
    t.inv_va_i = inv.va.value() & ((uint64_t{1} << 48) - 1);
    t.inv_asid_i = inv.asid.value();
    t.inv_valid_i = 1;
    for (;;) {
      settle();
      const bool accepted = t.inv_ready_o;
      edge("invalidation accepted");
      if (accepted) break;
    }
    t.inv_valid_i = 0;
  }

  RtlTranslation translate(const RtlAccess& a, PhysAddr ttbr, Asid asid, uint64_t mair) override {
    V& t = *m_top;
    t.ttbr_i = ttbr.value();
    t.asid_i = asid.value();
    t.mair_i = mair;
    t.req_va_i = a.va.value();
    t.req_access_i = static_cast<uint8_t>(a.access);
    t.req_el_i = a.el != arch::ExceptionLevel::kEl0;
    t.req_len_i = a.len & 0x7f;
    t.req_valid_i = 1;
    for (;;) {
      settle();
      const bool accepted = t.req_ready_o;
      edge("request accepted");
      if (accepted) break;
    }
    t.req_valid_i = 0;
    RtlTranslation r;
    for (;;) {
      settle();
      if (t.rsp_valid_o) {
        r.fault = static_cast<arch::FaultKind>(t.rsp_fault_o);
        r.level = static_cast<int>(t.rsp_fault_level_o);
        if (r.fault == arch::FaultKind::kAlignment) r.level = -1;
        r.esr = t.rsp_esr_o;
        r.pa = PhysAddr(t.rsp_pa_o);
        r.mem_type = static_cast<arch::MemType>(t.rsp_mem_type_o);
        r.attr_index = static_cast<uint8_t>(t.rsp_attr_idx_o);
        r.l1_hit = t.rsp_l1_hit_o;
        r.l2_hit = t.rsp_l2_hit_o;
        r.walked = t.rsp_walked_o;
        r.l1_fill = {t.rsp_l1_filled_o != 0, t.rsp_l1_fill_way_o};
        r.l2_fill = {t.rsp_l2_filled_o != 0, t.rsp_l2_fill_way_o};
        edge("response");  // taken at this edge (rsp_ready_i is high)
        break;
      }
      skip_memory_wait();
      edge("translation response");
    }
    return r;
  }

 private:
  // The inputs of the coming edge, with the clock low (evaluated with a waveform or `force`).
  void settle(bool force = false) {
    V& t = *m_top;
    t.clk_i = 0;
    if (kOneEval && !force) return;
    t.eval();
    m_trace.dump(m_ctx.time());
  }

  // One rising edge (the operation's cycle limit checked first), then the walker's memory.
  void edge(const char* waiting_for) {
    RtlMmuAdapter& o = m_owner;
    V& t = *m_top;
    if (o.m_op_cycles >= o.m_params.cycle_limit)
      o.stuck(waiting_for,
              mmu_state_name(t.rootp->mmu_top__DOT__state_q) + ", walker " +
                  ptw_state_name(t.rootp->mmu_top__DOT__u_ptw__DOT__state_q),
              t.mem_req_valid_o, t.mem_req_addr_o);
    m_ctx.timeInc(5);
    if constexpr (kOneEval) t.rootp->__Vtrigrprev__TOP__clk_i = 0;  // the low phase
    t.clk_i = 1;
    t.eval();
    m_trace.dump(m_ctx.time());
    m_ctx.timeInc(5);
    ++o.m_op_cycles;
    ++o.m_unsynced;
    ++o.m_stats.cycles;
    memory();
  }

  // A request seen after an edge is accepted at the next one and answered after the latency
  // the walk target annotated (at least one cycle).
  void memory() {
    RtlMmuAdapter& o = m_owner;
    V& t = *m_top;
    t.mem_req_ready_i = 0;
    t.mem_rsp_valid_i = 0;
    if (o.m_mem_busy) {
      if (o.m_mem_wait > 0) {
        --o.m_mem_wait;
        return;
      }
      t.mem_rsp_valid_i = 1;
      t.mem_rsp_rdata_i = o.m_walk_buffer;
      t.mem_rsp_err_i = !o.m_walk_trans.is_response_ok();
      o.m_mem_busy = false;
    } else if (t.mem_req_valid_o) {
      t.mem_req_ready_i = 1;
      const uint64_t cycles = o.walk_access(t.mem_req_addr_o, t.mem_req_we_o, t.mem_req_wdata_o);
      o.m_mem_wait = cycles - 1;  // the acceptance cycle counts
    }
  }

  // While the walker waits for a descriptor read that is still cycles away, nothing in the RTL
  // changes: those cycles pass without edges (counted as if they had toggled).
  void skip_memory_wait() {
    RtlMmuAdapter& o = m_owner;
    if (!o.m_mem_busy || o.m_mem_wait <= 1) return;
    uint64_t k = o.m_mem_wait - 1;
    if (o.m_op_cycles + k > o.m_params.cycle_limit) k = o.m_params.cycle_limit - o.m_op_cycles;
    m_ctx.timeInc(10 * k);
    o.m_mem_wait -= k;
    o.m_op_cycles += k;
    o.m_unsynced += k;
    o.m_stats.cycles += k;
  }

  RtlMmuAdapter& m_owner;
  VerilatedContext& m_ctx = shared_context();
  std::unique_ptr<V> m_top;
  Trace<V> m_trace;
};

RtlMmuAdapter::RtlMmuAdapter(sc_core::sc_module_name name, const RtlMmuAdapterParams& params)
    : sc_module(name),
      cpu("cpu"),
      mem("mem"),
      imem("imem"),
      walk("walk"),
      m_params(params),
      m_period(params.period) {
  if (m_period == sc_core::SC_ZERO_TIME)
    throw std::invalid_argument(std::string(this->name()) + ": clock period must not be zero");
  if (params.trace_path.empty())
    m_core = std::make_unique<CoreOf<Vmmu_top_fast, false>>(*this, "");
  else
    m_core = std::make_unique<CoreOf<Vmmu_top_wave, true>>(*this, params.trace_path);
  cpu.register_b_transport(this, &RtlMmuAdapter::b_transport);
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
}

void RtlMmuAdapter::start() {
  m_started = true;
  m_core->reset();
}

void RtlMmuAdapter::sync() {
  if (m_unsynced == 0) return;
  if (m_params.wait_cycles) wait(m_period * static_cast<double>(m_unsynced));
  m_unsynced = 0;
}

uint64_t RtlMmuAdapter::walk_access(uint64_t addr, bool write, uint64_t wdata) {
  sync();  // the transport happens at the time of the cycle it is accepted in
  m_mem_busy = true;
  m_mem_addr = addr;
  ++m_stats.descriptor_reads;
  m_walk_buffer = write ? wdata : 0;
  m_walk_trans.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
  m_walk_trans.set_address(addr);
  m_walk_trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  walk->b_transport(m_walk_trans, delay);
  const uint64_t cycles =
      static_cast<uint64_t>((delay + m_period - sc_core::sc_time::from_value(1)) / m_period);
  return cycles > 0 ? cycles : 1;
}

void RtlMmuAdapter::stuck(const char* waiting_for, const std::string& states, bool mem_requested,
                          uint64_t mem_req_addr) {
  std::string mem_state =
      m_mem_busy      ? "descriptor read of " + hex(m_mem_addr) + " outstanding"
      : mem_requested ? "descriptor read of " + hex(mem_req_addr) + " requested, not accepted"
                      : "no descriptor read outstanding";
  throw RtlStuck("mmu_top stuck: no " + std::string(waiting_for) + " within " +
                 std::to_string(m_params.cycle_limit) + " cycles; FSM state " + states + ", " +
                 mem_state);
}

RtlTranslation RtlMmuAdapter::translate(const RtlAccess& a) {
  if (!m_started) start();
  for (const Inv& inv : m_pending_inv) {
    m_op_cycles = 0;
    m_core->invalidate(inv);
  }
  m_pending_inv.clear();
  m_op_cycles = 0;
  RtlTranslation r = m_core->translate(a, m_ttbr, m_asid, m_mair);
  sync();  // the access ends after the cycles it took
  r.cycles = m_op_cycles;
  ++m_stats.accesses;
  m_stats.l1_hits += r.l1_hit;
  m_stats.l2_hits += !r.l1_hit && r.l2_hit;
  m_stats.walks += r.walked;
  m_stats.faults += r.fault != arch::FaultKind::kNone;
  return r;
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
  f.defaults = [](HardwareParams& p) { apply_rtl_mmu_params(p.mmu); };
  f.check = [](const HardwareParams& p) { check_rtl_mmu_params(p.mmu, "mmu.impl=rtl"); };
  f.make = [](const HardwareParams&, const Clock& clock, unsigned) -> std::unique_ptr<MmuImpl> {
    RtlMmuAdapterParams a;
    a.period = clock.period();
    return std::make_unique<RtlMmuAdapter>("rtl_mmu", a);
  };
  register_mmu_impl("rtl", std::move(f));
}

}  // namespace mmusim::rtl
