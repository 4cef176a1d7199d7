// JSON (RFC 8259) into a Value tree, read by nlohmann-json's SAX parser.
// Errors throw ConfigError with "SOURCE:LINE:COL: what is wrong" (1-based
// line and column).
#pragma once

#include <string_view>

#include "model/util/config_error.h"
#include "model/util/value.h"

namespace mmusim::util {

// Integers without fraction or exponent become kUint (non-negative) or kInt;
// an integer outside 64 bits is an error rather than a rounded double.
// Duplicate keys in one object, more than 64 levels of nesting and more
// than a million values are errors. Every value records its line
// (Value::location(); a member: its key's line).
Value parse_json(std::string_view text, std::string_view source_name);

}  // namespace mmusim::util
