// Physical frame allocator: 4 KB frames in [base, base + bytes). O(1) alloc
// and free: a stack of freed frames in front of a bump pointer over frames
// never handed out. Contents are not touched; callers zero what they need.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "model/arch/types.h"

namespace mmusim::sw {

class FrameAllocator {
 public:
  FrameAllocator(PhysAddr base, uint64_t bytes);

  // nullopt when every frame is in use (out of memory is an expected outcome).
  std::optional<PhysAddr> alloc();
  // Returns a frame obtained from alloc(). Freeing anything else (or twice,
  // as far as cheaply detectable) throws std::logic_error.
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

 private:
  PhysAddr m_base;
  uint64_t m_total;
  uint64_t m_bump = 0;  // frames [0, m_bump) have been handed out at least once
  uint64_t m_in_use = 0;
  std::vector<uint64_t> m_free;  // frame numbers relative to m_base
  uint64_t m_reserve = 0;
  std::function<void()> m_hook;
  bool m_in_hook = false;
};

}  // namespace mmusim::sw
