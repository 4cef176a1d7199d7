// mprotect with Linux 6.x's checks and partial effects (mm/mprotect.c:
// do_mprotect_pkey, mprotect_fixup, change_protection).
#include <algorithm>

#include "sw/huge/huge_pages.h"
#include "sw/mm/address_spaces.h"
#include "sw/reclaim/reclaim.h"

namespace mmusim::sw {

namespace {

constexpr int kProtSem = 0x8;  // accepted and ignored (arm64 arch_validate_prot)
constexpr int kProtGrowsdown = 0x01000000;
constexpr int kProtGrowsup = 0x02000000;

}  // namespace

int64_t AddressSpaces::mprotect(Process& p, CostMeter& m, VirtAddr addr, uint64_t len, int prot) {
  uint64_t start = addr.value();
  const int grows = prot & (kProtGrowsdown | kProtGrowsup);
  prot &= ~(kProtGrowsdown | kProtGrowsup);
  if (grows == (kProtGrowsdown | kProtGrowsup)) return err(Errno::kEINVAL);
  if (start & (arch::kPageSize - 1)) return err(Errno::kEINVAL);
  if (len == 0) return 0;
  if (len > ~uint64_t{0} - (arch::kPageSize - 1)) return err(Errno::kENOMEM);
  len = (len + arch::kPageSize - 1) & ~(arch::kPageSize - 1);
  const uint64_t end = start + len;
  if (end <= start) return err(Errno::kENOMEM);
  if (prot & ~(abi::kProtRead | abi::kProtWrite | abi::kProtExec | kProtSem))
    return err(Errno::kEINVAL);

  auto it = p.vmas.find_intersection(VirtAddr(start), VirtAddr(end));
  if (it == p.vmas.end()) return err(Errno::kENOMEM);
  if (grows & kProtGrowsdown) {
    start = it->second.start.value();
    if (!(it->second.flags & vm::kGrowsdown)) return err(Errno::kEINVAL);
  } else {
    if (it->second.start.value() > start) return err(Errno::kENOMEM);
    if (grows & kProtGrowsup) return err(Errno::kEINVAL);  // arm64 has no VM_GROWSUP
  }

  // Every VMA in the range is changed in turn; a hole stops the walk with
  // ENOMEM, leaving the VMAs before it changed (Linux's partial effect).
  TlbGather tlb(m_ctx.tlb, p);
  m_ctx.tlb.flush_tlb_batched_pending(p, m);  // reclaim's deferred TLBIs of this mm
  int64_t error = 0;
  uint64_t nstart = start;
  uint64_t tmp = it->second.start.value();
  while (it != p.vmas.end() && it->second.start.value() < end) {
    if (it->second.start.value() != tmp) {
      error = err(Errno::kENOMEM);
      break;
    }
    const VmFlags old_flags = it->second.flags;
    VmFlags new_flags =
        (static_cast<VmFlags>(prot) & vm::kAccessFlags) | (old_flags & ~vm::kAccessFlags);
    // VM_MAY* sit four bits above the flags they allow.
    if ((new_flags & ~(new_flags >> 4)) & vm::kAccessFlags) {
      error = err(Errno::kEACCES);
      break;
    }
    const uint64_t piece_end = std::min(it->second.end.value(), end);
    if (new_flags == old_flags) {  // mprotect_fixup: nothing to do
      tmp = it->second.end.value();
      nstart = tmp;
      ++it;
      continue;
    }
    // mprotect_fixup's accounting: becoming writable charges the memory;
    // private anonymous memory never faulted stops being charged when it
    // becomes read-only.
    if (new_flags & vm::kWrite) {
      if (!(old_flags & (vm::kAccount | vm::kWrite | vm::kShared | vm::kNoreserve)))
        new_flags |= vm::kAccount;
    } else if ((old_flags & vm::kAccount) && !it->second.object && !it->second.anon_vma) {
      new_flags &= ~vm::kAccount;
    }
    if (!m_huge.hugetlb_split_ok(p, nstart) || !m_huge.hugetlb_split_ok(p, piece_end)) {
      error = err(Errno::kEINVAL);  // hugetlb_vm_op_split
      break;
    }
    m_huge.split_huge_boundaries(p, nstart, piece_end, m);
    auto modified = p.vmas.modify_flags(it, VirtAddr(nstart), VirtAddr(piece_end), new_flags);
    if (!modified) {
      error = err(Errno::kENOMEM);
      break;
    }
    change_protection(p, (*modified)->second, nstart, piece_end, tlb, m);
    // A private VM_LOCKED VMA becoming writable is populated with write
    // faults (copy-on-write now rather than a major fault later).
    if ((old_flags & (vm::kWrite | vm::kShared | vm::kLocked)) == vm::kLocked &&
        (new_flags & vm::kWrite))
      populate(p, nstart, piece_end, m);
    tmp = (*modified)->second.end.value();
    nstart = tmp;
    it = std::next(*modified);
  }
  tlb.flush(m);
  if (!error && tmp < end) error = err(Errno::kENOMEM);
  return error;
}

void AddressSpaces::change_protection(Process& p, const Vma& vma, uint64_t start, uint64_t end,
                                      TlbGather& tlb, CostMeter& m) {
  // Every present entry is rewritten for the new flags and flushed. Pages
  // this process owns become writable at once when the VMA is writable
  // (Linux MM_CP_TRY_CHANGE_WRITABLE for exclusive anonymous pages); the
  // zero page stays read-only.
  if (vma.flags & vm::kPfnmap) return change_pfnmap_protection(p, vma, start, end, tlb, m);
  const VmFlags flags = vma.flags;
  m_huge.change_huge_pmds(p, vma, start, end, tlb, m);
  p.page_table->for_each_leaf(
      VirtAddr(start), VirtAddr(end),
      [&](VirtAddr va, const PageTable::Leaf& leaf) {
        if (leaf.desc.raw() & (uint64_t{1} << kPtePoisonBit)) return;
        if (is_swap_pte(leaf.desc)) return;  // swap entries keep no permissions
        m_reclaim.note_pte_dirty(leaf.desc);
        const PhysAddr page = leaf.desc.output_address();
        const arch::Descriptor want =
            make_user_pte(page, flags, pte_writable(page, vma), leaf.desc.af());
        if (!(want == leaf.desc)) p.page_table->set_leaf(leaf, want, m);
        tlb.add(va);
      },
      m);
}

}  // namespace mmusim::sw
