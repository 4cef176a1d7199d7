// The page-fault handler (arm64 do_page_fault + mm/memory.c
// handle_pte_fault for anonymous memory) and user PTE construction.
#include <stdexcept>

#include "sw/reclaim/swap.h"

#include "model/arch/memattr.h"
#include "sw/huge/huge_pages.h"
#include "sw/mm/address_spaces.h"
#include "sw/pagecache/page_cache.h"
#include "sw/reclaim/reclaim.h"

namespace mmusim::sw {

using arch::AccessKind;
using arch::Descriptor;
using arch::FaultKind;

Descriptor AddressSpaces::make_user_pte(PhysAddr page, VmFlags vma_flags, bool writable,
                                        bool af) const {
  // Linux arm64 PAGE_* for user memory: Normal WB, inner shareable, nG,
  // PXN always; UXN unless VM_EXEC. Without EPAN, execute-only and
  // write-only memory are readable (AP has no "no read" encoding at EL0).
  arch::PageAttrs a;
  a.attr_index = arch::mt::kNormal;
  a.ap = writable ? arch::Ap::kRw : arch::Ap::kRo;
  a.sh = arch::Sh::kInner;
  a.af = af;
  a.ng = true;
  a.pxn = true;
  a.uxn = !(vma_flags & vm::kExec);
  const Descriptor d = Descriptor::make_page(page, a);
  if (vma_flags & vm::kAccessFlags) return d;
  // PROT_NONE: invalid to the walker, the page kept for the kernel.
  return Descriptor((d.raw() & ~uint64_t{1}) | (uint64_t{1} << kPteProtNoneBit));
}

bool AddressSpaces::pte_writable(PhysAddr page, const Vma& vma) {
  if (!(vma.flags & vm::kWrite) || page == m_ctx.zero_page) return false;
  const PageMeta& meta = m_ctx.pages.meta(page);
  if (meta.kind == PageKind::kAnon) return meta.mapcount <= 1 && !meta.ksm && !meta.swap_slot;
  if (meta.kind != PageKind::kFile || !(vma.flags & vm::kShared)) return false;
  const Inode* inode = m_pc.files().get(meta.file);
  if (!inode) return false;
  auto it = inode->pages.find(meta.index);
  return it != inode->pages.end() && it->second.dirty;
}

void AddressSpaces::release_page(Descriptor pte) {
  if (is_swap_pte(pte)) {  // free_swap_and_cache
    const uint32_t slot = swap_pte_slot(pte);
    m_reclaim.swap().put(slot);
    // The last entry gone: an unmapped swap-cache page of the slot goes too.
    auto cached = m_reclaim.swap().count(slot) == 0 ? m_reclaim.swap().cached(slot) : std::nullopt;
    if (cached && m_ctx.pages.meta(*cached).mapcount == 0) {
      m_reclaim.swap().cache_del(slot);
      m_reclaim.lru().remove(*cached);
      m_ctx.pages.meta(*cached) = PageMeta{};
      m_ctx.frames.free(*cached);
    }
    return;
  }
  if (is_special_pte(pte)) return;  // a device frame (VM_PFNMAP): no page behind it
  const PhysAddr page = pte.output_address();
  if (page == m_ctx.zero_page) return;
  PageMeta& meta = m_ctx.pages.meta(page);
  if (meta.mapcount) meta.mapcount--;
  // Page-cache pages stay in the cache; anonymous pages go with their last
  // mapping (leaving the swap cache); poisoned and soft-offlined frames are
  // retired, never reused.
  // A swap-cache page whose slot other entries still use stays cached
  // (unmapped, on the LRU) for them.
  if (meta.kind == PageKind::kAnon && meta.mapcount == 0 && !meta.poisoned && !meta.soft_offline &&
      !(meta.swap_slot && m_reclaim.swap().count(meta.swap_slot - 1) > 0)) {
    if (meta.ksm) m_ksm.forget(page);
    if (meta.swap_slot) m_reclaim.swap().cache_del(meta.swap_slot - 1);
    m_reclaim.lru().remove(page);
    meta = PageMeta{};
    m_ctx.frames.free(page);
  }
}

std::optional<PhysAddr> AddressSpaces::alloc_zeroed_page(CostMeter& m, std::optional<VirtAddr> va) {
  std::optional<PhysAddr> page;
  if (va && m_ctx.frames.colours() > 1)
    page = m_ctx.frames.alloc_coloured(va->value() >> arch::kPageShift);
  if (!page) page = m_ctx.frames.alloc();
  if (!page) return std::nullopt;
  m.frame_alloc();
  m_ctx.mem.fill(*page, 0, arch::kPageSize);
  m.page_zero(arch::kPageSize);
  m_ctx.stats.anon_pages_allocated++;
  PageMeta& meta = m_ctx.pages.meta(*page);
  meta = PageMeta{};
  meta.kind = PageKind::kAnon;
  return page;
}

void AddressSpaces::map_page(Process& p, const Vma& vma, const PageTable::Leaf& leaf, PhysAddr page,
                             bool writable, CostMeter& m) {
  if (page != m_ctx.zero_page) {
    m_ctx.pages.meta(page).mapcount++;
    m_reclaim.lru_add_new(page);
  }
  p.page_table->set_leaf(leaf, make_user_pte(page, vma.flags, writable, true), m);
}

void AddressSpaces::anon_vma_prepare(Process& p, VmaSet::iterator it) {
  // anon_vma_prepare(): the first anonymous page gives the VMA its anon_vma,
  // reusing a neighbour's when they could merge.
  Vma& vma = it->second;
  if (vma.anon_vma) return;
  vma.anon_vma = p.vmas.find_mergeable_anon_vma(it);
  if (!vma.anon_vma) vma.anon_vma = m_st.next_anon_vma++;
}

bool AddressSpaces::expand_downwards(Process& p, VmaSet::iterator& it, VirtAddr va) {
  const uint64_t address = va.align_down(arch::kPageSize).value();
  if (address < m_ctx.params.mmap_min_addr.value()) return false;  // EPERM
  // stack_guard_gap: not within 256 pages of an accessible VMA below that
  // is not itself a stack.
  if (it != p.vmas.begin()) {
    const Vma& prev = std::prev(it)->second;
    if (!(prev.flags & vm::kGrowsdown) && (prev.flags & vm::kAccessFlags) &&
        address - prev.end.value() < kStackGuardGap)
      return false;
  }
  // The anon_vma comes before the size checks: a refused growth keeps it.
  anon_vma_prepare(p, it);
  const Vma& vma = it->second;
  const uint64_t grow = (vma.start.value() - address) >> arch::kPageShift;
  // acct_stack_growth: RLIMIT_STACK (RLIMIT_AS is unlimited, and the
  // process may lock memory).
  if (grow > vma.pgoff || vma.end.value() - address > kStackRlimit) return false;
  it = p.vmas.expand_down(it, VirtAddr(address));
  return true;
}

FaultResult AddressSpaces::handle_fault(const arch::FaultSyndrome& fault) {
  CostMeter m = m_ctx.meter();
  m.fault_entry();
  m_ctx.stats.page_faults++;
  if (fault.kind == FaultKind::kAccessFlag) m_ctx.stats.access_flag_faults++;
  const uint64_t majors0 = m_ctx.stats.pgmajfault;
  m_reclaim.kswapd();
  FaultOutcome outcome;
  switch (fault.kind) {
    case FaultKind::kNone:
      throw std::invalid_argument("Kernel::handle_fault: the syndrome reports no fault");
    case FaultKind::kAlignment:  // do_alignment_fault: SIGBUS (BUS_ADRALN)
    case FaultKind::kExternal:   // do_sea: SIGBUS
      outcome = FaultOutcome::kSigbus;
      break;
    case FaultKind::kAddressSize:  // outside the TTBR0 range: no VMA can cover it
      outcome = FaultOutcome::kSigsegv;
      break;
    default: {
      // No task on this CPU: it was killed (an OOM kill on another CPU of a process this CPU
      // ran), and the access walked the reserved empty table.
      if (!current()) {
        outcome = FaultOutcome::kKilled;
        break;
      }
      Process& p = cur();
      const uint64_t ops0 = p.vmas.ops();
      outcome = fault_in(p, fault.va, fault.access, fault.el, m);
      m.vma_ops(p.vmas.ops() - ops0);
    }
  }
  const bool oom = m_reclaim.oom_pending();
  if (m_reclaim.boundary(false))
    outcome = FaultOutcome::kKilled;
  else if (oom && outcome == FaultOutcome::kSigbus)
    outcome = FaultOutcome::kRetry;  // another process was killed: try again
  if (outcome == FaultOutcome::kRetry) m_ctx.stats.faults_resolved++;
  if (outcome == FaultOutcome::kSigsegv) m_ctx.stats.sigsegv++;
  if (outcome == FaultOutcome::kSigbus) m_ctx.stats.sigbus++;
  m_ctx.stats.frames_in_use = m_ctx.frames.frames_in_use();
  FaultResult r{outcome, m.cost()};
  r.cost += m_reclaim.take_direct_cost();
  if (m_ctx.stats.pgmajfault != majors0) m_ctx.stats.major_fault_cycles += r.cost.cycles.count();
  return r;
}

FaultOutcome AddressSpaces::fault_in(Process& p, VirtAddr va, AccessKind access,
                                     arch::ExceptionLevel el, CostMeter& m) {
  if (!arch::is_ttbr0_va(va)) return FaultOutcome::kSigsegv;
  // The kernel never executes user memory (PXN): an EL1 fetch is fatal.
  if (access == AccessKind::kFetch && el == arch::ExceptionLevel::kEl1)
    return FaultOutcome::kSigsegv;
  auto it = p.vmas.find(va);
  if (it == p.vmas.end()) {
    // lock_mm_and_find_vma: below a VM_GROWSDOWN VMA the stack grows first;
    // the access is checked against the grown VMA afterwards.
    it = p.vmas.find_vma(va);
    if (it == p.vmas.end() || !(it->second.flags & vm::kGrowsdown) || !expand_downwards(p, it, va))
      return FaultOutcome::kSigsegv;
  }
  const Vma& vma = it->second;
  // arm64 do_page_fault: the VMA must allow the kind of access.
  const VmFlags needed = access == AccessKind::kFetch   ? vm::kExec
                         : access == AccessKind::kWrite ? vm::kWrite
                                                        : vm::kAccessFlags;
  if (!(vma.flags & needed)) return FaultOutcome::kSigsegv;
  const bool write = access == AccessKind::kWrite;
  const VirtAddr page_va = va.align_down(arch::kPageSize);
  if (vma.flags & vm::kPfnmap) return pfnmap_fault(p, vma, page_va, m);  // io_remap.cpp
  if (vma.flags & vm::kHugetlb) return m_huge.hugetlb_fault(p, it, page_va, write, m);
  if (!vma.file)
    if (auto huge = m_huge.huge_pmd_fault(p, it, page_va, write, m)) return *huge;

  auto leaf = p.page_table->lookup(page_va, m);
  if (!leaf || leaf->desc.raw() == 0) {
    if (vma.file) return m_pc.do_file_fault(p, it, page_va, write, m);
    // With no PTE table under the 2 MB block yet, a fault in a VMA eligible
    // for THP took do_huge_pmd_anonymous_page above (a block, or the huge
    // zero page for a read), which prepares the anon_vma first; when no
    // 2 MB block was free it falls back here with the anon_vma made.
    if (!leaf && m_huge.thp_fault_eligible(vma, page_va)) anon_vma_prepare(p, it);
    return do_anonymous_page(p, it, page_va, write, m);
  }
  if (is_swap_pte(leaf->desc)) return m_reclaim.do_swap_page(p, it, *leaf, page_va, write, m);
  if (leaf->desc.raw() & (uint64_t{1} << kPtePoisonBit)) return FaultOutcome::kSigbus;
  const PhysAddr page = leaf->desc.output_address();
  const arch::PageAttrs attrs = leaf->desc.page_attrs();
  if (leaf->desc.valid() && !attrs.af) {
    // Software access flag (reclaim aged the entry): set it, nothing else.
    // Access-flag faults are never cached in the TLB: no TLBI. (Also when
    // another fault finds the entry aged since, e.g. by kswapd at entry.)
    const Descriptor young = leaf->desc.with_af(true);
    p.page_table->set_leaf(*leaf, young, m);
    if (!write || attrs.ap == arch::Ap::kRw) return FaultOutcome::kRetry;
    leaf->desc = young;  // a write to a read-only entry goes on below
  }
  if (write && leaf->desc.valid() && attrs.dbm && attrs.ap == arch::Ap::kRo &&
      (vma.flags & vm::kWrite)) {
    // Software dirty (arm64 PTE_DBM|PTE_RDONLY): a writable-clean entry
    // becomes writable-dirty; the read-only TLB entry is flushed.
    m_ctx.stats.dirty_faults++;
    p.page_table->set_leaf(*leaf, leaf->desc.with_ap(arch::Ap::kRw), m);
    m_ctx.tlb.flush_page(p, page_va, m);
    return FaultOutcome::kRetry;
  }
  if (write && !pte_writable(page, vma)) return m_pc.do_wp_page(p, it, *leaf, page_va, m);
  // The entry exists but denied the access: it is older than the VMA's
  // flags (a spurious fault), or its access flag is clear. Bring it in line
  // with the VMA; a permission upgrade is flushed so that a TLB entry holding
  // the old permissions cannot fault again. Access-flag faults are never
  // cached (Arm ARM D8.16), so setting AF needs no TLBI.
  const Descriptor want = make_user_pte(page, vma.flags, pte_writable(page, vma), true);
  if (!(want == leaf->desc)) {
    m_reclaim.note_pte_dirty(leaf->desc);
    const bool only_af = want == leaf->desc.with_af(true);
    p.page_table->set_leaf(*leaf, want, m);
    if (only_af) return FaultOutcome::kRetry;
  }
  m_ctx.tlb.flush_page(p, page_va, m);
  return FaultOutcome::kRetry;
}

FaultOutcome AddressSpaces::do_anonymous_page(Process& p, VmaSet::iterator it, VirtAddr page_va,
                                              bool write, CostMeter& m) {
  const Vma& vma = it->second;
  auto leaf = p.page_table->lookup_or_alloc(page_va, m);
  if (!leaf) return m_reclaim.out_of_memory();
  // A read of private anonymous memory maps the shared zero page read-only
  // and, as do_anonymous_page, gives the VMA no anon_vma: only the write
  // path (vmf_anon_prepare) does.
  if (!write) {
    map_page(p, vma, *leaf, m_ctx.zero_page, false, m);
    m_ctx.stats.zero_page_maps++;
    return FaultOutcome::kRetry;
  }
  anon_vma_prepare(p, it);
  if (auto folio = m_huge.do_anonymous_folio(p, it, page_va, m)) return *folio;
  auto page = alloc_zeroed_page(m, page_va);
  if (!page) return m_reclaim.out_of_memory();
  set_anon_index(*page, vma, page_va);
  map_page(p, vma, *leaf, *page, true, m);
  return FaultOutcome::kRetry;
}

}  // namespace mmusim::sw
