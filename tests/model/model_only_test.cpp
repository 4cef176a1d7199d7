// The hardware alone: a Hardware platform built and run with no kernel layer
// (this executable links mmusim_model only, nothing of sw/). A minimal
// operating system of the test's own implements the CPU's fault handler:
// it maps the faulting page by writing descriptors through the PhysMemory
// port, as the kernel layer does on the full platform.
#include <gtest/gtest.h>

#include <map>

#include "model/arch/descriptor.h"
#include "model/arch/memattr.h"
#include "model/platform/hardware.h"
#include "model/stats/dump.h"
#include "tests/model/fn_workload.h"

namespace mmusim {
namespace {

constexpr uint64_t kTables = kDramBase.value();               // L0 table at the start of DRAM
constexpr uint64_t kFrames = kDramBase.value() + (64 << 20);  // data frames from here
constexpr Asid kAsid{1};

// Maps every page on its first fault; counts the faults.
class TinyOs : public ports::FaultHandler {
 public:
  TinyOs(ports::PhysMemory& mem, ports::MmuControl& mmu) : m_mem(mem), m_mmu(mmu) {
    m_mem.fill(PhysAddr(kTables), 0, 4096);
    m_mmu.set_mair(arch::kLinuxMair);
    m_mmu.set_ttbr0(PhysAddr(kTables), kAsid);
  }
  ports::TrapResult handle_fault(const arch::FaultSyndrome& f) override {
    ++faults;
    if (f.kind != arch::FaultKind::kTranslation) return {ports::TrapOutcome::kSigsegv, Cycles(0)};
    uint64_t table = kTables;
    for (int level = 0; level < 3; ++level) {
      const PhysAddr slot(table + arch::table_index(f.va, level) * 8);
      arch::Descriptor d(m_mem.read64(slot));
      if (d.type(level) != arch::DescType::kTable) {
        m_next_table += 4096;
        m_mem.fill(PhysAddr(m_next_table), 0, 4096);
        d = arch::Descriptor::make_table(PhysAddr(m_next_table));
        m_mem.write64(slot, d.raw());
      }
      table = d.output_address().value();
    }
    arch::PageAttrs a;
    a.ap = arch::Ap::kRw;
    a.attr_index = arch::mt::kNormal;
    m_mem.write64(PhysAddr(table + arch::table_index(f.va, 3) * 8),
                  arch::Descriptor::make_page(PhysAddr(m_next_frame), a).raw());
    m_next_frame += 4096;
    return {ports::TrapOutcome::kRetry, Cycles(100)};
  }
  uint64_t faults = 0;

 private:
  ports::PhysMemory& m_mem;
  ports::MmuControl& m_mmu;
  uint64_t m_next_table = kTables;
  uint64_t m_next_frame = kFrames;
};

TEST(ModelOnly, RunsAWorkloadWithItsOwnFaultHandler) {
  Hardware hw("top");
  TinyOs os(hw.phys, hw.mmu_control());
  hw.set_fault_handler(&os);
  test::FnWorkload w([](CpuPort& cpu) {
    for (uint64_t i = 0; i < 4; ++i) {
      uint8_t v = static_cast<uint8_t>(i + 1);
      ASSERT_EQ(cpu.access(arch::AccessKind::kWrite, VirtAddr(0x10'0000 + i * 4096), 1, &v),
                AccessOutcome::kOk);
    }
    for (uint64_t i = 0; i < 4; ++i) {
      uint8_t v = 0;
      ASSERT_EQ(cpu.access(arch::AccessKind::kRead, VirtAddr(0x10'0000 + i * 4096), 1, &v),
                AccessOutcome::kOk);
      EXPECT_EQ(v, i + 1);
    }
  });
  hw.run(w);
  EXPECT_EQ(os.faults, 4u);
  EXPECT_EQ(hw.cpu.stats().faults, 4u);
  EXPECT_EQ(hw.cpu.stats().kernel_cycles, 400u);
  EXPECT_GE(hw.mmu.walker.stats().walks, 4u);
  // The platform's own CPU -> MMU -> L1 path is called directly (its sockets stay bound).
  EXPECT_TRUE(hw.cpu.direct_mmu());
  EXPECT_TRUE(hw.mmu.direct_l1d());
  EXPECT_TRUE(hw.mmu.direct_l1i());
}

}  // namespace
}  // namespace mmusim

namespace mmusim {
namespace {

// A component embedded on its own dumps its own statistics.
TEST(ModelOnly, AComponentDumpsItsOwnStats) {
  TlbParams p = TlbParams::unified(16, 4, 1);
  Tlb tlb("l1_dtlb", p);
  tlb.lookup(VirtAddr(0x1000), Asid(1));
  stats::Group g("l1_dtlb");
  tlb.register_stats(g);
  const util::Value v = stats::to_value(g);
  ASSERT_NE(v.find("l1_dtlb"), nullptr) << v.to_json();
  EXPECT_EQ(v.find("l1_dtlb")->find("misses")->as_uint(), 1u);
  EXPECT_EQ(v.find("l1_dtlb")->find("by_page_size")->find("4K")->find("hits")->as_uint(), 0u);
}

}  // namespace
}  // namespace mmusim
