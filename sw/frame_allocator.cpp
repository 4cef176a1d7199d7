#include "sw/frame_allocator.h"

#include <stdexcept>

#include "model/arch/descriptor.h"

namespace mmusim::sw {

FrameAllocator::FrameAllocator(PhysAddr base, uint64_t bytes)
    : m_base(base), m_total(bytes >> arch::kPageShift) {}

std::optional<PhysAddr> FrameAllocator::alloc() {
  if (m_hook && !m_in_hook && frames_free() <= m_reserve) {
    m_in_hook = true;
    try {
      m_hook();
    } catch (...) {
      m_in_hook = false;
      throw;
    }
    m_in_hook = false;
  }
  uint64_t frame;
  if (!m_free.empty()) {
    frame = m_free.back();
    m_free.pop_back();
  } else if (m_bump < m_total) {
    frame = m_bump++;
  } else {
    return std::nullopt;
  }
  m_in_use++;
  return m_base + (frame << arch::kPageShift);
}

void FrameAllocator::free(PhysAddr pa) {
  if (pa < m_base || pa.offset_in(arch::kPageSize) != 0)
    throw std::logic_error("FrameAllocator::free: not a frame of this allocator");
  const uint64_t frame = (pa - m_base) >> arch::kPageShift;
  if (frame >= m_bump || m_in_use == 0)
    throw std::logic_error("FrameAllocator::free: frame was never allocated");
  m_free.push_back(frame);
  m_in_use--;
}

}  // namespace mmusim::sw
