// File data on the block device (the kernel-layer issue's files living on
// the same device as swap): a BackingStore whose pages are sectors of the
// device after the swap area, moved by DMA through a kernel-owned bounce
// frame, driven through the device registers (BlockDriver). Space is
// reserved when a file's size is set (the modelled file system preallocates:
// create_file/ftruncate beyond the region is ENOSPC, never a lost write);
// blocks are taken at the first write of a page and returned when the page
// is truncated or punched. A page never written reads as zeroes without
// touching the device (a hole).
#pragma once

#include <map>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "sw/backing_store.h"
#include "sw/hw.h"

namespace mmusim::sw {

// The register protocol of the block device (model/dev/block_device_regs.h):
// one page between a DRAM frame and a device page, with probe at first use.
class BlockDriver {
 public:
  BlockDriver(DeviceIo* io, PhysAddr regs, uint64_t device_bytes)
      : m_io(io), m_regs(regs), m_bytes(device_bytes) {}
  // Returns the device time in core cycles; throws std::runtime_error when
  // the device reports an error (a driver or platform bug).
  uint64_t read(uint64_t device_page, PhysAddr frame);
  uint64_t write(uint64_t device_page, PhysAddr frame);
  uint64_t bytes() const { return m_bytes; }

 private:
  uint64_t transfer(uint64_t cmd, uint64_t device_page, PhysAddr frame);
  void probe();
  DeviceIo* m_io;
  PhysAddr m_regs;
  uint64_t m_bytes;
  bool m_probed = false;
};

class DeviceBackingStore : public BackingStore {
 public:
  // Pages [first_page, first_page + pages) of the device hold file data;
  // `bounce` is a frame the kernel gave up for the transfers.
  DeviceBackingStore(BlockDriver& driver, PhysMemory& mem, PhysAddr bounce, uint64_t first_page,
                     uint64_t pages);

  void read_page(FileId file, uint64_t index, PageBytes& out) override;
  void write_page(FileId file, uint64_t index, const PageBytes& data) override;
  void discard_from(FileId file, uint64_t from_index, uint32_t zero_from) override;
  void discard_range(FileId file, uint64_t first, uint64_t last) override;
  bool reserve(FileId file, uint64_t pages) override;
  uint64_t take_device_cycles() override;

  uint64_t blocks_used() const { return m_blocks.size(); }

 private:
  void release(std::map<std::pair<FileId, uint64_t>, uint64_t>::iterator it);
  std::optional<uint64_t> take_block();
  BlockDriver& m_driver;
  PhysMemory& m_mem;
  PhysAddr m_bounce;
  uint64_t m_first;
  uint64_t m_pages;
  std::map<std::pair<FileId, uint64_t>, uint64_t> m_blocks;  // (file, index) -> device page
  // Free device pages: the freed ones (the last freed last), then pages
  // [m_next, m_pages) never used, so host memory follows the blocks used.
  std::vector<uint64_t> m_free;
  uint64_t m_next = 0;
  std::unordered_map<FileId, uint64_t> m_reserved;  // pages reserved per file
  uint64_t m_reserved_total = 0;
  uint64_t m_cycles = 0;  // device time since the last take_device_cycles()
};

}  // namespace mmusim::sw
