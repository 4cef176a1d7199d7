// The system: the hardware platform (model/platform/hardware.h) with the
// kernel layer (sw/) booted on it. The one place that joins model/ and sw/:
// the kernel drives the hardware through the ports of model/ports (physical
// memory, MMU control, device I/O), and the CPU traps into the kernel through
// a FaultHandler (KernelTrap, below).
#pragma once

#include <string>
#include <vector>

#include "model/platform/hardware.h"
#include "model/ports/tlb_maintenance.h"
#include "sw/kernel.h"

namespace mmusim {

struct PlatformParams : HardwareParams {
  sw::KernelParams kernel;  // dram_base/dram_bytes are set from the DRAM window
  // HardwareParams::check(), then the host memory of the hardware and the kernel.
  void validate() const;
};

// The hardware's parts and the kernel's frame bookkeeping of the hugetlb pool.
void check_host_memory(const PlatformParams& p, const HostMemory& host);

// A CPU's fault handler: the kernel layer's fault entry, on that CPU's core
// (Kernel::set_cpu before the kernel handles the fault).
class KernelTrap : public ports::FaultHandler {
 public:
  explicit KernelTrap(sw::Kernel& kernel, unsigned core = 0) : m_kernel(kernel), m_core(core) {}
  ports::TrapResult handle_fault(const arch::FaultSyndrome& fault) override;
  sw::Kernel& kernel() const { return m_kernel; }
  unsigned core() const { return m_core; }

 private:
  sw::Kernel& m_kernel;
  unsigned m_core;
};

class Platform : public Hardware {
 public:
  // Builds the hardware, boots the kernel on it and spawns the first process
  // (current, pid 1).
  explicit Platform(sc_core::sc_module_name name, const PlatformParams& params = {});
  ~Platform() override;

  const PlatformParams& params() const { return m_params; }
  // Every statistic of the system: the hardware's ("top.*") and the kernel's
  // ("kernel.*"), from the registry (docs/stats.md).
  const stats::Group& stats_root() const { return m_stats; }
  // TLB maintenance between the cores (model/ports/tlb_maintenance.h): with
  // one core this, where a broadcast TLBI is local and a DSB never waits;
  // with cpu.cores > 1 the hardware's TlbFabric (`dvm`).
  ports::SingleCoreTlbMaintenance tlb_port;
  sw::Kernel kernel;

 private:
  PlatformParams m_params;
  std::vector<std::unique_ptr<KernelTrap>> m_traps;  // one per core
  stats::Group m_stats;
};

// The kernel the CPU traps into (a workload's system calls go to it), set
// to run on that CPU's core (Kernel::set_cpu): call it for each kernel call
// rather than keep the reference across accesses, since another core's
// thread may run between two accesses.
sw::Kernel& kernel_of(const CpuPort& cpu);

}  // namespace mmusim
