// Transparent huge pages for private anonymous memory (mm/huge_memory.c):
// 2 MB blocks mapped by level-2 block descriptors, their faults, splitting
// into 512 PTEs, fork and mprotect of whole blocks, smaps accounting.
//
// A block's 512 frames each keep their own mapcount: a block mapping holds
// one reference on every frame, a PTE after a split one on its own frame.
// So a split changes no page state, and a frame goes back to the allocator
// when its last mapping goes (Linux defers freeing a partly unmapped THP to
// the deferred-split shrinker; without memory pressure the difference shows
// only in the frame count). khugepaged and MADV_COLLAPSE are not modelled.
#include <stdexcept>

#include "sw/huge/huge_pages.h"
#include "sw/kernel_stats.h"
#include "sw/mm/address_spaces.h"
#include "sw/reclaim/reclaim.h"

namespace mmusim::sw {

using arch::Descriptor;

namespace {

constexpr uint64_t kPageTypeBit = uint64_t{1} << 1;  // bits[1:0]: 0b11 page, 0b01 block

}  // namespace

const char* to_string(ThpPolicy policy) {
  switch (policy) {
    case ThpPolicy::kAlways:
      return "always";
    case ThpPolicy::kMadvise:
      return "madvise";
    case ThpPolicy::kNever:
      return "never";
  }
  return "?";
}

void HugePages::register_stats(stats::Group& kernel_group) const {
  register_huge_page_stats(m_ctx.stats, kernel_group);
}

Descriptor HugePages::make_user_pmd(PhysAddr block, VmFlags vma_flags, bool writable,
                                    bool af) const {
  // The PTE's attributes in block form (bits[1:0] 0b01; a PROT_NONE block
  // keeps bit 0 clear and the marker bit, as the PTE).
  return Descriptor(m_mm.make_user_pte(block, vma_flags, writable, af).raw() & ~kPageTypeBit);
}

bool HugePages::block_exclusive(PhysAddr block) {
  if (m_st.huge_zero && block == *m_st.huge_zero) return false;
  for (uint64_t i = 0; i < FrameAllocator::kBlockFrames; ++i) {
    const PageMeta& meta = m_ctx.pages.meta(block + i * arch::kPageSize);
    if (meta.mapcount > 1 || meta.ksm) return false;
  }
  return true;
}

void HugePages::release_block(Descriptor pmd) {
  const PhysAddr block = pmd.output_address();
  if (m_st.huge_zero && block == *m_st.huge_zero) return;  // the huge zero page stays
  PageMeta& head = m_ctx.pages.meta(block);
  if (head.kind == PageKind::kHugetlb) {  // one mapcount, on the head
    if (head.mapcount) head.mapcount--;
    hugetlb_put(block);
    return;
  }
  for (uint64_t i = 0; i < FrameAllocator::kBlockFrames; ++i)
    m_mm.release_page(Descriptor((block + i * arch::kPageSize).value()));
}

std::optional<uint64_t> HugePages::huge_mapped_end(Process& p, VirtAddr va, CostMeter& m) {
  auto pmd = p.page_table->lookup_pmd(va, m);
  if (!pmd || !PageTable::is_huge(pmd->desc)) return std::nullopt;
  return va.align_down(kPmdSize).value() + kPmdSize;
}

bool HugePages::thp_fault_eligible(const Vma& vma, VirtAddr va) const {
  // thp_vma_allowable_order + thp_vma_suitable_order for anonymous memory;
  // droppable memory never takes the huge path (as observed on Linux 6.18).
  if (m_ctx.params.thp == ThpPolicy::kNever || (vma.flags & (vm::kNohugepage | vm::kDroppable)))
    return false;
  if (m_ctx.params.thp == ThpPolicy::kMadvise && !(vma.flags & vm::kHugepage)) return false;
  const uint64_t block = va.align_down(kPmdSize).value();
  return vma.start.value() <= block && block + kPmdSize <= vma.end.value();
}

std::optional<FaultOutcome> HugePages::huge_pmd_fault(Process& p, VmaSet::iterator it, VirtAddr va,
                                                      bool write, CostMeter& m) {
  const Vma& vma = it->second;
  const VirtAddr haddr = va.align_down(kPmdSize);
  auto pmd = p.page_table->lookup_pmd(va, m);
  if (pmd && PageTable::is_huge(pmd->desc)) {
    const PhysAddr block = pmd->desc.output_address();
    const bool writable = (vma.flags & vm::kWrite) && block_exclusive(block);
    if (write && !writable) {
      // do_huge_zero_wp_pmd: a write to the huge zero page gets a THP of
      // its own in its place (break-before-make), else it falls back.
      if (m_st.huge_zero && block == *m_st.huge_zero && (vma.flags & vm::kWrite)) {
        if (auto fresh = alloc_thp(m)) {
          p.page_table->set_leaf(*pmd, Descriptor(), m);
          TlbGather tlb(m_ctx.tlb, p);
          tlb.add_block(haddr);
          tlb.flush(m);
          p.page_table->set_leaf(PageTable::Leaf{pmd->slot, Descriptor()},
                                 make_user_pmd(*fresh, vma.flags, true, true), m);
          m_reclaim.lru_add_block(*fresh, vma, haddr);
          return FaultOutcome::kRetry;
        }
        m_ctx.stats.thp_fault_fallback++;
      }
      // do_huge_pmd_wp_page: a shared block is split and the 4 KB path
      // copies the one page written (VM_FAULT_FALLBACK).
      split_huge_pmd(p, va, m);
      return std::nullopt;
    }
    // Reuse of an exclusive block, or an entry older than the VMA's flags:
    // brought in line and flushed, as the 4 KB path does.
    const Descriptor want = make_user_pmd(block, vma.flags, writable, true);
    if (!(want == pmd->desc)) p.page_table->set_leaf(*pmd, want, m);
    m_ctx.tlb.flush_page(p, va.align_down(arch::kPageSize), m);
    return FaultOutcome::kRetry;
  }
  // do_huge_pmd_anonymous_page: an empty level-2 entry of an eligible VMA.
  if ((pmd && pmd->desc.raw() != 0) || !thp_fault_eligible(vma, va)) return std::nullopt;
  m_mm.anon_vma_prepare(p, it);
  if (!write) {
    // A read maps the huge zero page (use_zero_page, allocated at first
    // use; none free: the 4 KB path).
    if (!m_st.huge_zero) {
      m_st.huge_zero = m_ctx.frames.alloc_block();
      if (!m_st.huge_zero) return std::nullopt;
      m.frame_alloc();
      m_ctx.mem.fill(*m_st.huge_zero, 0, kPmdSize);
      for (uint64_t i = 0; i < FrameAllocator::kBlockFrames; ++i)
        m_ctx.pages.meta(*m_st.huge_zero + i * arch::kPageSize).kind = PageKind::kZero;
    }
    if (!pmd) pmd = p.page_table->lookup_or_alloc_pmd(haddr, m);
    if (!pmd || !p.page_table->deposit_table(*pmd, m)) return m_reclaim.out_of_memory();
    p.page_table->set_leaf(*pmd, make_user_pmd(*m_st.huge_zero, vma.flags, false, true), m);
    m_ctx.stats.zero_page_maps++;
    return FaultOutcome::kRetry;
  }
  auto block = alloc_thp(m);
  if (!block) {
    m_ctx.stats.thp_fault_fallback++;
    return std::nullopt;
  }
  if (!pmd) pmd = p.page_table->lookup_or_alloc_pmd(haddr, m);
  if (!pmd || !p.page_table->deposit_table(*pmd, m)) {
    for (uint64_t i = 0; i < FrameAllocator::kBlockFrames; ++i) {
      m_ctx.pages.meta(*block + i * arch::kPageSize) = PageMeta{};
      m_ctx.frames.free(*block + i * arch::kPageSize);
    }
    return m_reclaim.out_of_memory();
  }
  p.page_table->set_leaf(*pmd, make_user_pmd(*block, vma.flags, true, true), m);
  m_reclaim.lru_add_block(*block, vma, haddr);
  return FaultOutcome::kRetry;
}

std::optional<PhysAddr> HugePages::alloc_thp(CostMeter& m) {
  auto block = m_ctx.frames.alloc_block();
  if (!block) return std::nullopt;
  m.frame_alloc();
  m_ctx.mem.fill(*block, 0, kPmdSize);
  for (uint64_t i = 0; i < FrameAllocator::kBlockFrames; ++i) {
    m.page_zero(arch::kPageSize);
    PageMeta& meta = m_ctx.pages.meta(*block + i * arch::kPageSize);
    meta = PageMeta{};
    meta.kind = PageKind::kAnon;
    meta.mapcount = 1;
  }
  m_ctx.stats.anon_pages_allocated += FrameAllocator::kBlockFrames;
  m_ctx.stats.thp_fault_alloc++;
  return block;
}

void HugePages::split_huge_pmd(Process& p, VirtAddr va, CostMeter& m, bool only_exclusive) {
  auto pmd = p.page_table->lookup_pmd(va, m);
  if (!pmd || !PageTable::is_huge(pmd->desc)) return;
  if (only_exclusive && !block_exclusive(pmd->desc.output_address())) return;
  // hugetlb pages are never split (their VMAs split only at 2 MB).
  if (m_ctx.pages.meta(pmd->desc.output_address()).kind == PageKind::kHugetlb) return;
  // Break-before-make (pmdp_invalidate + flush_pmd_tlb_range: one TLBI for
  // the block), then the deposited table with 512 PTEs of the same
  // attributes (a PROT_NONE block gives PROT_NONE PTEs).
  // With the contiguous hint the 512 PTEs go in as 32 folded runs, as
  // arm64 set_ptes writes a contiguous folio range.
  const uint64_t raw = pmd->desc.raw() | kPageTypeBit |
                       (m_ctx.params.contpte ? uint64_t{1} << arch::bit::kContiguous : 0);
  // __split_huge_zero_page_pmd: every PTE maps the 4 KB zero page.
  const bool zero = m_st.huge_zero && pmd->desc.output_address() == *m_st.huge_zero;
  const uint64_t zero_raw = (pmd->desc.raw() | kPageTypeBit) -
                            m_st.huge_zero.value_or(PhysAddr(0)).value() + m_ctx.zero_page.value();
  p.page_table->set_leaf(*pmd, Descriptor(), m);
  TlbGather tlb(m_ctx.tlb, p);
  tlb.add_block(va);
  tlb.flush(m);
  p.page_table->install_deposited_table(
      PageTable::Leaf{pmd->slot, Descriptor()},
      [raw, zero, zero_raw](unsigned i) {
        return Descriptor(zero ? zero_raw : raw + i * arch::kPageSize);
      },
      m);
  m_ctx.stats.thp_split_pmd++;
}

void HugePages::split_huge_folio(Process& p, VirtAddr va, CostMeter& m) {
  auto pmd = p.page_table->lookup_pmd(va, m);
  if (!pmd || !PageTable::is_huge(pmd->desc) || !block_exclusive(pmd->desc.output_address()))
    return;
  auto vma = p.vmas.find(va);
  if (vma == p.vmas.end()) return;
  const VirtAddr base = va.align_down(kPmdSize);
  split_huge_pmd(p, base, m);
  TlbGather tlb(m_ctx.tlb, p);
  std::vector<uint8_t> bytes(arch::kPageSize);
  p.page_table->for_each_leaf(
      base, base + kPmdSize,
      [&](VirtAddr at, const PageTable::Leaf& leaf) {
        if (!leaf.desc.valid()) return;
        m_ctx.mem.read(leaf.desc.output_address(), bytes.data(), bytes.size());
        for (uint8_t b : bytes)
          if (b) return;
        m_mm.release_page(leaf.desc);
        p.page_table->set_leaf(
            leaf, m_mm.make_user_pte(m_ctx.zero_page, vma->second.flags, false, true), m);
        tlb.add(at);
      },
      m);
  tlb.flush(m);
}

void HugePages::split_huge_boundaries(Process& p, uint64_t start, uint64_t end, CostMeter& m,
                                      bool only_exclusive) {
  if (start % kPmdSize) split_huge_pmd(p, VirtAddr(start), m, only_exclusive);
  if (end % kPmdSize) split_huge_pmd(p, VirtAddr(end), m, only_exclusive);
}

void HugePages::split_huge_range(Process& p, uint64_t start, uint64_t end, CostMeter& m) {
  std::vector<VirtAddr> blocks;
  p.page_table->for_each_block(
      VirtAddr(start), VirtAddr(end),
      [&](VirtAddr va, const PageTable::Leaf&) { blocks.push_back(va); }, m);
  for (VirtAddr va : blocks)
    split_huge_pmd(p, va, m);
}

void HugePages::move_huge_pmds(Process& p, uint64_t addr, uint64_t len, uint64_t new_addr,
                               CostMeter& m) {
  if ((new_addr - addr) % kPmdSize) return;
  std::vector<VirtAddr> blocks;
  p.page_table->for_each_block(
      VirtAddr(addr), VirtAddr(addr + len),
      [&](VirtAddr va, const PageTable::Leaf&) {
        if (va.value() >= addr && va.value() + kPmdSize <= addr + len) blocks.push_back(va);
      },
      m);
  for (VirtAddr va : blocks) {
    const VirtAddr to(new_addr + (va.value() - addr));
    auto dst = p.page_table->lookup_or_alloc_pmd(to, m);
    if (!dst || dst->desc.raw() != 0) continue;  // left to be split and moved by PTEs
    auto src = p.page_table->lookup_pmd(va, m);  // after the allocation: same slot, fresh value
    p.page_table->move_block(*src, *dst, m);
    TlbGather tlb(m_ctx.tlb, p);
    tlb.add_block(va);
    tlb.flush(m);
  }
}

void HugePages::change_huge_pmds(Process& p, const Vma& vma, uint64_t start, uint64_t end,
                                 TlbGather& tlb, CostMeter& m) {
  p.page_table->for_each_block(
      VirtAddr(start), VirtAddr(end),
      [&](VirtAddr va, const PageTable::Leaf& pmd) {
        if (va.value() < start || va.value() + kPmdSize > end)
          throw std::logic_error("change_huge_pmds: the block was not split first");
        const PhysAddr block = pmd.desc.output_address();
        const bool writable = (vma.flags & vm::kWrite) && block_exclusive(block);
        const Descriptor want = make_user_pmd(block, vma.flags, writable, pmd.desc.af());
        if (!(want == pmd.desc)) p.page_table->set_leaf(pmd, want, m);
        tlb.add_block(va);
      },
      m);
}

bool HugePages::copy_huge_pmds(Process& parent, Process& child, const Vma& vma, CostMeter& m) {
  // copy_huge_pmd: the child gets the block and a deposited table of its
  // own; a private writable block is write-protected on both sides.
  std::vector<std::pair<VirtAddr, PageTable::Leaf>> blocks;
  parent.page_table->for_each_block(
      vma.start, vma.end,
      [&](VirtAddr va, const PageTable::Leaf& pmd) { blocks.emplace_back(va, pmd); }, m);
  const bool cow = (vma.flags & (vm::kShared | vm::kMayWrite)) == vm::kMayWrite;
  for (const auto& [va, pmd] : blocks) {
    auto dst = child.page_table->lookup_or_alloc_pmd(va, m);
    if (!dst || !child.page_table->deposit_table(*dst, m)) return false;
    Descriptor d = pmd.desc;
    const PhysAddr block = d.output_address();
    if (cow && d.valid() && d.page_attrs().ap == arch::Ap::kRw) {
      d = make_user_pmd(block, vma.flags, false, d.af());
      parent.page_table->set_leaf(pmd, d, m);
    }
    const bool hugetlb = m_ctx.pages.meta(block).kind == PageKind::kHugetlb;
    const bool zero = m_st.huge_zero && block == *m_st.huge_zero;
    for (uint64_t i = 0; i < (zero ? 0 : hugetlb ? 1 : FrameAllocator::kBlockFrames); ++i)
      m_ctx.pages.meta(block + i * arch::kPageSize).mapcount++;
    child.page_table->set_leaf(*dst, d, m);
  }
  return true;
}

void HugePages::smaps_blocks(Process& p, const Vma& vma, SmapsInfo& s, uint64_t& pss_x4096,
                             CostMeter& m) {
  // smaps_pmd_entry + smaps_account(compound): each frame by its own
  // mapcount; AnonHugePages counts the block.
  if (vma.flags & vm::kHugetlb) {  // smaps_hugetlb_range: not in Rss
    s.kernel_page_kb = s.mmu_page_kb = kPmdSize >> 10;
    p.page_table->for_each_block(
        vma.start, vma.end,
        [&](VirtAddr, const PageTable::Leaf& pmd) {
          const bool shared = m_ctx.pages.meta(pmd.desc.output_address()).mapcount >= 2;
          (shared ? s.shared_hugetlb_kb : s.private_hugetlb_kb) += kPmdSize >> 10;
        },
        m);
    return;
  }
  p.page_table->for_each_block(
      vma.start, vma.end,
      [&](VirtAddr, const PageTable::Leaf& pmd) {
        const PhysAddr block = pmd.desc.output_address();
        if (m_st.huge_zero && block == *m_st.huge_zero) return;  // vm_normal_page_pmd: none
        for (uint64_t i = 0; i < FrameAllocator::kBlockFrames; ++i) {
          const uint64_t mapcount =
              std::max<uint32_t>(m_ctx.pages.meta(block + i * arch::kPageSize).mapcount, 1);
          pss_x4096 += (arch::kPageSize << 12) / mapcount;
          (mapcount >= 2 ? s.shared_dirty_kb : s.private_dirty_kb) += 4;
        }
        s.rss_kb += kPmdSize >> 10;
        s.anon_huge_kb += kPmdSize >> 10;
      },
      m);
}

}  // namespace mmusim::sw
