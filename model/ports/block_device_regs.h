// Register map of the block device (model/dev/block_device_core.h): the
// contract between the device and its driver (sw/swap.cpp). Plain constants,
// no SystemC: the bottom layer, which the kernel layer includes.
//
//   off   name         access  meaning
//   0x00  ID           RO      kBlkId ("BLK0")
//   0x08  CAPACITY     RO      device size in 512-byte sectors
//   0x10  SECTOR       RW      first sector of the next command
//   0x18  DMA_ADDR     RW      physical address of the DRAM buffer
//   0x20  LENGTH       RW      bytes to transfer (a multiple of 512, at most 64 KB)
//   0x28  COMMAND      WO      writing kCmdRead / kCmdWrite starts a command (once per write)
//   0x30  STATUS       RO      kStatusIdle, kStatusOk or kStatusError of the last command
//   0x38  IRQ_STATUS   RO      completions since last read; reading clears it (read-to-clear)
//   0x40  LAST_CYCLES  RO      device time of the last command, in core cycles
//   0x48  COMPLETED    RO      commands completed since reset (never cleared)
#pragma once

#include <cstdint>

namespace mmusim::blk {

constexpr uint64_t kBlkId = 0x304b4c42;  // "BLK0"
constexpr uint64_t kSectorBytes = 512;
constexpr uint64_t kMaxTransfer = 64 * 1024;
constexpr uint64_t kRegBlockSize = 0x1000;

constexpr uint64_t kRegId = 0x00;
constexpr uint64_t kRegCapacity = 0x08;
constexpr uint64_t kRegSector = 0x10;
constexpr uint64_t kRegDmaAddr = 0x18;
constexpr uint64_t kRegLength = 0x20;
constexpr uint64_t kRegCommand = 0x28;
constexpr uint64_t kRegStatus = 0x30;
constexpr uint64_t kRegIrqStatus = 0x38;
constexpr uint64_t kRegLastCycles = 0x40;
constexpr uint64_t kRegCompleted = 0x48;

constexpr uint64_t kCmdRead = 1;   // device -> DRAM
constexpr uint64_t kCmdWrite = 2;  // DRAM -> device

constexpr uint64_t kStatusIdle = 0;
constexpr uint64_t kStatusOk = 1;
constexpr uint64_t kStatusError = 2;  // bad command, range, length or DMA address

}  // namespace mmusim::blk
