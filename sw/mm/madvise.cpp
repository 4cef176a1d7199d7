// madvise with Linux 6.x's checks, VMA splits and data effects
// (mm/madvise.c: do_madvise, madvise_walk_vmas, madvise_vma_behavior,
// madvise_update_vma, madvise_dontneed_free, madvise_remove,
// madvise_willneed; mm/ksm.c ksm_madvise; mm/khugepaged.c hugepage_madvise;
// mm/memory-failure.c via madvise_inject_error).
#include <algorithm>

#include "sw/huge/huge_pages.h"
#include "sw/mm/address_spaces.h"
#include "sw/pagecache/page_cache.h"
#include "sw/reclaim/reclaim.h"

namespace mmusim::sw {

namespace {

constexpr VmFlags kVmSpecial = vm::kIo | vm::kDontexpand | vm::kPfnmap;

bool advice_valid(int a) {
  switch (a) {
    case abi::kMadvNormal:
    case abi::kMadvRandom:
    case abi::kMadvSequential:
    case abi::kMadvWillneed:
    case abi::kMadvDontneed:
    case abi::kMadvFree:
    case abi::kMadvRemove:
    case abi::kMadvDontfork:
    case abi::kMadvDofork:
    case abi::kMadvMergeable:
    case abi::kMadvUnmergeable:
    case abi::kMadvHugepage:
    case abi::kMadvNohugepage:
    case abi::kMadvDontdump:
    case abi::kMadvDodump:
    case abi::kMadvWipeonfork:
    case abi::kMadvKeeponfork:
    case abi::kMadvHwpoison:
    case abi::kMadvSoftOffline:
    case abi::kMadvCold:
    case abi::kMadvPageout:
      return true;
    default:
      return false;
  }
}

}  // namespace

int64_t AddressSpaces::madvise(Process& p, CostMeter& m, VirtAddr addr, uint64_t len_in,
                               int advice) {
  uint64_t start = addr.value();
  if (!advice_valid(advice)) return err(Errno::kEINVAL);
  if (start & (arch::kPageSize - 1)) return err(Errno::kEINVAL);
  const uint64_t len = (len_in + arch::kPageSize - 1) & ~(arch::kPageSize - 1);
  if (len_in && !len) return err(Errno::kEINVAL);  // rounded up from a huge length
  const uint64_t end = start + len;
  if (end < start) return err(Errno::kEINVAL);
  if (end == start) return 0;
  if (advice == abi::kMadvHwpoison || advice == abi::kMadvSoftOffline)
    return m_ksm.inject_memory_error(p, start, start + len_in, advice, m);

  // madvise_walk_vmas: each VMA piece in turn; a hole is remembered as
  // ENOMEM, an error stops the walk with the VMAs before it changed.
  TlbGather tlb(m_ctx.tlb, p);
  m_ctx.tlb.flush_tlb_batched_pending(p, m);  // reclaim's deferred TLBIs of this mm
  int64_t unmapped_error = 0;
  auto it = p.vmas.find_vma(VirtAddr(start));
  for (;;) {
    if (it == p.vmas.end()) {
      tlb.flush(m);
      return err(Errno::kENOMEM);
    }
    if (start < it->second.start.value()) {
      unmapped_error = err(Errno::kENOMEM);
      start = it->second.start.value();
      if (start >= end) break;
    }
    const uint64_t tmp = std::min(end, it->second.end.value());
    uint64_t resume = tmp;  // where the next VMA search starts
    const int64_t e = madvise_vma(p, it, start, tmp, advice, tlb, &resume, m);
    if (e) {
      tlb.flush(m);
      return e;
    }
    start = std::max(tmp, resume);
    if (start >= end) break;
    it = p.vmas.find_vma(VirtAddr(start));
  }
  tlb.flush(m);
  return unmapped_error;
}

int64_t AddressSpaces::madvise_vma(Process& p, VmaSet::iterator it, uint64_t start, uint64_t end,
                                   int advice, TlbGather& tlb, uint64_t* resume, CostMeter& m) {
  Vma& vma = it->second;
  VmFlags new_flags = vma.flags;
  switch (advice) {
    case abi::kMadvRemove: {
      if (vma.flags & vm::kLocked) return err(Errno::kEINVAL);
      // A device file: vfs_fallocate refuses what is not a regular file or
      // block device (shared writable mappings only get that far).
      if (vma.flags & vm::kPfnmap)
        return err((vma.flags & vm::kMayWrite) ? Errno::kENODEV : Errno::kEACCES);
      Inode* inode = m_pc.inode_of(vma);
      if (!inode) return err(Errno::kEINVAL);
      if ((vma.flags & (vm::kShared | vm::kMayWrite)) != (vm::kShared | vm::kMayWrite))
        return err(Errno::kEACCES);
      // fallocate(PUNCH_HOLE | KEEP_SIZE): unmap everywhere, drop the pages.
      const uint64_t first = vma_index(vma, VirtAddr(start));
      const uint64_t last = first + ((end - start) >> arch::kPageShift) - 1;
      m_pc.unmap_mapping_range(*inode, first, last, true, m);
      m_pc.drop_cache_pages(*inode, first, last);
      if (!inode->shmem) m_ctx.store->discard_range(inode->id, first, last);
      return 0;
    }
    case abi::kMadvWillneed: {
      Inode* inode = m_pc.inode_of(vma);
      OpenFile* file = m_pc.files().open_file(vma.object);
      const uint64_t first = inode ? vma_index(vma, VirtAddr(start)) : 0;
      const uint64_t n = (end - start) >> arch::kPageShift;
      if (inode && file && !inode->shmem) m_pc.force_readahead(*inode, file->ra, first, n, m);
      if (inode && inode->shmem) {
        // shmem_swapin_range: the swapped-out pages of the range are read
        // back into the page cache (no fault, so no pgmajfault).
        std::vector<uint64_t> out;
        for (auto s = inode->swapped.lower_bound(first);
             s != inode->swapped.end() && s->first - first < n; ++s)
          out.push_back(s->first);
        for (uint64_t index : out)
          if (inode->swapped.count(index) && !m_pc.shmem_swapin(*inode, index, m)) break;
      }
      return 0;  // private anonymous memory: swap readahead is not modelled
    }
    case abi::kMadvDontneed:
    case abi::kMadvFree: {
      if (vma.flags & (vm::kPfnmap | vm::kLocked)) return err(Errno::kEINVAL);
      if (vma.flags & vm::kHugetlb) {
        // madvise_dontneed_free_valid_vma: DONTNEED only, from a huge-page
        // boundary, the end rounded up to one.
        if (advice == abi::kMadvFree || !m_huge.hugetlb_split_ok(p, start))
          return err(Errno::kEINVAL);
        end = std::min(vma.end.value(), (end + kPmdSize - 1) & ~(kPmdSize - 1));
        *resume = end;
      }
      if (advice == abi::kMadvFree) {
        if (vma.object) return err(Errno::kEINVAL);  // anonymous private memory only
        // Lazy free (madvise_free_pte_range): the pages stay, clean, until
        // reclaim discards them; a store first keeps them. An exclusive huge
        // page only partly inside is split as a folio first
        // (madvise_free_huge_pmd -> split_folio); whole huge pages are left
        // as they are.
        if (start % kPmdSize) m_huge.split_huge_folio(p, VirtAddr(start), m);
        if (end % kPmdSize) m_huge.split_huge_folio(p, VirtAddr(end), m);
        m_reclaim.madvise_free(p, vma, start, end, tlb, m);
        return 0;
      }
      // zap_page_range_single: private pages are freed, cache pages unmapped;
      // a huge page only partly inside is split first (zap_pmd_range).
      m_huge.split_huge_boundaries(p, start, end, m);
      p.page_table->unmap_range(
          VirtAddr(start), VirtAddr(end), tlb, [this](arch::Descriptor d) { release_page(d); }, m,
          [this](arch::Descriptor d) { m_huge.release_block(d); });
      return 0;
    }
    case abi::kMadvCold:
    case abi::kMadvPageout:
      // madvise_cold / madvise_pageout: EINVAL on locked or PFN-mapped VMAs.
      if (vma.flags & (vm::kLocked | vm::kPfnmap)) return err(Errno::kEINVAL);
      m_reclaim.madvise_cold_pageout(p, vma, start, end, advice == abi::kMadvPageout, m);
      return 0;
    case abi::kMadvNormal:
      new_flags &= ~(vm::kRandRead | vm::kSeqRead);
      break;
    case abi::kMadvSequential:
      new_flags = (new_flags & ~vm::kRandRead) | vm::kSeqRead;
      break;
    case abi::kMadvRandom:
      new_flags = (new_flags & ~vm::kSeqRead) | vm::kRandRead;
      break;
    case abi::kMadvDontfork:
      new_flags |= vm::kDontcopy;
      break;
    case abi::kMadvDofork:
      if (new_flags & vm::kIo) return err(Errno::kEINVAL);
      new_flags &= ~vm::kDontcopy;
      break;
    case abi::kMadvDontdump:
      new_flags |= vm::kDontdump;
      break;
    case abi::kMadvDodump:
      if (new_flags & (kVmSpecial | vm::kDroppable)) return err(Errno::kEINVAL);
      new_flags &= ~vm::kDontdump;
      break;
    case abi::kMadvWipeonfork:  // private anonymous memory only
      if (vma.file || (new_flags & vm::kShared)) return err(Errno::kEINVAL);
      new_flags |= vm::kWipeonfork;
      break;
    case abi::kMadvKeeponfork:
      if (new_flags & vm::kDroppable) return err(Errno::kEINVAL);
      new_flags &= ~vm::kWipeonfork;
      break;
    case abi::kMadvMergeable:
      // ksm_madvise: shared, special and hugetlb mappings are silently left alone.
      if (!(new_flags & (vm::kMergeable | vm::kShared | vm::kMayShare | kVmSpecial |
                         vm::kDroppable | vm::kHugetlb)))
        new_flags |= vm::kMergeable;
      break;
    case abi::kMadvUnmergeable:
      if (new_flags & vm::kMergeable) {
        m_ksm.unmerge_range(p, vma, start, end, m);
        new_flags &= ~vm::kMergeable;
      }
      break;
    case abi::kMadvHugepage:
      new_flags = (new_flags & ~vm::kNohugepage) | vm::kHugepage;
      break;
    case abi::kMadvNohugepage:
      new_flags = (new_flags & ~vm::kHugepage) | vm::kNohugepage;
      break;
    default:
      return err(Errno::kEINVAL);
  }
  // madvise_update_vma: split or merge to give [start, end) the new flags.
  if (new_flags == vma.flags) return 0;
  if (!m_huge.hugetlb_split_ok(p, start) || !m_huge.hugetlb_split_ok(p, end))
    return err(Errno::kEINVAL);
  m_huge.split_huge_boundaries(p, start, end, m);
  auto modified = p.vmas.modify_flags(it, VirtAddr(start), VirtAddr(end), new_flags);
  if (!modified) return err(Errno::kEAGAIN);  // -ENOMEM from a split becomes EAGAIN
  *resume = (*modified)->second.end.value();
  if (advice == abi::kMadvMergeable) m_ksm.merge_range(p, (*modified)->second, start, end, m);
  return 0;
}

}  // namespace mmusim::sw
