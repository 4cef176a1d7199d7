// Swap space on the block device (Linux swapfile.c + swap_state.c, reduced):
// slot allocation with a count of the page-table entries holding each slot
// (swap_map), the swap cache (slot -> frame of a page read back or being
// written), and the driver that moves a page between a frame and its slot
// through the device's registers (model/dev/block_device_regs.h).
//
// Swap entries live in invalid level-3 entries: bit 59 marks them (apart
// from the special, poison and PROT_NONE software bits 56-58 of pgtable.h;
// an invalid entry's other bits are ignored by the walker), bits [47:12]
// hold the slot number.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "model/arch/descriptor.h"
#include "sw/block_store.h"
#include "sw/chunked_array.h"
#include "sw/hw.h"

namespace mmusim::sw {

constexpr unsigned kPteSwapBit = 59;

inline bool is_swap_pte(arch::Descriptor d) {
  return !d.valid() && ((d.raw() >> kPteSwapBit) & 1);
}
inline uint32_t swap_pte_slot(arch::Descriptor d) {
  return static_cast<uint32_t>((d.raw() >> 12) & 0xf'ffff'ffffull);
}
inline arch::Descriptor make_swap_pte(uint32_t slot) {
  return arch::Descriptor((uint64_t{slot} << 12) | (uint64_t{1} << kPteSwapBit));
}

class SwapSpace {
 public:
  // Slots are the first bytes / 4096 pages of the device behind `driver`
  // (no swap when bytes == 0). Host memory follows the slots used, not the
  // size of the area (a 16 TiB swap area costs nothing until it is used).
  SwapSpace(BlockDriver& driver, uint64_t bytes);

  uint64_t slots() const { return m_slots; }
  uint64_t used() const { return m_used; }
  bool full() const { return m_used == m_slots; }

  // A free slot with count 0 (the caller adds references), or nullopt.
  // Freed slots are reused last-freed first, then never-used ones in order.
  std::optional<uint32_t> alloc();
  uint32_t count(uint32_t slot) const;
  void dup(uint32_t slot) { state(slot).count++; }
  // Drops one reference; the slot is freed when none remain and no page of
  // the swap cache holds it. True when the slot was freed.
  bool put(uint32_t slot);

  // Swap cache (kept in the slot's state: no allocation per page).
  std::optional<PhysAddr> cached(uint32_t slot) const;
  void cache_add(uint32_t slot, PhysAddr page);
  // Removes the cache entry; frees the slot when no entry references it.
  void cache_del(uint32_t slot);
  uint64_t cache_pages() const { return m_cache_pages; }

  // Moves one page between `frame` and `slot` through the device registers;
  // returns the device time in core cycles. Throws std::runtime_error when
  // the device reports an error (a driver or platform bug).
  uint64_t read(uint32_t slot, PhysAddr frame);
  uint64_t write(uint32_t slot, PhysAddr frame);

 private:
  struct Slot {
    uint32_t count;  // swap_map: entries referencing the slot
    bool in_use;
    bool cached;    // in the swap cache, as `page`
    uint64_t page;  // the swap cache's frame (physical address)
  };
  // The slot's state; std::out_of_range for a slot beyond the area.
  Slot& state(uint32_t slot);
  void release(uint32_t slot);

  BlockDriver& m_driver;
  uint64_t m_slots;
  ChunkedArray<Slot, 14> m_state;  // slots [0, m_next) only
  uint64_t m_next = 0;             // slots [m_next, m_slots) were never handed out
  std::vector<uint32_t> m_free;    // freed slots, the last freed last
  uint64_t m_used = 0;
  uint64_t m_cache_pages = 0;
};

}  // namespace mmusim::sw
