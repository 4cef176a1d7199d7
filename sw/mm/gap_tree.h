// An ordered map from a key (the address a free gap ends at) to the gap's
// size, augmented with the largest size in each subtree, so that "the
// highest gap below an address that is at least N bytes" is found in
// O(log n) (Linux finds it in the maple tree with mas_empty_area_rev). A
// treap: nodes in a pool, priorities from a fixed-seed generator.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace mmusim::sw {

class GapTree {
 public:
  // Inserts `key` or updates its gap.
  void set(uint64_t key, uint64_t gap);
  // Removes every key in [lo, hi].
  void erase_range(uint64_t lo, uint64_t hi);
  // The largest key < `below` whose gap is >= `len`.
  std::optional<uint64_t> highest_fit(uint64_t below, uint64_t len) const;
  std::optional<uint64_t> gap_of(uint64_t key) const;
  size_t size() const { return m_size; }

 private:
  static constexpr int32_t kNil = -1;
  struct Node {
    uint64_t key;
    uint64_t gap;
    uint64_t max_gap;
    uint32_t prio;
    int32_t left = kNil;
    int32_t right = kNil;
  };
  void pull(int32_t n);
  // Splits `n` into keys < key (first) and keys >= key (second).
  void split(int32_t n, uint64_t key, int32_t& lo, int32_t& hi);
  int32_t merge(int32_t a, int32_t b);
  void release(int32_t n);
  std::optional<uint64_t> best(int32_t n, uint64_t below, uint64_t len) const;
  uint64_t max_of(int32_t n) const { return n == kNil ? 0 : m_nodes[n].max_gap; }

  std::vector<Node> m_nodes;
  std::vector<int32_t> m_free;
  int32_t m_root = kNil;
  size_t m_size = 0;
  uint32_t m_seed = 0x9e3779b9u;
};

}  // namespace mmusim::sw
