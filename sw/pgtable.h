// One process's stage-1 translation tables (VMSAv8-64, 4 KB granule, 48-bit
// VA, levels 0-3), kept in simulated physical memory and edited only through
// PhysMemory. The kernel layer maps pages at level 3 only. Each table page's
// count of non-zero entries is tracked so that tables emptied by an unmap are
// freed (Linux free_pgtables(), done eagerly here).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <unordered_map>

#include "model/arch/descriptor.h"
#include "model/arch/types.h"
#include "sw/cost_meter.h"
#include "sw/frame_allocator.h"
#include "sw/hw.h"

namespace mmusim::sw {

// Software bit of an invalid level-3 entry that still records a page: the
// page of a PROT_NONE VMA (Linux arm64 PTE_PROT_NONE, bit 58). The walker
// sees an invalid descriptor; the kernel keeps the output address.
constexpr unsigned kPteProtNoneBit = 58;
// Software bit of an invalid level-3 entry whose page was poisoned
// (MADV_HWPOISON; Linux's hwpoison swap entry): any access is SIGBUS.
constexpr unsigned kPtePoisonBit = 57;
// Software bit of a level-3 entry that maps a frame with no page descriptor
// (a device register frame of a VM_PFNMAP VMA; Linux arm64 PTE_SPECIAL,
// bit 56): vm_normal_page() finds no page, so no page is counted or freed.
constexpr unsigned kPteSpecialBit = 56;

// Gathers the VAs whose leaf entries an operation removed or changed and
// issues the TLB maintenance for them at the end (Linux mmu_gather +
// arm64 __flush_tlb_range): one TLBI VAE1 (VA+ASID) per page of the gathered
// range, or one TLBI ASIDE1 when the range spans kMaxTlbiPages or more.
class TlbGather {
 public:
  // arm64 MAX_DVM_OPS (PTRS_PER_PTE): at this many pages a range flush
  // becomes a flush of the whole ASID.
  static constexpr uint64_t kMaxTlbiPages = 512;

  TlbGather(MmuControl& mmu, Asid asid) : m_mmu(mmu), m_asid(asid) {}
  void add(VirtAddr page);
  bool empty() const { return !m_any; }
  void flush(CostMeter& meter);

 private:
  MmuControl& m_mmu;
  Asid m_asid;
  bool m_any = false;
  uint64_t m_start = 0;
  uint64_t m_end = 0;  // exclusive
};

struct PtEnv {
  PhysMemory& mem;
  FrameAllocator& frames;
};

class PageTable {
 public:
  // Allocates and zeroes the level-0 table; nullptr when out of frames.
  static std::unique_ptr<PageTable> create(PtEnv env, CostMeter& meter);
  ~PageTable() = default;
  PageTable(const PageTable&) = delete;
  PageTable& operator=(const PageTable&) = delete;

  PhysAddr root() const { return m_root; }

  struct Leaf {
    PhysAddr slot;  // physical address of the level-3 entry
    arch::Descriptor desc;
  };
  // The level-3 entry for `va`, or nullopt when no level-3 table covers it.
  std::optional<Leaf> lookup(VirtAddr va, CostMeter& meter);
  // The level-3 entry slot for `va`, allocating (zeroed) tables on the way;
  // nullopt when out of frames.
  std::optional<Leaf> lookup_or_alloc(VirtAddr va, CostMeter& meter);
  // Writes a level-3 entry and keeps the table's entry count.
  void set_leaf(const Leaf& leaf, arch::Descriptor value, CostMeter& meter);

  // Calls `fn` for every non-zero level-3 entry in [start, end).
  void for_each_leaf(VirtAddr start, VirtAddr end,
                     const std::function<void(VirtAddr, const Leaf&)>& fn, CostMeter& meter);
  // Clears every level-3 entry in [start, end), calling `release` with each
  // non-zero one first and gathering its VA; frees tables left empty.
  void unmap_range(VirtAddr start, VirtAddr end, TlbGather& tlb,
                   const std::function<void(arch::Descriptor)>& release, CostMeter& meter);

  uint64_t table_pages() const { return m_counts.size(); }

 private:
  PageTable(PtEnv env, PhysAddr root);
  std::optional<PhysAddr> alloc_table(CostMeter& meter);
  void free_table(PhysAddr table, CostMeter& meter);
  arch::Descriptor read(PhysAddr slot, CostMeter& meter);
  void write(PhysAddr slot, arch::Descriptor old_value, arch::Descriptor value, CostMeter& meter);
  void walk_range(PhysAddr table, int level, uint64_t start, uint64_t end,
                  const std::function<void(VirtAddr, const Leaf&)>& fn, CostMeter& meter);
  // Returns true when `table` is empty afterwards.
  bool unmap_level(PhysAddr table, int level, uint64_t start, uint64_t end, TlbGather& tlb,
                   const std::function<void(arch::Descriptor)>& release, CostMeter& meter);

  PtEnv m_env;
  PhysAddr m_root;
  std::unordered_map<uint64_t, uint32_t> m_counts;  // table PA -> non-zero entries
};

}  // namespace mmusim::sw
