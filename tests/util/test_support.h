// Helpers shared by the util tests.
#pragma once

#include <string>

#include "model/util/config_error.h"

namespace mmusim::util::testing {

// The what() of the ConfigError `fn` throws, or "" when it throws nothing.
template <typename Fn>
std::string config_error(Fn&& fn) {
  try {
    fn();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace mmusim::util::testing
