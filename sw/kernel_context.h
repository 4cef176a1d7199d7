// The services every kernel subsystem shares: the parameters, the hardware
// ports (physical memory, MMU control, the block device), TLB maintenance, the frame
// allocator, the page database, the file backing store, the counters and
// the shared zero page. The subsystems (sw/README.md) own everything else.
#pragma once

#include <memory>
#include <vector>

#include "sw/backing_store.h"
#include "sw/block_store.h"
#include "sw/cost_meter.h"
#include "sw/frame_allocator.h"
#include "sw/hw.h"
#include "sw/kernel.h"
#include "sw/mm/asid.h"
#include "sw/page_db.h"
#include "sw/tlb_maintenance.h"

namespace mmusim::sw {

struct KernelContext {
  // Validates `params` (std::invalid_argument naming the field) before
  // anything is sized from them. `store` nullptr: files in host memory.
  // `mmus`: one per CPU (params.cpus); `tlb_hw` nullptr: one CPU, the
  // port is ports::SingleCoreTlbMaintenance over mmus[0].
  KernelContext(const KernelParams& params, PhysMemory& mem, std::vector<MmuControl*> mmus,
                ports::TlbMaintenance* tlb_hw, BackingStore* store, DeviceIo* io);
  KernelContext(const KernelContext&) = delete;
  KernelContext& operator=(const KernelContext&) = delete;

  // A meter for one operation's cost, counting into `stats`.
  CostMeter meter() { return CostMeter(params.costs, stats); }

  KernelParams params;
  PhysMemory& mem;
  std::vector<MmuControl*> mmus;  // CPU c's MMU: TTBR0, ASID, MAIR
  std::unique_ptr<ports::TlbMaintenance> own_tlb_hw;
  ports::TlbMaintenance& tlb_hw;  // the TLBI/DSB/IPI port between the CPUs
  unsigned cpu = 0;               // the CPU the current call runs on (Kernel::set_cpu)
  // Every counter, each slice owned by one subsystem (kernel.h).
  KernelStats stats;
  AsidAllocator asids;  // arch/arm64/mm/context.c
  TlbMaintenance tlb;   // every TLBI the kernel issues goes through here
  FrameAllocator frames;
  PageDb pages;
  std::unique_ptr<BackingStore> own_store;
  BackingStore* store;  // where file data lives (own_store, dev_store or the caller's)
  BlockDriver blkdrv;   // the block device of swap and (kernel.file_store) files
  std::unique_ptr<DeviceBackingStore> dev_store;
  PhysAddr zero_page;  // Linux ZERO_PAGE, allocated at boot
};

}  // namespace mmusim::sw
