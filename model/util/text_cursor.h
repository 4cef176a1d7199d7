// Position tracking shared by the JSON and YAML parsers (internal).
#pragma once

#include <string>
#include <string_view>

#include "model/util/config_error.h"
#include "model/util/value.h"

namespace mmusim::util::detail {

// "SOURCE:LINE:COL: what".
[[noreturn]] inline void fail_at(std::string_view source, int line, int col,
                                 const std::string& what) {
  throw ConfigError(std::string(source) + ":" + std::to_string(line) + ":" + std::to_string(col) +
                    ": " + what);
}

// Appends code point `cp` to `out` as UTF-8.
inline void append_utf8(std::string& out, unsigned cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

// The character a one-letter backslash escape stands for (JSON's set plus
// YAML's \0). Returns false for anything else (\u, \x and unknown escapes).
inline bool decode_single_escape(char e, char& out) {
  switch (e) {
    case '"':
      out = '"';
      return true;
    case '\\':
      out = '\\';
      return true;
    case '/':
      out = '/';
      return true;
    case 'b':
      out = '\b';
      return true;
    case 'f':
      out = '\f';
      return true;
    case 'n':
      out = '\n';
      return true;
    case 'r':
      out = '\r';
      return true;
    case 't':
      out = '\t';
      return true;
    case '0':
      out = '\0';
      return true;
    default:
      return false;
  }
}

// Parses an integer literal: optional '-', then decimal digits or 0x hex
// digits (hex only when `allow_hex`). Returns false when `text` is not such
// a literal; sets `overflow` when it is one but does not fit in 64 bits.
bool parse_integer_literal(std::string_view text, bool allow_hex, Value& out, bool& overflow);

}  // namespace mmusim::util::detail
