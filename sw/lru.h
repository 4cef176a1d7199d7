// LRU lists of reclaimable pages (Linux lruvec: active and inactive, anon and
// file). Intrusive doubly-linked lists over frame numbers: add, remove and
// move are O(1). Membership is checked lazily by the reclaimer: a frame that
// was freed (or became a table) while on a list is dropped when it is reached.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "model/arch/types.h"

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
  LruList list_of(PhysAddr page) const { return static_cast<LruList>(m_list[idx(page)]); }
  // The least recently used page of `list`.
  std::optional<PhysAddr> tail(LruList list) const;
  uint64_t size(LruList list) const { return m_size[static_cast<int>(list)]; }
  // PG_referenced: seen referenced once on the inactive list.
  bool referenced(PhysAddr page) const { return m_ref[idx(page)]; }
  void set_referenced(PhysAddr page, bool v) { m_ref[idx(page)] = v; }

 private:
  static constexpr uint32_t kNil = UINT32_MAX;
  uint32_t idx(PhysAddr page) const {
    const uint32_t i = static_cast<uint32_t>((page - m_base) >> 12);
    if (i >= m_list.size()) grow(i);
    return i;
  }
  void grow(uint32_t i) const;  // the vectors follow the highest frame seen
  PhysAddr m_base;
  mutable std::vector<uint32_t> m_prev, m_next;
  mutable std::vector<uint8_t> m_list, m_ref;
  uint32_t m_head[kLruLists], m_tail[kLruLists];
  uint64_t m_size[kLruLists] = {};
};

}  // namespace mmusim::sw
