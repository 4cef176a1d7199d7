#include "model/util/yaml.h"

#include <cmath>
#include <cstdlib>
#include <vector>

#include "model/util/text_cursor.h"

namespace mmusim::util {

namespace {

struct Line {
  int number;             // 1-based
  int indent;             // leading spaces
  std::string_view text;  // content after the indent, comment and trailing space removed
};

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back()))
    s.remove_suffix(1);
  return s;
}

// Inline values: flow collections, quoted and plain scalars.
class InlineParser {
 public:
  InlineParser(std::string_view text, std::string_view source, int line, int col)
      : m_text(text), m_source(source), m_line(line), m_col(col) {}

  // Parses the whole text as one value.
  Value parse_all() {
    skip_space();
    Value v = parse_value(false);
    skip_space();
    if (m_pos < m_text.size()) fail("unexpected text after value");
    return v;
  }

  // Parses "key:" at the start of the text; returns false (without
  // consuming) when the text does not start with a key.
  bool parse_key(std::string& key) {
    const size_t save = m_pos;
    if (peek() == '"' || peek() == '\'') {
      key = parse_quoted();
      skip_space();
    } else {
      size_t i = m_pos;
      while (i < m_text.size() &&
             !(m_text[i] == ':' && (i + 1 == m_text.size() || is_blank(m_text[i + 1]))))
        ++i;
      if (i == m_text.size()) return false;
      key = std::string(trim(m_text.substr(m_pos, i - m_pos)));
      if (key.empty() || key[0] == '[' || key[0] == '{') {
        m_pos = save;
        return false;
      }
      m_pos = i;
    }
    if (peek() != ':' || (m_pos + 1 < m_text.size() && !is_blank(m_text[m_pos + 1]))) {
      m_pos = save;
      return false;
    }
    ++m_pos;
    skip_space();
    return true;
  }

  std::string_view rest() const { return m_text.substr(m_pos); }
  int column() const { return m_col + static_cast<int>(m_pos); }

  [[noreturn]] void fail(const std::string& what) const {
    detail::fail_at(m_source, m_line, column(), what);
  }

 private:
  char peek() const { return m_pos < m_text.size() ? m_text[m_pos] : '\0'; }
  void skip_space() {
    while (m_pos < m_text.size() && is_blank(m_text[m_pos]))
      ++m_pos;
  }

  Value parse_value(bool in_flow) {
    const char c = peek();
    if (c == '[') return parse_flow_sequence();
    if (c == '{') return parse_flow_mapping();
    if (c == '"' || c == '\'') return Value(parse_quoted());
    const size_t start = m_pos;
    while (m_pos < m_text.size()) {
      const char d = m_text[m_pos];
      if (in_flow && (d == ',' || d == ']' || d == '}')) break;
      if (in_flow && d == ':' && (m_pos + 1 == m_text.size() || is_blank(m_text[m_pos + 1]))) break;
      ++m_pos;
    }
    const std::string_view word = trim(m_text.substr(start, m_pos - start));
    if (word.empty()) {
      m_pos = start;
      fail("expected a value");
    }
    const int col = m_col + static_cast<int>(start);
    return resolve_plain(word, col);
  }

  Value resolve_plain(std::string_view w, int col) const {
    if (w == "~" || w == "null" || w == "Null" || w == "NULL") return Value();
    if (w == "true" || w == "True" || w == "TRUE") return Value(true);
    if (w == "false" || w == "False" || w == "FALSE") return Value(false);
    Value v;
    bool overflow = false;
    if (detail::parse_integer_literal(w, true, v, overflow)) {
      if (overflow)
        detail::fail_at(m_source, m_line, col,
                        "integer '" + std::string(w) + "' does not fit in 64 bits");
      return v;
    }
    if (looks_like_float(w)) {
      const std::string s(w);
      char* end = nullptr;
      const double d = std::strtod(s.c_str(), &end);
      if (end == s.c_str() + s.size()) return Value(d);
    }
    if (w == ".inf" || w == "+.inf") return Value(HUGE_VAL);
    if (w == "-.inf") return Value(-HUGE_VAL);
    return Value(std::string(w));
  }

  static bool looks_like_float(std::string_view w) {
    size_t i = (w[0] == '-' || w[0] == '+') ? 1 : 0;
    bool digit = false;
    for (; i < w.size(); ++i) {
      const char c = w[i];
      if (c >= '0' && c <= '9')
        digit = true;
      else if (c != '.' && c != 'e' && c != 'E' && c != '-' && c != '+')
        return false;
    }
    return digit;
  }

  std::string parse_quoted() {
    const char q = peek();
    ++m_pos;
    std::string s;
    while (true) {
      if (m_pos >= m_text.size()) fail("unterminated string");
      const char c = m_text[m_pos];
      if (q == '\'' && c == '\'') {
        if (m_pos + 1 < m_text.size() && m_text[m_pos + 1] == '\'') {
          s += '\'';
          m_pos += 2;
          continue;
        }
        ++m_pos;
        return s;
      }
      if (q == '"' && c == '"') {
        ++m_pos;
        return s;
      }
      if (q == '"' && c == '\\') {
        ++m_pos;
        if (m_pos >= m_text.size()) fail("unterminated string");
        const char e = m_text[m_pos];
        char simple;
        if (detail::decode_single_escape(e, simple)) {
          s += simple;
          ++m_pos;
          continue;
        }
        switch (e) {
          case 'x':
          case 'u': {
            const size_t n = e == 'x' ? 2 : 4;
            unsigned cp = 0;
            for (size_t k = 0; k < n; ++k) {
              ++m_pos;
              const char h = peek();
              const int d = (h >= '0' && h <= '9')   ? h - '0'
                            : (h >= 'a' && h <= 'f') ? h - 'a' + 10
                            : (h >= 'A' && h <= 'F') ? h - 'A' + 10
                                                     : -1;
              if (d < 0) fail("malformed escape");
              cp = cp * 16 + static_cast<unsigned>(d);
            }
            detail::append_utf8(s, cp);
            break;
          }
          default:
            fail(std::string("unknown escape '\\") + e + "'");
        }
        ++m_pos;
        continue;
      }
      s += c;
      ++m_pos;
    }
  }

  Value parse_flow_sequence() {
    ++m_pos;  // '['
    Value arr = Value::array();
    skip_space();
    if (peek() == ']') {
      ++m_pos;
      return arr;
    }
    while (true) {
      skip_space();
      arr.push_back(parse_value(true));
      skip_space();
      if (peek() == ',') {
        ++m_pos;
        continue;
      }
      if (peek() == ']') {
        ++m_pos;
        return arr;
      }
      fail("expected ',' or ']' in flow sequence");
    }
  }

  Value parse_flow_mapping() {
    ++m_pos;  // '{'
    Value obj = Value::object();
    skip_space();
    if (peek() == '}') {
      ++m_pos;
      return obj;
    }
    while (true) {
      skip_space();
      const int key_col = column();
      const Value key = parse_value(true);
      if (key.is_array() || key.is_object() || key.is_null()) fail("expected a key");
      const std::string k = key.is_string() ? key.as_string() : key.to_json(0);
      skip_space();
      if (peek() != ':') fail("expected ':' after key");
      ++m_pos;
      skip_space();
      if (obj.find(k) != nullptr)
        detail::fail_at(m_source, m_line, key_col, "duplicate key '" + k + "'");
      obj.as_object().emplace_back(k, parse_value(true));
      skip_space();
      if (peek() == ',') {
        ++m_pos;
        continue;
      }
      if (peek() == '}') {
        ++m_pos;
        return obj;
      }
      fail("expected ',' or '}' in flow mapping");
    }
  }

  std::string_view m_text;
  std::string_view m_source;
  int m_line;
  int m_col;  // column of m_text[0]
  size_t m_pos = 0;
};

// Removes a '#' comment: one at the start or after a blank, outside quotes.
std::string_view strip_comment(std::string_view s) {
  char quote = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (quote != 0) {
      if (quote == '"' && c == '\\')
        ++i;
      else if (c == quote)
        quote = 0;
      continue;
    }
    const bool token_start =
        i == 0 || is_blank(s[i - 1]) || s[i - 1] == '[' || s[i - 1] == '{' || s[i - 1] == ',';
    if (c == '#' && (i == 0 || is_blank(s[i - 1]))) return s.substr(0, i);
    if ((c == '"' || c == '\'') && token_start) quote = c;
  }
  return s;
}

class BlockParser {
 public:
  BlockParser(std::string_view text, std::string_view source) : m_source(source) {
    int number = 0;
    size_t pos = 0;
    while (pos <= text.size()) {
      const size_t nl = text.find('\n', pos);
      const size_t end = nl == std::string_view::npos ? text.size() : nl;
      std::string_view raw = text.substr(pos, end - pos);
      ++number;
      pos = end + 1;
      int indent = 0;
      while (static_cast<size_t>(indent) < raw.size() && raw[indent] == ' ')
        ++indent;
      std::string_view body = trim(strip_comment(raw.substr(indent)));
      if (body.empty()) continue;
      if (raw[indent] == '\t') detail::fail_at(m_source, number, indent + 1, "tab in indentation");
      if (m_lines.empty() && indent == 0 && body == "---") continue;
      m_lines.push_back({number, indent, body});
      if (nl == std::string_view::npos) break;
    }
  }

  Value parse_document() {
    if (m_lines.empty()) return Value();
    size_t i = 0;
    Value v = parse_block(i, m_lines[0].indent);
    if (i < m_lines.size()) fail(m_lines[i], 0, "unexpected indentation");
    return v;
  }

 private:
  [[noreturn]] void fail(const Line& l, size_t offset, const std::string& what) const {
    detail::fail_at(m_source, l.number, l.indent + 1 + static_cast<int>(offset), what);
  }

  static bool is_seq_item(const Line& l) {
    return l.text == "-" || (l.text.size() > 1 && l.text[0] == '-' && is_blank(l.text[1]));
  }

  InlineParser inline_parser(const Line& l, std::string_view part) const {
    const int col = l.indent + 1 + static_cast<int>(part.data() - l.text.data());
    return InlineParser(part, m_source, l.number, col);
  }

  Value parse_block(size_t& i, int indent) {
    return is_seq_item(m_lines[i]) ? parse_sequence(i, indent) : parse_mapping(i, indent);
  }

  // The value after "key:" or "-" with nothing else on the line: a nested
  // block, a sequence at the same indent (mapping values only), or null.
  Value parse_nested(size_t& i, int indent, bool allow_same_indent_sequence) {
    if (i < m_lines.size() && m_lines[i].indent > indent) return parse_block(i, m_lines[i].indent);
    if (allow_same_indent_sequence && i < m_lines.size() && m_lines[i].indent == indent &&
        is_seq_item(m_lines[i]))
      return parse_sequence(i, indent);
    return Value();
  }

  Value parse_mapping(size_t& i, int indent) {
    Value obj = Value::object();
    while (i < m_lines.size()) {
      const Line& l = m_lines[i];
      if (l.indent < indent) break;
      if (l.indent > indent) fail(l, 0, "unexpected indentation");
      if (is_seq_item(l)) fail(l, 0, "sequence item where a 'key: value' was expected");
      InlineParser p = inline_parser(l, l.text);
      std::string key;
      if (!p.parse_key(key)) fail(l, 0, "expected 'key: value'");
      if (obj.find(key) != nullptr) fail(l, 0, "duplicate key '" + key + "'");
      const std::string_view rest = p.rest();
      ++i;
      Value v;
      if (!rest.empty()) {
        v = inline_parser(l, rest).parse_all();
        if (i < m_lines.size() && m_lines[i].indent > indent)
          fail(m_lines[i], 0, "unexpected indentation");
      } else {
        v = parse_nested(i, indent, true);
      }
      obj.as_object().emplace_back(std::move(key), std::move(v));
    }
    return obj;
  }

  Value parse_sequence(size_t& i, int indent) {
    Value arr = Value::array();
    while (i < m_lines.size()) {
      Line& l = m_lines[i];
      if (l.indent < indent) break;
      if (l.indent > indent) fail(l, 0, "unexpected indentation");
      if (!is_seq_item(l)) break;
      const std::string_view rest = trim(l.text.substr(1));
      if (rest.empty()) {
        ++i;
        arr.push_back(parse_nested(i, indent, false));
        continue;
      }
      std::string key;
      InlineParser probe = inline_parser(l, rest);
      if (probe.parse_key(key) || (rest[0] == '-' && (rest.size() == 1 || is_blank(rest[1])))) {
        // "- key: value" or "- - x": the item is a block whose indent is
        // the column of its first character.
        l.indent += static_cast<int>(rest.data() - l.text.data());
        l.text = rest;
        arr.push_back(parse_block(i, l.indent));
        continue;
      }
      ++i;
      arr.push_back(inline_parser(l, rest).parse_all());
      if (i < m_lines.size() && m_lines[i].indent > indent)
        fail(m_lines[i], 0, "unexpected indentation");
    }
    return arr;
  }

  std::string_view m_source;
  std::vector<Line> m_lines;
};

}  // namespace

Value parse_yaml(std::string_view text, std::string_view source_name) {
  return BlockParser(text, source_name).parse_document();
}

Value parse_yaml_scalar(std::string_view text, std::string_view source_name) {
  return InlineParser(trim(text), source_name, 1, 1).parse_all();
}

}  // namespace mmusim::util
