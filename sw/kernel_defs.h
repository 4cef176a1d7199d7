// Constants and small helpers that every kernel subsystem uses: the arm64
// address-space limits, -errno results, page rounding, the reverse-map
// entry, and three pure functions on VMAs and descriptors. No state.
#pragma once

#include <cstdint>

#include "model/arch/descriptor.h"
#include "sw/abi.h"
#include "sw/mm/pgtable.h"
#include "sw/mm/vma.h"

namespace mmusim::sw {

struct Process;

// arm64 with 48-bit VAs (arch/arm64/include/asm/processor.h).
constexpr uint64_t kTaskSize = uint64_t{1} << 48;
constexpr uint64_t kTaskUnmappedBase = kTaskSize / 4;  // PAGE_ALIGN(DEFAULT_MAP_WINDOW / 4)
// A 2 MB level-2 block (PMD_SIZE): transparent huge pages and hugetlb pages.
constexpr uint64_t kPmdSize = uint64_t{2} << 20;

using abi::Errno;
// A system call's failure result: -errno.
constexpr int64_t err(Errno e) {
  return -static_cast<int64_t>(e);
}
constexpr uint64_t kPageMask = ~(arch::kPageSize - 1);
// PAGE_ALIGN(): rounds up; wraps to 0 at the top of the address space as Linux's does.
constexpr uint64_t page_align(uint64_t v) {
  return (v + arch::kPageSize - 1) & kPageMask;
}
constexpr bool page_aligned(uint64_t v) {
  return (v & ~kPageMask) == 0;
}

// A level-3 entry of a VM_PFNMAP mapping (kPteSpecialBit).
bool is_special_pte(arch::Descriptor d);

// The page offset (page->index) of `va` in `vma`: its file page, or for
// anonymous memory its linear index for the reverse map.
inline uint64_t vma_index(const Vma& vma, VirtAddr va) {
  return vma.pgoff + ((va - vma.start) >> arch::kPageShift);
}

// `d` without the contiguous bit (an entry copied or moved on its own; the
// page table refolds it once its run is whole again).
inline arch::Descriptor without_cont(arch::Descriptor d) {
  return arch::Descriptor(d.raw() & ~(uint64_t{1} << arch::bit::kContiguous));
}

// Pins a page against reclaim for a scope: `owner.pin(page)` now,
// `owner.unpin()` at the end (Reclaim, or KSM's host forwarding to it).
template <typename Owner>
class ScopedPin {
 public:
  ScopedPin(Owner& owner, PhysAddr page) : m_owner(owner) { m_owner.pin(page); }
  ~ScopedPin() { m_owner.unpin(); }
  ScopedPin(const ScopedPin&) = delete;
  ScopedPin& operator=(const ScopedPin&) = delete;

 private:
  Owner& m_owner;
};

// One entry of a page's reverse map (Reclaim::rmap).
struct RmapEntry {
  Process* p;
  VirtAddr va;
  PageTable::Leaf leaf;
  VmFlags flags;
};

}  // namespace mmusim::sw
