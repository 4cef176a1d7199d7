// Runs the mmusim binary (MMUSIM_BINARY, defined by the test's CMake target)
// with its output captured in the process's scratch directory.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/support/scratch_dir.h"

namespace mmusim::test {

struct RunResult {
  int status = -1;  // the exit status; -1 when it did not exit
  std::string out;
  std::string err;
};

inline std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

#ifdef MMUSIM_BINARY
// `mmusim ARGS` (a shell command line after the binary's name).
inline RunResult run_mmusim(const std::string& args) {
  const std::string out = scratch_path("stdout"), err = scratch_path("stderr");
  const std::string cmd =
      "SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 " MMUSIM_BINARY " " + args + " >" + out + " 2>" + err;
  const int st = std::system(cmd.c_str());
  RunResult r;
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  std::remove(out.c_str());
  std::remove(err.c_str());
  return r;
}
#endif

}  // namespace mmusim::test
