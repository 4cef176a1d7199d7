// The fuzz driver must be able to fail: each kind of misbehaviour of a child
// is flagged, and a well-behaved child passes. Plus the mutator's determinism
// and the per-format command lines.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/fuzz/fuzz_lib.h"

namespace mmusim::fuzz {
namespace {

namespace fs = std::filesystem;

class VictimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    m_dir =
        fs::temp_directory_path() /
        ("fuzz-driver-test-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
         "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(m_dir);
    m_limits.timeout_seconds = 2;
    m_limits.memory_mb = 256;
  }
  void TearDown() override { fs::remove_all(m_dir); }

  Outcome run(const std::string& mode) {
    return run_child({FUZZ_VICTIM, mode}, m_dir.string(), m_limits);
  }

  fs::path m_dir;
  Limits m_limits;
};

TEST_F(VictimTest, ExitStatusesZeroOneTwoPass) {
  for (const char* mode : {"ok", "exit1", "exit2"}) {
    const Outcome o = run(mode);
    EXPECT_FALSE(o.failed()) << mode << ": " << o.detail;
  }
}

TEST_F(VictimTest, OtherExitStatusFails) {
  const Outcome o = run("exit3");
  EXPECT_EQ(o.kind, Outcome::Kind::kBadExit);
  EXPECT_EQ(o.exit_status, 3);
}

TEST_F(VictimTest, CrashIsFlagged) {
  for (const char* mode : {"segv", "abort"}) {
    const Outcome o = run(mode);
    EXPECT_EQ(o.kind, Outcome::Kind::kSignal) << mode;
    EXPECT_NE(o.signal, 0);
  }
}

TEST_F(VictimTest, HangIsKilledAtTheTimeout) {
  const Outcome o = run("hang");
  EXPECT_EQ(o.kind, Outcome::Kind::kTimeout);
  EXPECT_LT(o.seconds, 4.0);
}

TEST_F(VictimTest, SpinIsKilledAtTheTimeout) {
  const Outcome o = run("spin");
  EXPECT_EQ(o.kind, Outcome::Kind::kTimeout);
}

TEST_F(VictimTest, CpuLimitEndsASpin) {
  m_limits.timeout_seconds = 30;
  m_limits.cpu_seconds = 1;
  const Outcome o = run("spin");
  EXPECT_EQ(o.kind, Outcome::Kind::kSignal);
  EXPECT_LT(o.seconds, 25.0);  // 1 s of CPU, on a loaded machine
}

TEST_F(VictimTest, RunawayAllocationIsStopped) {
  const Outcome o = run("alloc");
  // Either the RSS poll kills it or RLIMIT_AS makes malloc fail (exit 0 then, so the poll must
  // win for a sanitized run, where RLIMIT_AS is not used).
  m_limits.sanitized = true;  // no RLIMIT_AS: only the RSS poll stops it
  const Outcome p = run("alloc");
  EXPECT_EQ(p.kind, Outcome::Kind::kMemory) << p.detail;
  EXPECT_GE(p.peak_rss_kb, 200u * 1024);
  EXPECT_TRUE(o.kind == Outcome::Kind::kMemory || o.exit_status == 0) << o.detail;
}

TEST_F(VictimTest, AllocationInAGrandchildCounts) {
  m_limits.sanitized = true;
  const Outcome o = run("fork-alloc");
  EXPECT_EQ(o.kind, Outcome::Kind::kMemory) << o.detail;
}

TEST_F(VictimTest, SanitizerReportFails) {
  Outcome o = run("asan-report");
  EXPECT_EQ(o.kind, Outcome::Kind::kSanitizer);
  EXPECT_NE(o.detail.find("heap-use-after-free"), std::string::npos) << o.detail;
  o = run("ubsan-report");
  EXPECT_EQ(o.kind, Outcome::Kind::kSanitizer);
  EXPECT_NE(o.detail.find("signed integer overflow"), std::string::npos) << o.detail;
}

TEST_F(VictimTest, ProcessesLeftBehindFail) {
  const Outcome o = run("orphan");
  EXPECT_EQ(o.kind, Outcome::Kind::kOrphans) << o.detail;
}

TEST(SanitizerReport, FindsTheFirstReportLine) {
  std::string line;
  EXPECT_FALSE(find_sanitizer_report("mmusim: config: x: bad\n", line));
  EXPECT_TRUE(
      find_sanitizer_report("a\n==5==ERROR: LeakSanitizer: detected memory leaks\nb", line));
  EXPECT_EQ(line, "==5==ERROR: LeakSanitizer: detected memory leaks");
}

TEST(Mutator, SameSeedSameMutation) {
  const std::vector<SeedFile> corpus = {{"a.scn", "mmap 0x1000 4K PROT_READ MAP_PRIVATE\n"},
                                        {"b.scn", "load 0x1000\nstore 0x1000 0x5\n"}};
  const Mutator m(corpus, {"MAP_FIXED"});
  for (uint64_t i = 0; i < 200; ++i) {
    Rng a(input_seed(7, i)), b(input_seed(7, i));
    EXPECT_EQ(m.mutate(corpus[0].bytes, a), m.mutate(corpus[0].bytes, b));
  }
  Rng a(input_seed(7, 0)), b(input_seed(7, 1));
  EXPECT_NE(a.next(), b.next());
}

TEST(Mutator, EveryKindStaysWithinTheSizeCapAndMostChangeTheInput) {
  const std::vector<SeedFile> corpus = {{"a.scn",
                                         "mmap 0x1000 4K PROT_READ MAP_PRIVATE\n"
                                         "munmap 0x1000 8K\nload 0x1000\n"}};
  const Mutator m(corpus, {}, 4096);
  for (unsigned k = 0; k < Mutator::kinds(); ++k) {
    unsigned changed = 0;
    for (uint64_t i = 0; i < 50; ++i) {
      Rng r(input_seed(k, i));
      const std::string s = m.mutate_once(corpus[0].bytes, k, r);
      EXPECT_LE(s.size(), 4096u);
      changed += s != corpus[0].bytes;
    }
    EXPECT_GT(changed, 10u) << "mutation kind " << k;
  }
}

TEST(Mutator, NumbersBecomeBoundaryValues) {
  const std::vector<SeedFile> corpus = {{"a.scn", "load 0x1000\n"}};
  const Mutator m(corpus, {});
  bool big = false;
  for (uint64_t i = 0; i < 200 && !big; ++i) {
    Rng r(input_seed(1, i));
    big = m.mutate_once(corpus[0].bytes, 9, r) == "load 0xffffffffffffffff\n";
  }
  EXPECT_TRUE(big);
}

TEST(Commands, EachFormatRunsItsCommand) {
  EXPECT_EQ(shell_join(command_for(Format::kScript, "/m", "/w/input.scn",
                                   "# mmusim-fuzz-args: --phys-mem 1M --swap 16M --stats x "
                                   "--compare\nload 0\n",
                                   "/aux")),
            "/m script /w/input.scn --phys-mem 1M --swap 16M --compare");
  EXPECT_EQ(shell_join(command_for(Format::kConfig, "/m", "/w/input.yaml", "l1d:\n", "/aux")),
            "/m script /aux/tiny.scn --config /w/input.yaml");
  EXPECT_EQ(shell_join(command_for(Format::kConfig, "/m", "/w/input.set",
                                   "l1d.ways=4\n# comment\n\nkernel.thp=always\n", "/aux")),
            "/m script /aux/tiny.scn --set l1d.ways=4 --set kernel.thp=always");
  EXPECT_EQ(shell_join(command_for(Format::kTrace, "/m", "/w/input.lackey",
                                   "==1== mmusim-fuzz-args: --skip-bad-lines --compare\n", "/aux")),
            "/m trace /w/input.lackey --quiet --skip-bad-lines");
  EXPECT_EQ(shell_join(command_for(Format::kSweep, "/m", "/w/input.yaml", "grid: {}\n", "/aux")),
            "/m sweep /w/input.yaml -j 1 --quiet");
}

}  // namespace
}  // namespace mmusim::fuzz
