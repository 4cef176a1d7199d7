// The value tree configuration files parse into (JSON through nlohmann-json,
// YAML through yaml-cpp: model/util/json.h, yaml.h) and the stats are built
// as. Objects keep their keys in file order so that dumps and error reports
// follow the file; integers keep their sign and 64 bits (kInt, kUint) apart
// from doubles; each value may carry where it was read ("FILE:LINE"), which
// copies keep, so that ConfigNode can name it in errors.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace mmusim::util {

class Value {
 public:
  enum class Type : uint8_t { kNull, kBool, kInt, kUint, kDouble, kString, kArray, kObject };
  using Array = std::vector<Value>;
  using Member = std::pair<std::string, Value>;
  using Object = std::vector<Member>;

  Value() = default;
  Value(std::nullptr_t) {}
  Value(bool b) : m_data(b) {}
  Value(int i) : m_data(int64_t{i}) {}
  Value(unsigned u) : m_data(uint64_t{u}) {}
  Value(int64_t i) : m_data(i) {}
  Value(uint64_t u) : m_data(u) {}
  Value(double d) : m_data(d) {}
  Value(std::string s) : m_data(std::move(s)) {}
  Value(std::string_view s) : m_data(std::string(s)) {}
  Value(const char* s) : m_data(std::string(s)) {}
  Value(Array a) : m_data(std::move(a)) {}
  Value(Object o) : m_data(std::move(o)) {}
  static Value array() { return Value(Array{}); }
  static Value object() { return Value(Object{}); }

  Type type() const { return static_cast<Type>(m_data.index()); }
  bool is_null() const { return type() == Type::kNull; }
  bool is_bool() const { return type() == Type::kBool; }
  // kInt or kUint. Parsers store non-negative integers as kUint, negative
  // ones as kInt.
  bool is_integer() const { return type() == Type::kInt || type() == Type::kUint; }
  bool is_number() const { return is_integer() || type() == Type::kDouble; }
  bool is_string() const { return type() == Type::kString; }
  bool is_array() const { return type() == Type::kArray; }
  bool is_object() const { return type() == Type::kObject; }

  // Accessors; each throws std::logic_error when the type does not match.
  bool as_bool() const;
  int64_t as_int() const;    // kInt, or kUint up to INT64_MAX
  uint64_t as_uint() const;  // kUint, or non-negative kInt
  double as_double() const;  // any number
  const std::string& as_string() const;
  const Array& as_array() const;
  Array& as_array();
  const Object& as_object() const;
  Object& as_object();

  // Object members. find() returns nullptr when absent (or not an object).
  const Value* find(std::string_view key) const;
  Value* find(std::string_view key);
  // Inserts a null member when absent; a null value first becomes an object.
  Value& operator[](std::string_view key);
  // Appends to an array; a null value first becomes an array.
  void push_back(Value v);
  // Elements of an array or members of an object; 0 otherwise.
  size_t size() const;

  // Structural equality; integers compare by numeric value across kInt and
  // kUint, object members in order.
  bool operator==(const Value& o) const;
  bool operator!=(const Value& o) const { return !(*this == o); }

  // "unsigned integer 5", "string 'lru'", "object": for error messages.
  std::string describe() const;
  // The value as JSON text (compact when indent is 0), written by
  // nlohmann-json: doubles as the shortest text that reads back the same,
  // always with a '.' or an exponent; NaN and infinities as null.
  std::string to_json(int indent = 2) const;

  // Where the value was read: "FILE:LINE", or "" when it was not read from
  // a file (built in code, or from the command line). For an object member
  // it is the line of its key.
  std::string location() const;
  void set_location(std::shared_ptr<const std::string> source, uint32_t line) {
    m_source = std::move(source);
    m_line = line;
  }
  void copy_location_from(const Value& o) {
    m_source = o.m_source;
    m_line = o.m_line;
  }
  // Forgets the location of this value and of everything in it.
  void clear_locations();

 private:
  std::variant<std::monostate, bool, int64_t, uint64_t, double, std::string, Array, Object> m_data;
  std::shared_ptr<const std::string> m_source;  // file name, shared by its values
  uint32_t m_line = 0;                          // 1-based; 0: none
};

std::string_view to_string(Value::Type t);

}  // namespace mmusim::util
