// The SystemC Verilation of rtl/mmu_top.sv (--sc) on a clock, as the platform's TLM-to-pin
// adapter drives it: pins as sc_signals (MmuTopScPins, shared with the adapter), a clocked
// descriptor memory, an FST trace opened after elaboration (sc_start(SC_ZERO_TIME)). One SystemC
// fixture per process.
#include <gtest/gtest.h>
#include "tests/support/scratch_dir.h"

#include "Vmmu_top_sc.h"
#include "model/arch/descriptor.h"
#include "model/rtl/mmu_top_sc_pins.h"
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
  bool l1_filled = false, l2_filled = false;
  unsigned l1_fill_way = 0, l2_fill_way = 0;
};

SC_MODULE(ScBench) {
  sc_core::sc_clock clk{"clock", 1, sc_core::SC_NS};  // p.clk stays unused
  MmuTopScPins p{&clk};
  DescriptorMemory mem;
  std::vector<Translation> results;

  SC_CTOR(ScBench) {
    SC_THREAD(stimulus);
    SC_THREAD(memory);
  }

  // Inputs change on the falling edge; the RTL samples them on the rising one.
  void stimulus() {
    p.rst_n = false;
    wait(clk.negedge_event());
    wait(clk.negedge_event());
    p.rst_n = true;
    p.ttbr = kRoot;
    p.asid = 1;
    p.mair = arch::kLinuxMair;
    for (int i = 0; i < 2; ++i) {
      p.req_va = kVa;
      p.req_access = 0;  // read
      p.req_el = false;  // EL0
      p.req_len = 8;
      p.req_valid = true;
      wait(clk.negedge_event());  // accepted on the rising edge in between (idle: ready)
      p.req_valid = false;
      while (!p.rsp_valid.read())
        wait(clk.negedge_event());
      results.push_back({p.pa.read(), p.fault.read(), p.l1_hit.read(), p.walked.read(),
                         p.l1_filled.read(), p.l2_filled.read(), p.l1_fill_way.read(),
                         p.l2_fill_way.read()});
      p.rsp_ready = true;
      wait(clk.negedge_event());
      p.rsp_ready = false;
    }
    sc_core::sc_stop();
  }

  // One-cycle descriptor memory: accepts a request on one rising edge, answers on the next.
  void memory() {
    bool pending = false;
    for (;;) {
      wait(clk.negedge_event());
      p.mem_rsp_valid = false;
      p.mem_req_ready = false;
      if (pending) {
        p.mem_rsp_valid = true;
        pending = false;
      } else if (p.mem_req_valid.read()) {
        p.mem_req_ready = true;
        p.mem_rsp_rdata = mem.read(PhysAddr(p.mem_req_addr.read()));
        p.mem_rsp_err = false;
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
  bench.p.top.trace(&fst, 99);
  const std::string path = test::scratch_path("rtl_mmu_sc.fst");
  fst.open(path.c_str());
  sc_core::sc_start(1, sc_core::SC_US);
  fst.close();
  bench.p.top.final();

  ASSERT_EQ(bench.results.size(), 2u);
  EXPECT_EQ(bench.results[0].fault, 0u);
  EXPECT_EQ(bench.results[0].pa, kPage | (kVa & 0xfff));
  EXPECT_FALSE(bench.results[0].l1_hit);
  EXPECT_TRUE(bench.results[0].walked);
  // The walk filled the L2 and the DTLB, each in way 0 (the lowest invalid way of its set).
  EXPECT_TRUE(bench.results[0].l2_filled);
  EXPECT_EQ(bench.results[0].l2_fill_way, 0u);
  EXPECT_TRUE(bench.results[0].l1_filled);
  EXPECT_EQ(bench.results[0].l1_fill_way, 0u);
  EXPECT_EQ(bench.results[1].pa, kPage | (kVa & 0xfff));
  EXPECT_TRUE(bench.results[1].l1_hit);
  EXPECT_FALSE(bench.results[1].walked);
  EXPECT_FALSE(bench.results[1].l1_filled);
  EXPECT_FALSE(bench.results[1].l2_filled);
  FILE* f = std::fopen(path.c_str(), "rb");
  ASSERT_NE(f, nullptr);
  std::fclose(f);
}

}  // namespace
}  // namespace mmusim::rtl
