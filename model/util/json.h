// JSON (RFC 8259) into a Value tree. Errors throw ConfigError with
// "SOURCE:LINE:COL: what is wrong" (1-based line and column).
#pragma once

#include <string_view>

#include "model/util/config_error.h"
#include "model/util/value.h"

namespace mmusim::util {

// Integers without fraction or exponent become kUint (non-negative) or kInt;
// an integer outside 64 bits is an error rather than a rounded double.
// Duplicate keys in one object are an error.
Value parse_json(std::string_view text, std::string_view source_name);

}  // namespace mmusim::util
