#include "system/platform.h"
#include "sw/mm/address_spaces.h"

#include <stdexcept>

#include "model/util/config_error.h"

namespace mmusim {

namespace {

const PlatformParams& validated(const PlatformParams& p) {
  p.validate();
  return p;
}

HardwareParams hardware_params(const PlatformParams& p) {
  HardwareParams h = p;
  h.blockdev_capacity_bytes = p.kernel.swap_bytes + p.kernel.file_store_bytes;
  return h;
}

sw::KernelParams kernel_params(const PlatformParams& p) {
  sw::KernelParams k = p.kernel;
  k.cpus = p.cores;
  k.dram_base = kDramBase;
  k.dram_bytes = p.dram.size_bytes;
  k.swap_device = kBlockDevBase;
  return k;
}

ports::TrapOutcome trap_outcome(sw::FaultOutcome o) {
  switch (o) {
    case sw::FaultOutcome::kRetry:
      return ports::TrapOutcome::kRetry;
    case sw::FaultOutcome::kSigsegv:
      return ports::TrapOutcome::kSigsegv;
    case sw::FaultOutcome::kSigbus:
      return ports::TrapOutcome::kSigbus;
    case sw::FaultOutcome::kKilled:
      return ports::TrapOutcome::kKilled;
  }
  throw std::logic_error("unknown fault outcome");
}

}  // namespace

void check_host_memory(const PlatformParams& p, const HostMemory& host) {
  std::vector<HostMemoryPart> parts = host_memory_parts(p);
  // The kernel's frame bookkeeping covers the hugetlb pool, set aside at
  // boot: bitmaps and counters per frame (~0.25 bytes), the free list, with
  // the vectors' slack.
  parts.push_back({"kernel.hugetlb_pages_2m",
                   std::to_string(p.kernel.hugetlb_pages_2m) + " pages of 2 MB",
                   p.kernel.hugetlb_pages_2m * 280});
  check_host_memory(parts, host);
}

void PlatformParams::validate() const {
  check();
  if (cores > 1 && kernel.tlb_shootdown == sw::TlbShootdown::kIpi && !gic.enable)
    throw util::ConfigError("kernel.tlb_shootdown: ipi with cpu.cores " + std::to_string(cores) +
                            " needs gic.enable (the IPIs go through the GIC)");
  check_host_memory(*this, host_memory());
}

ports::TrapResult KernelTrap::handle_fault(const arch::FaultSyndrome& fault) {
  m_kernel.set_cpu(m_core);
  const sw::FaultResult r = m_kernel.handle_fault(fault);
  return {trap_outcome(r.outcome), r.cost.cycles};
}

Platform::Platform(sc_core::sc_module_name name, const PlatformParams& params)
    : Hardware(name, hardware_params(validated(params))),
      // The hardware is bound: the kernel's swap driver probes the block device.
      tlb_port(mmu_control()),
      kernel(
          kernel_params(params), phys,
          [this] {
            std::vector<ports::MmuControl*> v;
            for (unsigned c = 0; c < cores().size(); ++c)
              v.push_back(&mmu_control(c));
            return v;
          }(),
          cores().size() > 1 ? static_cast<ports::TlbMaintenance&>(dvm)
                             : static_cast<ports::TlbMaintenance&>(tlb_port),
          nullptr, &devio),
      m_params(params) {
  // T of the fabric's timing: the kernel's issue interval of two TLBIs.
  dvm.set_tlbi_interval(Cycles(params.kernel.costs.tlbi_cycles));
  for (CoreParts* core : cores()) {
    m_traps.push_back(std::make_unique<KernelTrap>(kernel, core->index));
    core->cpu.set_fault_handler(m_traps.back().get());
  }
  m_stats.attach(stats_group());
  // The kernel's statistics: each subsystem registers its own (sw/kernel_stats.h).
  kernel.register_stats(m_stats.component("kernel"));
  // The process a workload runs in (pid 1).
  kernel.mm().spawn();
}

Platform::~Platform() = default;

sw::Kernel& kernel_of(const CpuPort& cpu) {
  const auto* trap = dynamic_cast<const KernelTrap*>(cpu.fault_handler());
  if (!trap) throw std::logic_error(std::string(cpu.name()) + ": no kernel attached");
  trap->kernel().set_cpu(trap->core());
  return trap->kernel();
}

}  // namespace mmusim
