#include "model/util/json_writer.h"

#include <charconv>
#include <cmath>
#include <stdexcept>
#include <string>

#include "model/util/value.h"

namespace mmusim::util {

JsonWriter::JsonWriter(std::ostream& out, int indent) : m_out(out), m_indent(indent) {}

std::string JsonWriter::quote(std::string_view s) {
  std::string q = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        q += "\\\"";
        break;
      case '\\':
        q += "\\\\";
        break;
      case '\b':
        q += "\\b";
        break;
      case '\f':
        q += "\\f";
        break;
      case '\n':
        q += "\\n";
        break;
      case '\r':
        q += "\\r";
        break;
      case '\t':
        q += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          static constexpr char kHex[] = "0123456789abcdef";
          q += "\\u00";
          q += kHex[(c >> 4) & 0xf];
          q += kHex[c & 0xf];
        } else {
          q += c;
        }
    }
  }
  q += '"';
  return q;
}

void JsonWriter::newline() {
  if (m_indent <= 0) return;
  m_out << '\n' << std::string(m_stack.size() * static_cast<size_t>(m_indent), ' ');
}

void JsonWriter::before_value() {
  if (m_stack.empty()) {
    if (m_wrote_top) throw std::logic_error("JsonWriter: second top-level value");
    m_wrote_top = true;
    return;
  }
  Level& top = m_stack.back();
  switch (top.frame) {
    case Frame::kObjectKey:
      throw std::logic_error("JsonWriter: value without a key in an object");
    case Frame::kObjectValue:
      top.frame = Frame::kObjectKey;
      break;
    case Frame::kArray:
      if (!top.empty) m_out << ',';
      top.empty = false;
      newline();
      break;
  }
}

void JsonWriter::raw(std::string_view text) {
  before_value();
  m_out << text;
}

JsonWriter& JsonWriter::key(std::string_view name) {
  if (m_stack.empty() || m_stack.back().frame != Frame::kObjectKey)
    throw std::logic_error("JsonWriter: key outside an object or after another key");
  Level& top = m_stack.back();
  if (!top.empty) m_out << ',';
  top.empty = false;
  newline();
  m_out << quote(name) << (m_indent > 0 ? ": " : ":");
  top.frame = Frame::kObjectValue;
  return *this;
}

JsonWriter& JsonWriter::begin_object() {
  raw("{");
  m_stack.push_back({Frame::kObjectKey, true});
  return *this;
}

JsonWriter& JsonWriter::end_object() {
  if (m_stack.empty() || m_stack.back().frame != Frame::kObjectKey)
    throw std::logic_error("JsonWriter: end_object without a matching begin_object");
  const bool empty = m_stack.back().empty;
  m_stack.pop_back();
  if (!empty) newline();
  m_out << '}';
  return *this;
}

JsonWriter& JsonWriter::begin_array() {
  raw("[");
  m_stack.push_back({Frame::kArray, true});
  return *this;
}

JsonWriter& JsonWriter::end_array() {
  if (m_stack.empty() || m_stack.back().frame != Frame::kArray)
    throw std::logic_error("JsonWriter: end_array without a matching begin_array");
  const bool empty = m_stack.back().empty;
  m_stack.pop_back();
  if (!empty) newline();
  m_out << ']';
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view s) {
  raw(quote(s));
  return *this;
}

JsonWriter& JsonWriter::value(bool b) {
  raw(b ? "true" : "false");
  return *this;
}

JsonWriter& JsonWriter::value(int64_t i) {
  raw(std::to_string(i));
  return *this;
}

JsonWriter& JsonWriter::value(uint64_t u) {
  raw(std::to_string(u));
  return *this;
}

JsonWriter& JsonWriter::value(double d) {
  if (!std::isfinite(d)) return null();
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, d);
  std::string text(buf, res.ptr);
  if (text.find_first_of(".e") == std::string::npos) text += ".0";
  raw(text);
  return *this;
}

JsonWriter& JsonWriter::null() {
  raw("null");
  return *this;
}

JsonWriter& JsonWriter::value(const Value& v) {
  switch (v.type()) {
    case Value::Type::kNull:
      return null();
    case Value::Type::kBool:
      return value(v.as_bool());
    case Value::Type::kInt:
      return value(v.as_int());
    case Value::Type::kUint:
      return value(v.as_uint());
    case Value::Type::kDouble:
      return value(v.as_double());
    case Value::Type::kString:
      return value(std::string_view(v.as_string()));
    case Value::Type::kArray:
      begin_array();
      for (const Value& e : v.as_array())
        value(e);
      return end_array();
    case Value::Type::kObject:
      begin_object();
      for (const auto& [k, e] : v.as_object()) {
        key(k);
        value(e);
      }
      return end_object();
  }
  return *this;
}

}  // namespace mmusim::util
