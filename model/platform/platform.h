// Assembles a platform: CpuPort -> Mmu -> {L1I (fetches), L1D (data)} -> Bus
// -> {Dram, SysCtrl}, the walker reading descriptors through the L1D (or
// straight from the bus), and
// the kernel layer attached to the CPU (fault traps) and to the hardware
// (physical memory, MMU control).
//
// Physical address map (Arm "virt"-like; bases are configurable):
//   0x0800_0000  rom.size   ROM (Normal, read-only; rom.enable)
//   0x0900_0000  4 KB       sysctrl register block (Device)
//   0x0901_0000  4 KB       UART (uart.enable)
//   0x0902_0000  4 KB       timer (timer.enable)
//   0x0903_0000  4 KB       status block, read-to-clear (status.enable)
//   0x0a00_0000  4 KB       block device registers (Device; swap lives on it)
//   0x4000_0000  dram.size  DRAM
#pragma once

#include <memory>
#include <string>
#include <systemc>
#include <vector>

#include "model/cpu/cpu_port.h"
#include "model/dev/block_device.h"
#include "model/dev/status_block.h"
#include "model/dev/sysctrl.h"
#include "model/dev/timer.h"
#include "model/dev/uart.h"
#include "model/mem/bus.h"
#include "model/mem/cache.h"
#include "model/mem/dram.h"
#include "model/mem/rom.h"
#include "model/mmu/mmu.h"
#include "model/platform/mmu_impl.h"
#include "model/sim/clock.h"
#include "sw/kernel.h"

namespace mmusim {

constexpr PhysAddr kSysCtrlBase{0x0900'0000};
constexpr PhysAddr kDramBase{0x4000'0000};
constexpr PhysAddr kBlockDevBase{0x0a00'0000};

// The host memory a run may take: physical memory, or less under a cgroup
// limit or an address-space limit (ulimit -v, less what is mapped).
struct HostMemory {
  uint64_t bytes = UINT64_MAX;
  std::string source = "unknown";
};
HostMemory host_memory();

struct PlatformParams;
// Throws util::ConfigError naming the key of the largest part when what the
// configured geometry needs of the host (caches, TLBs, the kernel's frame
// bookkeeping of the hugetlb pool) is more than `host` (PlatformParams::
// validate checks it against host_memory()).
void check_host_memory(const PlatformParams& p, const HostMemory& host);

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
  // The block device (swap): per-command latency in ns (SSD-like defaults:
  // 25 us read, 200 us write), register access latency in cycles. Its
  // capacity is kernel.swap_bytes + kernel.file_store_bytes.
  uint64_t blockdev_read_latency_ns = 25'000;
  uint64_t blockdev_write_latency_ns = 200'000;
  uint64_t blockdev_reg_latency_cycles = 20;
  struct DeviceParams {
    bool enable = true;
    uint64_t base = 0;
    uint64_t latency_cycles = 20;
  };
  DeviceParams uart{true, 0x0901'0000, 20};
  DeviceParams timer{true, 0x0902'0000, 20};
  uint64_t timer_divider = 20;  // CPU cycles per timer count (100 MHz at 2 GHz)
  DeviceParams status{true, 0x0903'0000, 20};
  RomParams rom;
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

// sw::DeviceIo as real bus transactions: one 64-bit TLM access per call,
// from its own initiator socket into the bus.
class BusDeviceIo : public sc_core::sc_module, public sw::DeviceIo {
 public:
  tlm_utils::simple_initiator_socket<BusDeviceIo> socket;
  explicit BusDeviceIo(sc_core::sc_module_name name);
  uint64_t mmio_read64(PhysAddr pa) override;
  void mmio_write64(PhysAddr pa, uint64_t value) override;
  uint64_t accesses() const { return m_accesses; }

 private:
  void access(tlm::tlm_command cmd, PhysAddr pa, uint64_t& value);
  uint64_t m_accesses = 0;
  // Reused for every access (the kernel makes one at a time): a payload's
  // construction allocates its extension array.
  tlm::tlm_generic_payload m_trans;
};

// A bus window a process may map with the io_remap path (the script's
// `iomap`): its name, where it is and the memory type it is mapped with
// unless the mapping asks for another (MAIR index, arch::mt).
struct IoWindow {
  std::string name;
  PhysAddr base;
  uint64_t size = 0;
  uint8_t default_attr_index = 0;
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
  // The mappable windows (enabled devices and the ROM), by address.
  std::vector<IoWindow> io_windows() const;
  Clock clock;
  Dram dram;
  SysCtrl sysctrl;
  BlockDevice blockdev;
  Uart uart;
  Timer timer;
  StatusBlock status;
  Rom rom;
  Bus bus;
  Cache l1i;
  Cache l1d;
  Mmu mmu;  // idle (sockets terminated) when params().mmu_impl is not "cpp"
  std::unique_ptr<MmuImpl> mmu_impl;  // the MMU in use when params().mmu_impl is not "cpp"
  CpuPort cpu;
  DramPhysMemory phys;
  BusDeviceIo devio;
  sw::Kernel kernel;

 private:
  void bind_devices();
  PlatformParams m_params;
  std::unique_ptr<sc_core::sc_module> m_mmu_stub;           // terminates the idle C++ Mmu's sockets
  std::vector<std::unique_ptr<sc_core::sc_module>> m_idle;  // bind disabled devices' sockets
};

}  // namespace mmusim
