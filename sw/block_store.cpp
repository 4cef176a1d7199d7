#include "sw/block_store.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "model/ports/block_device_regs.h"

namespace mmusim::sw {

void BlockDriver::probe() {
  // At first use (the platform's bus is not elaborated while the kernel
  // boots): the device's identity and capacity.
  if (m_probed) return;
  m_probed = true;
  if (m_io->mmio_read64(m_regs + blk::kRegId) != blk::kBlkId)
    throw std::runtime_error("block device: nothing answers at its register address");
  if (m_io->mmio_read64(m_regs + blk::kRegCapacity) * blk::kSectorBytes < m_bytes)
    throw std::runtime_error("block device: smaller than kernel.swap + kernel.file_store");
}

uint64_t BlockDriver::transfer(uint64_t cmd, uint64_t device_page, PhysAddr frame) {
  probe();
  m_io->mmio_write64(m_regs + blk::kRegSector,
                     (device_page << arch::kPageShift) / blk::kSectorBytes);
  m_io->mmio_write64(m_regs + blk::kRegDmaAddr, frame.value());
  m_io->mmio_write64(m_regs + blk::kRegLength, arch::kPageSize);
  m_io->mmio_write64(m_regs + blk::kRegCommand, cmd);
  // Completion: the interrupt status (read-to-clear) acknowledges it, the
  // status register says how it ended.
  if (m_io->mmio_read64(m_regs + blk::kRegIrqStatus) == 0)
    throw std::runtime_error("block device: a command did not complete");
  if (m_io->mmio_read64(m_regs + blk::kRegStatus) != blk::kStatusOk)
    throw std::runtime_error("block device: error on page " + std::to_string(device_page));
  return m_io->mmio_read64(m_regs + blk::kRegLastCycles);
}

uint64_t BlockDriver::read(uint64_t device_page, PhysAddr frame) {
  return transfer(blk::kCmdRead, device_page, frame);
}

uint64_t BlockDriver::write(uint64_t device_page, PhysAddr frame) {
  return transfer(blk::kCmdWrite, device_page, frame);
}

DeviceBackingStore::DeviceBackingStore(BlockDriver& driver, PhysMemory& mem, PhysAddr bounce,
                                       uint64_t first_page, uint64_t pages)
    : m_driver(driver), m_mem(mem), m_bounce(bounce), m_first(first_page), m_pages(pages) {}

std::optional<uint64_t> DeviceBackingStore::take_block() {
  if (!m_free.empty()) {
    const uint64_t b = m_free.back();
    m_free.pop_back();
    return b;
  }
  if (m_next == m_pages) return std::nullopt;
  return m_first + m_next++;  // the lowest device page first
}

void DeviceBackingStore::read_page(FileId file, uint64_t index, PageBytes& out) {
  auto it = m_blocks.find({file, index});
  if (it == m_blocks.end()) {
    out.fill(0);  // a hole
    return;
  }
  m_cycles += m_driver.read(it->second, m_bounce);
  m_mem.read(m_bounce, out.data(), out.size());
}

void DeviceBackingStore::write_page(FileId file, uint64_t index, const PageBytes& data) {
  auto it = m_blocks.find({file, index});
  if (it == m_blocks.end()) {
    // reserve() kept room for every page of every file's size.
    const auto block = take_block();
    if (!block) throw std::logic_error("file store: no block despite the reservation");
    it = m_blocks.emplace(std::make_pair(file, index), *block).first;
  }
  m_mem.write(m_bounce, data.data(), data.size());
  m_cycles += m_driver.write(it->second, m_bounce);
}

void DeviceBackingStore::release(std::map<std::pair<FileId, uint64_t>, uint64_t>::iterator it) {
  m_free.push_back(it->second);
  m_blocks.erase(it);
}

void DeviceBackingStore::discard_from(FileId file, uint64_t from_index, uint32_t zero_from) {
  if (zero_from > 0 && from_index > 0) {
    auto it = m_blocks.find({file, from_index - 1});
    if (it != m_blocks.end()) {  // zero the tail of the partial page on the device
      PageBytes buf;
      read_page(file, from_index - 1, buf);
      std::fill(buf.begin() + std::min<uint32_t>(zero_from, arch::kPageSize), buf.end(), 0);
      write_page(file, from_index - 1, buf);
    }
  }
  auto it = m_blocks.lower_bound({file, from_index});
  while (it != m_blocks.end() && it->first.first == file) {
    auto next = std::next(it);
    release(it);
    it = next;
  }
}

void DeviceBackingStore::discard_range(FileId file, uint64_t first, uint64_t last) {
  // Blocks released in ascending page order, as one discard per page did.
  for (auto it = m_blocks.lower_bound({file, first});
       it != m_blocks.end() && it->first.first == file && it->first.second <= last;)
    release(it++);
}

bool DeviceBackingStore::reserve(FileId file, uint64_t pages) {
  uint64_t& mine = m_reserved[file];
  if (m_reserved_total - mine + pages > m_pages) return false;
  m_reserved_total = m_reserved_total - mine + pages;
  mine = pages;
  return true;
}

uint64_t DeviceBackingStore::take_device_cycles() {
  const uint64_t c = m_cycles;
  m_cycles = 0;
  return c;
}

}  // namespace mmusim::sw
