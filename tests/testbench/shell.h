// Shell helpers for the tests that run valgrind and mmusim on real programs.
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace mmusim::test {

inline std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// `cmd` through sh: its exit status, -1 when it did not exit.
inline int sh(const std::string& cmd) {
  const int st = std::system(cmd.c_str());
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

inline bool have(const char* tool) {
  return sh(std::string("command -v ") + tool + " >/dev/null 2>&1") == 0;
}

}  // namespace mmusim::test
