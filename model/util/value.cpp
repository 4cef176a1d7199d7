#include "model/util/value.h"

#include <nlohmann/json.hpp>
#include <stdexcept>

namespace mmusim::util {

namespace {

[[noreturn]] void wrong_type(const char* wanted, const Value& v) {
  throw std::logic_error(std::string("Value: expected ") + wanted + ", have " + v.describe());
}

}  // namespace

std::string_view to_string(Value::Type t) {
  switch (t) {
    case Value::Type::kNull:
      return "null";
    case Value::Type::kBool:
      return "bool";
    case Value::Type::kInt:
      return "integer";
    case Value::Type::kUint:
      return "unsigned integer";
    case Value::Type::kDouble:
      return "number";
    case Value::Type::kString:
      return "string";
    case Value::Type::kArray:
      return "array";
    case Value::Type::kObject:
      return "object";
  }
  return "?";
}

bool Value::as_bool() const {
  if (!is_bool()) wrong_type("bool", *this);
  return std::get<bool>(m_data);
}

int64_t Value::as_int() const {
  if (type() == Type::kInt) return std::get<int64_t>(m_data);
  if (type() == Type::kUint && std::get<uint64_t>(m_data) <= uint64_t{INT64_MAX})
    return static_cast<int64_t>(std::get<uint64_t>(m_data));
  wrong_type("integer", *this);
}

uint64_t Value::as_uint() const {
  if (type() == Type::kUint) return std::get<uint64_t>(m_data);
  if (type() == Type::kInt && std::get<int64_t>(m_data) >= 0)
    return static_cast<uint64_t>(std::get<int64_t>(m_data));
  wrong_type("unsigned integer", *this);
}

double Value::as_double() const {
  switch (type()) {
    case Type::kInt:
      return static_cast<double>(std::get<int64_t>(m_data));
    case Type::kUint:
      return static_cast<double>(std::get<uint64_t>(m_data));
    case Type::kDouble:
      return std::get<double>(m_data);
    default:
      wrong_type("number", *this);
  }
}

const std::string& Value::as_string() const {
  if (!is_string()) wrong_type("string", *this);
  return std::get<std::string>(m_data);
}

const Value::Array& Value::as_array() const {
  if (!is_array()) wrong_type("array", *this);
  return std::get<Array>(m_data);
}

Value::Array& Value::as_array() {
  if (!is_array()) wrong_type("array", *this);
  return std::get<Array>(m_data);
}

const Value::Object& Value::as_object() const {
  if (!is_object()) wrong_type("object", *this);
  return std::get<Object>(m_data);
}

Value::Object& Value::as_object() {
  if (!is_object()) wrong_type("object", *this);
  return std::get<Object>(m_data);
}

const Value* Value::find(std::string_view key) const {
  if (!is_object()) return nullptr;
  for (const Member& m : std::get<Object>(m_data))
    if (m.first == key) return &m.second;
  return nullptr;
}

Value* Value::find(std::string_view key) {
  return const_cast<Value*>(static_cast<const Value&>(*this).find(key));
}

Value& Value::operator[](std::string_view key) {
  if (is_null()) m_data = Object{};
  if (Value* v = find(key)) return *v;
  Object& obj = as_object();
  obj.emplace_back(std::string(key), Value());
  return obj.back().second;
}

void Value::push_back(Value v) {
  if (is_null()) m_data = Array{};
  as_array().push_back(std::move(v));
}

size_t Value::size() const {
  if (is_array()) return std::get<Array>(m_data).size();
  if (is_object()) return std::get<Object>(m_data).size();
  return 0;
}

bool Value::operator==(const Value& o) const {
  if (is_integer() && o.is_integer()) {
    const bool neg = type() == Type::kInt && std::get<int64_t>(m_data) < 0;
    const bool oneg = o.type() == Type::kInt && std::get<int64_t>(o.m_data) < 0;
    if (neg != oneg) return false;
    return neg ? as_int() == o.as_int() : as_uint() == o.as_uint();
  }
  return m_data == o.m_data;
}

std::string Value::describe() const {
  switch (type()) {
    case Type::kNull:
    case Type::kArray:
    case Type::kObject:
      return std::string(to_string(type()));
    case Type::kBool:
      return std::string("bool ") + (as_bool() ? "true" : "false");
    case Type::kString:
      // A long string (a whole file that was one scalar) is shown by its start.
      if (as_string().size() > 80)
        return "string '" + as_string().substr(0, 60) + "...' (" +
               std::to_string(as_string().size()) + " bytes)";
      return "string '" + as_string() + "'";
    default:
      return std::string(to_string(type())) + " " + to_json(0);
  }
}

namespace {

nlohmann::ordered_json to_nlohmann(const Value& v) {
  switch (v.type()) {
    case Value::Type::kNull:
      return nullptr;
    case Value::Type::kBool:
      return v.as_bool();
    case Value::Type::kInt:
      return v.as_int();
    case Value::Type::kUint:
      return v.as_uint();
    case Value::Type::kDouble:
      return v.as_double();
    case Value::Type::kString:
      return v.as_string();
    case Value::Type::kArray: {
      nlohmann::ordered_json a = nlohmann::ordered_json::array();
      for (const Value& e : v.as_array())
        a.push_back(to_nlohmann(e));
      return a;
    }
    case Value::Type::kObject: {
      nlohmann::ordered_json o = nlohmann::ordered_json::object();
      for (const auto& [k, e] : v.as_object())
        o.emplace(k, to_nlohmann(e));
      return o;
    }
  }
  return nullptr;
}

}  // namespace

std::string Value::to_json(int indent) const {
  // Invalid UTF-8 in a string (a config value, a script path) is replaced
  // rather than thrown on: the text is for people and JSON readers.
  return to_nlohmann(*this).dump(indent > 0 ? indent : -1, ' ', false,
                                 nlohmann::ordered_json::error_handler_t::replace);
}

void Value::clear_locations() {
  m_source.reset();
  m_line = 0;
  if (is_array())
    for (Value& e : as_array())
      e.clear_locations();
  if (is_object())
    for (auto& m : as_object())
      m.second.clear_locations();
}

std::string Value::location() const {
  if (!m_source || m_line == 0) return "";
  return *m_source + ":" + std::to_string(m_line);
}

}  // namespace mmusim::util
