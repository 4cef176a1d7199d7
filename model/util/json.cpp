#include "model/util/json.h"

#include <cstdlib>

#include "model/util/text_cursor.h"

namespace mmusim::util {

namespace detail {

bool parse_integer_literal(std::string_view text, bool allow_hex, Value& out, bool& overflow) {
  overflow = false;
  bool negative = false;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  unsigned base = 10;
  if (allow_hex && text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    text.remove_prefix(2);
  }
  if (text.empty()) return false;
  uint64_t v = 0;
  for (char c : text) {
    unsigned d;
    if (c >= '0' && c <= '9')
      d = static_cast<unsigned>(c - '0');
    else if (base == 16 && c >= 'a' && c <= 'f')
      d = static_cast<unsigned>(c - 'a' + 10);
    else if (base == 16 && c >= 'A' && c <= 'F')
      d = static_cast<unsigned>(c - 'A' + 10);
    else
      return false;
    if (v > (UINT64_MAX - d) / base) overflow = true;
    v = v * base + d;
  }
  if (overflow) return true;
  if (!negative) {
    out = Value(v);
  } else if (v <= uint64_t{INT64_MAX} + 1) {
    out = Value(static_cast<int64_t>(0 - v));
  } else {
    overflow = true;
  }
  return true;
}

}  // namespace detail

namespace {

class JsonParser {
 public:
  JsonParser(std::string_view text, std::string_view source) : m_text(text), m_source(source) {}

  Value parse_document() {
    skip_space();
    Value v = parse_value();
    skip_space();
    if (m_pos < m_text.size()) fail("unexpected text after the top-level value");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    detail::fail_at(m_source, m_line, static_cast<int>(m_pos - m_line_start) + 1, what);
  }
  bool at_end() const { return m_pos >= m_text.size(); }
  char peek() const { return at_end() ? '\0' : m_text[m_pos]; }
  void advance() {
    if (m_text[m_pos] == '\n') {
      ++m_line;
      m_line_start = m_pos + 1;
    }
    ++m_pos;
  }
  void skip_space() {
    while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r'))
      advance();
  }
  void expect(char c, const char* what) {
    if (peek() != c) fail(std::string("expected ") + what);
    advance();
  }

  Value parse_value() {
    if (at_end()) fail("unexpected end of input, expected a value");
    const char c = peek();
    if (c == '{') return parse_object();
    if (c == '[') return parse_array();
    if (c == '"') return Value(parse_string());
    if (c == '-' || (c >= '0' && c <= '9')) return parse_number();
    if (m_text.substr(m_pos, 4) == "true") return literal(4, Value(true));
    if (m_text.substr(m_pos, 5) == "false") return literal(5, Value(false));
    if (m_text.substr(m_pos, 4) == "null") return literal(4, Value());
    fail(std::string("unexpected character '") + c + "'");
  }

  Value literal(size_t n, Value v) {
    for (size_t i = 0; i < n; ++i)
      advance();
    return v;
  }

  Value parse_object() {
    advance();  // '{'
    Value obj = Value::object();
    skip_space();
    if (peek() == '}') {
      advance();
      return obj;
    }
    while (true) {
      skip_space();
      if (peek() != '"') fail("expected a string key");
      const int key_line = m_line;
      const int key_col = static_cast<int>(m_pos - m_line_start) + 1;
      std::string key = parse_string();
      if (obj.find(key) != nullptr)
        detail::fail_at(m_source, key_line, key_col, "duplicate key '" + key + "'");
      skip_space();
      expect(':', "':' after key");
      skip_space();
      Value v = parse_value();
      obj.as_object().emplace_back(std::move(key), std::move(v));
      skip_space();
      if (peek() == ',') {
        advance();
        continue;
      }
      if (peek() == '}') {
        advance();
        return obj;
      }
      fail("expected ',' or '}' in object");
    }
  }

  Value parse_array() {
    advance();  // '['
    Value arr = Value::array();
    skip_space();
    if (peek() == ']') {
      advance();
      return arr;
    }
    while (true) {
      skip_space();
      arr.push_back(parse_value());
      skip_space();
      if (peek() == ',') {
        advance();
        continue;
      }
      if (peek() == ']') {
        advance();
        return arr;
      }
      fail("expected ',' or ']' in array");
    }
  }

  unsigned parse_hex4() {
    unsigned cp = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = peek();
      unsigned d;
      if (c >= '0' && c <= '9')
        d = static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f')
        d = static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        d = static_cast<unsigned>(c - 'A' + 10);
      else
        fail("malformed \\u escape");
      cp = cp * 16 + d;
      advance();
    }
    return cp;
  }

  std::string parse_string() {
    advance();  // '"'
    std::string s;
    while (true) {
      if (at_end() || peek() == '\n') fail("unterminated string");
      const char c = peek();
      if (c == '"') {
        advance();
        return s;
      }
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in string");
      if (c != '\\') {
        s += c;
        advance();
        continue;
      }
      advance();
      const char e = peek();
      if (at_end()) fail("unterminated string");
      char simple;
      if (e != '0' && detail::decode_single_escape(e, simple)) {  // JSON has no \0
        s += simple;
        advance();
        continue;
      }
      if (e != 'u') fail(std::string("unknown escape '\\") + e + "'");
      advance();
      unsigned cp = parse_hex4();
      if (cp >= 0xd800 && cp < 0xdc00 && m_text.substr(m_pos, 2) == "\\u") {
        advance();
        advance();
        const unsigned lo = parse_hex4();
        if (lo < 0xdc00 || lo >= 0xe000) fail("malformed surrogate pair");
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
      }
      detail::append_utf8(s, cp);
    }
  }

  Value parse_number() {
    const size_t start = m_pos;
    const int col = static_cast<int>(m_pos - m_line_start) + 1;
    bool is_float = false;
    if (peek() == '-') advance();
    while (!at_end()) {
      const char c = peek();
      if (c >= '0' && c <= '9') {
      } else if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
        is_float = true;
      } else {
        break;
      }
      advance();
    }
    const std::string_view text = m_text.substr(start, m_pos - start);
    const std::string owned(text);
    auto bad = [&]() {
      detail::fail_at(m_source, m_line, col, "malformed number '" + owned + "'");
    };
    // RFC 8259: no leading zeros, digits required around '.' and after 'e'.
    const size_t digits = text[0] == '-' ? 1 : 0;
    if (text.size() <= digits || !(text[digits] >= '0' && text[digits] <= '9')) bad();
    if (text[digits] == '0' && text.size() > digits + 1 && text[digits + 1] >= '0' &&
        text[digits + 1] <= '9')
      bad();
    if (!is_float) {
      Value v;
      bool overflow = false;
      if (!detail::parse_integer_literal(text, false, v, overflow)) bad();
      if (overflow)
        detail::fail_at(m_source, m_line, col, "integer '" + owned + "' does not fit in 64 bits");
      return v;
    }
    char* end = nullptr;
    const double d = std::strtod(owned.c_str(), &end);
    if (end != owned.c_str() + owned.size() || owned.back() == '.' ||
        owned.find(".e") != std::string::npos || owned.find(".E") != std::string::npos)
      bad();
    return Value(d);
  }

  std::string_view m_text;
  std::string_view m_source;
  size_t m_pos = 0;
  int m_line = 1;
  size_t m_line_start = 0;
};

}  // namespace

Value parse_json(std::string_view text, std::string_view source_name) {
  return JsonParser(text, source_name).parse_document();
}

}  // namespace mmusim::util
