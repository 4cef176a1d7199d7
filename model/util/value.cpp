#include "model/util/value.h"

#include <sstream>
#include <stdexcept>

#include "model/util/json_writer.h"

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
      return "string '" + as_string() + "'";
    default:
      return std::string(to_string(type())) + " " + to_json(0);
  }
}

std::string Value::to_json(int indent) const {
  std::ostringstream out;
  JsonWriter w(out, indent);
  w.value(*this);
  return out.str();
}

}  // namespace mmusim::util
