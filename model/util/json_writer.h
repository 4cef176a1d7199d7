// A streaming JSON writer for statistics and config dumps. Misuse (a value
// where a key is due, unbalanced ends) is a programming error and throws
// std::logic_error.
#pragma once

#include <cstdint>
#include <ostream>
#include <string_view>
#include <vector>

namespace mmusim::util {

class Value;

class JsonWriter {
 public:
  // `indent` spaces per level; 0 writes everything on one line.
  explicit JsonWriter(std::ostream& out, int indent = 2);

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view name);

  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(bool b);
  JsonWriter& value(int i) { return value(int64_t{i}); }
  JsonWriter& value(unsigned u) { return value(uint64_t{u}); }
  JsonWriter& value(int64_t i);
  JsonWriter& value(uint64_t u);
  // Shortest text that reads back to the same double, always with a '.' or
  // an exponent; NaN and infinities (not JSON) are written as null.
  JsonWriter& value(double d);
  JsonWriter& null();
  JsonWriter& value(const Value& v);

  // key(name).value(v)
  template <typename T>
  JsonWriter& field(std::string_view name, const T& v) {
    key(name);
    return value(v);
  }

  // True once a single top-level value is complete.
  bool done() const { return m_stack.empty() && m_wrote_top; }

  // "\"a\\n\"": a JSON string literal.
  static std::string quote(std::string_view s);

 private:
  enum class Frame : uint8_t { kObjectKey, kObjectValue, kArray };
  struct Level {
    Frame frame;
    bool empty;
  };
  void before_value();
  void newline();
  void raw(std::string_view text);

  std::ostream& m_out;
  int m_indent;
  std::vector<Level> m_stack;
  bool m_wrote_top = false;
};

}  // namespace mmusim::util
