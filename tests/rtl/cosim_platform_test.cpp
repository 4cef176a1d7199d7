// The whole platform with mmu.impl=cosim (the C++ Mmu, the Verilated RTL as its lock-step
// shadow) on a seeded random stream: three processes with their own ASIDs and context switches
// between them, loads and stores over 4 KB pages and a 2 MB region, mprotect (permission
// faults), munmap/mmap (the kernel's TLBIs) and every TLBI kind issued directly.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "model/rtl/cosim_mmu.h"
#include "sw/abi.h"
#include "sw/mm/address_spaces.h"
#include "system/platform.h"

namespace mmusim::rtl {
namespace {

constexpr uint64_t kBase = 0x1000'0000'0000;
constexpr uint64_t kRegion = 4 << 20;

class RandomStream : public Workload {
 public:
  RandomStream(uint64_t seed, uint64_t ops, sw::MmuControl& control)
      : m_seed(seed), m_ops(ops), m_control(control) {}
  uint64_t tlbis[4] = {0, 0, 0, 0};  // va+asid, va, asid, all (issued directly)
  uint64_t switches = 0;

  void run(CpuPort& cpu) override {
    std::mt19937_64 rng(m_seed);
    sw::Kernel& k = kernel_of(cpu);
    std::vector<sw::Pid> pids = {k.mm().current(), k.mm().spawn(), k.mm().spawn()};
    const int rw = sw::abi::kProtRead | sw::abi::kProtWrite;
    const int flags = sw::abi::kMapPrivate | sw::abi::kMapAnonymous | sw::abi::kMapFixed;
    for (sw::Pid pid : pids) {
      cpu.charge(k.mm().switch_to(pid));
      ASSERT_TRUE(k.mmap(VirtAddr(kBase), kRegion, rw, flags, -1, 0).ok());
    }
    uint8_t data[8] = {};
    for (uint64_t i = 0; i < m_ops; ++i) {
      const unsigned r = rng() % 200;
      const VirtAddr page(kBase + (rng() % (kRegion >> 12)) * 4096);
      if (r < 3) {
        cpu.charge(k.mm().switch_to(pids[rng() % pids.size()]));
        ++switches;
      } else if (r < 5) {
        cpu.charge(k.mprotect(page, 4096, rng() % 2 ? sw::abi::kProtRead : rw).cost);
      } else if (r < 6) {
        cpu.charge(k.munmap(page, 4096).cost);
        cpu.charge(k.mmap(page, 4096, rw, flags, -1, 0).cost);
      } else if (r < 8) {
        const unsigned kind = rng() % 4;
        ++tlbis[kind];
        const Asid asid(static_cast<uint16_t>(rng() % 4));
        if (kind == 0) m_control.tlbi_va_asid(page, asid);
        if (kind == 1) m_control.tlbi_va_all_asids(page);
        if (kind == 2) m_control.tlbi_asid(asid);
        if (kind == 3) m_control.tlbi_all();
      } else {
        // Mostly a few hot pages (TLB hits), sometimes anywhere (misses, evictions).
        const VirtAddr va = rng() % 4 ? VirtAddr(kBase + (rng() % 24) * 4096 + (rng() % 512) * 8)
                                      : page + (rng() % 512) * 8;
        cpu.access(rng() % 3 ? arch::AccessKind::kRead : arch::AccessKind::kWrite, va, 8, data);
      }
    }
  }

 private:
  uint64_t m_seed;
  uint64_t m_ops;
  sw::MmuControl& m_control;
};

TEST(Cosim, RandomStreamWithContextSwitchesAndEveryTlbiAgrees) {
  register_rtl_mmu_impls();
  PlatformParams pp;
  pp.mmu_impl = "cosim";
  apply_rtl_mmu_params(pp.mmu);
  Platform platform("top", pp);
  CosimMmu* cosim = cosim_of(platform.mmu_impl.get());
  ASSERT_NE(cosim, nullptr);
  RandomStream w(2024, 30000, platform.mmu_impl->control());
  platform.run(w);  // throws CosimMismatch at the first difference
  EXPECT_EQ(cosim->compared(), 32307u);
  EXPECT_EQ(w.switches, 448u);
  EXPECT_EQ(w.tlbis[0], 61u);
  EXPECT_EQ(w.tlbis[1], 75u);
  EXPECT_EQ(w.tlbis[2], 71u);
  EXPECT_EQ(w.tlbis[3], 80u);
  EXPECT_GT(cosim->cpp().walker.stats().walks, 1000u);
  EXPECT_GT(platform.cpu.stats().faults, 100u);
}

}  // namespace
}  // namespace mmusim::rtl
