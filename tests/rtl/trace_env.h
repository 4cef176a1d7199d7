// Waveforms only when asked for: with MMUSIM_RTL_TRACE_DIR set, each lock-step test writes
// <dir>/<suite>.<test>.fst of its RTL side.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace mmusim::rtl {

inline std::string trace_path_for_current_test() {
  const char* dir = std::getenv("MMUSIM_RTL_TRACE_DIR");
  if (!dir || !*dir) return "";
  const testing::TestInfo* t = testing::UnitTest::GetInstance()->current_test_info();
  return std::string(dir) + "/" + t->test_suite_name() + "." + t->name() + ".fst";
}

}  // namespace mmusim::rtl
