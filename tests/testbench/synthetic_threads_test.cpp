// The synthetic workload on several cores (workload.threads) with churn
// (workload.churn_every): one process, one thread per core, concurrently in
// simulated time; churn munmaps shoot down the other cores' TLBs.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "model/util/config_node.h"
#include "model/util/yaml.h"
#include "sw/mm/address_spaces.h"
#include "sw/reclaim/reclaim.h"
#include "system/platform.h"
#include "testbench/stats.h"
#include "testbench/synthetic.h"
#include "testbench/workload_config.h"

namespace mmusim {
namespace {

// Four pages, uniform 8-byte loads: between two churn operations every page
// is touched (its PTE present), so each one-page munmap issues exactly one
// TLBI VALE1IS; loads map the zero page, so no COW flush adds TLBIs.
SyntheticParams churn_params(unsigned threads, uint64_t accesses, uint64_t churn_every) {
  SyntheticParams s =
      SyntheticParams::single(Pattern::kRandom, 4 * 4096, accesses, 8, 64, 0.0, 1.0);
  s.fetch_every = 0;
  s.threads = threads;
  s.churn_every = churn_every;
  return s;
}

// T = 40 (one TLBI), the DVM's L = 40 and R = 8: a one-page munmap's DSB
// waits 2L + R - T = 48 on two cores (model/platform/tlb_fabric.h).
PlatformParams two_cores(sw::TlbShootdown mode = sw::TlbShootdown::kBroadcast) {
  PlatformParams pp;
  pp.cores = 2;
  pp.kernel.costs.tlbi_cycles = 40;
  pp.dvm_latency_cycles = 40;
  pp.dvm_receive_cycles = 8;
  pp.kernel.tlb_shootdown = mode;
  return pp;
}

TEST(SyntheticThreads, TwoThreadsAreTwoTasksOfOneMmRunningAtTheSameTime) {
  Platform p("top", two_cores());
  SyntheticParams sp = SyntheticParams::single(Pattern::kRandom, 64 * 4096, 5000, 8, 64, 0.3, 1.0);
  sp.threads = 2;
  SyntheticWorkload w2(sp);
  p.run(w2.per_core());
  p.kernel.set_cpu(0);
  const sw::Pid t0 = p.kernel.mm().current_on(0), t1 = p.kernel.mm().current_on(1);
  EXPECT_NE(t0, 0);
  EXPECT_NE(t1, 0);
  EXPECT_NE(t0, t1);
  const sw::Process* mm0 = p.kernel.mm().current_mm();
  p.kernel.set_cpu(1);
  EXPECT_EQ(p.kernel.mm().current_mm(), mm0);  // one mm
  EXPECT_EQ(p.kernel.mm().processes().size(), 1u);
  EXPECT_EQ(p.kernel.mm().asid(t0), p.kernel.mm().asid(t1));
  // Each core issued its thread's 5000 data accesses and 1250 fetches.
  for (unsigned c = 0; c < 2; ++c) {
    EXPECT_EQ(p.core(c).cpu.stats().accesses, 6250u) << c;
    EXPECT_EQ(p.core(c).cpu.stats().fetches, 1250u) << c;
  }
  EXPECT_EQ(w2.accesses(), 10000u);
  // The two threads' phases overlap in simulated time.
  const PhaseResult& a = w2.results(0).at(0);
  const PhaseResult& b = w2.results(1).at(0);
  EXPECT_LT(a.start_cycle, b.end_cycle);
  EXPECT_LT(b.start_cycle, a.end_cycle);
  EXPECT_GT(a.end_cycle - a.start_cycle, 0u);
  EXPECT_GT(b.end_cycle - b.start_cycle, 0u);
  // The run's sim.* count every core: all accesses, the latest core's time.
  util::Value stats = collect_stats(p, RunInfo{"run", "uniform", 0.0, "0", "d", {}, {}});
  EXPECT_EQ(stats["sim"]["accesses"].as_uint(), 12500u);
  EXPECT_EQ(stats["sim"]["cycles"].as_uint(),
            std::max(p.core(0).cpu.now().count(), p.core(1).cpu.now().count()));
}

// With a quantum shorter than thread 0's set-up (its mmap and clone
// already reach a quantum boundary), thread 1 still starts right after it,
// not when thread 0 has finished: the start is notified, never missed.
TEST(SyntheticThreads, ThreadsStartTogetherWithAQuantumShorterThanTheSetUp) {
  PlatformParams pp = two_cores();
  pp.cpu.quantum_cycles = 100;
  Platform p("top", pp);
  SyntheticParams sp = SyntheticParams::single(Pattern::kRandom, 64 * 4096, 5000, 8, 64, 0.3, 1.0);
  sp.threads = 2;
  SyntheticWorkload w(sp);
  p.run(w.per_core());
  const PhaseResult& a = w.results(0).at(0);
  const PhaseResult& b = w.results(1).at(0);
  EXPECT_LT(b.start_cycle, a.end_cycle);
  EXPECT_LT(a.start_cycle, b.end_cycle);
}

// 1000 accesses per thread, a munmap (and a map back) every 100: ten per
// thread. A munmap of a mapped page is one TLBI VALE1IS, received by the
// other core (R = 8 each), and its DSB waits 48 cycles; 19 of the 20 found
// their page mapped (one came right after the other thread had mapped the
// same page back, before anything touched it: nothing to flush).
TEST(SyntheticThreads, ChurnMunmapsShootDownTheOtherCoreBroadcast) {
  Platform p("top", two_cores());
  SyntheticWorkload w(churn_params(2, 1000, 100));
  p.run(w.per_core());
  const ChurnResult& c = w.churn();
  EXPECT_EQ(c.munmaps, 20u);
  EXPECT_EQ(c.mmaps, 20u);
  EXPECT_EQ(c.mprotects, 0u);
  EXPECT_EQ(c.failed, 0u);
  // The page tables stay (other pages of the table are mapped): TLBI VALE1IS.
  const auto vale1 = static_cast<unsigned>(ports::TlbiKind::kVaLastLevel);
  EXPECT_EQ(p.dvm.stats().broadcast_by_kind[vale1], 19u);
  EXPECT_EQ(p.dvm.stats().messages, 19u);
  // Each core is posted R = 8 per TLBI the other one issued.
  const uint64_t by0 = p.dvm.stats().issued_by_core[0][vale1];
  const uint64_t by1 = p.dvm.stats().issued_by_core[1][vale1];
  EXPECT_EQ(by0 + by1, 19u);
  EXPECT_EQ(p.core(0).cpu.stats().dvm_stall_cycles, by1 * 8);
  EXPECT_EQ(p.core(1).cpu.stats().dvm_stall_cycles, by0 * 8);
  EXPECT_EQ(p.dvm.stats().received_by_core[0][vale1], by1);
  EXPECT_EQ(c.munmap_shootdown_cycles, 19u * 48);
  EXPECT_EQ(p.kernel.stats().tlb_shootdown_cycles, 19u * 48);
  EXPECT_EQ(workload_stats_value(w)["churn"]["shootdown_cycles_per_munmap"].as_double(),
            19.0 * 48 / 20);
  EXPECT_EQ(workload_stats_value(w)["threads"].as_uint(), 2u);
  // No stale translation: every access succeeded.
  EXPECT_EQ(p.core(0).cpu.stats().sigsegv + p.core(1).cpu.stats().sigsegv, 0u);
}

// An OOM kill of the threads' process by one core's fault: the other's TLB loses
// the mm's translations and its TTBR0 the freed tables (the reserved empty
// table, ASID 0), so its next access faults and ends its thread, as Linux's
// SIGKILL does, instead of reaching freed frames.
TEST(SyntheticThreads, OomKillOfTheSharedMmStopsEveryThread) {
  PlatformParams pp = two_cores();
  pp.kernel.phys_mem_bytes = 4 << 20;
  Platform p("top", pp);
  SyntheticParams s =
      SyntheticParams::single(Pattern::kSequential, 16 << 20, 4'000'000, 8, 4096, 1.0, 1.0);
  s.fetch_every = 0;
  s.threads = 2;
  SyntheticWorkload w(s);
  p.run(w.per_core());
  ASSERT_EQ(p.kernel.reclaim().oom_kills().size(), 1u);
  for (unsigned t = 0; t < 2; ++t) {
    ASSERT_EQ(w.results(t).size(), 1u) << t;
    EXPECT_LT(p.core(t).cpu.stats().accesses, 4'000'000u) << t;
    EXPECT_EQ(p.core(t).cpu.stats().sigsegv, 0u) << t;
  }
  // The core whose fault killed it keeps its registers (its task's exit);
  // the other one points at the reserved table.
  EXPECT_EQ((p.core(0).mmu.asid() == Asid(0)) + (p.core(1).mmu.asid() == Asid(0)), 1);
  EXPECT_EQ(p.kernel.mm().current_on(0), 0);
  EXPECT_EQ(p.kernel.mm().current_on(1), 0);
  EXPECT_TRUE(p.kernel.mm().processes().empty());
}

// The same with IPIs: each munmap sends one SGI to the other core, whose
// handler costs H = ipi_entry (400) + T (40) = 440; the initiator waits
// gic.latency (20) + 2 gic.delivery (100) + H = 660.
TEST(SyntheticThreads, ChurnMunmapsShootDownTheOtherCoreIpi) {
  Platform p("top", two_cores(sw::TlbShootdown::kIpi));
  SyntheticWorkload w(churn_params(2, 1000, 100));
  p.run(w.per_core());
  EXPECT_EQ(w.churn().munmaps, 20u);
  EXPECT_EQ(p.dvm.stats().ipis, 20u);
  EXPECT_EQ(p.dvm.stats().messages, 0u);
  EXPECT_EQ(p.core(0).cpu.stats().ipis_received, 10u);
  EXPECT_EQ(p.core(1).cpu.stats().ipis_received, 10u);
  EXPECT_EQ(p.core(1).cpu.stats().interrupt_cycles, 10u * 440);
  EXPECT_EQ(w.churn().munmap_shootdown_cycles, 20u * 660);
}

// One core: the munmaps happen, nobody else is shot down, nothing waits.
TEST(SyntheticThreads, ChurnOnOneCoreWaitsForNobody) {
  PlatformParams pp;
  pp.kernel.costs.tlbi_cycles = 40;
  Platform p("top", pp);
  SyntheticWorkload w(churn_params(1, 1000, 100));
  p.run(w.per_core());
  EXPECT_EQ(w.churn().munmaps, 10u);
  EXPECT_EQ(w.churn().munmap_shootdown_cycles, 0u);
  EXPECT_EQ(w.churn().munmap_cycles > 0, true);
  EXPECT_EQ(p.dvm.stats().messages, 0u);
}

// mprotect churn: read-only then writable again, two calls per operation;
// only the first removes permission that a TLB may hold.
TEST(SyntheticThreads, MprotectChurnCountsBothCalls) {
  Platform p("top", two_cores());
  SyntheticParams sp = churn_params(2, 1000, 100);
  sp.churn = Churn::kMprotect;
  SyntheticWorkload w(sp);
  p.run(w.per_core());
  EXPECT_EQ(w.churn().mprotects, 40u);
  EXPECT_EQ(w.churn().munmaps, 0u);
  EXPECT_EQ(w.churn().failed, 0u);
  EXPECT_GT(w.churn().mprotect_shootdown_cycles, 0u);
}

std::string workload_error(const std::string& yaml, unsigned cores) {
  try {
    util::ConfigNode root(util::parse_yaml(yaml, "test.yaml"));
    util::ConfigNode wnode = root.child("workload");
    read_workload_params(wnode, cores);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "no error";
}

TEST(SyntheticThreads, ZeroThreadsMeansOnePerCore) {
  util::ConfigNode root(util::parse_yaml("workload: {threads: 0}", "test.yaml"));
  util::ConfigNode wnode = root.child("workload");
  EXPECT_EQ(read_workload_params(wnode, 3).threads, 3u);
}

TEST(SyntheticThreads, MoreThreadsThanCoresIsAConfigErrorNamingTheKey) {
  EXPECT_EQ(workload_error("workload: {threads: 2}", 2), "no error");
  EXPECT_EQ(workload_error("workload: {threads: 3}", 2).rfind("workload.threads: ", 0), 0u)
      << workload_error("workload: {threads: 3}", 2);
  EXPECT_EQ(workload_error("workload: {threads: 65}", 64).rfind("workload.threads", 0), 0u);
  EXPECT_EQ(workload_error("workload: {threads: 0}", 3), "no error");
  EXPECT_EQ(workload_error("workload: {churn: mprotect}", 1).rfind("workload.churn", 0), 0u);
  EXPECT_EQ(workload_error("workload: {churn_every: 10, churn: mprotect}", 1), "no error");
  EXPECT_EQ(
      workload_error("workload: {churn_every: 10, churn: fork}", 1).rfind("workload.churn", 0), 0u);
}

// Through the command line: exit status 2 and the key in the message.
TEST(SyntheticThreads, MmusimRunRefusesMoreThreadsThanCores) {
  const std::string cmd =
      std::string(MMUSIM_BINARY) + " run --quiet --set cpu.cores=2 --set workload.threads=3 2>&1";
  FILE* f = popen(cmd.c_str(), "r");
  ASSERT_NE(f, nullptr);
  std::string out;
  char buf[512];
  while (fgets(buf, sizeof buf, f))
    out += buf;
  const int status = pclose(f);
  EXPECT_EQ(WEXITSTATUS(status), 2);
  EXPECT_EQ(out,
            "mmusim: config: workload.threads: 3 threads need as many cores (cpu.cores is 2)\n");
}

std::string run_stats(const std::string& args, const std::string& path) {
  const std::string cmd = std::string(MMUSIM_BINARY) + " run --quiet " + args + " --stats " + path +
                          " > /dev/null 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  std::ifstream f(path);
  std::string line, out;
  while (std::getline(f, line))  // every line but the host times and the command line
    if (line.find("host") == std::string::npos && line.find("command_line") == std::string::npos &&
        line.find("--stats") == std::string::npos && line.find(path) == std::string::npos)
      out += line + "\n";
  std::remove(path.c_str());
  return out;
}

// Four threads on four cores with churn and IPIs: two runs of one
// configuration give the same stats, cycle for cycle.
TEST(SyntheticThreads, ARunIsDeterministicForItsConfiguration) {
  const std::string args =
      "--set cpu.cores=4 --set workload.threads=0 --set workload.pattern=uniform "
      "--set workload.region=1M --set workload.accesses=20000 --set workload.churn_every=500 "
      "--set workload.churn=mixed --set kernel.tlb_shootdown=ipi";
  const std::string dir = testing::TempDir();
  const std::string a = run_stats(args, dir + "/det_a.json");
  const std::string b = run_stats(args, dir + "/det_b.json");
  EXPECT_NE(a.find("\"munmaps\": 80"), std::string::npos) << a.substr(0, 2000);
  EXPECT_EQ(a, b);
}

}  // namespace
}  // namespace mmusim
