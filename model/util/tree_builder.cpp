#include "model/util/tree_builder.h"

#include <cctype>
#include <charconv>

namespace mmusim::util::detail {

TreeBuilder::TreeBuilder(std::string source_name, bool yaml)
    : m_source(std::make_shared<const std::string>(std::move(source_name))), m_yaml(yaml) {}

void TreeBuilder::fail(uint32_t line, uint32_t col, const std::string& what) const {
  throw ConfigError(*m_source + ":" + std::to_string(line) + ":" + std::to_string(col) + ": " +
                    what);
}

void TreeBuilder::count(uint64_t n, uint32_t line, uint32_t col) {
  m_values += n;
  if (m_values > kMaxValues)
    fail(line, col,
         "more than " + std::to_string(kMaxValues) + " values" +
             (m_yaml ? " (a YAML alias counts as many values as it repeats)" : ""));
}

bool TreeBuilder::expecting_key() const {
  return !m_stack.empty() && m_stack.back().container->is_object() && !m_stack.back().has_key;
}

Value& TreeBuilder::place(Value v, uint32_t line, uint32_t col) {
  if (m_stack.empty()) {
    if (m_have_root) fail(line, col, "more than one value at the top level");
    m_have_root = true;
    m_root = std::move(v);
    m_root.set_location(m_source, line);
    return m_root;
  }
  Frame& top = m_stack.back();
  if (top.container->is_array()) {
    Value::Array& arr = top.container->as_array();
    arr.push_back(std::move(v));
    arr.back().set_location(m_source, line);
    return arr.back();
  }
  if (!top.has_key) fail(line, col, "expected a key");
  top.has_key = false;
  Value::Object& obj = top.container->as_object();
  obj.emplace_back(std::move(top.key), std::move(v));
  obj.back().second.set_location(m_source, top.key_line);
  return obj.back().second;
}

void TreeBuilder::key(std::string k, uint32_t line, uint32_t col) {
  if (!expecting_key()) fail(line, col, "unexpected key '" + k + "'");
  Frame& top = m_stack.back();
  if (top.container->find(k) != nullptr) {
    const std::string first = top.container->find(k)->location();
    fail(line, col,
         "duplicate key '" + k + "'" + (first.empty() ? "" : " (first at " + first + ")"));
  }
  top.has_key = true;
  top.key = std::move(k);
  top.key_line = line;
}

void TreeBuilder::begin_object(uint32_t line, uint32_t col) {
  if (m_stack.size() >= kMaxNesting)
    fail(line, col,
         "nesting too deep (more than " + std::to_string(kMaxNesting) +
             " levels of arrays and objects)");
  count(1, line, col);
  m_stack.push_back(Frame{&place(Value::object(), line, col), false, {}, 0});
}

void TreeBuilder::begin_array(uint32_t line, uint32_t col) {
  if (m_stack.size() >= kMaxNesting)
    fail(line, col,
         "nesting too deep (more than " + std::to_string(kMaxNesting) +
             " levels of arrays and objects)");
  count(1, line, col);
  m_stack.push_back(Frame{&place(Value::array(), line, col), false, {}, 0});
}

void TreeBuilder::end() {
  m_last = m_stack.back().container;
  m_stack.pop_back();
}

void TreeBuilder::add(Value v, uint32_t line, uint32_t col, uint64_t n) {
  count(n, line, col);
  m_last = &place(std::move(v), line, col);
}

Value TreeBuilder::take() {
  m_stack.clear();
  m_last = nullptr;
  return std::move(m_root);
}

uint64_t count_values(const Value& v) {
  uint64_t n = 1;
  if (v.is_array())
    for (const Value& e : v.as_array())
      n += count_values(e);
  if (v.is_object())
    for (const auto& m : v.as_object())
      n += count_values(m.second);
  return n;
}

bool parse_integer_literal(const std::string& text, bool yaml, Value& out, bool& overflow) {
  overflow = false;
  std::string_view t = text;
  bool neg = false;
  if (!t.empty() && (t[0] == '-' || (yaml && t[0] == '+'))) {
    neg = t[0] == '-';
    t.remove_prefix(1);
  }
  int base = 10;
  if (yaml && t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'o')) {
    base = t[1] == 'x' ? 16 : 8;
    t.remove_prefix(2);
  }
  if (t.empty()) return false;
  for (char c : t) {
    const bool ok = base == 16  ? std::isxdigit(static_cast<unsigned char>(c)) != 0
                    : base == 8 ? (c >= '0' && c <= '7')
                                : (c >= '0' && c <= '9');
    if (!ok) return false;
  }
  uint64_t mag = 0;
  const auto res = std::from_chars(t.data(), t.data() + t.size(), mag, base);
  if (res.ec == std::errc::result_out_of_range) {
    overflow = true;
    return true;
  }
  if (!neg || mag == 0) {
    out = Value(mag);
  } else if (mag <= uint64_t{1} << 63) {
    out = Value(mag == uint64_t{1} << 63 ? INT64_MIN : -static_cast<int64_t>(mag));
  } else {
    overflow = true;
  }
  return true;
}

}  // namespace mmusim::util::detail
