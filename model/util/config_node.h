// Typed, documented access to one object of a configuration tree
// (Ramulator-2 style: every parameter is declared where it is read, with a
// default, a legal range and a description; errors name the full key).
//
//   util::ConfigNode root(util::load_config_file("run.yaml"));
//   util::ConfigNode tlb = root.at("mmu.l1_dtlb");
//   p.entries = tlb.get_uint("entries", 64, 1, 65536, "TLB entries");
//   ...                       // every component reads its node
//   root.finish();            // "mmu.l1_dtlb.entriez: unknown key"
//
// Nodes are cheap views sharing one state (the tree, the set of keys read,
// the parameter documentation and the values used), so copies can be handed
// to components.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "model/util/config_error.h"
#include "model/util/value.h"

namespace mmusim::util {

// One documented parameter, recorded by each get_* call.
struct ParamDoc {
  std::string path;           // "mmu.l1_dtlb.ways"
  std::string type;           // "uint", "double", "bool", "string", "enum"
  std::string default_value;  // "4", "0.5", "true", "lru", or what it follows ("entries")
  std::string allowed;        // "[1, 4096]", "lru | fifo | random", or ""
  std::string description;
  std::string value;  // the value used, as text ("4"); the default's until read
  Value used;         // the value used (a uint, double, bool or string)
};

class ConfigNode {
 public:
  // A root node over `root`, which must be an object or null (no config).
  // Dotted keys in it are expanded first (expand_dotted_keys). With
  // `locate_errors`, errors about a value read from a file start with its
  // "FILE:LINE: " (Value::location()).
  explicit ConfigNode(Value root = Value::object(), bool locate_errors = false);

  // Full dotted path of this node; "" for the root.
  const std::string& path() const { return m_path; }
  // True when the node's object exists in the tree.
  bool present() const { return m_value != nullptr; }
  // True when `key` is set: present and not null (null means "the default").
  // Does not count as reading it.
  bool has(std::string_view key) const;
  // Throws ConfigError "FILE:LINE: full.key: what" (the location when the
  // tree was built with locate_errors and the value came from a file).
  [[noreturn]] void fail(std::string_view key, const std::string& what) const;

  // The object at `key`; a missing key (or null value) gives an empty node
  // whose get_* return their defaults. Throws when the value is not an object.
  ConfigNode child(std::string_view key) const;
  // child() along a dotted path, "mmu.l1_dtlb".
  ConfigNode at(std::string_view dotted_path) const;
  // The objects of an array at `key` ("devices.0", "devices.1", ...); empty
  // when absent. Throws when the value is not an array of objects.
  std::vector<ConfigNode> items(std::string_view key) const;

  // An unsigned integer: a number, a "0x.." string, or a size string with a
  // K, M or G suffix (powers of 1024; k, m, g too), e.g. "32K". Throws
  // "mmu.l1_dtlb.ways: 0 is out of range [1, 4096]" and "mmu.l1_dtlb.ways:
  // expected an unsigned integer or a size (suffix K, M or G), got string 'x'".
  // `default_text`, when given, documents a default that follows another
  // key ("entries") instead of the number.
  uint64_t get_uint(std::string_view key, uint64_t default_value, uint64_t min, uint64_t max,
                    std::string_view description, std::string_view default_text = {}) const;
  double get_double(std::string_view key, double default_value, double min, double max,
                    std::string_view description) const;
  bool get_bool(std::string_view key, bool default_value, std::string_view description) const;
  // A string; integers are accepted and returned as decimal text.
  std::string get_string(std::string_view key, std::string_view default_value,
                         std::string_view description) const;
  // One of `allowed`: "mmu.l1_dtlb.replacement: 'lfu' is not one of lru, fifo, random".
  std::string get_enum(std::string_view key, std::string_view default_value,
                       const std::vector<std::string>& allowed, std::string_view description) const;

  // Throws ConfigError "FULL.KEY: unknown key" for the first key (in file
  // order, depth first) under this node that no get_*/child/items call has
  // read.
  void finish() const;

  // Every parameter read so far through any node of this tree, in first-read
  // order, one entry per path.
  const std::vector<ParamDoc>& documented() const;
  // documented() as text, one parameter per line, with the value used:
  // "mmu.l1_dtlb.ways = 4  (uint, [1, 4096])  associativity", and
  // "..., default 48)" after the range when the value is not the default.
  std::string reference() const;
  // The values used, as one tree ({"mmu": {"l1_dtlb": {"ways": 4, ...}}}).
  Value used_values() const;

 private:
  struct State;
  ConfigNode(std::shared_ptr<State> state, std::string path, const Value* value);

  std::string full_key(std::string_view key) const;
  // Marks `key` as read and returns its value, or nullptr when absent/null.
  const Value* read(std::string_view key) const;
  // Records the parameter (once per path) and returns its index in docs.
  size_t document(std::string_view key, std::string type, std::string default_value,
                  std::string allowed, std::string_view description) const;
  void record_use(size_t doc, Value used, std::string text) const;
  void finish_value(const std::string& path, const Value& v) const;

  std::shared_ptr<State> m_state;
  std::string m_path;
  const Value* m_value = nullptr;  // the object, owned by m_state; null when absent
};

// Parses "4096", "0x1000", "32K", "4M", "1G" (powers of 1024; "32k" too).
// Returns false when malformed or above 64 bits.
bool parse_size_string(std::string_view text, uint64_t& out);

}  // namespace mmusim::util
