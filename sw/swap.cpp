// Swap space and its driver (see swap.h).
#include "sw/swap.h"

#include <stdexcept>
#include <string>

namespace mmusim::sw {

SwapSpace::SwapSpace(BlockDriver& driver, uint64_t bytes)
    : m_driver(driver),
      m_count(bytes >> arch::kPageShift, 0),
      m_in_use(bytes >> arch::kPageShift, 0) {
  m_free.reserve(m_count.size());
  for (uint64_t s = m_count.size(); s-- > 0;)
    m_free.push_back(static_cast<uint32_t>(s));  // slot 0 handed out first
}

std::optional<uint32_t> SwapSpace::alloc() {
  if (m_free.empty()) return std::nullopt;
  const uint32_t s = m_free.back();
  m_free.pop_back();
  m_in_use[s] = 1;
  m_used++;
  return s;
}

void SwapSpace::release(uint32_t slot) {
  if (!m_in_use.at(slot)) throw std::logic_error("swap: slot freed twice");
  m_in_use[slot] = 0;
  m_free.push_back(slot);
  m_used--;
}

bool SwapSpace::put(uint32_t slot) {
  if (m_count.at(slot) == 0) throw std::logic_error("swap: reference count underflow");
  if (--m_count[slot] || m_cache.count(slot)) return false;
  release(slot);
  return true;
}

std::optional<PhysAddr> SwapSpace::cached(uint32_t slot) const {
  auto it = m_cache.find(slot);
  if (it == m_cache.end()) return std::nullopt;
  return it->second;
}

void SwapSpace::cache_del(uint32_t slot) {
  m_cache.erase(slot);
  if (m_count.at(slot) == 0) release(slot);
}

uint64_t SwapSpace::read(uint32_t slot, PhysAddr frame) {
  return m_driver.read(slot, frame);
}

uint64_t SwapSpace::write(uint32_t slot, PhysAddr frame) {
  return m_driver.write(slot, frame);
}

}  // namespace mmusim::sw
