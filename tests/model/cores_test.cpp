// N cores (cpu.cores): names, concurrent runs, broadcast TLB maintenance
// across the cores' MMUs (model/platform/tlb_fabric.h) and no stale
// translation on another core after the kernel removed a page.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <string>

#include "model/util/config_node.h"
#include "model/util/yaml.h"
#include "sw/mm/address_spaces.h"
#include "system/platform.h"
#include "tests/model/fn_workload.h"
#include "tests/model/map_rw.h"

namespace mmusim {
namespace {

using arch::AccessKind;
using namespace sw::abi;
using test::FnWorkload;
using test::map_rw;

constexpr uint64_t kVa = 0x1000'0000'0000;

PlatformParams cores(unsigned n) {
  PlatformParams pp;
  pp.cores = n;
  return pp;
}

AccessOutcome load(CpuPort& cpu, uint64_t va, uint64_t* v) {
  return cpu.access(AccessKind::kRead, VirtAddr(va), 8, reinterpret_cast<uint8_t*>(v));
}

AccessOutcome store(CpuPort& cpu, uint64_t va, uint64_t v) {
  return cpu.access(AccessKind::kWrite, VirtAddr(va), 8, reinterpret_cast<uint8_t*>(&v));
}

// Makes a thread of pid 1 current on core 1 (pid 1 is current on core 0).
void thread_on_core1(Platform& p) {
  p.kernel.set_cpu(0);
  const sw::SyscallResult t = p.kernel.clone_thread();
  ASSERT_GT(t.value, 0);
  p.kernel.set_cpu(1);
  p.kernel.mm().switch_to(static_cast<sw::Pid>(t.value));
}

uint64_t l1_dtlb_misses(const CpuPort& cpu) {
  return cpu.stats().per_read.l1_tlb_misses + cpu.stats().per_write.l1_tlb_misses;
}

TEST(Cores, OneCoreKeepsTopLevelNames) {
  Platform p("top");
  EXPECT_EQ(p.cores().size(), 1u);
  EXPECT_EQ(std::string(p.cpu.name()), "top.cpu");
  EXPECT_EQ(std::string(p.mmu.name()), "top.mmu");
  EXPECT_EQ(std::string(p.l1i.name()), "top.l1i");
  EXPECT_EQ(std::string(p.l1d.name()), "top.l1d");
  const stats::Group& top = p.stats_group();
  for (const char* c : {"cpu", "mmu", "mmu.l1_dtlb", "l1i", "l1d", "bus", "dram"})
    EXPECT_NE(top.find(c), nullptr) << c;
  for (const char* c : {"core0", "dvm"})
    EXPECT_EQ(top.find(c), nullptr) << c;
  // No counters of posted work with one core (every one-core dump unchanged).
  for (const stats::Stat& s : top.find("cpu")->stats())
    EXPECT_NE(s.name, "dvm_stall_cycles");
}

TEST(Cores, TwoCoresNameEachCoresPartsAndShareTheRest) {
  PlatformParams pp = cores(2);
  pp.l2_enable = true;
  pp.llc_enable = true;
  Platform p("top", pp);
  ASSERT_EQ(p.cores().size(), 2u);
  EXPECT_EQ(std::string(p.cpu.name()), "top.core0.cpu");
  EXPECT_EQ(std::string(p.core(1).cpu.name()), "top.core1.cpu");
  EXPECT_EQ(std::string(p.core(1).mmu.name()), "top.core1.mmu");
  EXPECT_EQ(std::string(p.core(1).l1d.name()), "top.core1.l1d");
  EXPECT_EQ(std::string(p.core(1).l2->name()), "top.core1.l2");
  EXPECT_EQ(std::string(p.llc->name()), "top.llc");
  EXPECT_EQ(p.core(1).cpu.index(), 1u);
  const stats::Group& top = p.stats_group();
  for (const char* c : {"core0.cpu", "core1.cpu", "core1.mmu.l1_dtlb", "core1.l1i", "core1.l2",
                        "llc", "bus", "dram", "dvm", "dvm.ops_by_kind", "core0.tlbi.issued_by_kind",
                        "core1.tlbi.received_by_kind"})
    EXPECT_NE(top.find(c), nullptr) << c;
  for (const char* c : {"cpu", "mmu", "l1d", "l2"})
    EXPECT_EQ(top.find(c), nullptr) << c;
  EXPECT_EQ(&p.mmu_control(1), static_cast<ports::MmuControl*>(&p.core(1).mmu));
}

std::string config_error(const std::string& yaml) {
  try {
    const util::ConfigNode root(util::parse_yaml(yaml, "test.yaml"));
    HardwareParams::read(root).validate();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "no error";
}

TEST(Cores, CoreCountOutOfRangeIsAConfigErrorAndRtlMayHaveSeveralCores) {
  EXPECT_EQ(config_error("cpu: {cores: 2}"), "no error");
  EXPECT_EQ(config_error("cpu: {cores: 64}"), "no error");
  EXPECT_EQ(config_error("cpu: {cores: 0}").rfind("cpu.cores", 0), 0u)
      << config_error("cpu: {cores: 0}");
  EXPECT_EQ(config_error("cpu: {cores: 65}").rfind("cpu.cores", 0), 0u)
      << config_error("cpu: {cores: 65}");
  HardwareParams h;
  h.cores = 2;
  h.mmu_impl = "rtl";  // each core gets its own RTL MMU (tests/rtl/cosim_platform_test.cpp)
  EXPECT_NO_THROW(h.check());
  h.cores = 0;
  h.mmu_impl = "cpp";
  EXPECT_THROW(h.check(), std::invalid_argument);
}

// The fabric on the real cores: core 1 caches a translation, core 1 issues
// TLBI VAAE1IS and DSB ISH. With T = 10, L = 40, R = 8 the DSB stalls
// 2L + R - T = 78; core 0 is posted R = 8; every core's TLB lost the page.
TEST(Dvm, OneBroadcastTlbiStallsTwoLatenciesPlusReceive) {
  PlatformParams pp = cores(2);
  pp.kernel.costs.tlbi_cycles = 10;
  pp.dvm_latency_cycles = 40;
  pp.dvm_receive_cycles = 8;
  Platform p("top", pp);
  thread_on_core1(p);
  uint64_t w = 0, w3 = 0, posted_after_one = 0, misses_before = 0, misses_after = 0;
  AccessOutcome again = AccessOutcome::kSigbus;
  FnWorkload idle([](CpuPort&) {});
  FnWorkload w1([&](CpuPort& cpu) {
    map_rw(cpu, kVa, 0x1000);
    ASSERT_EQ(store(cpu, kVa, 7), AccessOutcome::kOk);
    uint64_t v = 0;
    ASSERT_EQ(load(cpu, kVa, &v), AccessOutcome::kOk);
    misses_before = l1_dtlb_misses(cpu);
    ports::TlbiOp op;
    op.kind = ports::TlbiKind::kVaAllAsids;
    op.va = VirtAddr(kVa);
    const uint64_t messages = p.dvm.stats().messages, posted = p.cpu.posted_cycles();
    p.dvm.tlbi_broadcast(1, op);
    w = p.dvm.dsb_ish(1).count();
    posted_after_one = p.cpu.posted_cycles() - posted;
    EXPECT_EQ(p.dvm.stats().messages - messages, 1u);
    EXPECT_EQ(p.core(1).cpu.posted_cycles(), 0u);  // the issuer is not posted
    // Three in a row: done_k = 48, 58, 68; the DSB at 30 waits 68 + 40 - 30.
    for (int i = 0; i < 3; ++i)
      p.dvm.tlbi_broadcast(1, op);
    w3 = p.dvm.dsb_ish(1).count();
    again = load(cpu, kVa, &v);
    EXPECT_EQ(v, 7u);
    misses_after = l1_dtlb_misses(cpu);
  });
  const auto issued = p.dvm.stats().issued_by_core, received = p.dvm.stats().received_by_core;
  p.run({&idle, &w1});
  // Four TLBI VAAE1IS issued by core 1, received by core 0 (top.core<N>.tlbi).
  const auto vaa = static_cast<unsigned>(ports::TlbiKind::kVaAllAsids);
  EXPECT_EQ(p.dvm.stats().issued_by_core[1][vaa] - issued[1][vaa], 4u);
  EXPECT_EQ(p.dvm.stats().received_by_core[0][vaa] - received[0][vaa], 4u);
  EXPECT_EQ(p.dvm.stats().issued_by_core[0][vaa] - issued[0][vaa], 0u);
  EXPECT_EQ(p.dvm.stats().received_by_core[1][vaa] - received[1][vaa], 0u);
  const stats::Group* g = p.stats_group().find("core0.tlbi.received_by_kind");
  ASSERT_NE(g, nullptr);
  bool found = false;
  for (const stats::Stat& s : g->stats())
    if (s.name == "va_all_asids") {
      found = true;
      EXPECT_EQ(std::get<std::function<uint64_t()>>(s.read)(),
                p.dvm.stats().received_by_core[0][vaa]);
    }
  EXPECT_TRUE(found);
  EXPECT_EQ(w, 78u);
  EXPECT_EQ(w3, 78u);
  EXPECT_EQ(posted_after_one, 8u);
  EXPECT_EQ(again, AccessOutcome::kOk);
  EXPECT_EQ(misses_after - misses_before, 1u);  // the entry was gone: walked again
}

// TLBI RVAE1IS of pages 1-2 of four, issued by core 0: core 1 (the same mm,
// the same ASID) walks again for exactly those two, and keeps pages 0 and 3.
TEST(Dvm, RangeTlbiInvalidatesOnlyTheRangeOnEveryCore) {
  Platform p("top", cores(2));
  thread_on_core1(p);
  uint64_t walked_again = 0;
  bool core0_done = false;
  FnWorkload w0([&](CpuPort& cpu) {
    cpu.charge(Cycles(100'000));  // after core 1 touched the pages
    ports::TlbiOp op;
    op.kind = ports::TlbiKind::kRange;
    op.va = VirtAddr(kVa + 0x1000);
    op.asid = p.core(1).mmu.asid();
    op.pages = 2;
    p.dvm.tlbi_broadcast(0, op);
    EXPECT_EQ(p.dvm.dsb_ish(0).count(), 48u);  // 2L + R - T with the defaults
    core0_done = true;
  });
  FnWorkload w1([&](CpuPort& cpu) {
    map_rw(cpu, kVa, 0x4000);
    for (uint64_t i = 0; i < 4; ++i)
      ASSERT_EQ(store(cpu, kVa + i * 0x1000, i), AccessOutcome::kOk);
    uint64_t v = 0;
    for (uint64_t i = 0; i < 4; ++i)
      ASSERT_EQ(load(cpu, kVa + i * 0x1000, &v), AccessOutcome::kOk);
    const uint64_t before = l1_dtlb_misses(cpu);
    cpu.charge(Cycles(300'000));
    EXPECT_TRUE(core0_done);
    for (uint64_t i = 0; i < 4; ++i) {
      ASSERT_EQ(load(cpu, kVa + i * 0x1000, &v), AccessOutcome::kOk);
      EXPECT_EQ(v, i);
    }
    walked_again = l1_dtlb_misses(cpu) - before;
  });
  p.run({&w0, &w1});
  EXPECT_EQ(walked_again, 2u);
  EXPECT_EQ(p.dvm.stats().broadcast_by_kind[static_cast<unsigned>(ports::TlbiKind::kRange)], 1u);
  EXPECT_EQ(p.core(1).cpu.stats().dvm_stall_cycles, 8u);
}

TEST(Dvm, OneCoreNeverStallsAndPostsNothing) {
  Platform p("top");
  FnWorkload w0([&](CpuPort&) {
    ports::TlbiOp op;
    op.kind = ports::TlbiKind::kAll;
    p.dvm.tlbi_broadcast(0, op);
    EXPECT_EQ(p.dvm.dsb_ish(0).count(), 0u);
    EXPECT_EQ(p.cpu.posted_cycles(), 0u);
  });
  p.run(w0);
  EXPECT_EQ(p.dvm.stats().messages, 0u);
}

// Core 1 caches the page's translation; core 0 unmaps the page; core 1's
// next access faults: the broadcast TLBI reached its MMU.
TEST(Cores, MunmapOnCore0LeavesNoStaleTranslationOnCore1) {
  Platform p("top", cores(2));
  thread_on_core1(p);
  AccessOutcome before = AccessOutcome::kSigbus, after = AccessOutcome::kOk;
  uint64_t unmapped_at = 0, retried_at = 0;
  FnWorkload w0([&](CpuPort& cpu) {
    cpu.charge(Cycles(100'000));  // after core 1 touched the page
    const sw::SyscallResult r = kernel_of(cpu).munmap(VirtAddr(kVa), 0x1000);
    ASSERT_EQ(r.value, 0);
    cpu.charge(r.cost);
    unmapped_at = cpu.now().count();
  });
  FnWorkload w1([&](CpuPort& cpu) {
    map_rw(cpu, kVa, 0x1000);
    before = store(cpu, kVa, 1);
    uint64_t v = 0;
    ASSERT_EQ(load(cpu, kVa, &v), AccessOutcome::kOk);  // the TLB holds it now
    cpu.charge(Cycles(300'000));                        // core 0 unmaps meanwhile
    retried_at = cpu.now().count();
    after = load(cpu, kVa, &v);
  });
  p.run({&w0, &w1});
  EXPECT_EQ(before, AccessOutcome::kOk);
  EXPECT_LT(unmapped_at, retried_at);
  EXPECT_EQ(after, AccessOutcome::kSigsegv);
  EXPECT_EQ(p.core(1).cpu.stats().sigsegv, 1u);
  // Arm64 munmap of one page: one TLBI VAE1IS, one message to core 1, whose
  // processing (R = 8) core 1 was charged before its next access.
  EXPECT_EQ(p.dvm.stats().broadcast_by_kind[static_cast<unsigned>(ports::TlbiKind::kVa)], 1u);
  EXPECT_EQ(p.dvm.stats().messages, 1u);
  EXPECT_EQ(p.core(1).cpu.stats().dvm_stall_cycles, 8u);
  EXPECT_EQ(p.core(1).cpu.posted_cycles(), 0u);
}

// The same with kernel.tlb_shootdown ipi: core 0 sends one SGI through the
// GIC; core 1 runs the handler, H = ipi_entry_cycles + one tlbi_cycles =
// 440, posted to it; core 0 waits gic.latency + 2 * gic.delivery + H = 660.
TEST(Cores, IpiMunmapOnCore0LeavesNoStaleTranslationOnCore1) {
  PlatformParams pp = cores(2);
  pp.kernel.tlb_shootdown = sw::TlbShootdown::kIpi;
  Platform p("top", pp);
  ASSERT_NE(p.gic, nullptr);
  thread_on_core1(p);
  AccessOutcome after = AccessOutcome::kOk;
  FnWorkload w0([&](CpuPort& cpu) {
    cpu.charge(Cycles(100'000));
    const sw::SyscallResult r = kernel_of(cpu).munmap(VirtAddr(kVa), 0x1000);
    ASSERT_EQ(r.value, 0);
    cpu.charge(r.cost);
  });
  FnWorkload w1([&](CpuPort& cpu) {
    map_rw(cpu, kVa, 0x1000);
    ASSERT_EQ(store(cpu, kVa, 1), AccessOutcome::kOk);
    cpu.charge(Cycles(300'000));
    uint64_t v = 0;
    after = load(cpu, kVa, &v);
  });
  p.run({&w0, &w1});
  EXPECT_EQ(after, AccessOutcome::kSigsegv);
  EXPECT_EQ(p.dvm.stats().ipis, 1u);
  EXPECT_EQ(p.dvm.stats().ipi_wait_cycles, 660u);
  EXPECT_EQ(p.dvm.stats().messages, 0u);  // no broadcast TLBI
  EXPECT_EQ(p.core(1).cpu.stats().ipis_received, 1u);
  EXPECT_EQ(p.core(1).cpu.stats().interrupt_cycles, 440u);
  EXPECT_EQ(p.core(0).cpu.stats().ipis_received, 0u);
  EXPECT_EQ(p.gic->pending(1), 0u);  // acknowledged
  EXPECT_EQ(p.gic->find(Gic::kSent)->value(), 1u);
  EXPECT_EQ(p.gic->find(Gic::kDelivered)->value(), 1u);
}

TEST(Cores, IpiShootdownWithoutTheGicIsAConfigError) {
  PlatformParams pp = cores(2);
  pp.kernel.tlb_shootdown = sw::TlbShootdown::kIpi;
  pp.gic.enable = false;
  try {
    pp.validate();
    FAIL() << "no error";
  } catch (const std::exception& e) {
    EXPECT_EQ(std::string(e.what()),
              "kernel.tlb_shootdown: ipi with cpu.cores 2 needs gic.enable (the IPIs go through "
              "the GIC)");
  }
}

// Runs `scenario` in a child process (SystemC elaborates once per process)
// and returns the number it produced (UINT64_MAX if the child failed).
uint64_t in_child(const std::function<uint64_t()>& scenario) {
  int fds[2];
  if (pipe(fds) != 0) return UINT64_MAX;
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    const uint64_t v = scenario();
    const bool ok = !::testing::Test::HasFailure() && write(fds[1], &v, 8) == 8;
    _exit(ok ? 0 : 1);
  }
  close(fds[1]);
  uint64_t v = UINT64_MAX;
  if (read(fds[0], &v, 8) != 8) v = UINT64_MAX;
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? v : UINT64_MAX;
}

// The kernel cycles of munmap of one touched page on core 0.
uint64_t munmap_cycles(unsigned n) {
  Platform p("top", cores(n));
  uint64_t cycles = 0;
  FnWorkload w0([&](CpuPort& cpu) {
    map_rw(cpu, kVa, 0x1000);
    ASSERT_EQ(store(cpu, kVa, 1), AccessOutcome::kOk);
    const sw::SyscallResult r = kernel_of(cpu).munmap(VirtAddr(kVa), 0x1000);
    ASSERT_EQ(r.value, 0);
    cycles = r.cost.cycles.count();
  });
  p.run(w0);
  return cycles;
}

// The same munmap on one core and on two: the only difference is the DSB
// ISH waiting for the other core, 2L + R - T = 80 + 8 - 40 = 48 cycles.
TEST(Shootdown, BroadcastMunmapCostsExactly2LPlusRMinusT) {
  const uint64_t one = in_child([] { return munmap_cycles(1); });
  const uint64_t two = in_child([] { return munmap_cycles(2); });
  ASSERT_NE(one, UINT64_MAX);
  ASSERT_NE(two, UINT64_MAX);
  EXPECT_EQ(two - one, 48u);
}

// Both cores run a workload of their own: their simulated times overlap
// (each starts before the other ends), and each does all its accesses.
TEST(Cores, TwoCoresRunTheirWorkloadsConcurrently) {
  Platform p("top", cores(2));
  thread_on_core1(p);
  uint64_t start[2] = {}, end[2] = {};
  auto body = [&](unsigned c, uint64_t base) {
    return [&, c, base](CpuPort& cpu) {
      EXPECT_EQ(cpu.index(), c);
      start[c] = cpu.now().count();
      map_rw(cpu, base, 0x10000);
      for (uint64_t i = 0; i < 2000; ++i) {
        uint64_t v = i;
        ASSERT_EQ(store(cpu, base + (i * 64) % 0x10000, v), AccessOutcome::kOk);
      }
      end[c] = cpu.now().count();
    };
  };
  FnWorkload w0(body(0, kVa)), w1(body(1, kVa + 0x100000));
  p.run({&w0, &w1});
  EXPECT_EQ(p.core(0).cpu.stats().stores, 2000u);
  EXPECT_EQ(p.core(1).cpu.stats().stores, 2000u);
  EXPECT_LT(start[0], end[1]);
  EXPECT_LT(start[1], end[0]);
  EXPECT_GT(end[0], 0u);
  EXPECT_GT(end[1], 0u);
}

}  // namespace
}  // namespace mmusim
