// Scripts on several cores (docs/syscall-script-extensions.md: `cpu N`,
// `switch PID` migrating a task), run end to end by the mmusim binary:
// the range check of `cpu`, the equivalence of a generated script with and
// without `cpu` lines, and, on two cores with each TLB shootdown mechanism,
// that no core uses a translation after the operation that removed or
// changed it has returned (issue #11 item 4).
#include <gtest/gtest.h>
#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "model/util/json.h"
#include "testbench/scriptgen/script_generator.h"
#include "tests/support/run_mmusim.h"
#include "tests/support/scratch_dir.h"

namespace mmusim {
namespace {

// `mmusim script SCRIPT ARGS` (the script text written to a scratch file).
test::RunResult run_script(const std::string& text, const std::string& args) {
  const std::string scn = test::scratch_path("t.scn");
  std::ofstream(scn) << text;
  test::RunResult r = test::run_mmusim("script " + scn + " " + args);
  std::remove(scn.c_str());
  return r;
}

// The transcript without its `cpu = 0` lines.
std::string without_cpu_lines(const std::string& transcript) {
  std::istringstream in(transcript);
  std::string out;
  for (std::string l; std::getline(in, l);)
    if (l != "cpu = 0") out += l + '\n';
  return out;
}

TEST(Script, CpuOutOfRangeIsEinval) {
  const std::string script =
      "mmap 0x100000000000 4K PROT_READ|PROT_WRITE MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED\n"
      "store 0x100000000000 0x5a\n"
      "cpu 1\n"
      "cpu 2\n"
      "load 0x100000000000\n"  // still core 1, where no task runs
      "cpu 2147483647\n"
      "maps\n"
      "cpu 0\n"
      "load 0x100000000000\n";
  test::RunResult r = run_script(script, "--set cpu.cores=2");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out,
            "mmap = 0x100000000000\n"
            "store = ok\n"
            "cpu = 0\n"
            "cpu = -EINVAL\n"
            "load = SIGSEGV\n"
            "cpu = -EINVAL\n"
            "maps:\n"
            "cpu = 0\n"
            "load = 0x5a\n");
  // One core: only core 0 exists, the lines run there.
  r = run_script(script, "");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out,
            "mmap = 0x100000000000\n"
            "store = ok\n"
            "cpu = -EINVAL\n"
            "cpu = -EINVAL\n"
            "load = 0x5a\n"
            "cpu = -EINVAL\n"
            "maps:\n"
            "  100000000000-100000001000 rw-p 00000000\n"
            "cpu = 0\n"
            "load = 0x5a\n");
  EXPECT_EQ(run_script("cpu 3\ncpu 4\n", "--set cpu.cores=4").out, "cpu = 0\ncpu = -EINVAL\n");
}

// The numbers of a `stats = cycles C accesses A faults F kernel_cycles K` line.
struct StatsLine {
  uint64_t cycles = 0, accesses = 0, faults = 0, kernel_cycles = 0;
};

StatsLine stats_line(const std::string& line) {
  StatsLine s;
  EXPECT_EQ(std::sscanf(line.c_str(),
                        "stats = cycles %" SCNu64 " accesses %" SCNu64 " faults %" SCNu64
                        " kernel_cycles %" SCNu64,
                        &s.cycles, &s.accesses, &s.faults, &s.kernel_cycles),
            4)
      << line;
  return s;
}

// `stats` prints the counters of the core it runs on; core 1 starts at the
// time core 0 had reached (the lines run one after another in simulated
// time), and core 0 resumes where core 1 ended.
TEST(Script, StatsPrintsTheCountersOfTheCoreItRunsOn) {
  const test::RunResult r = run_script(
      "mmap 0x100000000000 4K PROT_READ|PROT_WRITE MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED\n"
      "store 0x100000000000 1\n"
      "stats\n"
      "cpu 1\n"
      "switch 1\n"
      "stats\n"
      "load 0x100000000000\n"
      "stats\n"
      "cpu 0\n"
      "switch 1\n"
      "stats\n",
      "--set cpu.cores=2");
  ASSERT_EQ(r.status, 0) << r.err;
  std::vector<std::string> lines;
  std::istringstream in(r.out);
  for (std::string l; std::getline(in, l);)
    lines.push_back(l);
  ASSERT_EQ(lines.size(), 11u) << r.out;
  EXPECT_EQ(lines[4], "switch = 0");
  EXPECT_EQ(lines[6], "load = 0x01");
  const StatsLine core0 = stats_line(lines[2]), core1 = stats_line(lines[5]),
                  core1_after = stats_line(lines[7]), core0_after = stats_line(lines[10]);
  EXPECT_EQ(core0.accesses, 1u);
  EXPECT_EQ(core0.faults, 1u);
  EXPECT_EQ(core1.accesses, 0u);  // core 1's own counters
  EXPECT_EQ(core1.faults, 0u);
  EXPECT_GT(core1.kernel_cycles, 0u);  // the switch, charged to core 1
  EXPECT_EQ(core1.cycles, core0.cycles + core1.kernel_cycles);
  EXPECT_EQ(core1_after.accesses, 1u);
  EXPECT_EQ(core1_after.faults, 0u);  // the page was mapped by core 0's fault
  EXPECT_EQ(core0_after.accesses, 1u);
  EXPECT_EQ(core0_after.kernel_cycles,
            core0.kernel_cycles + (core0_after.cycles - core1_after.cycles));
}

// A scriptgen script (one task, task 1, no `stats`) with `cpu K` + `switch
// 1` inserted before random lines prints, without its `cpu = 0` lines,
// exactly what the same script prints on one core with the `cpu` lines
// removed: every line behaves the same whichever core it runs on.
TEST(Script, CpuLinesWithSwitchPrintTheOneCoreTranscript) {
  for (const unsigned cores : {2u, 4u}) {
    for (uint64_t seed = 1; seed <= 4; ++seed) {
      scriptgen::GeneratorOptions g;
      g.seed = seed * 7919 + cores;
      g.ops = 120;
      std::istringstream in(scriptgen::generate_script(g));
      std::mt19937_64 rng(g.seed);
      std::string with_cpu, one_core;
      unsigned moves = 0, last = 0;
      for (std::string l; std::getline(in, l);) {
        if (!l.empty() && l[0] != '#' && rng() % 4 == 0) {
          const unsigned k = static_cast<unsigned>(rng() % cores);
          moves += k != last;
          last = k;
          with_cpu += "cpu " + std::to_string(k) + "\nswitch 1\n";
          one_core += "switch 1\n";
        }
        with_cpu += l + '\n';
        one_core += l + '\n';
      }
      ASSERT_GT(moves, 5u) << "seed " << g.seed;
      // The lines run one at a time: the quantum changes nothing either.
      const std::string quantum = seed % 2 ? " --set cpu.quantum_cycles=7" : "";
      const test::RunResult a =
          run_script(with_cpu, "--compare --set cpu.cores=" + std::to_string(cores) + quantum);
      const test::RunResult b = run_script(one_core, "--compare");
      ASSERT_EQ(a.status, 0) << a.err;
      ASSERT_EQ(b.status, 0) << b.err;
      EXPECT_EQ(a.err, "");
      EXPECT_NE(a.out.find("cpu = 0\nswitch = 0\n"), std::string::npos);
      EXPECT_EQ(without_cpu_lines(a.out), b.out)
          << "cores " << cores << ", seed " << g.seed << ", script:\n"
          << with_cpu;
    }
  }
}

// ---- Stale translations on two cores (issue #11 item 4) ----
//
// Task 1 (core 0) and its thread 2 (core 1) share one mm. Core 1 touches
// page A, which fills its TLB; core 0 removes or changes the mapping; core 1
// accesses A again and must fault, or reach what the mapping is now.
// Each runs once per kernel.tlb_shootdown mechanism.

constexpr const char* kSetup =
    "mmap 0x100000000000 4K PROT_READ|PROT_WRITE MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED\n"
    "store 0x100000000000 0x5a\n"
    "thread 2\n"
    "cpu 1\n"
    "switch 2\n"
    "load 0x100000000000\n"
    "cpu 0\n";
constexpr const char* kSetupOut =
    "mmap = 0x100000000000\n"
    "store = ok\n"
    "thread = 0\n"
    "cpu = 0\n"
    "switch = 0\n"
    "load = 0x5a\n"
    "cpu = 0\n";

class StaleTranslation : public ::testing::TestWithParam<const char*> {
 protected:
  // Runs kSetup + `script` on two cores; expects kSetupOut + `expected`.
  // Returns the run's --stats.
  util::Value expect(const std::string& script, const std::string& expected,
                     const std::string& args = "") {
    const std::string stats = test::scratch_path("stats.json");
    const test::RunResult r = run_script(
        kSetup + script, "--set cpu.cores=2 --set kernel.tlb_shootdown=" + std::string(GetParam()) +
                             " --stats " + stats + " " + args);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(r.out, kSetupOut + expected);
    util::Value v = util::parse_json(test::slurp(stats), stats);
    std::remove(stats.c_str());
    return v;
  }
};

TEST_P(StaleTranslation, MunmapThenTheOtherCoresAccessIsSigsegv) {
  expect(
      "munmap 0x100000000000 4K\n"
      "cpu 1\n"
      "load 0x100000000000\n",
      "munmap = 0\n"
      "cpu = 0\n"
      "load = SIGSEGV\n");
}

TEST_P(StaleTranslation, MprotectReadOnlyThenTheOtherCoresStoreIsSigsegv) {
  expect(
      "cpu 1\n"
      "store 0x100000000000 0x66\n"  // a writable, dirty entry in core 1's TLB
      "cpu 0\n"
      "mprotect 0x100000000000 4K PROT_READ\n"
      "cpu 1\n"
      "store 0x100000000000 0x77\n"
      "load 0x100000000000\n",
      "cpu = 0\n"
      "store = ok\n"
      "cpu = 0\n"
      "mprotect = 0\n"
      "cpu = 0\n"
      "store = SIGSEGV\n"
      "load = 0x66\n");
}

TEST_P(StaleTranslation, MremapMoveFaultsAtTheOldAddressAndReadsAtTheNew) {
  expect(
      "mremap 0x100000000000 4K 4K MREMAP_MAYMOVE|MREMAP_FIXED 0x100000100000\n"
      "cpu 1\n"
      "load 0x100000000000\n"
      "load 0x100000100000\n",
      "mremap = 0x100000100000\n"
      "cpu = 0\n"
      "load = SIGSEGV\n"
      "load = 0x5a\n");
}

TEST_P(StaleTranslation, MadviseDontneedThenTheOtherCoreReadsZero) {
  expect(
      "madvise 0x100000000000 4K MADV_DONTNEED\n"
      "cpu 1\n"
      "load 0x100000000000\n",
      "madvise = 0\n"
      "cpu = 0\n"
      "load = 0x00\n");
}

// fork write-protects the parent's pages: the parent's thread on core 1,
// whose TLB held the page writable, must copy it on its next store, so the
// child (on core 0) still reads the value of the fork.
TEST_P(StaleTranslation, ForkMakesTheOtherCoresNextStoreCopyOnWrite) {
  expect(
      "cpu 1\n"
      "store 0x100000000000 0x66\n"
      "cpu 0\n"
      "fork 3\n"
      "cpu 1\n"
      "store 0x100000000000 0x77\n"
      "cpu 0\n"
      "switch 3\n"
      "load 0x100000000000\n"
      "store 0x100000000000 0x22\n"
      "cpu 1\n"
      "load 0x100000000000\n",
      "cpu = 0\n"
      "store = ok\n"
      "cpu = 0\n"
      "fork = 0\n"
      "cpu = 0\n"
      "store = ok\n"
      "cpu = 0\n"
      "switch = 0\n"
      "load = 0x66\n"
      "store = ok\n"
      "cpu = 0\n"
      "load = 0x77\n");
}

// MADV_PAGEOUT on core 0 swaps the page out (reclaim's batched unmap): core
// 1's load faults and swaps it in, and its store reaches the frame core 0
// reads afterwards.
TEST_P(StaleTranslation, PageoutToSwapThenTheOtherCoreFaultsAndSwapsIn) {
  const util::Value v = expect(
      "madvise 0x100000000000 4K MADV_PAGEOUT\n"
      "cpu 1\n"
      "load 0x100000000000\n"
      "store 0x100000000000 0x77\n"
      "cpu 0\n"
      "load 0x100000000000\n",
      "madvise = 0\n"
      "cpu = 0\n"
      "load = 0x5a\n"
      "store = ok\n"
      "cpu = 0\n"
      "load = 0x77\n",
      "--swap 1M");
  const util::Value& k = *v.find("kernel");
  EXPECT_EQ(k.find("pswpout")->as_uint(), 1u);
  EXPECT_EQ(k.find("pswpin")->as_uint(), 1u);
}

// MADV_SOFT_OFFLINE on core 0 migrates the page to a new frame: core 1's
// store reaches the new frame, which core 0 then reads.
TEST_P(StaleTranslation, SoftOfflineMigrationThenTheOtherCoreReachesTheNewFrame) {
  const util::Value v = expect(
      "madvise 0x100000000000 4K MADV_SOFT_OFFLINE\n"
      "cpu 1\n"
      "store 0x100000000000 0x77\n"
      "cpu 0\n"
      "load 0x100000000000\n",
      "madvise = 0\n"
      "cpu = 0\n"
      "store = ok\n"
      "cpu = 0\n"
      "load = 0x77\n");
  EXPECT_EQ(v.find("kernel")->find("soft_offlined_pages")->as_uint(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Shootdown, StaleTranslation, ::testing::Values("broadcast", "ipi"),
                         [](const ::testing::TestParamInfo<const char*>& i) {
                           return std::string(i.param);
                         });

}  // namespace
}  // namespace mmusim
