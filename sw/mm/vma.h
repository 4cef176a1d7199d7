// Virtual memory areas and the ordered set of them that makes an address
// space (Linux mm/vma.c). Find, intersect, split and merge are O(log n) in the
// number of VMAs. Merge rules follow Linux 6.x: two VMAs merge when they are
// adjacent, their flags are equal ignoring VM_SOFTDIRTY, they map the same
// file (or none) at contiguous page offsets, and their anon_vmas are
// compatible (either is still null, or they are the same).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "model/arch/descriptor.h"
#include "model/arch/types.h"
#include "sw/mm/gap_tree.h"
#include "sw/page_db.h"

namespace mmusim::sw {

// vm_flags bits, values as include/linux/mm.h.
using VmFlags = uint64_t;
namespace vm {
constexpr VmFlags kNone = 0;
constexpr VmFlags kRead = 0x1;
constexpr VmFlags kWrite = 0x2;
constexpr VmFlags kExec = 0x4;
constexpr VmFlags kShared = 0x8;
constexpr VmFlags kMayRead = 0x10;
constexpr VmFlags kMayWrite = 0x20;
constexpr VmFlags kMayExec = 0x40;
constexpr VmFlags kMayShare = 0x80;
constexpr VmFlags kGrowsdown = 0x100;
constexpr VmFlags kPfnmap = 0x400;
constexpr VmFlags kLocked = 0x2000;
constexpr VmFlags kIo = 0x4000;
constexpr VmFlags kSeqRead = 0x8000;
constexpr VmFlags kRandRead = 0x10000;
constexpr VmFlags kDontcopy = 0x20000;
constexpr VmFlags kDontexpand = 0x40000;
constexpr VmFlags kAccount = 0x100000;
constexpr VmFlags kHugetlb = 0x400000;
constexpr VmFlags kNoreserve = 0x200000;
constexpr VmFlags kWipeonfork = 0x2000000;
constexpr VmFlags kDontdump = 0x4000000;
constexpr VmFlags kSoftdirty = 0x8000000;
constexpr VmFlags kHugepage = 0x20000000;
constexpr VmFlags kNohugepage = 0x40000000;
constexpr VmFlags kMergeable = 0x80000000;
constexpr VmFlags kDroppable = uint64_t{1} << 40;  // 64-bit only
constexpr VmFlags kAccessFlags = kRead | kWrite | kExec;
}  // namespace vm

// The top of the user address space (TASK_SIZE, 48-bit VA): the key of the
// gap above the last VMA.
constexpr uint64_t kGapTop = uint64_t{1} << 48;
// stack_guard_gap: 256 pages below a VM_GROWSDOWN VMA.
constexpr uint64_t kStackGuardGap = 256 * arch::kPageSize;

// RLIMIT_STACK's default (_STK_LIM, 8 MB): a VM_GROWSDOWN VMA grows no larger.
constexpr uint64_t kStackRlimit = uint64_t{8} << 20;

// vm.max_map_count's default (DEFAULT_MAX_MAP_COUNT).
constexpr uint64_t kMaxMapCount = 65530;

// Identity of an anon_vma; 0 means none yet (before the first fault).
using AnonVmaId = uint64_t;
// Identity of the object a VMA maps (a file, a shared-anonymous object); 0: none.
using MappedObjectId = uint64_t;

struct Vma {
  VirtAddr start;
  VirtAddr end;  // exclusive
  VmFlags flags = 0;
  uint64_t pgoff = 0;  // page offset of `start` in the object (start >> 12 for private anon)
  AnonVmaId anon_vma = 0;
  MappedObjectId object = 0;  // the open file (struct file) mapped; merges need equal ones
  FileId file = 0;            // the inode mapped (a file or a shmem object), 0 for private anon
  std::string name;           // as /proc/PID/maps prints it; empty for private anonymous memory

  uint64_t pages() const { return (end - start) >> arch::kPageShift; }
  bool contains(VirtAddr va) const { return start <= va && va < end; }
};

class VmaSet {
 public:
  using Map = std::map<uint64_t, Vma>;
  using iterator = Map::iterator;
  using const_iterator = Map::const_iterator;

  iterator begin() { return m_vmas.begin(); }
  iterator end() { return m_vmas.end(); }
  const_iterator begin() const { return m_vmas.begin(); }
  const_iterator end() const { return m_vmas.end(); }
  size_t size() const { return m_vmas.size(); }
  bool empty() const { return m_vmas.empty(); }

  // The VMA containing `va`, or end().
  iterator find(VirtAddr va);
  // Linux find_vma(): the first VMA with end > va, or end().
  iterator find_vma(VirtAddr va);
  // The first VMA intersecting [start, end), or end().
  iterator find_intersection(VirtAddr start, VirtAddr end);
  // The last VMA whose start is below `va`, or end().
  iterator last_below(VirtAddr va);

  // Splits `it` at `at` (strictly inside it); both pieces share its anon_vma
  // and object. Returns the upper piece. The caller checks kMaxMapCount.
  iterator split(iterator it, VirtAddr at);
  // Inserts a VMA that overlaps nothing.
  iterator insert(const Vma& vma);
  iterator erase(iterator it);

  // Inserts a new VMA over a range that is now empty, merging it with its
  // neighbours as Linux's vma_merge_new_range() does. Returns the VMA that
  // now covers the range.
  iterator insert_merged(const Vma& vma);

  // Gives [start, end) (inside `middle`) the flags `new_flags`, merging with
  // the neighbours or splitting `middle` as Linux's vma_modify_flags() does.
  // Returns the VMA now covering exactly [start, end), or nullopt when a
  // needed split would exceed kMaxMapCount (nothing has changed then).
  std::optional<iterator> modify_flags(iterator middle, VirtAddr start, VirtAddr end,
                                       VmFlags new_flags);

  // Moves the start of `it` down to `new_start` (free below it), lowering
  // its page offset to match, as Linux's expand_downwards(): no merge.
  iterator expand_down(iterator it, VirtAddr new_start);

  // An anon_vma that `it` may reuse (Linux find_mergeable_anon_vma: the next
  // VMA's first, then the previous one's), or 0.
  AnonVmaId find_mergeable_anon_vma(iterator it);

  // Count of VMA operations (finds, inserts, splits, merges) since
  // construction; the kernel charges vma_op_cycles per operation.
  uint64_t ops() const { return m_ops; }

  // The highest page-aligned [addr, addr + len) inside [low, high) that
  // meets no VMA nor a VM_GROWSDOWN VMA's guard gap (Linux
  // unmapped_area_topdown); O(log n) with the gap tree.
  std::optional<uint64_t> highest_free(uint64_t len, uint64_t low, uint64_t high);

 private:
  // Recomputes the gap below every VMA starting in [lo, hi] and below the
  // first one after hi (or the top gap), dropping keys of VMAs now gone.
  void fix_gaps(uint64_t lo, uint64_t hi);
  void set_gap(const_iterator it);
  iterator insert_merged_impl(const Vma& vma);
  std::optional<iterator> modify_flags_impl(iterator middle, VirtAddr start, VirtAddr end,
                                            VmFlags new_flags);
  uint64_t gap_start_before(const_iterator it) const;

  // Moves the start of `it` (within the gap next to it), keeping its place.
  iterator rekey(iterator it, VirtAddr new_start, uint64_t new_pgoff);

  Map m_vmas;
  GapTree m_gaps;  // key: a VMA's start (or kGapTop); value: free bytes below it
  uint64_t m_ops = 0;
};

// Linux is_mergeable_anon_vma() for a process without fork (every
// anon_vma_chain is singular): compatible when either is null or they match.
constexpr bool anon_vmas_compatible(AnonVmaId a, AnonVmaId b) {
  return !a || !b || a == b;
}

}  // namespace mmusim::sw
