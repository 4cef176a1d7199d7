// The one mapping between an enum and the names configuration files, stats
// and messages use: a table of {value, name} pairs per enum, and lookups both
// ways. Plain C++ (bottom layer).
//
//   inline constexpr util::EnumNames<ReplPolicy, 2> kReplPolicyNames{{
//       {ReplPolicy::kLru, "lru"}, {ReplPolicy::kFifo, "fifo"}}};
//   util::name_of(kReplPolicyNames, ReplPolicy::kLru)    // "lru"
//   util::from_name(kReplPolicyNames, "fifo")            // ReplPolicy::kFifo
//   util::get_enum(node, "replacement", d, kReplPolicyNames, "replacement policy")
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/util/config_node.h"

namespace mmusim::util {

template <class E>
struct EnumName {
  E value;
  const char* name;
};

template <class E, size_t N>
using EnumNames = std::array<EnumName<E>, N>;

// The name of `value` (std::logic_error when the table misses it: a programming error).
template <class E, size_t N>
constexpr std::string_view name_of(const EnumNames<E, N>& names, E value) {
  for (const EnumName<E>& n : names)
    if (n.value == value) return n.name;
  throw std::logic_error("enum value without a name");
}

// The value named `name`, or nullopt.
template <class E, size_t N>
constexpr std::optional<E> from_name(const EnumNames<E, N>& names, std::string_view name) {
  for (const EnumName<E>& n : names)
    if (name == n.name) return n.value;
  return std::nullopt;
}

// Every name, in table order.
template <class E, size_t N>
std::vector<std::string> all_names(const EnumNames<E, N>& names) {
  std::vector<std::string> out;
  for (const EnumName<E>& n : names)
    out.emplace_back(n.name);
  return out;
}

// ConfigNode::get_enum over the table: the value of `key` (default `d`).
template <class E, size_t N>
E get_enum(const ConfigNode& node, std::string_view key, E d, const EnumNames<E, N>& names,
           std::string_view description) {
  return *from_name(names, node.get_enum(key, name_of(names, d), all_names(names), description));
}

}  // namespace mmusim::util
