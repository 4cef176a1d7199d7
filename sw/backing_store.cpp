#include "sw/backing_store.h"

#include <algorithm>

namespace mmusim::sw {

void MemoryBackingStore::read_page(FileId file, uint64_t index, PageBytes& out) {
  auto it = m_pages.find({file, index});
  if (it == m_pages.end())
    out.fill(0);
  else
    out = it->second;
}

void MemoryBackingStore::write_page(FileId file, uint64_t index, const PageBytes& data) {
  m_pages[{file, index}] = data;
}

void MemoryBackingStore::discard_from(FileId file, uint64_t from_index, uint32_t zero_from) {
  if (zero_from > 0 && from_index > 0) {
    auto it = m_pages.find({file, from_index - 1});
    if (it != m_pages.end())
      std::fill(it->second.begin() + std::min<uint32_t>(zero_from, arch::kPageSize),
                it->second.end(), 0);
  }
  auto first = m_pages.lower_bound({file, from_index});
  auto last = m_pages.lower_bound({file + 1, 0});
  m_pages.erase(first, last);
}

void MemoryBackingStore::discard_range(FileId file, uint64_t first, uint64_t last) {
  if (first > last) return;
  auto from = m_pages.lower_bound({file, first});
  auto to = last == UINT64_MAX ? m_pages.lower_bound({file + 1, 0})
                               : m_pages.lower_bound({file, last + 1});
  m_pages.erase(from, to);
}

}  // namespace mmusim::sw
