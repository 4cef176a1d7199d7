#include "model/dev/block_device_core.h"

#include <algorithm>
#include <stdexcept>
#include <vector>

namespace mmusim {

using namespace blk;

BlockDeviceCore::BlockDeviceCore(const BlockDeviceParams& params, DmaPort& dma)
    : m_params(params), m_dma(dma) {
  if (params.capacity_bytes % kSectorBytes)
    throw std::invalid_argument("block device: capacity must be a multiple of 512 bytes");
}

uint64_t BlockDeviceCore::reg_peek(uint64_t offset) const {
  switch (offset) {
    case kRegId:
      return kBlkId;
    case kRegCapacity:
      return m_params.capacity_bytes / kSectorBytes;
    case kRegSector:
      return m_sector;
    case kRegDmaAddr:
      return m_dma_addr;
    case kRegLength:
      return m_length;
    case kRegStatus:
      return m_status;
    case kRegIrqStatus:
      return m_irq;
    case kRegLastCycles:
      return m_last_cycles;
    case kRegCompleted:
      return m_completed;
    default:
      return 0;
  }
}

uint64_t BlockDeviceCore::reg_read(uint64_t offset) {
  const uint64_t v = reg_peek(offset);
  if (offset == kRegIrqStatus) m_irq = 0;  // read-to-clear
  return v;
}

void BlockDeviceCore::reg_write(uint64_t offset, uint64_t value) {
  switch (offset) {
    case kRegSector:
      m_sector = value;
      break;
    case kRegDmaAddr:
      m_dma_addr = value;
      break;
    case kRegLength:
      m_length = value;
      break;
    case kRegCommand:
      run_command(value);
      break;
    default:
      break;
  }
}

uint8_t BlockDeviceCore::byte_at(uint64_t off) const {
  auto it = m_blocks.find(off >> 12);
  return it == m_blocks.end() ? 0 : it->second[off & 4095];
}

void BlockDeviceCore::run_command(uint64_t cmd) {
  const uint64_t cap = m_params.capacity_bytes;
  const uint64_t start = m_sector * kSectorBytes;
  const bool ok_shape = (cmd == kCmdRead || cmd == kCmdWrite) && m_length > 0 &&
                        m_length % kSectorBytes == 0 && m_length <= kMaxTransfer &&
                        m_sector < cap / kSectorBytes && m_length <= cap - start;
  m_last_cycles = 0;
  bool ok = ok_shape;
  if (ok) {
    std::vector<uint8_t>& buf = m_buffer;
    buf.resize(m_length);
    if (cmd == kCmdRead) {
      for (uint64_t i = 0; i < m_length;) {
        const uint64_t off = start + i;
        const uint64_t n = std::min<uint64_t>(4096 - (off & 4095), m_length - i);
        auto it = m_blocks.find(off >> 12);
        if (it == m_blocks.end())
          std::fill_n(buf.begin() + static_cast<long>(i), n, 0);
        else
          std::copy_n(it->second.begin() + (off & 4095), n, buf.begin() + static_cast<long>(i));
        i += n;
      }
      ok = m_dma.dma_write(m_dma_addr, buf.data(), m_length);
      if (ok) {
        m_stats.reads++;
        m_stats.bytes_read += m_length;
        m_last_cycles = m_params.read_latency_cycles;
      }
    } else {
      ok = m_dma.dma_read(m_dma_addr, buf.data(), m_length);
      if (ok) {
        for (uint64_t i = 0; i < m_length;) {
          const uint64_t off = start + i;
          const uint64_t n = std::min<uint64_t>(4096 - (off & 4095), m_length - i);
          auto [it, fresh] = m_blocks.try_emplace(off >> 12);
          if (fresh) it->second.fill(0);
          std::copy_n(buf.begin() + static_cast<long>(i), n, it->second.begin() + (off & 4095));
          i += n;
        }
        m_stats.writes++;
        m_stats.bytes_written += m_length;
        m_last_cycles = m_params.write_latency_cycles;
      }
    }
  }
  if (!ok) m_stats.errors++;
  m_stats.busy_cycles += m_last_cycles;
  m_status = ok ? kStatusOk : kStatusError;
  m_irq++;
  m_completed++;
}

}  // namespace mmusim
