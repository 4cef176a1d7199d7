// Every testbench/script/scenarios/NAME.scn, run end to end by the mmusim
// binary in comparison mode (CPU port -> MMU -> caches -> DRAM, faults into
// the kernel layer), must print exactly NAME.out: what Linux 6.18 printed
// for it (recorded on the host kernel). The shared spec's examples are
// among them.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

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

std::vector<fs::path> scenarios() {
  std::vector<fs::path> out;
  for (const auto& e :
       fs::directory_iterator(fs::path(MMUSIM_SOURCE_DIR) / "testbench/script/scenarios"))
    if (e.path().extension() == ".scn") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

class Scenario : public ::testing::TestWithParam<fs::path> {};

TEST_P(Scenario, PrintsTheExpectedTranscript) {
  const fs::path scn = GetParam();
  fs::path expected = scn;
  expected.replace_extension(".out");
  const std::string out =
      testing::TempDir() + "mmusim_scn_" + std::to_string(::getpid()) + "_" + scn.stem().string();
  const std::string cmd = "SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 " MMUSIM_BINARY
                          " script --compare " +
                          scn.string() + " >" + out + " 2>&1";
  const int st = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(st));
  EXPECT_EQ(WEXITSTATUS(st), 0) << slurp(out);
  EXPECT_EQ(slurp(out), slurp(expected));
  fs::remove(out);
}

std::string name_of(const testing::TestParamInfo<fs::path>& info) {
  std::string n = info.param.stem().string();
  for (char& c : n)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return n;
}

INSTANTIATE_TEST_SUITE_P(Scenarios, Scenario, ::testing::ValuesIn(scenarios()), name_of);

}  // namespace
}  // namespace mmusim::script
