// The narrow hardware ports the kernel layer drives: simulated physical
// memory, the MMU's control registers and TLB maintenance, and register
// access to bus-attached devices. The bottom layer: plain C++ (no SystemC),
// included by model/ (which implements the ports) and by sw/ (which uses
// them, as sw::PhysMemory etc., see sw/hw.h); sw/ tests implement them with
// plain host memory.
#pragma once

#include <cstddef>
#include <cstdint>

#include "model/arch/types.h"

namespace mmusim::ports {

// Contract: a coherent view of simulated physical memory. Reads return what
// the last write to the same bytes (by the kernel or by a simulated access
// through the caches) stored; writes are visible to the page-table walker's
// next descriptor read. Accesses outside DRAM are programming errors and
// throw std::out_of_range.
class PhysMemory {
 public:
  virtual ~PhysMemory() = default;
  virtual void read(PhysAddr pa, void* dst, size_t len) = 0;
  virtual void write(PhysAddr pa, const void* src, size_t len) = 0;
  virtual void fill(PhysAddr pa, uint8_t value, size_t len) = 0;

  uint64_t read64(PhysAddr pa) {
    uint64_t v;
    read(pa, &v, sizeof v);
    return v;
  }
  void write64(PhysAddr pa, uint64_t v) { write(pa, &v, sizeof v); }
};

// Contract: the MMU's system registers and TLB maintenance (Arm ARM C5.5
// "A64 TLB maintenance instructions"). Each TLBI also invalidates walk-cache
// entries covering the same translations. Calls complete immediately (the
// model is the DSB that follows); their cost is charged by the kernel.
class MmuControl {
 public:
  virtual ~MmuControl() = default;
  virtual void tlbi_va_asid(VirtAddr va, Asid asid) = 0;  // TLBI VAE1: VA+ASID, and global
  virtual void tlbi_va_all_asids(VirtAddr va) = 0;        // TLBI VAAE1
  virtual void tlbi_asid(Asid asid) = 0;                  // TLBI ASIDE1: non-global of ASID
  virtual void tlbi_all() = 0;                            // TLBI VMALLE1
  // TLBI RVAE1 / RVALE1 (FEAT_TLBIRANGE): every entry of `asid` (and every
  // global one) whose page intersects [va, va + pages * 4 KB). The model
  // treats the last-level form like the full one (walk caches invalidated
  // too: a conservative over-invalidation, so results match VAE1's). This
  // default issues one tlbi_va_asid per 4 KB page, which removes the same
  // entries; the C++ Mmu overrides it with one pass over its entries.
  virtual void tlbi_range(Asid asid, VirtAddr va, uint64_t pages, bool last_level) {
    (void)last_level;
    for (uint64_t i = 0; i < pages; ++i)
      tlbi_va_asid(VirtAddr(va.value() + (i << 12)), asid);
  }
  // Writes TTBR0_EL1 (table base and ASID). No TLB entries are flushed.
  virtual void set_ttbr0(PhysAddr table, Asid asid) = 0;
  virtual void set_mair(uint64_t mair) = 0;
};

// Contract: register access to bus-attached devices by physical address
// (the block device of swap, model/dev/block_device_regs.h). Each call is one
// 64-bit bus transaction and runs the register's side effect exactly once.
// An access the bus does not decode throws std::runtime_error.
class DeviceIo {
 public:
  virtual ~DeviceIo() = default;
  virtual uint64_t mmio_read64(PhysAddr pa) = 0;
  virtual void mmio_write64(PhysAddr pa, uint64_t value) = 0;
};

}  // namespace mmusim::ports
