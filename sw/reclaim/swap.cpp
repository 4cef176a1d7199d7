// Swap space and its driver (see swap.h).
#include "sw/reclaim/swap.h"

#include <stdexcept>
#include <string>

namespace mmusim::sw {

SwapSpace::SwapSpace(BlockDriver& driver, uint64_t bytes)
    : m_driver(driver), m_slots(bytes >> arch::kPageShift) {}

SwapSpace::Slot& SwapSpace::state(uint32_t slot) {
  if (slot >= m_next) throw std::out_of_range("swap: slot " + std::to_string(slot) + " unused");
  return m_state.at(slot);
}

uint32_t SwapSpace::count(uint32_t slot) const {
  const Slot* s = slot < m_next ? m_state.find(slot) : nullptr;
  if (!s) throw std::out_of_range("swap: slot " + std::to_string(slot) + " unused");
  return s->count;
}

std::optional<uint32_t> SwapSpace::alloc() {
  uint32_t s;
  if (!m_free.empty()) {
    s = m_free.back();
    m_free.pop_back();
  } else if (m_next < m_slots) {
    s = static_cast<uint32_t>(m_next++);  // slot 0 handed out first
  } else {
    return std::nullopt;
  }
  state(s).in_use = true;
  m_used++;
  return s;
}

void SwapSpace::release(uint32_t slot) {
  Slot& s = state(slot);
  if (!s.in_use) throw std::logic_error("swap: slot freed twice");
  s.in_use = false;
  m_free.push_back(slot);
  m_used--;
}

bool SwapSpace::put(uint32_t slot) {
  Slot& s = state(slot);
  if (s.count == 0) throw std::logic_error("swap: reference count underflow");
  if (--s.count || s.cached) return false;
  release(slot);
  return true;
}

std::optional<PhysAddr> SwapSpace::cached(uint32_t slot) const {
  const Slot* s = slot < m_next ? m_state.find(slot) : nullptr;
  if (!s || !s->cached) return std::nullopt;
  return PhysAddr(s->page);
}

void SwapSpace::cache_add(uint32_t slot, PhysAddr page) {
  Slot& s = state(slot);
  m_cache_pages += !s.cached;
  s.cached = true;
  s.page = page.value();
}

void SwapSpace::cache_del(uint32_t slot) {
  Slot& s = state(slot);
  m_cache_pages -= s.cached;
  s.cached = false;
  if (s.count == 0) release(slot);
}

uint64_t SwapSpace::read(uint32_t slot, PhysAddr frame) {
  return m_driver.read(slot, frame);
}

uint64_t SwapSpace::write(uint32_t slot, PhysAddr frame) {
  return m_driver.write(slot, frame);
}

}  // namespace mmusim::sw
