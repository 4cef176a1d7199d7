// brk (mm/mmap.c SYSCALL_DEFINE1(brk), do_brk_flags) and the maps and
// smaps views (fs/proc/task_mmu.c show_map_vma, show_smap,
// smaps_pte_entry, smaps_account).
#include <algorithm>

#include "sw/huge/huge_pages.h"
#include "sw/mm/address_spaces.h"
#include "sw/pagecache/page_cache.h"
#include "sw/reclaim/reclaim.h"

namespace mmusim::sw {

int64_t AddressSpaces::brk(Process& p, CostMeter& m, VirtAddr addr) {
  if (!p.brk_start) p.brk_start = p.brk = m_ctx.params.heap_start.value();
  const uint64_t orig = p.brk;
  auto refuse = [&]() { return static_cast<int64_t>(orig); };
  const uint64_t want = addr.value();
  if (want < p.brk_start || want > kTaskSize) return refuse();  // RLIMIT_DATA is unlimited
  const uint64_t newbrk = page_align(want);
  const uint64_t oldbrk = page_align(p.brk);
  if (oldbrk == newbrk) {
    p.brk = want;
    return static_cast<int64_t>(want);
  }
  if (want <= p.brk) {  // shrinking is always allowed, if the heap VMA is there
    auto v = p.vmas.find_intersection(VirtAddr(newbrk), VirtAddr(oldbrk));
    if (v == p.vmas.end() || v->second.start.value() >= oldbrk) return refuse();
    p.brk = want;
    do_munmap(p, newbrk, oldbrk, m);
    return static_cast<int64_t>(want);
  }
  // check_brk_limits + the guard page: the next VMA must start at least one
  // page above the new break.
  if (newbrk > kTaskSize) return refuse();
  auto next = p.vmas.find_vma(VirtAddr(oldbrk));
  if (next != p.vmas.end()) {
    const Vma& n = next->second;
    const uint64_t gap = (n.flags & vm::kGrowsdown) && n.start.value() > kStackGuardGap
                             ? n.start.value() - kStackGuardGap
                             : n.start.value();
    if (newbrk + arch::kPageSize > gap) return refuse();
  }
  // do_brk_flags: VM_DATA_DEFAULT_FLAGS, accounted; merges with the heap VMA.
  Vma v;
  v.start = VirtAddr(oldbrk);
  v.end = VirtAddr(newbrk);
  v.flags = vm::kRead | vm::kWrite | vm::kMayRead | vm::kMayWrite | vm::kMayExec | vm::kAccount;
  v.pgoff = oldbrk >> arch::kPageShift;
  p.vmas.insert_merged(v);
  p.brk = want;
  return static_cast<int64_t>(want);
}

std::vector<VmaInfo> AddressSpaces::maps() const {
  std::vector<VmaInfo> out;
  for (const auto& [start, v] : cur().vmas) {
    VmaInfo i;
    i.start = v.start;
    i.end = v.end;
    i.read = v.flags & vm::kRead;
    i.write = v.flags & vm::kWrite;
    i.exec = v.flags & vm::kExec;
    i.shared = v.flags & vm::kMayShare;
    // /proc/PID/maps prints the offset only for VMAs backed by an object.
    i.file_offset = v.object ? v.pgoff << arch::kPageShift : 0;
    i.name = v.name;
    // show_map_vma: the VMA holding the break is "[heap]".
    const Process& p = cur();
    if (i.name.empty() && !v.object && p.brk_start && v.start.value() <= p.brk &&
        v.end.value() >= p.brk_start)
      i.name = "[heap]";
    out.push_back(std::move(i));
  }
  return out;
}

std::vector<SmapsInfo> AddressSpaces::smaps() {
  Process& p = cur();
  std::vector<SmapsInfo> out;
  CostMeter m = m_ctx.meter();
  const std::vector<VmaInfo> lines = maps();
  size_t i = 0;
  for (const auto& [start, v] : p.vmas) {
    SmapsInfo s;
    s.vma = lines.at(i++);
    s.size_kb = (v.end - v.start) >> 10;
    uint64_t pss_bytes_x4096 = 0;  // PSS in bytes, scaled by 4096 for precision
    uint64_t swap_pss_x4096 = 0;
    p.page_table->for_each_leaf(
        v.start, v.end,
        [&](VirtAddr, const PageTable::Leaf& leaf) {
          if (leaf.desc.raw() & (uint64_t{1} << kPtePoisonBit)) return;
          if (is_swap_pte(leaf.desc)) {  // smaps_pte_entry: Swap and SwapPss
            s.swap_kb += 4;
            swap_pss_x4096 +=
                (arch::kPageSize << 12) / m_reclaim.swap().count(swap_pte_slot(leaf.desc));
            return;
          }
          if (leaf.desc.raw() & (uint64_t{1} << kPteSpecialBit)) return;  // VM_PFNMAP: no page
          const PhysAddr page = leaf.desc.output_address();
          if (page == m_ctx.zero_page) return;  // vm_normal_page(): not counted
          const PageMeta& meta = m_ctx.pages.meta(page);
          // An anonymous page is dirty unless it is a clean copy of its
          // swap slot (in the swap cache, entry not written since).
          bool dirty = meta.kind == PageKind::kAnon &&
                       (!meta.swap_slot ||
                        (leaf.desc.valid() && leaf.desc.page_attrs().ap == arch::Ap::kRw));
          if (meta.kind == PageKind::kFile)
            if (Inode* inode = m_pc.files().get(meta.file)) {
              auto cp = inode->pages.find(meta.index);
              dirty = cp != inode->pages.end() && cp->second.dirty;
            }
          const uint64_t mapcount = std::max<uint32_t>(meta.mapcount, 1);
          s.rss_kb += 4;
          pss_bytes_x4096 += (arch::kPageSize << 12) / mapcount;
          const bool shared = mapcount >= 2;
          (shared ? (dirty ? s.shared_dirty_kb : s.shared_clean_kb)
                  : (dirty ? s.private_dirty_kb : s.private_clean_kb)) += 4;
        },
        m);
    m_huge.smaps_blocks(p, v, s, pss_bytes_x4096, m);
    // shmem: the inode's swapped-out pages in the VMA's range count in Swap
    // (shmem_swap_usage; a shared mapping takes them all, SwapPss not).
    if (const Inode* inode = m_pc.inode_of(v); inode && inode->shmem)
      s.swap_kb += m_pc.shmem_swapped_range(*inode, v.pgoff, v.pages()) * 4;
    s.pss_kb = (pss_bytes_x4096 >> 12) >> 10;
    s.swap_pss_kb = (swap_pss_x4096 >> 12) >> 10;
    if (v.flags & vm::kLocked) s.locked_kb = s.pss_kb;
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace mmusim::sw
