#include "sw/reclaim/lru.h"

#include <stdexcept>

namespace mmusim::sw {

Lru::Lru(PhysAddr base) : m_base(base) {
  for (int i = 0; i < kLruLists; ++i)
    m_head[i] = m_tail[i] = kNil;
}

uint32_t Lru::idx(PhysAddr page) const {
  const uint64_t i = (page - m_base) >> 12;
  if (i >= kNil) throw std::length_error("Lru: frame number beyond 2^32 - 1");
  return static_cast<uint32_t>(i);
}

void Lru::add(PhysAddr page, LruList list) {
  remove(page);
  const uint32_t i = idx(page);
  const int l = static_cast<int>(list);
  Node& n = node(i);
  n.list = static_cast<uint8_t>(list);
  n.prev = kNil;
  n.next = m_head[l];
  if (m_head[l] != kNil) node(m_head[l]).prev = i;
  m_head[l] = i;
  if (m_tail[l] == kNil) m_tail[l] = i;
  m_size[l]++;
}

void Lru::remove(PhysAddr page) {
  const uint32_t i = idx(page);
  Node& n = node(i);
  const int l = n.list;
  if (l == 0) return;
  if (n.prev != kNil)
    node(n.prev).next = n.next;
  else
    m_head[l] = n.next;
  if (n.next != kNil)
    node(n.next).prev = n.prev;
  else
    m_tail[l] = n.prev;
  n.prev = n.next = kNil;
  n.list = 0;
  n.ref = 0;
  m_size[l]--;
}

std::optional<PhysAddr> Lru::tail(LruList list) const {
  const uint32_t t = m_tail[static_cast<int>(list)];
  if (t == kNil) return std::nullopt;
  return m_base + (uint64_t{t} << 12);
}

}  // namespace mmusim::sw
