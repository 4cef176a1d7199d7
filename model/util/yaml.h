// YAML 1.2 configuration files into the same Value tree as JSON, read by
// yaml-cpp: block and flow collections, every scalar style (plain, quoted,
// literal and folded block scalars), comments, the %YAML directive and
// `---`, anchors and aliases, and merge keys (`<<: *base`). Plain scalars
// resolve as in YAML 1.2's core schema: null/~/empty, true/false,
// integers (decimal, 0x hex, 0o octal), floats (.inf, .nan too), anything
// else a string; quoted and block scalars are strings; the tags !!str,
// !!int, !!float, !!bool and !!null are honoured. Keys must be scalars.
// One document per file. Errors throw ConfigError with
// "SOURCE:LINE:COL: what is wrong"; the limits are JSON's (json.h).
#pragma once

#include <string_view>

#include "model/util/config_error.h"
#include "model/util/value.h"

namespace mmusim::util {

// An empty document (only comments) is null.
Value parse_yaml(std::string_view text, std::string_view source_name);

// One inline YAML value ("64", "true", "lru", "[1, 2]", "{a: 1}"), as used
// for command-line overrides.
Value parse_yaml_scalar(std::string_view text, std::string_view source_name);

}  // namespace mmusim::util
