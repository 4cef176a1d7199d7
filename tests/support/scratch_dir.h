// A scratch directory of the test process's own: every file a test writes goes
// under it, and the whole directory is removed when the process exits, so a
// test run leaves nothing behind in /tmp (ctest runs each test case in a
// process of its own, so each case has a fresh, empty directory).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <system_error>

namespace mmusim::test {

class ScratchDir {
 public:
  // The process's directory, created on first use.
  static const std::string& path() {
    static ScratchDir dir;
    return dir.m_path;
  }

  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

 private:
  ScratchDir() {
    m_path = ::testing::TempDir() + "mmusim_test_" + std::to_string(::getpid()) + "/";
    std::filesystem::create_directories(m_path);
  }
  ~ScratchDir() {
    std::error_code ec;  // never throw from a destructor at exit
    std::filesystem::remove_all(m_path, ec);
  }

  std::string m_path;
};

// A path for `name` inside the process's scratch directory.
inline std::string scratch_path(const std::string& name) {
  return ScratchDir::path() + name;
}

}  // namespace mmusim::test
