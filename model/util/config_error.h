// Bad configuration input. what() names where: "SOURCE:LINE:COL: ..." for
// syntax errors, "full.dotted.key: ..." for values a component rejects.
#pragma once

#include <stdexcept>

namespace mmusim::util {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace mmusim::util
