// KSM and memory failure: the kernel subsystem that merges identical
// anonymous pages (MADV_MERGEABLE / UNMERGEABLE, ksm.cpp) and injects
// memory errors (MADV_HWPOISON / MADV_SOFT_OFFLINE, memory_failure.cpp).
// It owns the stable tree and its counters (KsmStats) and reaches the rest
// of the kernel only through KsmHost, which AddressSpaces implements
// (sw/mm/address_spaces.h: page mapping and faults itself; the huge-page
// split, the inode lookup and unmap, and pinning forwarded to their owners).
#pragma once

#include <cstdint>
#include <unordered_map>

#include "sw/kernel_context.h"
#include "sw/kernel_defs.h"
#include "sw/mm/pgtable.h"
#include "sw/mm/vma.h"

namespace mmusim::stats {
class Group;
}

namespace mmusim::sw {

struct Process;
struct Inode;

// What KSM and memory failure ask of the other subsystems: address-space
// operations on single pages, a fault, a huge-page split, the page cache's
// unmap and inode lookup, and pinning a page against reclaim.
class KsmHost {
 public:
  // The level-3 descriptor for a user page of `vma_flags` (address spaces).
  virtual arch::Descriptor make_user_pte(PhysAddr page, VmFlags vma_flags, bool writable,
                                         bool af) const = 0;
  // Whether `page` may be mapped writable in `vma` without a write fault.
  virtual bool pte_writable(PhysAddr page, const Vma& vma) = 0;
  // Maps `page` at the empty entry `leaf`, counting the mapping.
  virtual void map_page(Process& p, const Vma& vma, const PageTable::Leaf& leaf, PhysAddr page,
                        bool writable, CostMeter& meter) = 0;
  // Drops the mapping reference of the page an entry mapped.
  virtual void release_page(arch::Descriptor pte) = 0;
  // A new anonymous page's linear index for rmap.
  virtual void set_anon_index(PhysAddr page, const Vma& vma, VirtAddr va) = 0;
  virtual FaultOutcome fault_in(Process& p, VirtAddr va, arch::AccessKind access,
                                arch::ExceptionLevel el, CostMeter& meter) = 0;
  // Splits every 2 MB block mapping intersecting [start, end) (huge pages).
  virtual void split_huge_range(Process& p, uint64_t start, uint64_t end, CostMeter& meter) = 0;
  // The page cache's inode `id` (nullptr once gone) and its unmap.
  virtual Inode* file_inode(FileId id) = 0;
  virtual void unmap_mapping_range(Inode& inode, uint64_t first, uint64_t last, bool even_cows,
                                   CostMeter& meter) = 0;
  // Keeps `page` from reclaim until the matching unpin().
  virtual void pin(PhysAddr page) = 0;
  virtual void unpin() = 0;
  // pin() for a scope.
  using Pin = ScopedPin<KsmHost>;

 protected:
  ~KsmHost() = default;
};

class Ksm {
 public:
  Ksm(KernelContext& ctx, KsmHost& host) : m_ctx(ctx), m_host(host) {}
  Ksm(const Ksm&) = delete;
  Ksm& operator=(const Ksm&) = delete;

  // MADV_MERGEABLE over [start, end) of `vma`: each exclusive anonymous
  // page is merged with an identical KSM page, or becomes one.
  void merge_range(Process& p, const Vma& vma, uint64_t start, uint64_t end, CostMeter& meter);
  // MADV_UNMERGEABLE: each KSM page mapped in [start, end) is replaced by a copy.
  void unmerge_range(Process& p, const Vma& vma, uint64_t start, uint64_t end, CostMeter& meter);
  // A KSM page is being freed: it leaves the stable tree.
  void forget(PhysAddr page);
  // MADV_HWPOISON / MADV_SOFT_OFFLINE over [start, end): 0 or -errno.
  int64_t inject_memory_error(Process& p, uint64_t start, uint64_t end, int advice,
                              CostMeter& meter);

  // Registers KsmStats under `kernel_group`.
  void register_stats(stats::Group& kernel_group) const;

 private:
  // Replaces the page of `leaf` by a private copy (FAULT_FLAG_UNSHARE).
  bool unshare_page(Process& p, const Vma& vma, VirtAddr va, const PageTable::Leaf& leaf,
                    CostMeter& meter);

  KernelContext& m_ctx;
  KsmHost& m_host;
  std::unordered_multimap<uint64_t, PhysAddr> m_stable;  // content hash -> KSM page
};

}  // namespace mmusim::sw
