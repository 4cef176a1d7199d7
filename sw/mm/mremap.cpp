// mremap with Linux 6.x's checks and order (mm/mremap.c: check_mremap_params,
// do_mremap, mremap_at, mremap_to, remap_is_valid, expand_vma,
// vma_expandable, move_vma, copy_vma_and_data, dontunmap_complete).
// Page-table entries move with their pages (move_ptes); nothing is copied.
#include <algorithm>
#include <vector>

#include "sw/huge/huge_pages.h"
#include "sw/mm/address_spaces.h"
#include "sw/reclaim/reclaim.h"

namespace mmusim::sw {

int64_t AddressSpaces::mremap(Process& p, CostMeter& m, VirtAddr old_addr, uint64_t old_len,
                              uint64_t new_len, int flags, VirtAddr new_addr_in) {
  const uint64_t addr = old_addr.value();
  uint64_t new_addr = new_addr_in.value();
  const bool fixed = flags & abi::kMremapFixed;
  const bool dontunmap = flags & abi::kMremapDontunmap;
  const bool implies_new_addr = fixed || dontunmap;

  // check_mremap_params
  if (flags & ~(abi::kMremapFixed | abi::kMremapMaymove | abi::kMremapDontunmap))
    return err(Errno::kEINVAL);
  if (addr & ~kPageMask) return err(Errno::kEINVAL);
  if (!page_align(new_len)) return err(Errno::kEINVAL);
  if (implies_new_addr) {
    if (new_addr & ~kPageMask) return err(Errno::kEINVAL);
    if (!(flags & abi::kMremapMaymove)) return err(Errno::kEINVAL);
    // Compared page-aligned, as Linux (do_mremap aligns both lengths first).
    if (dontunmap && page_align(old_len) != page_align(new_len)) return err(Errno::kEINVAL);
  }
  old_len = page_align(old_len);
  new_len = page_align(new_len);
  // Linux 6.17+: a new length beyond TASK_SIZE is EINVAL before any VMA is
  // looked up, with or without a new address.
  if (new_len > kTaskSize) return err(Errno::kEINVAL);
  if (implies_new_addr) {
    // Linux 6.17+ checks the target range before looking at any VMA.
    if (new_len > kTaskSize || new_addr > kTaskSize - new_len) return err(Errno::kEINVAL);
    if (addr + old_len > new_addr && new_addr + new_len > addr) return err(Errno::kEINVAL);
    if (p.vmas.size() + 2 >= kMaxMapCount - 3) return err(Errno::kENOMEM);
  }
  // hugetlb: addresses on huge-page boundaries, lengths rounded up to
  // huge pages, and no growth (EINVAL).
  if (auto hv = p.vmas.find(VirtAddr(addr));
      hv != p.vmas.end() && (hv->second.flags & vm::kHugetlb)) {
    if (!m_huge.hugetlb_split_ok(p, addr) || ((fixed || dontunmap) && new_addr % kPmdSize))
      return err(Errno::kEINVAL);
    old_len = (old_len + kPmdSize - 1) & ~(kPmdSize - 1);
    new_len = (new_len + kPmdSize - 1) & ~(kPmdSize - 1);
    if (new_len > old_len) return err(Errno::kEINVAL);
  }
  const uint64_t delta = old_len > new_len ? old_len - new_len : new_len - old_len;
  const bool shrink = old_len > new_len;

  // Linux 6.17+ (vrm_move_only): MREMAP_FIXED with equal lengths moves every
  // VMA of the range.
  if (fixed && old_len == new_len) return remap_move(p, addr, old_len, new_addr, dontunmap, m);

  auto it = p.vmas.find(VirtAddr(addr));
  if (it == p.vmas.end()) return err(Errno::kEFAULT);

  // check_prep_vma, before anything is unmapped; only when a new mapping is
  // made (growth or a new address). A shrink may cross the VMA's end.
  if (new_len > old_len || implies_new_addr) {
    const Vma& v = it->second;
    const uint64_t olen = shrink ? new_len : old_len;
    if (!old_len && !(v.flags & (vm::kShared | vm::kMayShare))) return err(Errno::kEINVAL);
    if (dontunmap && (v.flags & (vm::kDontexpand | vm::kPfnmap))) return err(Errno::kEINVAL);
    if (olen > v.end.value() - addr) return err(Errno::kEFAULT);
    if (new_len != olen) {
      const uint64_t pgoff = v.pgoff + ((addr - v.start.value()) >> arch::kPageShift);
      if (pgoff + (new_len >> arch::kPageShift) < pgoff) return err(Errno::kEINVAL);
      if (v.flags & (vm::kDontexpand | vm::kPfnmap)) return err(Errno::kEFAULT);
    }
  }
  // vrm_set_new_addr: get_unmapped_area for the new place.
  auto set_new_addr = [&]() -> int64_t {
    const Vma& v = it->second;
    int map_flags = fixed ? abi::kMapFixed : 0;
    if (v.flags & vm::kMayShare) map_flags |= abi::kMapShared;
    int64_t e = 0;
    auto a = get_unmapped_area(p, implies_new_addr ? new_addr : 0, new_len, map_flags, v.flags, &e);
    if (!a) return e;
    new_addr = *a;
    return 0;
  };

  if (implies_new_addr) {  // mremap_to
    if (fixed) {
      if (const int64_t e = vmi_munmap(p, new_addr, new_len, m); e < 0) return e;
      it = p.vmas.find(VirtAddr(addr));
      if (it == p.vmas.end()) return err(Errno::kEFAULT);
    }
    if (shrink) {  // shrink first, then move what is left
      if (const int64_t e = vmi_munmap(p, addr + new_len, delta, m); e < 0) return e;
      it = p.vmas.find(VirtAddr(addr));
      if (it == p.vmas.end()) return err(Errno::kEFAULT);
      old_len = new_len;
    }
    if (const int64_t e = set_new_addr()) return e;
    return move_vma(p, addr, old_len, new_addr, new_len, dontunmap, m);
  }

  // mremap_at
  if (old_len == new_len) return static_cast<int64_t>(addr);
  if (shrink) {
    if (const int64_t e = vmi_munmap(p, addr + new_len, delta, m); e < 0) return e;
    return static_cast<int64_t>(addr);
  }
  const Vma& v = it->second;
  // vrm_can_expand_in_place: the range ends the VMA and the space after it is free.
  const uint64_t vend = v.end.value();
  const bool expandable =
      vend - addr == old_len && vend + delta > vend && vend + delta <= kTaskSize &&
      p.vmas.find_intersection(VirtAddr(vend), VirtAddr(vend + delta)) == p.vmas.end();
  if (expandable) {
    // vma_merge_extend: the VMA grows (and may merge with the next one).
    Vma ext = v;
    ext.start = VirtAddr(vend);
    ext.end = VirtAddr(vend + delta);
    ext.pgoff = v.pgoff + v.pages();
    const bool locked = v.flags & vm::kLocked;
    p.vmas.insert_merged(ext);
    if (locked) populate(p, vend, vend + delta, m);
    return static_cast<int64_t>(addr);
  }
  if (!(flags & abi::kMremapMaymove)) return err(Errno::kENOMEM);
  if (const int64_t e = set_new_addr()) return e;
  return move_vma(p, addr, old_len, new_addr, new_len, false, m);
}

int64_t AddressSpaces::vmi_munmap(Process& p, uint64_t start, uint64_t len, CostMeter& m) {
  // do_vmi_munmap's range checks (start is page aligned here).
  if (start > kTaskSize || len > kTaskSize - start) return err(Errno::kEINVAL);
  return do_munmap(p, start, start + len, m);
}

int64_t AddressSpaces::remap_move(Process& p, uint64_t start, uint64_t len, uint64_t new_addr,
                                  bool dontunmap, CostMeter& m) {
  // remap_move: each VMA piece of [start, start + len) moves to the same
  // offset from new_addr (the gaps between them are kept), one after the
  // other through mremap_to; no gap may open the range. An error stops the
  // loop with the earlier pieces moved.
  const uint64_t end = start + len;
  std::vector<std::pair<uint64_t, uint64_t>> pieces;
  for (auto it = p.vmas.find_vma(VirtAddr(start));
       it != p.vmas.end() && it->second.start.value() < end; ++it)
    pieces.emplace_back(std::max(it->second.start.value(), start),
                        std::min(end, it->second.end.value()));
  if (pieces.empty() || pieces.front().first > start) return err(Errno::kEFAULT);
  int64_t res = err(Errno::kEFAULT);
  for (size_t i = 0; i < pieces.size(); ++i) {
    const auto [a, b] = pieces[i];
    auto it = p.vmas.find(VirtAddr(a));
    if (it == p.vmas.end()) return err(Errno::kEFAULT);
    // check_prep_vma: equal lengths inside the VMA; only DONTUNMAP can fail.
    if (dontunmap && (it->second.flags & (vm::kDontexpand | vm::kPfnmap)))
      return err(Errno::kEINVAL);
    const uint64_t target = new_addr + (a - start);
    if (const int64_t e = vmi_munmap(p, target, b - a, m); e < 0) return e;
    it = p.vmas.find(VirtAddr(a));
    int map_flags = abi::kMapFixed;
    if (it->second.flags & vm::kMayShare) map_flags |= abi::kMapShared;
    int64_t e = 0;
    if (!get_unmapped_area(p, target, b - a, map_flags, it->second.flags, &e)) return e;
    const int64_t r = move_vma(p, a, b - a, target, b - a, dontunmap, m);
    if (r < 0) return r;
    if (i == 0) res = r;
  }
  return res;
}

int64_t AddressSpaces::move_vma(Process& p, uint64_t addr, uint64_t old_len, uint64_t new_addr,
                                uint64_t new_len, bool dontunmap, CostMeter& m) {
  // prep_move_vma: keep room for the splits of the unmap.
  if (p.vmas.size() >= kMaxMapCount - 3) return err(Errno::kENOMEM);
  auto it = p.vmas.find(VirtAddr(addr));
  Vma moved = it->second;
  const bool locked = moved.flags & vm::kLocked;
  moved.pgoff = it->second.pgoff + ((addr - it->second.start.value()) >> arch::kPageShift);
  moved.start = VirtAddr(new_addr);
  moved.end = VirtAddr(new_addr + new_len);
  // copy_vma: the new VMA keeps flags, file, anon_vma and page offset, and
  // merges with compatible neighbours; private anonymous memory without an
  // anon_vma yet takes the page offset of its new address.
  if (!moved.object && !moved.anon_vma && !(moved.flags & vm::kPfnmap))  // vma_is_anonymous
    moved.pgoff = new_addr >> arch::kPageShift;
  p.vmas.insert_merged(moved);

  // move_page_tables: the entries (and so the pages) move; the old range is
  // flushed. A huge page moves whole where its new place is 2 MB-aligned,
  // else it is split and moves as 4 KB entries.
  m_huge.move_huge_pmds(p, addr, old_len, new_addr, m);
  m_huge.split_huge_range(p, addr, addr + old_len, m);
  std::vector<std::pair<VirtAddr, PageTable::Leaf>> leaves;
  p.page_table->for_each_leaf(
      VirtAddr(addr), VirtAddr(addr + old_len),
      [&](VirtAddr va, const PageTable::Leaf& leaf) { leaves.emplace_back(va, leaf); }, m);
  TlbGather tlb(m_ctx.tlb, p);
  m_ctx.tlb.flush_tlb_batched_pending(p, m);  // reclaim's deferred TLBIs of this mm
  // The list above must stay true: reclaim first, none during the move.
  m_reclaim.make_room((old_len >> 21) + 4);
  m_reclaim.suspend_direct();
  for (const auto& [va, leaf] : leaves) {
    auto dst = p.page_table->lookup_or_alloc(VirtAddr(new_addr + (va - VirtAddr(addr))), m);
    if (!dst) break;  // out of frames: the rest stays behind and is unmapped below
    p.page_table->set_leaf(leaf, arch::Descriptor(), m);
    p.page_table->set_leaf(*dst, without_cont(leaf.desc), m);  // refolded if aligned there
    tlb.add(va);
  }
  m_reclaim.resume_direct();
  tlb.flush(m);

  if (dontunmap) {
    // dontunmap_complete: the old VMA stays (not split), no longer locked
    // but still accounted (Linux 6.15+); it drops its anon_vma when all of
    // it moved.
    auto old = p.vmas.find(VirtAddr(addr));
    if (old != p.vmas.end()) {
      old->second.flags &= ~vm::kLocked;
      if (old->second.start.value() == addr && old->second.end.value() == addr + old_len)
        old->second.anon_vma = 0;
    }
  } else if (old_len) {  // OLDLEN 0 (a shared mapping duplicated) unmaps nothing
    do_munmap(p, addr, addr + old_len, m);
  }
  if (locked && new_len > old_len) populate(p, new_addr + old_len, new_addr + new_len, m);
  return static_cast<int64_t>(new_addr);
}

}  // namespace mmusim::sw
