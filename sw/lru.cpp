#include "sw/lru.h"

namespace mmusim::sw {

Lru::Lru(PhysAddr base) : m_base(base) {
  for (int i = 0; i < kLruLists; ++i)
    m_head[i] = m_tail[i] = kNil;
}

void Lru::grow(uint32_t i) const {
  const size_t n = i + 1 + (i >> 3);
  m_prev.resize(n, kNil);
  m_next.resize(n, kNil);
  m_list.resize(n, 0);
  m_ref.resize(n, 0);
}

void Lru::add(PhysAddr page, LruList list) {
  remove(page);
  const uint32_t i = idx(page);
  const int l = static_cast<int>(list);
  m_list[i] = static_cast<uint8_t>(list);
  m_prev[i] = kNil;
  m_next[i] = m_head[l];
  if (m_head[l] != kNil) m_prev[m_head[l]] = i;
  m_head[l] = i;
  if (m_tail[l] == kNil) m_tail[l] = i;
  m_size[l]++;
}

void Lru::remove(PhysAddr page) {
  const uint32_t i = idx(page);
  const int l = m_list[i];
  if (l == 0) return;
  if (m_prev[i] != kNil)
    m_next[m_prev[i]] = m_next[i];
  else
    m_head[l] = m_next[i];
  if (m_next[i] != kNil)
    m_prev[m_next[i]] = m_prev[i];
  else
    m_tail[l] = m_prev[i];
  m_prev[i] = m_next[i] = kNil;
  m_list[i] = 0;
  m_ref[i] = 0;
  m_size[l]--;
}

std::optional<PhysAddr> Lru::tail(LruList list) const {
  const uint32_t t = m_tail[static_cast<int>(list)];
  if (t == kNil) return std::nullopt;
  return m_base + (uint64_t{t} << 12);
}

}  // namespace mmusim::sw
