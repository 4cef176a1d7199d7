// Physical frame allocator: 4 KB frames in [base, base + bytes). O(1) alloc
// and free: a stack of freed frames in front of a bump pointer over frames
// never handed out. Blocks of 16 frames aligned to 64 KB (contiguous-hint
// folios) or 512 frames aligned to 2 MB (transparent huge pages) come from
// wholly free chunks of that size, or from the bump pointer aligned up (the
// frames skipped become free 4 KB frames). Contents are not touched;
// callers zero what they need.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <vector>

#include "model/arch/types.h"

namespace mmusim::sw {

class FrameAllocator {
 public:
  static constexpr unsigned kBlockOrder = 9;  // 2 MB = 512 frames
  static constexpr uint64_t kBlockFrames = uint64_t{1} << kBlockOrder;
  static constexpr unsigned kContOrder = 4;  // 64 KB = 16 frames

  FrameAllocator(PhysAddr base, uint64_t bytes);

  // nullopt when every frame is in use (out of memory is an expected outcome).
  std::optional<PhysAddr> alloc();
  // 2^order contiguous frames starting at a physical address aligned to
  // their size; order kBlockOrder (2 MB) or kContOrder (64 KB). nullopt when
  // no such block is free. Each frame is freed with free().
  std::optional<PhysAddr> alloc_block(unsigned order = kBlockOrder);
  // Page colouring (kernel.page_colours): `colours` (a power of two; 1, the
  // default, is off) classes of frames by frame number modulo `colours`.
  void set_colours(uint64_t colours);
  uint64_t colours() const { return m_colours; }
  // A frame whose number modulo colours() is `colour`: a freed one of that
  // colour, else the bump pointer advanced to the next frame of that colour
  // (the frames skipped become free frames). nullopt when neither has one
  // (other frames may still be free: alloc()).
  std::optional<PhysAddr> alloc_coloured(uint64_t colour);
  // Returns a frame obtained from alloc(), alloc_coloured() or alloc_block(). Freeing anything
  // else, or a free frame, throws std::logic_error.
  void free(PhysAddr frame);

  // Direct reclaim: alloc() calls `hook` first whenever no more than
  // `reserve` frames are free (never re-entered from the hook itself).
  void set_low_hook(uint64_t reserve, std::function<void()> hook) {
    m_reserve = reserve;
    m_hook = std::move(hook);
  }

  uint64_t frames_total() const { return m_total; }
  uint64_t frames_in_use() const { return m_in_use; }
  uint64_t frames_free() const { return m_total - m_in_use; }
  // Wholly free chunks of 2 MB (or of 64 KB) below the bump pointer.
  uint64_t free_blocks(unsigned order = kBlockOrder) const {
    return m_orders[order == kBlockOrder].free_chunks.size();
  }

 private:
  // Free-frame counts per aligned chunk of one order, and the wholly free chunks.
  struct ChunkIndex {
    unsigned order = 0;
    std::vector<uint16_t> free;  // index: chunk number minus that of frame 0
    std::set<uint64_t> free_chunks;
  };
  uint64_t chunk_of(const ChunkIndex& c, uint64_t frame) const {
    return ((m_base_pfn + frame) >> c.order) - (m_base_pfn >> c.order);
  }
  void grow_to(uint64_t bump);  // hands frames [m_bump, bump) to the bookkeeping as in use
  void mark_free(uint64_t frame);
  void mark_used(uint64_t frame);
  void push_free(uint64_t frame);  // onto m_free (and its colour's list)

  PhysAddr m_base;
  uint64_t m_base_pfn;
  uint64_t m_total;
  uint64_t m_bump = 0;  // frames [0, m_bump) have been handed out at least once
  uint64_t m_in_use = 0;
  std::vector<uint64_t> m_free;  // freed frame numbers (relative to m_base); may hold stale ones
  std::vector<bool> m_is_free;   // over [0, m_bump)
  uint64_t m_colours = 1;
  // With colours: freed frame numbers per colour (may hold stale ones, as m_free).
  std::vector<std::vector<uint64_t>> m_colour_free;
  ChunkIndex m_orders[2] = {{kContOrder, {}, {}}, {kBlockOrder, {}, {}}};
  uint64_t m_reserve = 0;
  std::function<void()> m_hook;
  bool m_in_hook = false;
  void run_low_hook();
};

}  // namespace mmusim::sw
