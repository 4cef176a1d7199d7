// The block device's behaviour, in plain C++ (no SystemC): registers (see
// block_device_regs.h), sector storage in host memory, DMA to and from DRAM
// through a DmaPort, and a fixed latency per command. The SystemC register
// block (block_device.h) and the kernel-layer tests (tests/sw) both drive
// this one core, so there is a single device model: the platform reaches it
// with bus transactions, the sw tests with direct register calls.
//
// Time: a command completes within the register write that starts it (the
// model's DMA is functional); LAST_CYCLES reports how long the device took
// (read or write latency, in core cycles), which the driver charges to the
// operation that waited for it (a major fault, a writeback).
#pragma once

#include <array>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "model/ports/block_device_regs.h"

namespace mmusim {

// The device's view of memory for DMA. Returns false for an address the
// bus does not decode (the command then ends with kStatusError).
class DmaPort {
 public:
  virtual ~DmaPort() = default;
  virtual bool dma_read(uint64_t pa, void* dst, uint64_t len) = 0;         // DRAM -> device
  virtual bool dma_write(uint64_t pa, const void* src, uint64_t len) = 0;  // device -> DRAM
};

struct BlockDeviceParams {
  uint64_t capacity_bytes = 0;              // a multiple of 512
  uint64_t read_latency_cycles = 50'000;    // 25 us at 2 GHz (NVMe SSD 4 KB random read)
  uint64_t write_latency_cycles = 400'000;  // 200 us at 2 GHz (SSD program time)
};

struct BlockDeviceStats {
  uint64_t reads = 0, writes = 0, errors = 0;
  uint64_t bytes_read = 0, bytes_written = 0;  // device -> DRAM, DRAM -> device
  uint64_t busy_cycles = 0;
};

class BlockDeviceCore {
 public:
  BlockDeviceCore(const BlockDeviceParams& params, DmaPort& dma);

  // One register access with its side effect (exactly once per call).
  // Unknown offsets read 0 and ignore writes; the SystemC wrapper rejects
  // them before they get here.
  uint64_t reg_read(uint64_t offset);
  void reg_write(uint64_t offset, uint64_t value);
  // The stored value without side effects (debug).
  uint64_t reg_peek(uint64_t offset) const;

  const BlockDeviceParams& params() const { return m_params; }
  const BlockDeviceStats& stats() const { return m_stats; }
  // Sector contents for tests (zeroes when never written).
  uint8_t byte_at(uint64_t device_offset) const;

 private:
  void run_command(uint64_t cmd);
  using Block = std::array<uint8_t, 4096>;

  BlockDeviceParams m_params;
  DmaPort& m_dma;
  uint64_t m_sector = 0, m_dma_addr = 0, m_length = 0;
  uint64_t m_status = blk::kStatusIdle, m_irq = 0, m_last_cycles = 0, m_completed = 0;
  std::unordered_map<uint64_t, Block> m_blocks;  // 4 KB block index -> bytes
  BlockDeviceStats m_stats;
  std::vector<uint8_t> m_buffer;  // one transfer, reused
};

}  // namespace mmusim
