// Differential testing of the simulator against the host Linux kernel: a
// script runs through `mmusim script FILE --compare` and through
// `mmusim_linux_replay FILE`, and the two transcripts must be equal. Used by
// the mmusim_difftest tool and by the difftest_tests suite.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "testbench/scriptgen/script_generator.h"

namespace mmusim::difftest {

// One program run: its exit status (or 128 + signal), stdout and stderr.
struct RunResult {
  int status = -1;
  std::string out;
  std::string err;
};

// Runs argv[0] with the arguments, stdin from /dev/null. Throws
// std::runtime_error when the program cannot be started.
RunResult run_program(const std::vector<std::string>& argv);

// A unified diff (3 lines of context) of two texts, "" when they are equal.
std::string unified_diff(const std::string& a, const std::string& b, const std::string& a_label,
                         const std::string& b_label);

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& text);

struct Tools {
  std::string mmusim;    // the simulator binary
  std::string replayer;  // mmusim_linux_replay
};

// The two transcripts of one script and whether they agree: same stdout and
// both exit statuses 0.
struct Comparison {
  RunResult simulator;
  RunResult linux_kernel;
  bool same = false;
  // A report for a human: the statuses and stderr of a failing side, and the
  // unified diff (Linux first). Empty when `same`.
  std::string report;
};
Comparison compare_script(const Tools& tools, const std::string& script_path);

struct DifftestOptions {
  uint64_t first_seed = 1;
  uint64_t count = 100;
  scriptgen::GeneratorOptions generator;  // its seed is set per run
  std::string keep_dir;                   // failing scripts go here ("" keeps none)
  std::string work_dir;                   // scratch; "" = a fresh one under TMPDIR
  unsigned jobs = 1;
};

struct SeedFailure {
  uint64_t seed = 0;
  std::string script;
  std::string report;
  std::string kept_path;  // where the script was kept, or ""
};

struct DifftestSummary {
  uint64_t runs = 0;
  std::vector<SeedFailure> failures;  // in seed order
};

// Generates and compares the scripts of seeds first_seed .. first_seed +
// count - 1. Failing scripts are written to keep_dir/seed-N.scn, with their
// two transcripts beside them (.linux.out, .mmusim.out).
DifftestSummary run_difftest(const Tools& tools, const DifftestOptions& options);

// "seed N: ...\n--- script\n...\n--- diff\n..." for one failure.
std::string format_failure(const SeedFailure& f);

}  // namespace mmusim::difftest
