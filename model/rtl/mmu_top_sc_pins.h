// The SystemC Verilation of rtl/mmu_top.sv (Vmmu_top_sc) with every port bound to a signal, for a
// platform that wants the RTL as a SystemC module and the pin-level test
// (tests/rtl/mmu_sc_test.cpp). The platform's adapter (rtl_mmu_adapter.cpp) drives a C++
// Verilation directly instead, which is several times faster.
// Ports of 2-32 bits are uint32_t, 33-64 bits uint64_t (mmu_top keeps its ways at 2 bits or
// more, so the types do not depend on the geometry). Include after Vmmu_top_sc.h.
#pragma once

#include <systemc>

namespace mmusim::rtl {

struct MmuTopScPins {
  template <typename T>
  using Signal = sc_core::sc_signal<T>;

  Signal<bool> clk{"clk"};  // bound unless the constructor is given another clock
  Signal<bool> rst_n{"rst_n"};
  // Registers (MmuControl), sampled per request.
  Signal<uint64_t> ttbr{"ttbr"}, mair{"mair"};
  Signal<uint32_t> asid{"asid"};
  // Requests.
  Signal<bool> req_valid{"req_valid"}, req_ready{"req_ready"}, req_el{"req_el"};
  Signal<uint64_t> req_va{"req_va"};
  Signal<uint32_t> req_access{"req_access"}, req_len{"req_len"};
  // Responses.
  Signal<bool> rsp_valid{"rsp_valid"}, rsp_ready{"rsp_ready"}, l1_hit{"l1_hit"}, l2_hit{"l2_hit"},
      walked{"walked"}, l1_filled{"l1_filled"}, l2_filled{"l2_filled"};
  Signal<uint64_t> pa{"pa"};
  Signal<uint32_t> mem_type{"mem_type"}, attr_idx{"attr_idx"}, fault{"fault"},
      fault_level{"fault_level"}, esr{"esr"}, l1_fill_way{"l1_fill_way"},
      l2_fill_way{"l2_fill_way"};
  // TLB maintenance.
  Signal<bool> inv_valid{"inv_valid"}, inv_ready{"inv_ready"};
  Signal<uint32_t> inv_kind{"inv_kind"}, inv_asid{"inv_asid"};
  Signal<uint64_t> inv_va{"inv_va"};
  // Walker descriptor memory.
  Signal<bool> mem_req_valid{"mem_req_valid"}, mem_req_ready{"mem_req_ready"},
      mem_req_we{"mem_req_we"}, mem_rsp_valid{"mem_rsp_valid"}, mem_rsp_err{"mem_rsp_err"};
  Signal<uint64_t> mem_req_addr{"mem_req_addr"}, mem_req_wdata{"mem_req_wdata"},
      mem_rsp_rdata{"mem_rsp_rdata"};

  Vmmu_top_sc top{"top"};

  // `clock`: the clock to bind to clk_i (an sc_clock), else the `clk` signal (driven by the
  // owner).
  explicit MmuTopScPins(sc_core::sc_signal_in_if<bool>* clock = nullptr) {
    top.clk_i(clock ? *clock : clk);
    top.rst_ni(rst_n);
    top.ttbr_i(ttbr);
    top.asid_i(asid);
    top.mair_i(mair);
    top.req_valid_i(req_valid);
    top.req_ready_o(req_ready);
    top.req_va_i(req_va);
    top.req_access_i(req_access);
    top.req_el_i(req_el);
    top.req_len_i(req_len);
    top.rsp_valid_o(rsp_valid);
    top.rsp_ready_i(rsp_ready);
    top.rsp_pa_o(pa);
    top.rsp_mem_type_o(mem_type);
    top.rsp_attr_idx_o(attr_idx);
    top.rsp_l1_hit_o(l1_hit);
    top.rsp_l2_hit_o(l2_hit);
    top.rsp_walked_o(walked);
    top.rsp_fault_o(fault);
    top.rsp_fault_level_o(fault_level);
    top.rsp_esr_o(esr);
    top.rsp_l1_filled_o(l1_filled);
    top.rsp_l1_fill_way_o(l1_fill_way);
    top.rsp_l2_filled_o(l2_filled);
    top.rsp_l2_fill_way_o(l2_fill_way);
    top.inv_valid_i(inv_valid);
    top.inv_ready_o(inv_ready);
    top.inv_kind_i(inv_kind);
    top.inv_va_i(inv_va);
    top.inv_asid_i(inv_asid);
    top.mem_req_valid_o(mem_req_valid);
    top.mem_req_ready_i(mem_req_ready);
    top.mem_req_addr_o(mem_req_addr);
    top.mem_req_we_o(mem_req_we);
    top.mem_req_wdata_o(mem_req_wdata);
    top.mem_rsp_valid_i(mem_rsp_valid);
    top.mem_rsp_rdata_i(mem_rsp_rdata);
    top.mem_rsp_err_i(mem_rsp_err);
  }
};

}  // namespace mmusim::rtl
