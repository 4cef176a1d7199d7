#include "model/platform/platform.h"

#include <stdexcept>

namespace mmusim {

void PlatformParams::validate() const {
  if (!(cpu_frequency_mhz > 0.0 && cpu_frequency_mhz <= 100000.0))
    throw std::invalid_argument("cpu.frequency_mhz: must be in (0, 100000]");
  cpu.validate("cpu");
  mmu.validate("mmu");
  l1i.validate("l1i");
  l1d.validate("l1d");
  dram.validate("dram");
}

uint64_t DramPhysMemory::offset(PhysAddr pa, size_t len) const {
  const uint64_t off = pa.value() - m_base.value();
  if (pa < m_base || !m_dram.storage().contains(off, len))
    throw std::out_of_range("physical access outside DRAM");
  return off;
}

void DramPhysMemory::read(PhysAddr pa, void* dst, size_t len) {
  m_dram.storage().read(offset(pa, len), static_cast<uint8_t*>(dst), len);
}

void DramPhysMemory::write(PhysAddr pa, const void* src, size_t len) {
  m_dram.storage().write(offset(pa, len), static_cast<const uint8_t*>(src), len);
}

void DramPhysMemory::fill(PhysAddr pa, uint8_t value, size_t len) {
  m_dram.storage().fill(offset(pa, len), value, len);
}

namespace {
const PlatformParams& validated(const PlatformParams& p) {
  p.validate();
  return p;
}
sw::KernelParams kernel_params(const PlatformParams& p) {
  sw::KernelParams k = p.kernel;
  k.dram_base = kDramBase;
  k.dram_bytes = p.dram.size_bytes;
  return k;
}
}  // namespace

Platform::Platform(sc_core::sc_module_name name, const PlatformParams& params)
    : sc_module(name),
      clock(validated(params).cpu_frequency_mhz),
      dram("dram", params.dram, clock),
      sysctrl("sysctrl", params.sysctrl_latency_cycles, clock),
      bus("bus", params.bus, clock),
      l1i("l1i", params.l1i, clock),
      l1d("l1d", params.l1d, clock),
      mmu("mmu", params.mmu, clock),
      cpu("cpu", params.cpu, clock),
      phys(dram, kDramBase),
      kernel(kernel_params(params), phys, mmu),
      m_params(params) {
  bus.map("sysctrl", kSysCtrlBase, SysCtrl::kSize, sysctrl.socket);
  bus.map("dram", kDramBase, params.dram.size_bytes, dram.socket);
  cpu.socket.bind(mmu.cpu);
  mmu.mem.bind(l1d.target);
  mmu.imem.bind(l1i.target);
  if (params.walker_through_l1d)
    mmu.walker.mem.bind(l1d.target);
  else
    mmu.walker.mem.bind(bus.target);
  l1i.next.bind(bus.target);
  l1i.set_backing_store(kDramBase, &dram.storage());
  l1d.set_backing_store(kDramBase, &dram.storage());
  l1d.next.bind(bus.target);
  cpu.set_kernel(&kernel);
  // The process a workload runs in (pid 1).
  kernel.spawn();
}

Platform::~Platform() = default;

void Platform::run(Workload& workload) {
  cpu.set_workload(&workload);
  sc_core::sc_start();
  if (cpu.error()) std::rethrow_exception(cpu.error());
  if (!cpu.finished()) throw std::runtime_error("simulation stopped before the workload finished");
}

}  // namespace mmusim
