#include "model/util/config_node.h"

#include "model/util/config_file.h"
#include "model/util/size_suffix.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>
#include <sstream>

namespace mmusim::util {

struct ConfigNode::State {
  Value root;
  bool locate_errors = false;
  std::set<std::string> read;  // full paths of keys read
  std::vector<ParamDoc> docs;
  std::map<std::string, size_t> documented_paths;  // path -> index in docs
};

namespace {

std::string format_double(double d) {
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, res.ptr);
}

std::string range_text(uint64_t min, uint64_t max) {
  return "[" + std::to_string(min) + ", " + std::to_string(max) + "]";
}

std::string range_text(double min, double max) {
  return "[" + format_double(min) + ", " + format_double(max) + "]";
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += sep;
    out += items[i];
  }
  return out;
}

}  // namespace

bool parse_size_string(std::string_view text, uint64_t& out) {
  std::string upper(text);
  if (!upper.empty() && (upper.back() == 'k' || upper.back() == 'm' || upper.back() == 'g'))
    upper.back() = static_cast<char>(upper.back() - 'a' + 'A');
  text = upper;
  const unsigned shift = take_size_suffix(text);
  unsigned base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    text.remove_prefix(2);
  }
  if (text.empty()) return false;
  uint64_t v = 0;
  const auto res =
      std::from_chars(text.data(), text.data() + text.size(), v, static_cast<int>(base));
  if (res.ec != std::errc() || res.ptr != text.data() + text.size()) return false;
  if (shift != 0 && (v >> (64 - shift)) != 0) return false;
  out = v << shift;
  return true;
}

ConfigNode::ConfigNode(Value root, bool locate_errors) : m_state(std::make_shared<State>()) {
  if (!root.is_null() && !root.is_object())
    throw ConfigError("config: top level must be an object, got " + root.describe());
  m_state->root = root.is_null() ? Value::object() : std::move(root);
  m_state->locate_errors = locate_errors;
  expand_dotted_keys(m_state->root);
  m_value = &m_state->root;
}

ConfigNode::ConfigNode(std::shared_ptr<State> state, std::string path, const Value* value)
    : m_state(std::move(state)), m_path(std::move(path)), m_value(value) {}

std::string ConfigNode::full_key(std::string_view key) const {
  return m_path.empty() ? std::string(key) : m_path + "." + std::string(key);
}

void ConfigNode::fail(std::string_view key, const std::string& what) const {
  std::string where;
  if (m_state->locate_errors && m_value != nullptr)
    if (const Value* v = m_value->find(key)) where = v->location();
  throw ConfigError((where.empty() ? "" : where + ": ") + full_key(key) + ": " + what);
}

bool ConfigNode::has(std::string_view key) const {
  if (m_value == nullptr) return false;
  const Value* v = m_value->find(key);
  return v != nullptr && !v->is_null();
}

const Value* ConfigNode::read(std::string_view key) const {
  if (m_value == nullptr) return nullptr;
  const Value* v = m_value->find(key);
  if (v == nullptr) return nullptr;
  m_state->read.insert(full_key(key));
  return v->is_null() ? nullptr : v;
}

size_t ConfigNode::document(std::string_view key, std::string type, std::string default_value,
                            std::string allowed, std::string_view description) const {
  std::string path = full_key(key);
  const auto [it, added] = m_state->documented_paths.emplace(path, m_state->docs.size());
  if (!added) return it->second;
  std::string value = default_value;
  m_state->docs.push_back(ParamDoc{std::move(path), std::move(type), std::move(default_value),
                                   std::move(allowed), std::string(description), std::move(value),
                                   Value()});
  return m_state->docs.size() - 1;
}

void ConfigNode::record_use(size_t doc, Value used, std::string text) const {
  m_state->docs[doc].used = std::move(used);
  m_state->docs[doc].value = std::move(text);
}

ConfigNode ConfigNode::child(std::string_view key) const {
  const Value* v = read(key);
  if (v != nullptr && !v->is_object()) fail(key, "expected an object, got " + v->describe());
  return ConfigNode(m_state, full_key(key), v);
}

ConfigNode ConfigNode::at(std::string_view dotted_path) const {
  ConfigNode node = *this;
  size_t start = 0;
  while (start <= dotted_path.size()) {
    const size_t dot = dotted_path.find('.', start);
    const size_t end = dot == std::string_view::npos ? dotted_path.size() : dot;
    node = node.child(dotted_path.substr(start, end - start));
    start = end + 1;
  }
  return node;
}

std::vector<ConfigNode> ConfigNode::items(std::string_view key) const {
  std::vector<ConfigNode> out;
  const Value* v = read(key);
  if (v == nullptr) return out;
  if (!v->is_array()) fail(key, "expected an array, got " + v->describe());
  const auto& arr = v->as_array();
  for (size_t i = 0; i < arr.size(); ++i) {
    const std::string path = full_key(key) + "." + std::to_string(i);
    if (!arr[i].is_object())
      throw ConfigError(path + ": expected an object, got " + arr[i].describe());
    m_state->read.insert(path);
    out.push_back(ConfigNode(m_state, path, &arr[i]));
  }
  return out;
}

uint64_t ConfigNode::get_uint(std::string_view key, uint64_t default_value, uint64_t min,
                              uint64_t max, std::string_view description,
                              std::string_view default_text) const {
  const size_t doc = document(
      key, "uint", default_text.empty() ? std::to_string(default_value) : std::string(default_text),
      range_text(min, max), description);
  const Value* v = read(key);
  if (v == nullptr) {
    record_use(doc, Value(default_value), std::to_string(default_value));
    return default_value;
  }
  uint64_t out = 0;
  std::string shown;
  if (v->type() == Value::Type::kUint) {
    out = v->as_uint();
    shown = std::to_string(out);
  } else if (v->type() == Value::Type::kInt) {
    fail(key, std::to_string(v->as_int()) + " is out of range " + range_text(min, max));
  } else if (v->is_string() && parse_size_string(v->as_string(), out)) {
    shown = v->as_string();
  } else {
    fail(key, "expected an unsigned integer or a size (suffix K, M or G), got " + v->describe());
  }
  if (out < min || out > max) fail(key, shown + " is out of range " + range_text(min, max));
  record_use(doc, Value(out), std::to_string(out));
  return out;
}

double ConfigNode::get_double(std::string_view key, double default_value, double min, double max,
                              std::string_view description) const {
  const size_t doc =
      document(key, "double", format_double(default_value), range_text(min, max), description);
  const Value* v = read(key);
  const double d = v == nullptr ? default_value : v->is_number() ? v->as_double() : 0.0;
  if (v != nullptr && !v->is_number()) fail(key, "expected a number, got " + v->describe());
  if (v != nullptr && !(d >= min && d <= max))
    fail(key, format_double(d) + " is out of range " + range_text(min, max));
  record_use(doc, Value(d), format_double(d));
  return d;
}

bool ConfigNode::get_bool(std::string_view key, bool default_value,
                          std::string_view description) const {
  const size_t doc = document(key, "bool", default_value ? "true" : "false", "", description);
  const Value* v = read(key);
  if (v != nullptr && !v->is_bool()) fail(key, "expected true or false, got " + v->describe());
  const bool b = v == nullptr ? default_value : v->as_bool();
  record_use(doc, Value(b), b ? "true" : "false");
  return b;
}

std::string ConfigNode::get_string(std::string_view key, std::string_view default_value,
                                   std::string_view description) const {
  const size_t doc = document(key, "string", std::string(default_value), "", description);
  const Value* v = read(key);
  std::string s;
  if (v == nullptr)
    s = std::string(default_value);
  else if (v->is_string())
    s = v->as_string();
  else if (v->is_integer())
    s = v->to_json(0);
  else
    fail(key, "expected a string, got " + v->describe());
  record_use(doc, Value(s), s);
  return s;
}

std::string ConfigNode::get_enum(std::string_view key, std::string_view default_value,
                                 const std::vector<std::string>& allowed,
                                 std::string_view description) const {
  const size_t doc =
      document(key, "enum", std::string(default_value), join(allowed, " | "), description);
  const Value* v = read(key);
  if (v != nullptr && !v->is_string())
    fail(key, "expected one of " + join(allowed, ", ") + ", got " + v->describe());
  if (v != nullptr && std::find(allowed.begin(), allowed.end(), v->as_string()) == allowed.end())
    fail(key, "'" + v->as_string() + "' is not one of " + join(allowed, ", "));
  std::string s = v == nullptr ? std::string(default_value) : v->as_string();
  record_use(doc, Value(s), s);
  return s;
}

void ConfigNode::finish_value(const std::string& path, const Value& v) const {
  if (v.is_object()) {
    for (const auto& [k, child] : v.as_object()) {
      const std::string p = path.empty() ? k : path + "." + k;
      if (m_state->read.count(p) == 0) {
        const std::string where = m_state->locate_errors ? child.location() : "";
        throw ConfigError((where.empty() ? "" : where + ": ") + p + ": unknown key");
      }
      finish_value(p, child);
    }
  } else if (v.is_array()) {
    const auto& arr = v.as_array();
    for (size_t i = 0; i < arr.size(); ++i) {
      if (!arr[i].is_object()) continue;  // scalar lists are read whole
      const std::string p = path + "." + std::to_string(i);
      if (m_state->read.count(p) == 0) continue;  // read whole, not via items()
      finish_value(p, arr[i]);
    }
  }
}

void ConfigNode::finish() const {
  if (m_value != nullptr) finish_value(m_path, *m_value);
}

const std::vector<ParamDoc>& ConfigNode::documented() const {
  return m_state->docs;
}

std::string ConfigNode::reference() const {
  std::ostringstream out;
  for (const ParamDoc& d : m_state->docs) {
    out << d.path << " = " << d.value << "  (" << d.type;
    if (!d.allowed.empty()) out << ", " << d.allowed;
    if (d.value != d.default_value) out << ", default " << d.default_value;
    out << ")  " << d.description << '\n';
  }
  return out.str();
}

Value ConfigNode::used_values() const {
  Value tree = Value::object();
  for (const ParamDoc& d : m_state->docs)
    set_value(tree, d.path, d.used);
  return tree;
}

}  // namespace mmusim::util
