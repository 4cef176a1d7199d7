// LRU lists of reclaimable pages (Linux lruvec: active and inactive, anon and
// file). Intrusive doubly-linked lists over frame numbers: add, remove and
// move are O(1). Membership is checked lazily by the reclaimer: a frame that
// was freed (or became a table) while on a list is dropped when it is reached.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "model/arch/types.h"
#include "sw/chunked_array.h"

namespace mmusim::sw {

enum class LruList : uint8_t { kNone, kInactiveAnon, kActiveAnon, kInactiveFile, kActiveFile };
constexpr int kLruLists = 5;

class Lru {
 public:
  explicit Lru(PhysAddr base);

  // Puts `page` at the head (most recently used end) of `list`, taking it
  // off the list it was on.
  void add(PhysAddr page, LruList list);
  void remove(PhysAddr page);
  LruList list_of(PhysAddr page) const {
    const Node* n = find(page);
    return n ? static_cast<LruList>(n->list) : LruList::kNone;
  }
  // The least recently used page of `list`.
  std::optional<PhysAddr> tail(LruList list) const;
  uint64_t size(LruList list) const { return m_size[static_cast<int>(list)]; }
  // PG_referenced: seen referenced once on the inactive list.
  bool referenced(PhysAddr page) const {
    const Node* n = find(page);
    return n && n->ref;
  }
  void set_referenced(PhysAddr page, bool v) { node(idx(page)).ref = v; }

 private:
  static constexpr uint32_t kNil = UINT32_MAX;
  struct Node {
    uint32_t prev, next;  // meaningful while list != kNone
    uint8_t list, ref;
  };
  uint32_t idx(PhysAddr page) const;
  Node& node(uint32_t i) { return m_nodes.at(i); }
  const Node* find(PhysAddr page) const { return m_nodes.find(idx(page)); }
  PhysAddr m_base;
  // Host memory follows the frames that were ever on a list (chunks of
  // 4096 frames), not the highest frame number.
  ChunkedArray<Node, 12> m_nodes;
  uint32_t m_head[kLruLists], m_tail[kLruLists];
  uint64_t m_size[kLruLists] = {};
};

}  // namespace mmusim::sw
