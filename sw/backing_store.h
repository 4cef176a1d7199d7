// Where file data lives when it is not in the page cache. The kernel reads a
// page from here when a fault or read misses the page cache, and writes
// dirty pages back here (msync MS_SYNC, reclaim). MemoryBackingStore keeps
// pages in host memory (the default); DeviceBackingStore (block_store.h)
// keeps them on the block device (kernel.file_store).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <utility>

#include "model/arch/descriptor.h"
#include "sw/page_db.h"

namespace mmusim::sw {

using PageBytes = std::array<uint8_t, arch::kPageSize>;

// Contract: a page never written (or discarded) reads as zeroes. Pages are
// addressed by (file, page index); files need no creation. Calls complete
// at once; the kernel charges their cost (KernelCostParams::file_read_cycles
// and file_write_cycles per page).
class BackingStore {
 public:
  virtual ~BackingStore() = default;
  virtual void read_page(FileId file, uint64_t index, PageBytes& out) = 0;
  virtual void write_page(FileId file, uint64_t index, const PageBytes& data) = 0;
  // Forgets pages [from_index, ...) of `file` (truncate, hole punch up to the
  // end), and zeroes bytes [zero_from, 4096) of page from_index - 1 when
  // zero_from > 0 (the partial page a truncate leaves).
  virtual void discard_from(FileId file, uint64_t from_index, uint32_t zero_from) = 0;
  // Forgets pages [first, last] of `file` (MADV_REMOVE hole punch); the
  // cost follows the pages stored there, not the length of the range.
  virtual void discard_range(FileId file, uint64_t first, uint64_t last) = 0;
  // Room for `pages` pages of `file` (its size changed); false: no space
  // (ENOSPC). Stores that grow without limit always have room.
  virtual bool reserve(FileId file, uint64_t pages) {
    (void)file, (void)pages;
    return true;
  }
  // Device time the calls since the last take took, in core cycles; 0 for
  // stores whose cost is KernelCostParams::file_read/write_cycles per page.
  virtual uint64_t take_device_cycles() { return 0; }
};

class MemoryBackingStore : public BackingStore {
 public:
  void read_page(FileId file, uint64_t index, PageBytes& out) override;
  void write_page(FileId file, uint64_t index, const PageBytes& data) override;
  void discard_from(FileId file, uint64_t from_index, uint32_t zero_from) override;
  void discard_range(FileId file, uint64_t first, uint64_t last) override;

  uint64_t pages_stored() const { return m_pages.size(); }

 private:
  std::map<std::pair<FileId, uint64_t>, PageBytes> m_pages;
};

}  // namespace mmusim::sw
