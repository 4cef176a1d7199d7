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

// One thread of a shared mm per core: loads, stores, mprotect and munmap+mmap over the shared
// region, so that each core's TLBIs (broadcast over the DVM fabric) reach the other core's pair,
// C++ and RTL alike; the other core's next translations compare what is left in its RTL TLB.
class SharedMmThread : public Workload {
 public:
  SharedMmThread(uint64_t seed, uint64_t ops, sw::Pid task)
      : m_seed(seed), m_ops(ops), m_task(task) {}
  uint64_t changes = 0;  // mprotect and munmap+mmap calls

  void run(CpuPort& cpu) override {
    std::mt19937_64 rng(m_seed);
    cpu.charge(kernel_of(cpu).mm().switch_to(m_task));
    const int rw = sw::abi::kProtRead | sw::abi::kProtWrite;
    const int flags = sw::abi::kMapPrivate | sw::abi::kMapAnonymous | sw::abi::kMapFixed;
    uint8_t data[8] = {};
    for (uint64_t i = 0; i < m_ops; ++i) {
      const unsigned r = rng() % 100;
      const VirtAddr page(kBase + (rng() % 64) * 4096);
      if (r < 2) {
        sw::Kernel& k = kernel_of(cpu);
        cpu.charge(k.mprotect(page, 4096, rng() % 2 ? sw::abi::kProtRead : rw).cost);
        ++changes;
      } else if (r < 3) {
        sw::Kernel& k = kernel_of(cpu);
        sw::KernelCost c = k.munmap(page, 4096).cost;
        c += k.mmap(page, 4096, rw, flags, -1, 0).cost;
        cpu.charge(c);
        ++changes;
      } else {
        cpu.access(rng() % 3 ? arch::AccessKind::kRead : arch::AccessKind::kWrite,
                   page + (rng() % 512) * 8, 8, data);
      }
    }
  }

 private:
  uint64_t m_seed;
  uint64_t m_ops;
  sw::Pid m_task;
};

TEST(Cosim, TwoCoresSharingAnMmMirrorEachOthersTlbisIntoTheirRtl) {
  register_rtl_mmu_impls();
  PlatformParams pp;
  pp.mmu_impl = "cosim";
  apply_rtl_mmu_params(pp.mmu);
  pp.cores = 2;
  pp.kernel.cpus = 2;
  Platform platform("top", pp);
  ASSERT_EQ(platform.cores().size(), 2u);
  CosimMmu* pair[2] = {cosim_of(platform.core(0).impl.get()),
                       cosim_of(platform.core(1).impl.get())};
  ASSERT_NE(pair[0], nullptr);
  ASSERT_NE(pair[1], nullptr);
  ASSERT_NE(pair[0], pair[1]);
  EXPECT_STREQ(pair[1]->name(), "top.core1.cosim_mmu");
  // Before the simulation: the shared region, and a second thread of pid 1 for core 1.
  sw::Kernel& k = platform.kernel;
  k.set_cpu(0);
  const sw::Pid main_task = k.mm().current();
  ASSERT_TRUE(k.mmap(VirtAddr(kBase), 64 * 4096, sw::abi::kProtRead | sw::abi::kProtWrite,
                     sw::abi::kMapPrivate | sw::abi::kMapAnonymous | sw::abi::kMapFixed, -1, 0)
                  .ok());
  const sw::SyscallResult thread = k.clone_thread();
  ASSERT_TRUE(thread.ok());
  SharedMmThread w0(7, 20000, main_task), w1(8, 20000, sw::Pid(thread.value));
  platform.run({&w0, &w1});  // throws CosimMismatch at the first difference
  EXPECT_EQ(pair[0]->compared(), 19756u);
  EXPECT_EQ(pair[1]->compared(), 19766u);
  EXPECT_EQ(pair[0]->operations(), 1090u);
  EXPECT_EQ(pair[1]->operations(), 1090u);
  EXPECT_EQ(w0.changes, 608u);
  EXPECT_EQ(w1.changes, 610u);
  EXPECT_GT(platform.core(1).cpu.stats().faults, 0u);
}

}  // namespace
}  // namespace mmusim::rtl
