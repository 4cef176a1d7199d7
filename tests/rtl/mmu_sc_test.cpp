// The SystemC Verilation of rtl/mmu_top.sv (--sc) on a clock, as the platform's TLM-to-pin
// adapter will drive it: pins as sc_signals, a clocked descriptor memory, an FST trace opened
// after elaboration (sc_start(SC_ZERO_TIME)). One SystemC fixture per process.
#include <gtest/gtest.h>

#include "Vmmu_top_sc.h"
#include "model/arch/descriptor.h"
#include "model/rtl/rtl_ptw.h"
#include "verilated_fst_sc.h"

namespace mmusim::rtl {
namespace {

constexpr uint64_t kRoot = 0x8000'0000;
constexpr uint64_t kVa = 0x0000'0040'1234'5678;  // L0 0, L1 1, L2 0x91, L3 0x145
constexpr uint64_t kPage = 0x1'2345'6000;

struct Translation {
  uint64_t pa = 0;
  unsigned fault = 0;
  bool l1_hit = false, walked = false;
};

SC_MODULE(ScBench) {
  sc_core::sc_clock clk{"clk", 1, sc_core::SC_NS};
  sc_core::sc_signal<bool> rst_n{"rst_n"}, req_valid{"req_valid"}, req_ready{"req_ready"},
      req_el{"req_el"}, rsp_valid{"rsp_valid"}, rsp_ready{"rsp_ready"}, l1_hit{"l1_hit"},
      l2_hit{"l2_hit"}, walked{"walked"}, inv_valid{"inv_valid"}, inv_ready{"inv_ready"},
      mem_req_valid{"mem_req_valid"}, mem_req_ready{"mem_req_ready"}, mem_req_we{"mem_req_we"},
      mem_rsp_valid{"mem_rsp_valid"}, mem_rsp_err{"mem_rsp_err"};
  sc_core::sc_signal<uint32_t> req_access{"req_access"}, req_len{"req_len"}, mem_type{"mem_type"},
      attr_idx{"attr_idx"}, fault{"fault"}, fault_level{"fault_level"}, inv_kind{"inv_kind"},
      asid{"asid"}, inv_asid{"inv_asid"}, esr{"esr"};
  sc_core::sc_signal<uint64_t> ttbr{"ttbr"}, mair{"mair"}, req_va{"req_va"}, pa{"pa"},
      inv_va{"inv_va"}, mem_req_addr{"mem_req_addr"}, mem_req_wdata{"mem_req_wdata"},
      mem_rsp_rdata{"mem_rsp_rdata"};
  Vmmu_top_sc top{"top"};
  DescriptorMemory mem;
  std::vector<Translation> results;

  SC_CTOR(ScBench) {
    top.clk_i(clk);
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
    SC_THREAD(stimulus);
    SC_THREAD(memory);
  }

  // Inputs change on the falling edge; the RTL samples them on the rising one.
  void stimulus() {
    rst_n = false;
    wait(clk.negedge_event());
    wait(clk.negedge_event());
    rst_n = true;
    ttbr = kRoot;
    asid = 1;
    mair = arch::kLinuxMair;
    for (int i = 0; i < 2; ++i) {
      req_va = kVa;
      req_access = 0;  // read
      req_el = false;  // EL0
      req_len = 8;
      req_valid = true;
      wait(clk.negedge_event());  // accepted on the rising edge in between (idle: ready)
      req_valid = false;
      while (!rsp_valid.read())
        wait(clk.negedge_event());
      results.push_back({pa.read(), fault.read(), l1_hit.read(), walked.read()});
      rsp_ready = true;
      wait(clk.negedge_event());
      rsp_ready = false;
    }
    sc_core::sc_stop();
  }

  // One-cycle descriptor memory: accepts a request on one rising edge, answers on the next.
  void memory() {
    bool pending = false;
    for (;;) {
      wait(clk.negedge_event());
      mem_rsp_valid = false;
      mem_req_ready = false;
      if (pending) {
        mem_rsp_valid = true;
        pending = false;
      } else if (mem_req_valid.read()) {
        mem_req_ready = true;
        mem_rsp_rdata = mem.read(PhysAddr(mem_req_addr.read()));
        mem_rsp_err = false;
        pending = true;
      }
    }
  }
};

TEST(RtlScMmu, TranslatesOnAClockThenHitsTheL1) {
  Verilated::traceEverOn(true);
  ScBench bench("bench");
  const VirtAddr va(kVa);
  arch::PageAttrs attrs;
  attrs.ap = arch::Ap::kRw;
  for (int level = 0; level < 3; ++level)
    bench.mem.write(PhysAddr(kRoot + level * 0x1000 + arch::table_index(va, level) * 8),
                    arch::Descriptor::make_table(PhysAddr(kRoot + (level + 1) * 0x1000)).raw());
  bench.mem.write(PhysAddr(kRoot + 0x3000 + arch::table_index(va, 3) * 8),
                  arch::Descriptor::make_page(PhysAddr(kPage), attrs).raw());

  sc_core::sc_start(sc_core::SC_ZERO_TIME);  // elaborated: the trace may be attached now
  VerilatedFstSc fst;
  bench.top.trace(&fst, 99);
  const std::string path = testing::TempDir() + "rtl_mmu_sc.fst";
  fst.open(path.c_str());
  sc_core::sc_start(1, sc_core::SC_US);
  fst.close();
  bench.top.final();

  ASSERT_EQ(bench.results.size(), 2u);
  EXPECT_EQ(bench.results[0].fault, 0u);
  EXPECT_EQ(bench.results[0].pa, kPage | (kVa & 0xfff));
  EXPECT_FALSE(bench.results[0].l1_hit);
  EXPECT_TRUE(bench.results[0].walked);
  EXPECT_EQ(bench.results[1].pa, kPage | (kVa & 0xfff));
  EXPECT_TRUE(bench.results[1].l1_hit);
  EXPECT_FALSE(bench.results[1].walked);
  FILE* f = std::fopen(path.c_str(), "rb");
  ASSERT_NE(f, nullptr);
  std::fclose(f);
}

}  // namespace
}  // namespace mmusim::rtl
