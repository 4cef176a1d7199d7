// Assembles a platform: CpuPort -> Mmu -> {L1I (fetches), L1D (data)} -> Bus
// -> {Dram, SysCtrl}, the walker reading descriptors through the L1D (or
// straight from the bus), and
// the kernel layer attached to the CPU (fault traps) and to the hardware
// (physical memory, MMU control).
//
// Physical address map (Arm "virt"-like):
//   0x0900_0000  4 KB    sysctrl register block (Device)
//   0x4000_0000  dram.size  DRAM
#pragma once

#include <memory>
#include <string>
#include <systemc>

#include "model/cpu/cpu_port.h"
#include "model/dev/sysctrl.h"
#include "model/mem/bus.h"
#include "model/mem/cache.h"
#include "model/mem/dram.h"
#include "model/mmu/mmu.h"
#include "model/platform/mmu_impl.h"
#include "model/sim/clock.h"
#include "sw/kernel.h"

namespace mmusim {

constexpr PhysAddr kSysCtrlBase{0x0900'0000};
constexpr PhysAddr kDramBase{0x4000'0000};

struct PlatformParams {
  double cpu_frequency_mhz = 2000.0;
  CpuPortParams cpu;
  MmuParams mmu;
  // "cpp": the C++ Mmu; otherwise a registered MmuImpl (mmu.impl=rtl: the Verilated RTL).
  std::string mmu_impl = "cpp";
  CacheParams l1i;                 // instruction fetches
  CacheParams l1d;                 // data accesses (and descriptor reads, with walker_through_l1d)
  bool walker_through_l1d = true;  // else descriptor reads go straight to the bus
  BusParams bus;
  DramParams dram;
  uint64_t sysctrl_latency_cycles = 20;
  sw::KernelParams kernel;  // dram_base/dram_bytes are set from the DRAM window
  void validate() const;
};

// sw::PhysMemory over the DRAM backing store. Because the caches keep data
// coherent in the backing store (see model/mem/cache.h), this is the
// coherent view the kernel's contract asks for.
class DramPhysMemory : public sw::PhysMemory {
 public:
  DramPhysMemory(Dram& dram, PhysAddr base) : m_dram(dram), m_base(base) {}
  void read(PhysAddr pa, void* dst, size_t len) override;
  void write(PhysAddr pa, const void* src, size_t len) override;
  void fill(PhysAddr pa, uint8_t value, size_t len) override;

 private:
  uint64_t offset(PhysAddr pa, size_t len) const;
  Dram& m_dram;
  PhysAddr m_base;
};

class Platform : public sc_core::sc_module {
 public:
  // Builds the platform and spawns the first process (current, pid 1).
  explicit Platform(sc_core::sc_module_name name, const PlatformParams& params = {});
  ~Platform() override;

  // Runs `workload` on the CPU to completion (sc_start). Rethrows what the
  // workload threw. May be called once per process (SystemC elaborates once).
  void run(Workload& workload);

  const PlatformParams& params() const { return m_params; }
  Clock clock;
  Dram dram;
  SysCtrl sysctrl;
  Bus bus;
  Cache l1i;
  Cache l1d;
  Mmu mmu;  // idle (sockets terminated) when params().mmu_impl is not "cpp"
  std::unique_ptr<MmuImpl> mmu_impl;  // the MMU in use when params().mmu_impl is not "cpp"
  CpuPort cpu;
  DramPhysMemory phys;
  sw::Kernel kernel;

 private:
  PlatformParams m_params;
  std::unique_ptr<sc_core::sc_module> m_mmu_stub;  // terminates the idle C++ Mmu's sockets
};

}  // namespace mmusim
