// One process's stage-1 translation tables (VMSAv8-64, 4 KB granule, 48-bit
// VA, levels 0-3), kept in simulated physical memory and edited only through
// PhysMemory. The kernel layer maps 4 KB pages at level 3 and transparent
// huge pages with level-2 block descriptors (see sw/huge/thp.cpp). Each table page's
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
#include "sw/tlb_maintenance.h"

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
// flushes them at the end (Linux mmu_gather: tlb_finish_mmu), as one range
// of the address space handed to TlbMaintenance::flush_range
// (sw/tlb_maintenance.h: arm64 __flush_tlb_range).
class TlbGather {
 public:
  TlbGather(TlbMaintenance& tlb, const Process& mm) : m_tlb(tlb), m_mm(mm) {}
  void add(VirtAddr page);
  // A 2 MB block mapping removed or changed. While only blocks were
  // gathered the flush strides by 2 MB (arm64 tlb_get_unmap_size).
  void add_block(VirtAddr block);
  // The table that mapped `va` was freed: the walk caches may hold it, so
  // the flush is not last-level only (mmu_gather freed_tables).
  void add_freed_table(VirtAddr va) {
    add(va);
    m_freed_tables = true;
  }
  bool empty() const { return !m_any; }
  void flush(CostMeter& meter);

 private:
  void extend(uint64_t start, uint64_t end);
  TlbMaintenance& m_tlb;
  const Process& m_mm;
  bool m_any = false;
  bool m_ptes = false;  // a level-3 entry was gathered: stride 4 KB
  bool m_blocks = false;
  bool m_freed_tables = false;
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
  // Writes a level-3 entry (or the level-2 entry of lookup_pmd) and keeps
  // the table's entry count and the mapped_4k / mapped_2m stats.
  void set_leaf(const Leaf& leaf, arch::Descriptor value, CostMeter& meter);

  // The level-2 entry for `va` (a table, a huge block, or empty), or nullopt
  // when no level-2 table covers it.
  std::optional<Leaf> lookup_pmd(VirtAddr va, CostMeter& meter);
  // The same, allocating levels 1-2 on the way; nullopt when out of frames.
  std::optional<Leaf> lookup_or_alloc_pmd(VirtAddr va, CostMeter& meter);
  // A level-2 entry that maps memory itself: a block, or a PROT_NONE block
  // kept invalid (kPteProtNoneBit).
  static bool is_huge(arch::Descriptor pmd) {
    return pmd.raw() != 0 && pmd.type(2) != arch::DescType::kTable;
  }
  // Linux pgtable_trans_huge_deposit: a zeroed level-3 table set aside when
  // a block is mapped at `pmd`, so that splitting it never needs memory.
  // false when out of frames.
  bool deposit_table(const Leaf& pmd, CostMeter& meter);
  // The second half of a split: writes the 512 level-3 entries `pte(i)` into
  // the deposited table and points the (already cleared) level-2 entry at it.
  void install_deposited_table(const Leaf& pmd,
                               const std::function<arch::Descriptor(unsigned)>& pte,
                               CostMeter& meter);
  // Moves the huge entry `from` (and its deposited table) to the empty
  // level-2 entry `to`.
  void move_block(const Leaf& from, const Leaf& to, CostMeter& meter);
  // Calls `fn` for every huge level-2 entry that intersects [start, end),
  // visiting only the tables present (the cost follows what is mapped).
  void for_each_block(VirtAddr start, VirtAddr end,
                      const std::function<void(VirtAddr, const Leaf&)>& fn, CostMeter& meter);

  // Calls `fn` for every non-zero level-3 entry in [start, end) (the range
  // is clipped to the 48-bit TTBR0 range; only tables present are visited).
  void for_each_leaf(VirtAddr start, VirtAddr end,
                     const std::function<void(VirtAddr, const Leaf&)>& fn, CostMeter& meter);
  // Clears every level-3 entry in [start, end), calling `release` with each
  // non-zero one first and gathering its VA; frees tables left empty. Huge
  // level-2 entries inside the range are cleared the same way through
  // `release_block` (and their deposited table freed); one only partly
  // inside, or any without `release_block`, is a kernel bug (logic_error):
  // callers split first.
  void unmap_range(VirtAddr start, VirtAddr end, TlbGather& tlb,
                   const std::function<void(arch::Descriptor)>& release, CostMeter& meter,
                   const std::function<void(arch::Descriptor)>& release_block = {});

  uint64_t table_pages() const { return m_counts.size(); }

  // The contiguous hint (Linux arm64 contpte): from now on a level-3 page
  // write that leaves 16 entries of an aligned run mapping 16 contiguous
  // frames (the first 64 KB-aligned) with identical attributes folds them
  // (contiguous bit on all 16), and any write to an entry of a folded run
  // unfolds it first; both are break-before-make, flushing each page with
  // `tlbi_page`. Entries written with the bit already set (a whole run
  // mapped at once) are taken as they are.
  void enable_contpte(std::function<void(VirtAddr, CostMeter&)> tlbi_page);
  // Unfolds the contiguous run holding `leaf` (contpte_try_unfold); nothing
  // when its entry has no contiguous bit.
  void unfold(const Leaf& leaf, CostMeter& meter);

 private:
  PageTable(PtEnv env, PhysAddr root);
  std::optional<PhysAddr> alloc_table(int level, CostMeter& meter);
  std::optional<Leaf> walk_to_pmd(VirtAddr va, bool alloc, CostMeter& meter);
  void free_table(PhysAddr table, CostMeter& meter);
  arch::Descriptor read(PhysAddr slot, CostMeter& meter);
  void write(PhysAddr slot, arch::Descriptor old_value, arch::Descriptor value, CostMeter& meter);
  // write() without the contpte rules: the entry counts and mapped stats only.
  void raw_write(PhysAddr slot, arch::Descriptor old_value, arch::Descriptor value,
                 CostMeter& meter);
  bool foldable(PhysAddr slot, CostMeter& meter);
  void convert_run(PhysAddr slot, bool fold, CostMeter& meter);
  void walk_range(PhysAddr table, int level, uint64_t start, uint64_t end,
                  const std::function<void(VirtAddr, const Leaf&)>& fn, CostMeter& meter);
  void walk_blocks(PhysAddr table, int level, uint64_t start, uint64_t end,
                   const std::function<void(VirtAddr, const Leaf&)>& fn, CostMeter& meter);
  // Returns true when `table` is empty afterwards.
  bool unmap_level(PhysAddr table, int level, uint64_t start, uint64_t end, TlbGather& tlb,
                   const std::function<void(arch::Descriptor)>& release,
                   const std::function<void(arch::Descriptor)>& release_block, CostMeter& meter);

  struct TableInfo {
    uint32_t entries = 0;  // non-zero entries
    int level = 0;
    uint64_t va_base = 0;  // first VA the table translates (once linked in)
  };
  PtEnv m_env;
  PhysAddr m_root;
  std::unordered_map<uint64_t, TableInfo> m_counts;       // table PA -> its entries and level
  std::unordered_map<uint64_t, PhysAddr> m_deposits;      // level-2 slot PA -> deposited table
  std::function<void(VirtAddr, CostMeter&)> m_tlbi_page;  // set: contpte on
};

}  // namespace mmusim::sw
