// A YAML subset for configuration files, into the same Value tree as JSON:
//  - block mappings by indentation ("key: value", "key:" + nested block),
//  - block sequences ("- item", including "- key: value" items),
//  - flow sequences and mappings on one line ([a, b], {k: v}),
//  - scalars: null/~, true/false, decimal and 0x hex integers, floats,
//    "double" and 'single' quoted strings, plain strings,
//  - '#' comments, a leading "---".
// Anchors, tags, multi-line scalars and multiple documents are not
// supported and are reported as errors or read as plain strings.
// Errors throw ConfigError with "SOURCE:LINE:COL: what is wrong".
#pragma once

#include <string_view>

#include "model/util/config_error.h"
#include "model/util/value.h"

namespace mmusim::util {

// An empty document (only comments) is null.
Value parse_yaml(std::string_view text, std::string_view source_name);

// One inline YAML value ("64", "true", "lru", "[1, 2]"), as used for
// command-line overrides.
Value parse_yaml_scalar(std::string_view text, std::string_view source_name);

}  // namespace mmusim::util
