// Physical frame allocator: 4 KB frames in [base, base + bytes). O(1) alloc
// and free: a stack of freed frames in front of a bump pointer over frames
// never handed out. Blocks of 512 frames aligned to 2 MB (transparent huge
// pages) come from wholly free 2 MB chunks, or from the bump pointer aligned
// up (the frames skipped become free 4 KB frames). Contents are not touched;
// callers zero what they need.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <vector>

#include "model/arch/types.h"

namespace mmusim::sw {

class FrameAllocator {
 public:
  static constexpr unsigned kBlockOrder = 9;  // 2 MB = 512 frames
  static constexpr uint64_t kBlockFrames = uint64_t{1} << kBlockOrder;

  FrameAllocator(PhysAddr base, uint64_t bytes);

  // nullopt when every frame is in use (out of memory is an expected outcome).
  std::optional<PhysAddr> alloc();
  // 512 contiguous frames starting at a 2 MB-aligned physical address;
  // nullopt when no such block is free. Each frame is freed with free().
  std::optional<PhysAddr> alloc_block();
  // Returns a frame obtained from alloc() or alloc_block(). Freeing anything
  // else, or a free frame, throws std::logic_error.
  void free(PhysAddr frame);

  uint64_t frames_total() const { return m_total; }
  uint64_t frames_in_use() const { return m_in_use; }
  uint64_t frames_free() const { return m_total - m_in_use; }
  uint64_t free_blocks() const { return m_free_chunks.size(); }  // wholly free 2 MB chunks

 private:
  uint64_t chunk_of(uint64_t frame) const { return (m_base_pfn + frame) >> kBlockOrder; }
  void grow_to(uint64_t bump);  // hands frames [m_bump, bump) to the bookkeeping as in use
  void mark_free(uint64_t frame);
  void mark_used(uint64_t frame);

  PhysAddr m_base;
  uint64_t m_base_pfn;
  uint64_t m_total;
  uint64_t m_bump = 0;  // frames [0, m_bump) have been handed out at least once
  uint64_t m_in_use = 0;
  std::vector<uint64_t> m_free;  // freed frame numbers (relative to m_base); may hold stale ones
  std::vector<bool> m_is_free;   // over [0, m_bump)
  std::vector<uint16_t> m_chunk_free;  // free frames per 2 MB chunk (index chunk_of - chunk_of(0))
  std::set<uint64_t> m_free_chunks;    // chunks (same index) whose 512 frames are all free
};

}  // namespace mmusim::sw
