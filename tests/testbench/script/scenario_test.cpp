// Every testbench/script/scenarios/NAME.scn, run end to end by the mmusim
// binary in comparison mode (CPU port -> MMU -> caches -> DRAM, faults into
// the kernel layer), must print exactly NAME.out: what Linux 6.18 printed
// for it (recorded on the host kernel). The shared spec's examples are
// among them.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tests/support/scratch_dir.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace mmusim::script {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Every NAME.scn below `dir` (relative to the source tree), sorted.
std::vector<fs::path> scenarios(const char* dir = "testbench/script/scenarios") {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(fs::path(MMUSIM_SOURCE_DIR) / dir))
    if (e.path().extension() == ".scn") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

class Scenario : public ::testing::TestWithParam<fs::path> {};

// Runs `mmusim script [--compare] SCN` and checks it prints exactly SCN's .out.
void expect_transcript(const fs::path& scn, const std::string& options) {
  fs::path expected = scn;
  expected.replace_extension(".out");
  const std::string out = test::scratch_path(scn.stem().string());
  const std::string cmd = "SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 " MMUSIM_BINARY " script " +
                          options + scn.string() + " >" + out + " 2>&1";
  const int st = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(st));
  EXPECT_EQ(WEXITSTATUS(st), 0) << slurp(out);
  EXPECT_EQ(slurp(out), slurp(expected));
  fs::remove(out);
}

TEST_P(Scenario, PrintsTheExpectedTranscript) {
  expect_transcript(GetParam(), "--compare ");
}

std::string name_of(const testing::TestParamInfo<fs::path>& info) {
  std::string n = info.param.stem().string();
  for (char& c : n)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return n;
}

INSTANTIATE_TEST_SUITE_P(Scenarios, Scenario, ::testing::ValuesIn(scenarios()), name_of);

// Simulator-only scripts (device mappings, docs/syscall-script-extensions.md):
// tests/testbench/script/devices/NAME.scn, run with the default
// configuration, must print exactly NAME.out.

class DeviceScenario : public ::testing::TestWithParam<fs::path> {};

TEST_P(DeviceScenario, PrintsTheExpectedTranscript) {
  expect_transcript(GetParam(), "");
}

INSTANTIATE_TEST_SUITE_P(Devices, DeviceScenario,
                         ::testing::ValuesIn(scenarios("tests/testbench/script/devices")), name_of);

}  // namespace
}  // namespace mmusim::script
