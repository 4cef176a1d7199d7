// Loading configuration files and applying command-line overrides to the
// tree before components read it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/util/config_error.h"
#include "model/util/value.h"

namespace mmusim::util {

// Parses `path` as JSON (.json) or YAML (.yaml, .yml). Throws ConfigError
// "PATH: cannot read file" or "PATH: unknown config format (expected .json,
// .yaml or .yml)"; syntax errors name the path as the source. Keys are kept
// as written (a sweep spec's keys are dotted parameter names); see
// expand_dotted_keys() for platform configurations.
Value load_config_file(const std::string& path);

// Rewrites every member whose key has dots ("mmu.l2_tlb.entries: 512") as
// the nested objects it names, merged with those written out, so that a
// file accepts the keys --set does. Throws ConfigError "FILE:LINE:
// mmu.l2_tlb.entries: set twice (first at FILE:LINE)" when two spellings
// set the same key, and "'a..b': empty key in path".
void expand_dotted_keys(Value& root);

// Sets the member at a dotted path ("mmu.l1_dtlb.entries"), creating
// objects along the way (null members become objects). Throws ConfigError
// "mmu.l1_dtlb: cannot set 'entries' inside unsigned integer 5" when a
// prefix holds a non-object, and "'a..b': empty key in path" for empty parts.
void set_value(Value& root, std::string_view dotted_path, Value value);

// Sets `dotted_path` to `text` read as an inline YAML value, so "64" is a
// number, "true" a bool, "[1, 2]" an array and "lru" a string; an empty
// text sets null, which ConfigNode reads as "use the default". The value
// has no location (errors name the key alone).
void set_override(Value& root, std::string_view dotted_path, std::string_view text);

// Applies one "key=value" string (the command line's --set argument).
// Throws ConfigError "override 'x': expected KEY=VALUE" without '='.
void apply_override(Value& root, std::string_view assignment);
void apply_overrides(Value& root, const std::vector<std::string>& assignments);

}  // namespace mmusim::util
