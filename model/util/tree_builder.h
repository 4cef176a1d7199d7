// Builds a Value tree from a parser's events (internal to the JSON and YAML
// readers): containers are opened and closed, scalars and keys added, each
// with its line. The builder holds the rules both formats share:
//  - at most kMaxNesting levels of arrays and objects (deeper input is
//    refused as soon as it is seen, so nothing recursive ever sees it);
//  - at most kMaxValues values per document (YAML aliases are counted as
//    often as they are expanded, so an alias bomb is refused too);
//  - no key twice in one object.
// Errors throw ConfigError "SOURCE:LINE:COL: what is wrong".
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model/util/config_error.h"
#include "model/util/value.h"

namespace mmusim::util::detail {

constexpr unsigned kMaxNesting = 64;
constexpr uint64_t kMaxValues = 1'000'000;

class TreeBuilder {
 public:
  // `yaml`: errors about the value count explain aliases.
  TreeBuilder(std::string source_name, bool yaml);

  // Positions are 1-based.
  void begin_object(uint32_t line, uint32_t col);
  void begin_array(uint32_t line, uint32_t col);
  void end();  // closes the innermost array or object
  // The next value in the innermost object is the member `key`.
  void key(std::string key, uint32_t line, uint32_t col);
  // A complete value (a scalar, or a copy of an anchored node with `count`
  // values in it).
  void add(Value v, uint32_t line, uint32_t col, uint64_t count = 1);

  // Open arrays and objects.
  size_t depth() const { return m_stack.size(); }
  // True when the innermost container is an object waiting for a key.
  bool expecting_key() const;
  // Values added so far (a YAML anchor's copy counts the difference).
  uint64_t values() const { return m_values; }
  // The value the last end() or add() completed; valid until the next call.
  const Value* last_completed() const { return m_last; }
  // The innermost open container, or nullptr.
  const Value* innermost() const { return m_stack.empty() ? nullptr : m_stack.back().container; }
  // Counts `n` more values against the limit (YAML merge keys' copies).
  void count(uint64_t n, uint32_t line, uint32_t col);
  // The finished tree; null when nothing was added.
  Value take();

  [[noreturn]] void fail(uint32_t line, uint32_t col, const std::string& what) const;
  const std::shared_ptr<const std::string>& source() const { return m_source; }

 private:
  struct Frame {
    Value* container;
    bool has_key = false;
    std::string key;
    uint32_t key_line = 0;
  };
  Value& place(Value v, uint32_t line, uint32_t col);

  std::shared_ptr<const std::string> m_source;
  Value m_root;
  bool m_have_root = false;
  std::vector<Frame> m_stack;
  uint64_t m_values = 0;
  bool m_yaml;
  const Value* m_last = nullptr;
};

// Parses an integer literal: optional sign, then decimal digits, or 0x hex /
// 0o octal digits when `yaml`. Returns false when `text` is not one; sets
// `overflow` when it is one that does not fit in 64 bits.
// The number of values in `v` (itself, its elements and members, deep).
uint64_t count_values(const Value& v);

bool parse_integer_literal(const std::string& text, bool yaml, Value& out, bool& overflow);

}  // namespace mmusim::util::detail
