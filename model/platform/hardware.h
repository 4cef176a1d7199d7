// The hardware platform: CpuPort -> Mmu -> {L1I (fetches), L1D (data)} ->
// [L2] -> [LLC] -> Bus -> {Dram, SysCtrl, devices}, the walker reading
// descriptors through the L1D, the L2, the LLC or straight from the bus
// (mmu.walker.through), and the hardware ports an operating system
// drives (model/ports: physical memory, MMU control, device I/O; the CPU's
// fault handler). Nothing here knows the kernel layer: the system assembly
// (system/platform.h) joins the two.
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
#include "model/dev/gic.h"
#include "model/dev/status_block.h"
#include "model/dev/sysctrl.h"
#include "model/dev/timer.h"
#include "model/dev/uart.h"
#include "model/mem/bus.h"
#include "model/mem/cache.h"
#include "model/mem/coherence.h"
#include "model/mem/dram.h"
#include "model/mem/rom.h"
#include "model/mmu/mmu.h"
#include "model/platform/core.h"
#include "model/platform/mmu_impl.h"
#include "model/platform/tlb_fabric.h"
#include "model/ports/fault_handler.h"
#include "model/ports/hw.h"
#include "model/sim/clock.h"
#include "model/stats/stats.h"
#include "model/util/config_node.h"

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

// What one part of a configuration needs of the host once it is used.
struct HostMemoryPart {
  std::string key, what;
  uint64_t bytes;
};
struct HardwareParams;
// The parts of the hardware (caches, TLBs).
std::vector<HostMemoryPart> host_memory_parts(const HardwareParams& p);
// Throws util::ConfigError naming the key of the largest part when all the
// parts together need more than `host` (HardwareParams::validate checks the
// hardware's against host_memory(); the system adds its own parts).
void check_host_memory(const std::vector<HostMemoryPart>& parts, const HostMemory& host);
void check_host_memory(const HardwareParams& p, const HostMemory& host);

struct HardwareParams {
  double cpu_frequency_mhz = 2000.0;
  // cpu.cores: each core has its CPU port, MMU, L1I, L1D (and L2); the LLC,
  // the bus, the DRAM and the devices are shared.
  unsigned cores = 1;
  static constexpr unsigned kMaxCores = 64;
  CpuPortParams cpu;
  // Broadcast TLB maintenance between the cores (TlbFabric; guesses, not
  // measurements): dvm.latency_cycles L, a DVM message from one core to
  // another (and the completion back); dvm.receive_cycles R, what
  // processing one message costs the receiving core.
  uint64_t dvm_latency_cycles = 40;
  uint64_t dvm_receive_cycles = 8;
  // Timing coherence between the cores' private caches (coherence.*, used
  // only with cores > 1; guesses, not measurements).
  CoherenceParams coherence;
  MmuParams mmu;
  // "cpp": the C++ Mmu; otherwise a registered MmuImpl (mmu.impl=rtl: the Verilated RTL).
  std::string mmu_impl = "cpp";
  CacheParams l1i;  // instruction fetches
  CacheParams l1d;  // data accesses (and descriptor reads, with walker_through l1d)
  // Behind the L1s (docs/architecture.md, caches): L1I/L1D -> L2 (private
  // to the core) -> LLC (shared by every core's L2, or L1s) -> bus. Each is
  // off by default; the line size of both must be the L1s'.
  bool l2_enable = false;
  CacheParams l2 = default_l2();
  bool llc_enable = false;
  CacheParams llc = default_llc();
  // Where descriptor reads enter the hierarchy (mmu.walker.through; the
  // level must be enabled). kMemory: straight to the bus.
  WalkerReadLevel walker_through = WalkerReadLevel::kL1d;
  BusParams bus;
  DramParams dram;
  uint64_t sysctrl_latency_cycles = 20;
  // The block device (swap): per-command latency in ns (SSD-like defaults:
  // 25 us read, 200 us write), register access latency in cycles. Its
  // capacity is set by the system assembly (kernel.swap + kernel.file_store).
  uint64_t blockdev_read_latency_ns = 25'000;
  uint64_t blockdev_write_latency_ns = 200'000;
  uint64_t blockdev_reg_latency_cycles = 20;
  uint64_t blockdev_capacity_bytes = 0;
  struct DeviceParams {
    bool enable = true;
    uint64_t base = 0;
    uint64_t latency_cycles = 20;
  };
  DeviceParams uart{true, 0x0901'0000, 20};
  DeviceParams timer{true, 0x0902'0000, 20};
  uint64_t timer_divider = 20;  // CPU cycles per timer count (100 MHz at 2 GHz)
  DeviceParams status{true, 0x0903'0000, 20};
  // The SGI controller between the cores (mapped only with cores > 1);
  // gic.delivery_cycles: an SGI from the GIC to the target core's exception
  // entry (a guess, not a measurement).
  DeviceParams gic{true, 0x0904'0000, 20};
  uint64_t gic_delivery_cycles = 100;
  RomParams rom;
  static CacheParams default_l2() {
    CacheParams c;
    c.size_bytes = 256 * 1024;
    c.ways = 8;
    c.hit_latency_cycles = 12;
    c.mshrs = 16;
    return c;
  }
  static CacheParams default_llc() {
    CacheParams c;
    c.size_bytes = 8 * 1024 * 1024;
    c.ways = 16;
    c.hit_latency_cycles = 40;
    c.mshrs = 32;
    return c;
  }
  // Ranges and the address map (std::invalid_argument naming the key).
  void check() const;
  // Every hardware key below `root` (mmu, cpu, l1i, l1d, bus, dram, the
  // devices, blockdev; docs/config.md), each component's from its own
  // params' read(). The implementation named by mmu.impl sets its defaults
  // first. Not validated (the caller's validate()).
  static HardwareParams read(const util::ConfigNode& root);
  // check(), and the host memory the hardware needs.
  void validate() const;
};

// The PhysMemory port over the DRAM backing store. Because the caches keep data
// coherent in the backing store (see model/mem/cache.h), this is the
// coherent view the kernel's contract asks for.
class DramPhysMemory : public ports::PhysMemory {
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

// The DeviceIo port as real bus transactions: one 64-bit TLM access per call,
// from its own initiator socket into the bus.
class BusDeviceIo : public sc_core::sc_module, public ports::DeviceIo {
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

class Hardware : public sc_core::sc_module {
 public:
  explicit Hardware(sc_core::sc_module_name name, const HardwareParams& params = {});
  ~Hardware() override;

  // Runs `workload` on the CPU to completion (sc_start). Rethrows what the
  // workload threw (an error the CPU port reports is an sc_core::sc_report). May be called once per
  // process (SystemC elaborates once). Core 0 runs it; any other core is idle.
  void run(Workload& workload);
  // One workload per core (workloads[c] on core c; nullptr or missing: an
  // idle core, core 0's is required), run concurrently in simulated time
  // until every core has finished. Rethrows the first core's error.
  void run(const std::vector<Workload*>& workloads);

  const HardwareParams& params() const { return m_params; }
  // The MMU an operating system controls: the C++ Mmu or the implementation in use.
  ports::MmuControl& mmu_control();
  // Core `c`'s MMU (c below params().cores).
  ports::MmuControl& mmu_control(unsigned c);
  // The cores, core 0 first (with one core, its parts are this module's:
  // "top.cpu"; with more, "top.core<N>.cpu").
  const std::vector<CoreParts*>& cores() const { return m_cores; }
  CoreParts& core(unsigned c) { return *m_cores.at(c); }
  // Every component's statistics (docs/stats.md), under this module's name:
  // "top.cpu", "top.mmu.l1_dtlb", ...
  stats::Group& stats_group() { return m_stats; }
  const stats::Group& stats_group() const { return m_stats; }
  // Where core 0's CPU traps (nullptr: a fault is an SC_REPORT_ERROR, mmusim/cpu).
  void set_fault_handler(ports::FaultHandler* handler) { cpu.set_fault_handler(handler); }
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

 private:
  // The cores' parts: in this module's scope with one core, else each in a
  // CoreModule "core<N>".
  std::unique_ptr<CoreParts> m_core0;
  std::vector<std::unique_ptr<CoreModule>> m_core_modules;
  std::vector<CoreParts*> m_cores;

 public:
  // Core 0's parts.
  Cache& l1i;
  Cache& l1d;
  std::unique_ptr<Cache>& l2;  // l2.enable
  std::unique_ptr<Cache> llc;  // llc.enable, shared
  Mmu& mmu;                    // idle (sockets terminated) when params().mmu_impl is not "cpp"
  // Core 0's MMU implementation when params().mmu_impl is not "cpp" (each core has its own:
  // core(c).impl).
  std::unique_ptr<MmuImpl>& mmu_impl;
  CpuPort& cpu;
  DramPhysMemory phys;
  BusDeviceIo devio;
  // Broadcast TLB maintenance between the cores' MMUs (model/ports/tlb_maintenance.h).
  TlbFabric dvm;
  // cores > 1 and gic.enable: the SGI controller and the fabric's initiator to it.
  std::unique_ptr<Gic> gic;
  std::unique_ptr<BusDeviceIo> dvm_io;
  // cores > 1: MESI-like timing coherence between the cores' L1I, L1D and L2
  // (model/mem/coherence.h); null with one core.
  std::unique_ptr<CoherenceBus> coherence;

 private:
  void register_stats();
  std::vector<CoreParts*> build_cores(const HardwareParams& params);
  HardwareParams m_params;
  stats::Group m_stats;
  std::vector<std::unique_ptr<sc_core::sc_module>> m_idle;  // bind disabled devices' sockets
};

}  // namespace mmusim
