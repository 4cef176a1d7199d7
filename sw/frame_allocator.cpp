#include "sw/frame_allocator.h"

#include <stdexcept>

#include "model/arch/descriptor.h"

namespace mmusim::sw {

FrameAllocator::FrameAllocator(PhysAddr base, uint64_t bytes)
    : m_base(base),
      m_base_pfn(base.value() >> arch::kPageShift),
      m_total(bytes >> arch::kPageShift) {}

void FrameAllocator::run_low_hook() {
  if (!m_hook || m_in_hook || frames_free() > m_reserve) return;
  m_in_hook = true;
  try {
    m_hook();
  } catch (...) {
    m_in_hook = false;
    throw;
  }
  m_in_hook = false;
}

void FrameAllocator::grow_to(uint64_t bump) {
  m_is_free.resize(bump, false);
  for (ChunkIndex& c : m_orders)
    if (c.free.size() < chunk_of(c, bump - 1) + 1) c.free.resize(chunk_of(c, bump - 1) + 1, 0);
  m_bump = bump;
}

void FrameAllocator::mark_free(uint64_t frame) {
  m_is_free[frame] = true;
  for (ChunkIndex& c : m_orders) {
    const uint64_t i = chunk_of(c, frame);
    if (++c.free[i] == (uint64_t{1} << c.order)) c.free_chunks.insert(i);
  }
}

void FrameAllocator::mark_used(uint64_t frame) {
  m_is_free[frame] = false;
  for (ChunkIndex& c : m_orders) {
    const uint64_t i = chunk_of(c, frame);
    if (c.free[i]-- == (uint64_t{1} << c.order)) c.free_chunks.erase(i);
  }
  m_in_use++;
}

void FrameAllocator::push_free(uint64_t frame) {
  m_free.push_back(frame);
  if (m_colours > 1) m_colour_free[(m_base_pfn + frame) & (m_colours - 1)].push_back(frame);
}

void FrameAllocator::set_colours(uint64_t colours) {
  if (colours == 0 || (colours & (colours - 1)) != 0)
    throw std::invalid_argument("FrameAllocator::set_colours: must be a power of two");
  m_colours = colours;
  m_colour_free.assign(colours > 1 ? colours : 0, {});
  if (colours > 1)
    for (uint64_t f = 0; f < m_bump; ++f)
      if (m_is_free[f]) m_colour_free[(m_base_pfn + f) & (colours - 1)].push_back(f);
}

std::optional<PhysAddr> FrameAllocator::alloc_coloured(uint64_t colour) {
  if (m_colours == 1) return alloc();
  run_low_hook();
  const uint64_t mask = m_colours - 1;
  std::vector<uint64_t>& freed = m_colour_free[colour & mask];
  while (!freed.empty()) {
    const uint64_t frame = freed.back();
    freed.pop_back();
    if (!m_is_free[frame]) continue;  // stale: taken since by another path
    mark_used(frame);
    return m_base + (frame << arch::kPageShift);
  }
  const uint64_t frame = m_bump + ((colour - (m_base_pfn + m_bump)) & mask);
  if (frame >= m_total) return std::nullopt;
  const uint64_t skipped = m_bump;
  grow_to(frame + 1);
  for (uint64_t f = skipped; f < frame; ++f) {
    mark_free(f);
    push_free(f);
  }
  m_in_use++;
  return m_base + (frame << arch::kPageShift);
}

std::optional<PhysAddr> FrameAllocator::alloc() {
  run_low_hook();
  // Entries of frames taken since by alloc_block() are stale: skip them.
  while (!m_free.empty()) {
    const uint64_t frame = m_free.back();
    m_free.pop_back();
    if (!m_is_free[frame]) continue;
    mark_used(frame);
    return m_base + (frame << arch::kPageShift);
  }
  if (m_bump == m_total) return std::nullopt;
  const uint64_t frame = m_bump;
  grow_to(m_bump + 1);
  m_in_use++;
  return m_base + (frame << arch::kPageShift);
}

std::optional<PhysAddr> FrameAllocator::alloc_block(unsigned order) {
  if (order != kBlockOrder && order != kContOrder)
    throw std::invalid_argument("FrameAllocator::alloc_block: order must be 4 or 9");
  const ChunkIndex& c = m_orders[order == kBlockOrder];
  const uint64_t frames = uint64_t{1} << order;
  uint64_t first;
  if (!c.free_chunks.empty()) {
    first = ((*c.free_chunks.begin() + (m_base_pfn >> order)) << order) - m_base_pfn;
    for (uint64_t f = first; f < first + frames; ++f)
      mark_used(f);
  } else {
    // The bump pointer aligned up; the frames skipped become free frames.
    const uint64_t aligned = (((m_base_pfn + m_bump + frames - 1) >> order) << order) - m_base_pfn;
    if (aligned + frames > m_total) return std::nullopt;
    const uint64_t skipped = m_bump;
    grow_to(aligned + frames);
    for (uint64_t f = skipped; f < aligned; ++f) {
      mark_free(f);
      push_free(f);
    }
    first = aligned;
    m_in_use += frames;
  }
  return m_base + (first << arch::kPageShift);
}

void FrameAllocator::free(PhysAddr pa) {
  if (pa < m_base || pa.offset_in(arch::kPageSize) != 0)
    throw std::logic_error("FrameAllocator::free: not a frame of this allocator");
  const uint64_t frame = (pa - m_base) >> arch::kPageShift;
  if (frame >= m_bump || m_in_use == 0)
    throw std::logic_error("FrameAllocator::free: frame was never allocated");
  if (m_is_free[frame]) throw std::logic_error("FrameAllocator::free: frame is already free");
  mark_free(frame);
  push_free(frame);
  m_in_use--;
}

}  // namespace mmusim::sw
