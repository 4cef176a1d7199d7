// Swap space and its driver (see swap.h).
#include "sw/swap.h"

#include <stdexcept>
#include <string>

#include "model/dev/block_device_regs.h"

namespace mmusim::sw {

SwapSpace::SwapSpace(DeviceIo* io, PhysAddr regs, uint64_t bytes)
    : m_io(io),
      m_regs(regs),
      m_count(bytes >> arch::kPageShift, 0),
      m_in_use(bytes >> arch::kPageShift, 0) {
  if (bytes && !io) throw std::invalid_argument("kernel.swap: swap needs a block device");
  m_free.reserve(m_count.size());
  for (uint64_t s = m_count.size(); s-- > 0;)
    m_free.push_back(static_cast<uint32_t>(s));  // slot 0 handed out first
}

void SwapSpace::probe() {
  // swapon, at first use (the platform's bus is not elaborated while the
  // kernel boots): the device's identity and capacity.
  if (m_probed) return;
  m_probed = true;
  if (m_io->mmio_read64(m_regs + blk::kRegId) != blk::kBlkId)
    throw std::runtime_error("swap: no block device at the swap device address");
  const uint64_t sectors = m_io->mmio_read64(m_regs + blk::kRegCapacity);
  if (sectors * blk::kSectorBytes < (m_count.size() << arch::kPageShift))
    throw std::runtime_error("swap: the block device is smaller than kernel.swap");
}

std::optional<uint32_t> SwapSpace::alloc() {
  if (m_free.empty()) return std::nullopt;
  probe();
  const uint32_t s = m_free.back();
  m_free.pop_back();
  m_in_use[s] = 1;
  m_used++;
  return s;
}

void SwapSpace::release(uint32_t slot) {
  if (!m_in_use.at(slot)) throw std::logic_error("swap: slot freed twice");
  m_in_use[slot] = 0;
  m_free.push_back(slot);
  m_used--;
}

bool SwapSpace::put(uint32_t slot) {
  if (m_count.at(slot) == 0) throw std::logic_error("swap: reference count underflow");
  if (--m_count[slot] || m_cache.count(slot)) return false;
  release(slot);
  return true;
}

std::optional<PhysAddr> SwapSpace::cached(uint32_t slot) const {
  auto it = m_cache.find(slot);
  if (it == m_cache.end()) return std::nullopt;
  return it->second;
}

void SwapSpace::cache_del(uint32_t slot) {
  m_cache.erase(slot);
  if (m_count.at(slot) == 0) release(slot);
}

uint64_t SwapSpace::transfer(uint64_t cmd, uint32_t slot, PhysAddr frame) {
  const uint64_t sector = (uint64_t{slot} << arch::kPageShift) / blk::kSectorBytes;
  m_io->mmio_write64(m_regs + blk::kRegSector, sector);
  m_io->mmio_write64(m_regs + blk::kRegDmaAddr, frame.value());
  m_io->mmio_write64(m_regs + blk::kRegLength, arch::kPageSize);
  m_io->mmio_write64(m_regs + blk::kRegCommand, cmd);
  // Completion: the interrupt status (read-to-clear) acknowledges it, the
  // status register says how it ended.
  if (m_io->mmio_read64(m_regs + blk::kRegIrqStatus) == 0)
    throw std::runtime_error("swap: the block device did not complete a command");
  if (m_io->mmio_read64(m_regs + blk::kRegStatus) != blk::kStatusOk)
    throw std::runtime_error("swap: block device error on slot " + std::to_string(slot));
  return m_io->mmio_read64(m_regs + blk::kRegLastCycles);
}

uint64_t SwapSpace::read(uint32_t slot, PhysAddr frame) {
  return transfer(blk::kCmdRead, slot, frame);
}

uint64_t SwapSpace::write(uint32_t slot, PhysAddr frame) {
  return transfer(blk::kCmdWrite, slot, frame);
}

}  // namespace mmusim::sw
