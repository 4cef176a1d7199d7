// Differential tests against the host kernel:
//  - every golden script (tests/golden/linux/*.scn) replayed on this kernel
//    prints its recorded .out (skipped when the kernel's major.minor differs
//    from the one recorded);
//  - the goldens listed in SIMULATOR_PASSES print their .out through
//    `mmusim script --compare`;
//  - 200 generated `--features anon` scripts and 200 `--features all` ones
//    agree between the simulator and the replayer;
//  - the tools themselves (replayer refusals, generator, diff).
#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/utsname.h>
#include "tests/support/scratch_dir.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/difftest/difftest.h"

namespace mmusim::difftest {
namespace {

const std::string kGoldenDir = MMUSIM_SOURCE_DIR "/tests/golden/linux/";
const std::string kExamples = MMUSIM_SOURCE_DIR "/docs/examples/";
const Tools kTools{MMUSIM_BINARY, MMUSIM_REPLAY_BINARY};

std::vector<std::string> golden_names() {
  std::vector<std::string> names;
  if (DIR* d = ::opendir(kGoldenDir.c_str())) {
    while (const dirent* e = ::readdir(d)) {
      const std::string n = e->d_name;
      if (n.size() > 4 && n.compare(n.size() - 4, 4, ".scn") == 0)
        names.push_back(n.substr(0, n.size() - 4));
    }
    ::closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> simulator_passes() {
  std::vector<std::string> names;
  std::ifstream f(kGoldenDir + "SIMULATOR_PASSES");
  std::string line;
  while (std::getline(f, line)) {
    line.erase(std::find(line.begin(), line.end(), '#'), line.end());
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r'))
      line.pop_back();
    if (!line.empty()) names.push_back(line);
  }
  return names;
}

// "6.18" of "6.18.44-fc-v595".
std::string major_minor(const std::string& release) {
  const size_t first = release.find('.');
  if (first == std::string::npos) return release;
  const size_t second = release.find_first_not_of("0123456789", first + 1);
  return release.substr(0, second);
}

std::string host_release() {
  utsname u{};
  ::uname(&u);
  return u.release;
}

// The first line of a file, or "" when it cannot be read.
std::string first_line(const std::string& path) {
  std::ifstream f(path);
  std::string line;
  std::getline(f, line);
  return line;
}

// The kernel named by the script's "# golden: Linux <release>" first line.
std::string recorded_release(const std::string& scn_path) {
  const std::string line = first_line(scn_path);
  const std::string prefix = "# golden: Linux ";
  return line.compare(0, prefix.size(), prefix) == 0 ? line.substr(prefix.size()) : "";
}

std::string param_name(const testing::TestParamInfo<std::string>& info) {
  std::string n = info.param;
  for (char& c : n)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return n;
}

// A counter of /proc/vmstat, or 0 when absent.
uint64_t vmstat(const std::string& name) {
  std::ifstream f("/proc/vmstat");
  std::string key;
  uint64_t value = 0;
  while (f >> key >> value)
    if (key == name) return value;
  return 0;
}

// Why this host cannot reproduce the recording (the goldens were recorded with
// THP "madvise" and an empty hugetlb pool), or "" when it can.
std::string host_setting_differs(const std::string& scn_path) {
  const std::string thp = first_line("/sys/kernel/mm/transparent_hugepage/enabled");
  if (!thp.empty() && thp.find("[madvise]") == std::string::npos)
    return "host THP mode is '" + thp + "', the goldens were recorded with [madvise]";
  const std::string script = read_file(scn_path);
  const std::string pool = first_line("/proc/sys/vm/nr_hugepages");
  if (script.find("MAP_HUGETLB") != std::string::npos && !pool.empty() && pool != "0")
    return "host vm.nr_hugepages is " + pool + ", the goldens were recorded with 0";
  return "";
}

class GoldenReplay : public testing::TestWithParam<std::string> {};

TEST_P(GoldenReplay, HostKernelPrintsTheRecordedTranscript) {
  const std::string scn = kGoldenDir + GetParam() + ".scn";
  const std::string recorded = recorded_release(scn);
  ASSERT_FALSE(recorded.empty()) << scn << ": no '# golden: Linux <release>' first line";
  if (major_minor(recorded) != major_minor(host_release()))
    GTEST_SKIP() << "recorded on Linux " << recorded << ", host is " << host_release();
  if (const std::string why = host_setting_differs(scn); !why.empty()) GTEST_SKIP() << why;
  const std::string want = read_file(kGoldenDir + GetParam() + ".out");
  // The host is shared with other work (parallel tests, builds): its THP
  // allocation, compaction and splitting depend on the state of its memory,
  // not only on the kernel's semantics. A script is replayed up to three
  // times; one run that prints the recording is the kernel's behaviour.
  RunResult r;
  bool fell_back = false;
  for (int attempt = 0; attempt < 3; ++attempt) {
    const uint64_t thp_fallbacks = vmstat("thp_fault_fallback");
    r = run_program({kTools.replayer, scn});
    ASSERT_EQ(r.status, 0) << r.err;
    if (r.out == want) return;
    // A host too fragmented to hand out a 2 MB page maps 4 KB pages instead.
    fell_back = fell_back || vmstat("thp_fault_fallback") > thp_fallbacks;
  }
  if (fell_back)
    GTEST_SKIP() << "the host kernel fell back from a huge page during the replays "
                    "(thp_fault_fallback rose): its memory is too fragmented to compare";
  EXPECT_EQ(r.out, want) << unified_diff(want, r.out, "recorded", "host");
}

INSTANTIATE_TEST_SUITE_P(Linux, GoldenReplay, testing::ValuesIn(golden_names()), param_name);

class GoldenSimulator : public testing::TestWithParam<std::string> {};
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(GoldenSimulator);

TEST_P(GoldenSimulator, SimulatorPrintsTheLinuxTranscript) {
  const std::string scn = kGoldenDir + GetParam() + ".scn";
  const RunResult r = run_program({kTools.mmusim, "script", scn, "--compare", "--quiet"});
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string want = read_file(kGoldenDir + GetParam() + ".out");
  EXPECT_EQ(r.out, want) << unified_diff(want, r.out, "linux", "mmusim");
}

INSTANTIATE_TEST_SUITE_P(Linux, GoldenSimulator, testing::ValuesIn(simulator_passes()), param_name);

TEST(GoldenCorpus, FortyScriptsWithKernelLineAndTranscript) {
  const std::vector<std::string> names = golden_names();
  EXPECT_GE(names.size(), 40u);
  for (const std::string& n : names) {
    EXPECT_NE(recorded_release(kGoldenDir + n + ".scn"), "") << n;
    EXPECT_NO_THROW(read_file(kGoldenDir + n + ".out")) << n;
  }
  for (const std::string& n : simulator_passes())
    EXPECT_TRUE(std::binary_search(names.begin(), names.end(), n))
        << "SIMULATOR_PASSES names " << n << ", which is not a golden";
}

TEST(LinuxReplayer, DocExamplesPrintTheirTranscripts) {
  for (const char* name : {"vma_basics", "file_mappings"}) {
    const RunResult r = run_program({kTools.replayer, kExamples + name + ".scn"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, read_file(kExamples + name + ".out")) << name;
  }
}

std::string temp_script(const std::string& name, const std::string& text) {
  const std::string path = test::scratch_path(name);
  write_file(path, text);
  return path;
}

TEST(LinuxReplayer, RefusesExtensionsBeforeRunning) {
  const std::string f = temp_script("ext.scn", "maps\nstats\n");
  const RunResult r = run_program({kTools.replayer, f});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, f + ":2: stats: not supported by the Linux replayer\n");
}

TEST(LinuxReplayer, SyntaxErrorsAreReportedLikeTheSimulator) {
  const std::string f = temp_script("syn.scn", "maps\nmunmap 0x100000000000\n");
  const RunResult r = run_program({kTools.replayer, f});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, f + ":2: munmap: missing argument LEN\n");
}

TEST(LinuxReplayer, RefusesToTouchItsOwnMemory) {
  // A munmap reaching beyond the arena into the replayer's own mappings is
  // refused (exit 2) after the lines before it were printed.
  const std::string f =
      temp_script("own.scn", "maps\nmunmap 0x100000000000 0x700000000000\nmaps\n");
  const RunResult r = run_program({kTools.replayer, f});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, "maps:\n");
  EXPECT_NE(r.err.find(f + ":2: munmap: range "), std::string::npos) << r.err;
}

TEST(LinuxReplayer, SignalsDoNotEndTheScript) {
  const std::string f = temp_script("sig.scn",
                                    "load 0x100000000000\nstore 0x100000000000 1\n"
                                    "file z.bin 100\nopen 3 z.bin O_RDONLY\n"
                                    "mmap 0x100000000000 8K PROT_READ MAP_SHARED|MAP_FIXED 3 0\n"
                                    "load 0x100000001000\nload 0x100000000063\nmaps\n");
  const RunResult r = run_program({kTools.replayer, f});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out,
            "load = SIGSEGV\nstore = SIGSEGV\nfile = 0\nopen = 0\nmmap = 0x100000000000\n"
            "load = SIGBUS\nload = 0x00\nmaps:\n"
            "  100000000000-100000002000 r--s 00000000 z.bin\n");
}

TEST(Scriptgen, SameSeedSameScriptAndFeaturesLimitOperations) {
  scriptgen::GeneratorOptions o;
  o.seed = 42;
  o.ops = 300;
  EXPECT_EQ(scriptgen::generate_script(o), scriptgen::generate_script(o));
  o.features = scriptgen::kAnon;
  const std::string anon = scriptgen::generate_script(o);
  for (const char* op : {"\nmremap ", "\nmadvise ", "\nmsync ", "\nfile ", "\nopen ", "\npread ",
                         "MAP_GROWSDOWN", "0x8|"})
    EXPECT_EQ(anon.find(op), std::string::npos) << op;
  for (const char* op : {"\nmmap ", "\nmunmap ", "\nmprotect ", "\nload ", "\nstore ", "\nmaps"})
    EXPECT_NE(anon.find(op), std::string::npos) << op;
  o.seed = 43;
  EXPECT_NE(scriptgen::generate_script(o), anon);
}

TEST(Scriptgen, FeatureLists) {
  std::string err;
  EXPECT_EQ(scriptgen::parse_features("anon,files", &err), scriptgen::kAnon | scriptgen::kFiles);
  EXPECT_EQ(scriptgen::parse_features("all", &err), scriptgen::kAllFeatures);
  EXPECT_FALSE(scriptgen::parse_features("anon,bogus", &err));
  EXPECT_NE(err.find("bogus"), std::string::npos);
  EXPECT_EQ(scriptgen::features_string(scriptgen::kAnon | scriptgen::kMsync), "anon,msync");
}

TEST(UnifiedDiff, HunksWithContext) {
  EXPECT_EQ(unified_diff("a\nb\n", "a\nb\n", "x", "y"), "");
  EXPECT_EQ(unified_diff("1\n2\n3\n4\n5\n6\n7\n8\n", "1\n2\n3\n4\nX\n6\n7\n8\n", "linux", "mmusim"),
            "--- linux\n+++ mmusim\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+X\n 6\n 7\n 8\n");
  EXPECT_EQ(unified_diff("a\n", "a\nb\n", "x", "y"), "--- x\n+++ y\n@@ -1,1 +1,2 @@\n a\n+b\n");
  EXPECT_EQ(unified_diff("", "b\n", "x", "y"), "--- x\n+++ y\n@@ -0,0 +1,1 @@\n+b\n");
}

// Generated scripts compared with the host kernel, in cases of 50 so that
// ctest can run them in parallel: 200 of the anon family and 200 of every
// family at once (`all`). A failure is a simulator bug (or a replayer one):
// the message has the seed, script and diff;
// `mmusim_difftest --seed S --count 1 --features F --keep DIR` reproduces it.
void run_seeds(uint64_t first, uint64_t count, unsigned features) {
  DifftestOptions o;
  o.first_seed = first;
  o.count = count;
  o.generator.features = features;
  o.jobs = 1;
  const DifftestSummary s = run_difftest(kTools, o);
  EXPECT_EQ(s.runs, count);
  for (const SeedFailure& f : s.failures)
    ADD_FAILURE() << format_failure(f);
}

TEST(DifftestAnon, Seeds1To50) {
  run_seeds(1, 50, scriptgen::kAnon);
}
TEST(DifftestAnon, Seeds51To100) {
  run_seeds(51, 50, scriptgen::kAnon);
}
TEST(DifftestAnon, Seeds101To150) {
  run_seeds(101, 50, scriptgen::kAnon);
}
TEST(DifftestAnon, Seeds151To200) {
  run_seeds(151, 50, scriptgen::kAnon);
}
TEST(DifftestAll, Seeds1To50) {
  run_seeds(1, 50, scriptgen::kAllFeatures);
}
TEST(DifftestAll, Seeds51To100) {
  run_seeds(51, 50, scriptgen::kAllFeatures);
}
TEST(DifftestAll, Seeds101To150) {
  run_seeds(101, 50, scriptgen::kAllFeatures);
}
TEST(DifftestAll, Seeds151To200) {
  run_seeds(151, 50, scriptgen::kAllFeatures);
}

}  // namespace
}  // namespace mmusim::difftest
