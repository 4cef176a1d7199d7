// The block device for sw tests: the same BlockDeviceCore the platform puts
// on the bus, reached by direct register calls (DeviceIo) and DMAing into
// the fake physical memory.
#pragma once

#include <stdexcept>

#include "model/dev/block_device_core.h"
#include "sw/kernel.h"
#include "tests/sw/fake_hw.h"

namespace mmusim::sw::test {

class FakeDma : public DmaPort {
 public:
  explicit FakeDma(FakePhysMemory& mem) : m_mem(mem) {}
  bool dma_read(uint64_t pa, void* dst, uint64_t len) override {
    try {
      m_mem.read(PhysAddr(pa), dst, len);
      return true;
    } catch (const std::out_of_range&) {
      return false;
    }
  }
  bool dma_write(uint64_t pa, const void* src, uint64_t len) override {
    try {
      m_mem.write(PhysAddr(pa), src, len);
      return true;
    } catch (const std::out_of_range&) {
      return false;
    }
  }

 private:
  FakePhysMemory& m_mem;
};

class CoreDeviceIo : public DeviceIo {
 public:
  CoreDeviceIo(BlockDeviceCore& core, PhysAddr base) : m_core(core), m_base(base) {}
  uint64_t mmio_read64(PhysAddr pa) override {
    ++reads;
    return m_core.reg_read(pa - m_base);
  }
  void mmio_write64(PhysAddr pa, uint64_t value) override {
    ++writes;
    m_core.reg_write(pa - m_base, value);
  }
  uint64_t reads = 0, writes = 0;

 private:
  BlockDeviceCore& m_core;
  PhysAddr m_base;
};

// A kernel with `phys_mem` bytes of memory and `swap` bytes of swap on the device.
struct SwapRig {
  SwapRig(uint64_t phys_mem, uint64_t swap, uint64_t dram = 64 << 20, uint64_t file_store = 0)
      : SwapRig(make(phys_mem, swap, dram, file_store)) {}
  explicit SwapRig(const KernelParams& p)
      : params(p),
        mem(params.dram_base, params.dram_bytes, log),
        mmu(log),
        dma(mem),
        dev(BlockDeviceParams{p.swap_bytes + p.file_store_bytes, 50'000, 400'000}, dma),
        io(dev, params.swap_device),
        k(params, mem, mmu, nullptr, &io),
        cpu(k, mem, mmu) {}
  static KernelParams make(uint64_t phys_mem, uint64_t swap, uint64_t dram, uint64_t file_store) {
    KernelParams p;
    p.dram_bytes = dram;
    p.phys_mem_bytes = phys_mem;
    p.swap_bytes = swap;
    p.file_store_bytes = file_store;
    return p;
  }
  KernelParams params;
  HwLog log;
  FakePhysMemory mem;
  RecordingMmu mmu;
  FakeDma dma;
  BlockDeviceCore dev;
  CoreDeviceIo io;
  Kernel k;
  TestCpu cpu;
};

}  // namespace mmusim::sw::test
