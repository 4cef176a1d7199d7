// Merging of identical anonymous pages (mm/ksm.c, reduced): KSM's scanner
// is replaced by a scan of the range at madvise(MADV_MERGEABLE) time. Each
// present, exclusive anonymous page of the range is compared with the
// stable tree (here a hash table of KSM pages); an identical KSM page
// replaces it, write-protected, otherwise the page itself becomes a KSM
// page. A write to a KSM page copies it (do_wp_page never reuses one).
// MADV_UNMERGEABLE breaks the sharing by copying (break_ksm, FAULT_FLAG_UNSHARE).
// Memory-failure injection is in memory_failure.cpp.
#include <cstring>

#include "sw/ksm/ksm.h"

#include "model/stats/stats.h"
#include "sw/kernel_stats.h"
#include "sw/mm/process.h"

namespace mmusim::sw {

namespace {

uint64_t hash_page(const PageBytes& b) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (uint8_t c : b)
    h = (h ^ c) * 1099511628211ull;
  return h;
}

}  // namespace

void Ksm::merge_range(Process& p, const Vma& vma, uint64_t start, uint64_t end, CostMeter& m) {
  m_host.split_huge_range(p, start, end, m);  // KSM merges 4 KB pages only
  std::vector<std::pair<VirtAddr, PageTable::Leaf>> leaves;
  p.page_table->for_each_leaf(
      VirtAddr(start), VirtAddr(end),
      [&](VirtAddr va, const PageTable::Leaf& leaf) { leaves.emplace_back(va, leaf); }, m);
  TlbGather tlb(m_ctx.tlb, p);
  for (const auto& [va, leaf] : leaves) {
    if (!leaf.desc.valid()) continue;
    const PhysAddr page = leaf.desc.output_address();
    if (page == m_ctx.zero_page) continue;
    PageMeta& meta = m_ctx.pages.meta(page);
    if (meta.kind != PageKind::kAnon || meta.ksm || meta.poisoned || meta.mapcount != 1 ||
        meta.swap_slot)
      continue;
    PageBytes bytes;
    m_ctx.mem.read(page, bytes.data(), bytes.size());
    const uint64_t h = hash_page(bytes);
    PhysAddr target = page;
    auto range = m_stable.equal_range(h);
    for (auto it = range.first; it != range.second; ++it) {
      PageBytes other;
      m_ctx.mem.read(it->second, other.data(), other.size());
      if (other == bytes) {
        target = it->second;
        break;
      }
    }
    if (target == page) {  // a new KSM page
      meta.ksm = true;
      m_stable.emplace(h, page);
      m_ctx.stats.ksm_pages++;
      p.page_table->set_leaf(leaf, m_host.make_user_pte(page, vma.flags, false, leaf.desc.af()), m);
    } else {  // merged: map the KSM page instead, free ours
      p.page_table->set_leaf(leaf, arch::Descriptor(), m);
      m_host.release_page(leaf.desc);
      m_host.map_page(p, vma, PageTable::Leaf{leaf.slot, arch::Descriptor()}, target, false, m);
      m_ctx.stats.ksm_merged++;
    }
    tlb.add(va);
  }
  tlb.flush(m);
}

void Ksm::forget(PhysAddr page) {
  PageBytes bytes;
  m_ctx.mem.read(page, bytes.data(), bytes.size());
  auto range = m_stable.equal_range(hash_page(bytes));
  for (auto it = range.first; it != range.second; ++it)
    if (it->second == page) {
      m_stable.erase(it);
      m_ctx.stats.ksm_pages--;
      return;
    }
}

bool Ksm::unshare_page(Process& p, const Vma& vma, VirtAddr va, const PageTable::Leaf& leaf,
                       CostMeter& m) {
  const PhysAddr page = leaf.desc.output_address();
  KsmHost::Pin pinned(m_host, page);
  auto fresh = m_ctx.frames.alloc();
  if (!fresh) return false;
  m.frame_alloc();
  PageBytes buf;
  m_ctx.mem.read(page, buf.data(), buf.size());
  m_ctx.mem.write(*fresh, buf.data(), buf.size());
  m.page_copy(arch::kPageSize);
  m_ctx.pages.meta(*fresh) = PageMeta{0, PageKind::kAnon};
  m_ctx.stats.anon_pages_allocated++;
  m_host.set_anon_index(*fresh, vma, va);
  p.page_table->set_leaf(leaf, arch::Descriptor(), m);
  m_ctx.tlb.flush_page(p, va, m);
  m_host.release_page(leaf.desc);
  m_host.map_page(p, vma, PageTable::Leaf{leaf.slot, arch::Descriptor()}, *fresh,
                  m_host.pte_writable(*fresh, vma) && !(vma.flags & vm::kShared), m);
  return true;
}

void Ksm::unmerge_range(Process& p, const Vma& vma, uint64_t start, uint64_t end, CostMeter& m) {
  std::vector<std::pair<VirtAddr, PageTable::Leaf>> leaves;
  p.page_table->for_each_leaf(
      VirtAddr(start), VirtAddr(end),
      [&](VirtAddr va, const PageTable::Leaf& leaf) { leaves.emplace_back(va, leaf); }, m);
  for (const auto& [va, leaf] : leaves) {
    if (!leaf.desc.valid() || leaf.desc.output_address() == m_ctx.zero_page) continue;
    if (m_ctx.pages.meta(leaf.desc.output_address()).ksm) unshare_page(p, vma, va, leaf, m);
  }
}

void Ksm::register_stats(stats::Group& kernel_group) const {
  register_ksm_stats(m_ctx.stats, kernel_group);
}

}  // namespace mmusim::sw
