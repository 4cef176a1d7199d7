// The contiguous hint for private anonymous memory: 64 KB folios (Linux
// mTHP hugepages-64kB, alloc_anon_folio) mapped by 16 PTEs with the
// contiguous bit, and the page tables' arm64 contpte fold/unfold rules
// (PageTable::enable_contpte).
#include "sw/huge/huge_pages.h"
#include "sw/mm/address_spaces.h"
#include "sw/reclaim/reclaim.h"

namespace mmusim::sw {

namespace {

constexpr uint64_t kContPtes = uint64_t{1} << FrameAllocator::kContOrder;
constexpr uint64_t kContSize = kContPtes * arch::kPageSize;

}  // namespace

void HugePages::enable_contpte(Process& p) {
  const Process* mm = &p;  // the Process outlives its page table
  p.page_table->enable_contpte(
      [this, mm](VirtAddr va, CostMeter& m) { m_ctx.tlb.flush_page(*mm, va, m); });
}

std::optional<FaultOutcome> HugePages::do_anonymous_folio(Process& p, VmaSet::iterator it,
                                                          VirtAddr va, CostMeter& m) {
  const Vma& vma = it->second;
  if (!m_ctx.params.contpte || (vma.flags & (vm::kNohugepage | vm::kDroppable)))
    return std::nullopt;
  const uint64_t start = va.align_down(kContSize).value();
  if (start < vma.start.value() || start + kContSize > vma.end.value()) return std::nullopt;
  // alloc_anon_folio: only where all 16 PTEs are none.
  std::vector<PageTable::Leaf> leaves;
  for (uint64_t i = 0; i < kContPtes; ++i) {
    auto leaf = p.page_table->lookup_or_alloc(VirtAddr(start + i * arch::kPageSize), m);
    if (!leaf || leaf->desc.raw() != 0) return std::nullopt;
    leaves.push_back(*leaf);
  }
  auto folio = m_ctx.frames.alloc_block(FrameAllocator::kContOrder);
  if (!folio) return std::nullopt;  // 4 KB fallback (Linux counts mTHP fallbacks per size)
  m.frame_alloc();
  m_ctx.mem.fill(*folio, 0, kContSize);
  for (uint64_t i = 0; i < kContPtes; ++i) {
    const PhysAddr page = *folio + i * arch::kPageSize;
    m.page_zero(arch::kPageSize);
    PageMeta& meta = m_ctx.pages.meta(page);
    meta = PageMeta{};
    meta.kind = PageKind::kAnon;
    meta.mapcount = 1;
    // folio_add_new_anon_rmap + folio_add_lru_vma: reclaim finds each page.
    m_mm.set_anon_index(page, vma, VirtAddr(start + i * arch::kPageSize));
    m_reclaim.lru_add_new(page);
    const arch::Descriptor pte = m_mm.make_user_pte(page, vma.flags, true, true);
    p.page_table->set_leaf(
        leaves[i], arch::Descriptor(pte.raw() | (uint64_t{1} << arch::bit::kContiguous)), m);
  }
  m_ctx.stats.anon_pages_allocated += kContPtes;
  return FaultOutcome::kRetry;
}

}  // namespace mmusim::sw
