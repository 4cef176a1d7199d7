#include "model/util/config_file.h"

#include <fstream>
#include <sstream>

#include "model/util/json.h"
#include "model/util/tree_builder.h"
#include "model/util/yaml.h"

namespace mmusim::util {

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

Value load_config_file(const std::string& path) {
  const bool json = ends_with(path, ".json");
  const bool yaml = ends_with(path, ".yaml") || ends_with(path, ".yml");
  if (!json && !yaml)
    throw ConfigError(path + ": unknown config format (expected .json, .yaml or .yml)");
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  if (in) text << in.rdbuf();
  if (!in || in.bad()) throw ConfigError(path + ": cannot read file");
  Value root = json ? parse_json(text.str(), path) : parse_yaml(text.str(), path);
  if (root.is_null()) return Value::object();  // an empty YAML document: all defaults
  if (!root.is_object())
    throw ConfigError(path + ": the top level must be a mapping of keys, got " + root.describe());
  return root;
}

namespace {

// Keys nest no deeper than files may (tree_builder.h): a 60,000-part key
// from --set would otherwise build a tree that recursion cannot walk.
void check_key_depth(std::string_view dotted_path, const std::string& where = "") {
  size_t parts = 1;
  for (char c : dotted_path)
    parts += c == '.';
  if (parts <= detail::kMaxNesting) return;
  const std::string shown = dotted_path.size() > 60 ? std::string(dotted_path.substr(0, 60)) + "..."
                                                    : std::string(dotted_path);
  throw ConfigError((where.empty() ? "" : where + ": ") + "'" + shown +
                    "': nesting too deep (more than " + std::to_string(detail::kMaxNesting) +
                    " levels of keys)");
}

}  // namespace

void set_value(Value& root, std::string_view dotted_path, Value value) {
  check_key_depth(dotted_path);
  Value* node = &root;
  std::string prefix;
  size_t start = 0;
  while (true) {
    const size_t dot = dotted_path.find('.', start);
    const std::string_view part = dotted_path.substr(
        start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (part.empty()) throw ConfigError("'" + std::string(dotted_path) + "': empty key in path");
    if (!node->is_null() && !node->is_object())
      throw ConfigError((prefix.empty() ? std::string("<root>") : prefix) + ": cannot set '" +
                        std::string(part) + "' inside " + node->describe());
    Value& child = (*node)[part];
    if (!prefix.empty()) prefix += '.';
    prefix += part;
    if (dot == std::string_view::npos) {
      child = std::move(value);
      return;
    }
    node = &child;
    start = dot + 1;
  }
}

void set_override(Value& root, std::string_view dotted_path, std::string_view text) {
  const std::string source = "override '" + std::string(dotted_path) + "'";
  // "key=" sets null, which ConfigNode reads as "use the default".
  const bool empty = text.find_first_not_of(" \t") == std::string_view::npos;
  Value v = empty ? Value() : parse_yaml_scalar(text, source);
  v.clear_locations();
  set_value(root, dotted_path, std::move(v));
}

namespace {

// Adds member `key` = `v` to `obj`; a dotted key becomes nested objects and
// objects merge. `path` is the full key of `obj`, for errors.
void merge_member(Value& obj, const std::string& path, const std::string& key, Value v) {
  check_key_depth(path.empty() ? key : path + "." + key, v.location());
  const size_t dot = key.find('.');
  const std::string head = key.substr(0, dot);
  const std::string full = path.empty() ? head : path + "." + head;
  if (head.empty()) throw ConfigError("'" + full + "': empty key in path");
  if (dot != std::string::npos) {
    const std::string rest = key.substr(dot + 1);
    if (rest.empty()) throw ConfigError("'" + full + ".': empty key in path");
    // The nested object takes the location of the member it was written for.
    Value inner = Value::object();
    inner.copy_location_from(v);
    merge_member(inner, full, rest, std::move(v));
    v = std::move(inner);
  }
  Value* existing = obj.find(head);
  if (existing == nullptr) {
    obj.as_object().emplace_back(head, std::move(v));
    return;
  }
  if (existing->is_object() && v.is_object()) {
    for (auto& [k, child] : v.as_object())
      merge_member(*existing, full, k, std::move(child));
    return;
  }
  // The one set later names the clash; the first is where it was set before.
  std::string first = existing->location();
  std::string second = v.location();
  if (second.empty()) std::swap(first, second);
  throw ConfigError((second.empty() ? "" : second + ": ") + full + ": set twice" +
                    (first.empty() ? "" : " (first at " + first + ")"));
}

void expand(Value& v, const std::string& path) {
  if (v.is_array()) {
    size_t i = 0;
    for (Value& e : v.as_array())
      expand(e, path + "." + std::to_string(i++));
    return;
  }
  if (!v.is_object()) return;
  bool dotted = false;
  for (auto& [k, child] : v.as_object()) {
    expand(child, path.empty() ? k : path + "." + k);
    dotted |= k.find('.') != std::string::npos;
  }
  if (!dotted) return;
  Value out = Value::object();
  for (auto& [k, child] : v.as_object())
    merge_member(out, path, k, std::move(child));
  v.as_object() = std::move(out.as_object());
}

}  // namespace

void expand_dotted_keys(Value& root) {
  expand(root, "");
}

void apply_override(Value& root, std::string_view assignment) {
  const size_t eq = assignment.find('=');
  if (eq == std::string_view::npos || eq == 0)
    throw ConfigError("override '" + std::string(assignment) + "': expected KEY=VALUE");
  set_override(root, assignment.substr(0, eq), assignment.substr(eq + 1));
}

void apply_overrides(Value& root, const std::vector<std::string>& assignments) {
  for (const std::string& a : assignments)
    apply_override(root, a);
}

}  // namespace mmusim::util
