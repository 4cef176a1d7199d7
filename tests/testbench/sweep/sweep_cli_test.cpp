// mmusim sweep's command line: parsed by CLI11 like mmusim's other commands
// (every spelling of an option, one-line usage errors with a hint).
#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "testbench/sweep/sweep_runner.h"
#include "tests/testbench/sweep/sweep_fixture.h"

namespace mmusim::sweep {
namespace {

struct Parsed {
  bool help = false;  // parse returned false: --help was printed
  Options opt;
  std::string spec;
  std::string error;  // the UsageError's message, if any
};

Parsed parse(std::initializer_list<const char*> args) {
  std::vector<std::string> all = {"mmusim", "sweep"};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : all)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  Parsed p;
  try {
    testing::internal::CaptureStdout();
    p.help = !parse_sweep_command_line(static_cast<int>(all.size()), argv.data(), p.opt, p.spec);
    testing::internal::GetCapturedStdout();
  } catch (const UsageError& e) {
    testing::internal::GetCapturedStdout();
    p.error = e.what();
  }
  return p;
}

TEST(SweepCommandLine, EverySpellingOfJobsGivesTheSameCount) {
  for (const auto& args : std::vector<std::vector<const char*>>{{"s.yaml", "-j2"},
                                                                {"s.yaml", "-j", "2"},
                                                                {"s.yaml", "--jobs", "2"},
                                                                {"s.yaml", "--jobs=2"},
                                                                {"-j", "2", "s.yaml"}}) {
    std::vector<std::string> all = {"mmusim", "sweep"};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& a : all)
      argv.push_back(a.data());
    Options opt;
    std::string spec;
    ASSERT_TRUE(parse_sweep_command_line(static_cast<int>(argv.size()), argv.data(), opt, spec));
    EXPECT_EQ(opt.jobs, 2u) << all.back();
    EXPECT_EQ(spec, "s.yaml");
  }
}

TEST(SweepCommandLine, DefaultsAndEveryOption) {
  const Parsed d = parse({"s.yaml"});
  EXPECT_EQ(d.error, "");
  EXPECT_EQ(d.spec, "s.yaml");
  EXPECT_EQ(d.opt.jobs, 0u);  // the spec's
  EXPECT_FALSE(d.opt.force);
  EXPECT_FALSE(d.opt.slurm);
  EXPECT_FALSE(d.opt.quiet);
  EXPECT_EQ(d.opt.progress_seconds, 30.0);
  EXPECT_EQ(d.opt.task, -1);
  EXPECT_EQ(d.opt.key, "");

  const Parsed a = parse({"--force", "--progress", "0.5", "--slurm", "--quiet", "s.yaml", "--task",
                          "3", "--key", "0123456789abcdef"});
  EXPECT_EQ(a.error, "");
  EXPECT_EQ(a.spec, "s.yaml");
  EXPECT_TRUE(a.opt.force);
  EXPECT_TRUE(a.opt.slurm);
  EXPECT_TRUE(a.opt.quiet);
  EXPECT_EQ(a.opt.progress_seconds, 0.5);
  EXPECT_EQ(a.opt.task, 3);
  EXPECT_EQ(a.opt.key, "0123456789abcdef");
  EXPECT_EQ(parse({"s.yaml", "--progress=2"}).opt.progress_seconds, 2.0);
  EXPECT_EQ(parse({"s.yaml", "--task=0"}).opt.task, 0);
  EXPECT_TRUE(parse({"--help"}).help);
  EXPECT_TRUE(parse({"s.yaml", "-h"}).help);
}

TEST(SweepCommandLine, ErrorsAreOneLineNamingTheOption) {
  EXPECT_EQ(parse({}).error, "no SPEC given");
  EXPECT_EQ(parse({"--quiet"}).error, "no SPEC given");
  EXPECT_EQ(parse({"s.yaml", "--jbos", "2"}).error, "unknown option '--jbos'");
  EXPECT_EQ(parse({"s.yaml", "--jbos=2"}).error, "unknown option '--jbos'");
  EXPECT_EQ(parse({"s.yaml", "t.yaml"}).error, "unexpected argument 't.yaml'");
  EXPECT_EQ(parse({"s.yaml", "-j"}).error, "-j/--jobs needs a value");
  EXPECT_EQ(parse({"s.yaml", "--jobs"}).error, "-j/--jobs needs a value");
  EXPECT_EQ(parse({"s.yaml", "--progress"}).error, "--progress needs a value");
  EXPECT_EQ(parse({"s.yaml", "-j", "2", "--jobs=3"}).error, "-j/--jobs given more than once");
  EXPECT_EQ(parse({"s.yaml", "-j", "-1"}).error, "-j/--jobs: '-1' is not a positive whole number");
  EXPECT_EQ(parse({"s.yaml", "-j0"}).error, "-j/--jobs: '0' is not a positive whole number");
  EXPECT_EQ(parse({"s.yaml", "--jobs=two"}).error,
            "-j/--jobs: 'two' is not a positive whole number");
  EXPECT_EQ(parse({"s.yaml", "-j", "2x"}).error, "-j/--jobs: '2x' is not a positive whole number");
  EXPECT_EQ(parse({"s.yaml", "--progress", "0"}).error,
            "--progress: '0' is not a positive number of seconds");
  EXPECT_EQ(parse({"s.yaml", "--progress=1s"}).error,
            "--progress: '1s' is not a positive number of seconds");
  EXPECT_EQ(parse({"s.yaml", "--task", "x"}).error, "--task: 'x' is not a task number");
  EXPECT_EQ(parse({"s.yaml", "--key", "0123456789abcdef"}).error, "--key needs --task");
}

// Through the binary: the exit status and stderr as a user sees them.
TEST_F(SweepTest, UsageErrorsExitTwoWithOneLineAndTheHelpHint) {
  std::string err;
  EXPECT_EQ(mmusim("sweep", &err), 2);
  EXPECT_EQ(err, "mmusim sweep: no SPEC given (mmusim sweep --help lists the options)\n");
  EXPECT_EQ(mmusim("sweep s.yaml --jbos 2", &err), 2);
  EXPECT_EQ(err, "mmusim sweep: unknown option '--jbos' (mmusim sweep --help lists the options)\n");
  EXPECT_EQ(mmusim("sweep s.yaml -j0", &err), 2);
  EXPECT_EQ(err,
            "mmusim sweep: -j/--jobs: '0' is not a positive whole number (mmusim sweep --help "
            "lists the options)\n");
  // --help: the options on stdout, exit 0.
  const std::string help = m_dir + "/help.txt";
  ASSERT_EQ(std::system((MMUSIM_BINARY " sweep --help >" + help).c_str()), 0);
  const std::string text = slurp(help);
  EXPECT_EQ(text.rfind("Runs every point of SPEC", 0), 0u) << text;
  for (const char* option : {"-j,--jobs N", "--force", "--progress S", "--slurm", "--quiet",
                             "--task K", "--key KEY", "Exit status: 0 every task ok"})
    EXPECT_NE(text.find(option), std::string::npos) << option << "\n" << text;
}

TEST_F(SweepTest, JobsAsAJoinedOptionRunsTheSweep) {
  const std::string spec = write("j.yaml",
                                 "grid: {l1d.ways: [4, 8]}\n"
                                 "workloads:\n  - {name: w, command: script, file: " +
                                     kScript + "}\n");
  std::string err;
  ASSERT_EQ(mmusim("sweep " + spec + " -j2 --quiet --progress=5", &err), 0) << err;
  EXPECT_EQ(err, "");
  EXPECT_EQ(csv(m_dir + "/j.out/results.csv").size(), 3u);  // header + 2 tasks
  ASSERT_EQ(mmusim("sweep --jobs=2 --force " + spec, &err), 0) << err;
  EXPECT_NE(err.find("[2/2]"), std::string::npos) << err;
}

}  // namespace
}  // namespace mmusim::sweep
