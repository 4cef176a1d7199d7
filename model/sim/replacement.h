// Replacement policies for set-associative structures (TLBs, caches, walk
// caches), selected by name from config.
//
// Contract: one Replacement object holds the state of `sets` x `ways`. The
// owner calls touch() on every hit, fill() when it installs a line/entry in
// a way, invalidate() when a way is emptied, and victim() only when every
// way of the set is valid (owners fill invalid ways first, lowest way
// first). No call allocates.
//
// Tree-PLRU (ways a power of two): a binary tree of ways-1 bits per set,
// nodes numbered heap-style from 1 (children of n are 2n and 2n+1, ways are
// the leaves left to right). A node bit of 0 means the victim is in the left
// subtree, 1 the right. touch/fill of a way sets every bit on its path to
// point away from it. The RTL TLB implements exactly this.
// SRRIP: 2-bit re-reference prediction values; a fill inserts at 2, a hit
// sets 0; the victim is the lowest way at 3, after ageing the set until one
// is. Random: xorshift64 seeded from config, so runs are reproducible.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "model/util/enum_names.h"

namespace mmusim {

enum class ReplPolicy : uint8_t { kLru, kTreePlru, kFifo, kRandom, kSrrip };
inline constexpr util::EnumNames<ReplPolicy, 5> kReplPolicyNames{
    {{ReplPolicy::kLru, "lru"},
     {ReplPolicy::kTreePlru, "tree-plru"},
     {ReplPolicy::kFifo, "fifo"},
     {ReplPolicy::kRandom, "random"},
     {ReplPolicy::kSrrip, "srrip"}}};

std::string_view to_string(ReplPolicy p);
std::optional<ReplPolicy> repl_policy_from_name(std::string_view name);
// "lru | tree-plru | fifo | random | srrip", for config descriptions.
std::string_view repl_policy_names();

class Replacement {
 public:
  // Throws std::invalid_argument naming `name` for tree-PLRU with ways not
  // a power of two.
  Replacement(ReplPolicy policy, unsigned sets, unsigned ways, uint64_t seed = 1,
              std::string_view name = "replacement");

  void touch(unsigned set, unsigned way) {
    if (m_policy == ReplPolicy::kLru) {  // the common case, inline
      slot(set, way) = ++m_stamp;
      return;
    }
    touch_other(set, way);
  }
  void fill(unsigned set, unsigned way);
  void invalidate(unsigned set, unsigned way);
  unsigned victim(unsigned set);

  ReplPolicy policy() const { return m_policy; }
  unsigned ways() const { return m_ways; }

 private:
  uint64_t& slot(unsigned set, unsigned way) { return m_state[uint64_t{set} * m_ways + way]; }
  void plru_point_away(unsigned set, unsigned way);
  void touch_other(unsigned set, unsigned way);

  ReplPolicy m_policy;
  unsigned m_ways;
  // LRU: last-use stamp per way. FIFO: fill stamp per way. SRRIP: RRPV per
  // way. Tree-PLRU: node bits, ways-1 per set (slot 0 of a set unused).
  std::vector<uint64_t> m_state;
  uint64_t m_stamp = 0;
  uint64_t m_rng;
};

}  // namespace mmusim
