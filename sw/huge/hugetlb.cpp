// MAP_HUGETLB: anonymous hugetlbfs mappings of 2 MB pages from a pool of
// kernel.hugetlb_pages_2m pages set aside at boot (mm/hugetlb.c,
// fs/hugetlbfs). Each mapping is a hugetlbfs file of its own
// ("/anon_hugepage (deleted)"); its pages are 2 MB blocks at level 2.
#include <stdexcept>

#include "sw/huge/huge_pages.h"
#include "sw/mm/address_spaces.h"
#include "sw/reclaim/reclaim.h"

namespace mmusim::sw {

namespace {

constexpr unsigned kMapHugeShift = 26;
constexpr int kMapHugeMask = 0x3f;
constexpr uint64_t kHuge = uint64_t{2} << 20;

}  // namespace

void HugePages::hugetlb_init() {
  // Set aside first at boot (as hugepages= on the command line), before the
  // zero page takes a frame of the first 2 MB block; the pool must leave
  // kMinPhysMem of ordinary memory for tables, the zero page and user pages.
  const uint64_t rest = KernelParams::kMinPhysMem >> arch::kPageShift;
  uint64_t got = 0;
  while (got < m_ctx.params.hugetlb_pages_2m) {
    auto block = m_ctx.frames.alloc_block();
    if (!block) break;
    m_st.hugetlb_free.push_back(*block);
    m_ctx.pages.preset_kind(*block, FrameAllocator::kBlockFrames, PageKind::kHugetlb);
    ++got;
  }
  const uint64_t left = m_ctx.frames.frames_free();
  if (got == m_ctx.params.hugetlb_pages_2m && left >= rest) return;
  // How many would fit: each page given back frees one block.
  const uint64_t short_by = left >= rest ? 0
                                         : (rest - left + FrameAllocator::kBlockFrames - 1) /
                                               FrameAllocator::kBlockFrames;
  throw std::invalid_argument(
      "kernel.hugetlb_pages_2m: " + std::to_string(m_ctx.params.hugetlb_pages_2m) +
      " pages of 2 MB do not fit in memory with 1 MiB left for the kernel (" +
      std::to_string(got > short_by ? got - short_by : 0) + " do)");
}

uint64_t HugePages::hugetlb_page_size(int flags, uint64_t* len) const {
  // ksys_mmap_pgoff -> hstate_sizelog: the default size (2 MB) or a size
  // arm64 has an hstate for with 4 KB pages (64 KB, 2 MB, 32 MB, 1 GB);
  // only 2 MB pages are ever in a pool here, the others' pools are empty.
  const int log = (flags >> kMapHugeShift) & kMapHugeMask;
  if (log != 0 && log != 16 && log != 21 && log != 25 && log != 30) return 0;
  const uint64_t size = log == 0 ? kHuge : uint64_t{1} << log;
  *len = (*len + size - 1) & ~(size - 1);  // wraps to 0 for huge lengths: EINVAL later
  return size;
}

int64_t HugePages::hugetlb_reserve(MappedObjectId object, uint64_t page_size, uint64_t len,
                                   bool noreserve) {
  HugetlbObject& h = m_st.hugetlb[object];
  h.page_size = page_size;
  if (noreserve) return 0;
  // hugetlb_reserve_pages -> hugetlb_acct_memory: the pool must hold
  // enough pages not promised to other mappings.
  const uint64_t pages = len / page_size;
  const uint64_t available = page_size == kHuge ? m_st.hugetlb_free.size() - m_st.hugetlb_resv : 0;
  if (available < pages) {
    m_st.hugetlb.erase(object);
    return err(Errno::kENOMEM);
  }
  for (uint64_t i = 0; i < pages; ++i)
    h.reserved.insert(i);
  m_st.hugetlb_resv += pages;
  return 0;
}

void HugePages::hugetlb_unreserve(const Vma& vma, uint64_t start, uint64_t end) {
  // hugetlb_vm_op_close: a private mapping gives back the reservations of
  // the pages it never faulted in (a shared one keeps them with the file).
  // Indices another VMA still maps keep theirs: mremap's copy of the VMA
  // inherits them (clear_vma_resv_huge_pages on the old one).
  if (vma.flags & vm::kMayShare) return;
  auto it = m_st.hugetlb.find(vma.object);
  if (it == m_st.hugetlb.end() || it->second.page_size != kHuge) return;
  const uint64_t first = vma.pgoff + ((start - vma.start.value()) >> arch::kPageShift);
  const uint64_t last = (first + ((end - start) >> arch::kPageShift)) / 512;  // exclusive
  // Only indices that hold a reservation (the cost follows the
  // reservations, not the length of the range).
  std::set<uint64_t>& reserved = it->second.reserved;
  for (auto r = reserved.lower_bound(first / 512); r != reserved.end() && *r < last;) {
    const uint64_t i = *r++;
    bool mapped_elsewhere = false;
    for (const auto& [pid, proc] : m_mm.processes())
      for (const auto& [s, v] : proc->vmas)
        if (v.object == vma.object && !(v.start == vma.start && &v == &vma) && v.pgoff / 512 <= i &&
            i < (v.pgoff + ((v.end - v.start) >> arch::kPageShift)) / 512)
          mapped_elsewhere = true;
    if (!mapped_elsewhere) m_st.hugetlb_resv -= reserved.erase(i);
  }
}

void HugePages::maybe_free_hugetlb(MappedObjectId object) {
  auto it = m_st.hugetlb.find(object);
  if (it == m_st.hugetlb.end()) return;
  for (const auto& [pid, proc] : m_mm.processes())
    for (const auto& [start, v] : proc->vmas)
      if (v.object == object) return;
  m_st.hugetlb_resv -= it->second.reserved.size();
  for (const auto& [index, page] : it->second.cache) {
    m_ctx.pages.meta(page).file = 0;
    hugetlb_put(page);
  }
  m_st.hugetlb.erase(it);
}

void HugePages::hugetlb_put(PhysAddr page) {
  // The last reference (mappings, and the file's cache for shared ones)
  // returns the page to the pool.
  const PageMeta& head = m_ctx.pages.meta(page);
  if (head.mapcount || head.file) return;
  m_st.hugetlb_free.push_back(page);
}

std::optional<PhysAddr> HugePages::hugetlb_alloc(HugetlbObject& h, uint64_t index, CostMeter& m) {
  // alloc_hugetlb_folio: a reserved index takes its reservation; otherwise
  // only a page nobody has reserved.
  const bool reserved = h.reserved.erase(index);
  if (reserved)
    m_st.hugetlb_resv--;
  else if (m_st.hugetlb_free.size() <= m_st.hugetlb_resv)
    return std::nullopt;
  const PhysAddr page = m_st.hugetlb_free.back();
  m_st.hugetlb_free.pop_back();
  m_ctx.mem.fill(page, 0, kHuge);
  for (uint64_t i = 0; i < FrameAllocator::kBlockFrames; ++i)
    m.page_zero(arch::kPageSize);
  m_ctx.stats.hugetlb_faults++;
  return page;
}

FaultOutcome HugePages::hugetlb_fault(Process& p, VmaSet::iterator it, VirtAddr va, bool write,
                                      CostMeter& m) {
  const Vma& vma = it->second;
  const VirtAddr haddr = va.align_down(kHuge);
  auto hit = m_st.hugetlb.find(vma.object);
  if (hit == m_st.hugetlb.end()) return FaultOutcome::kSigbus;
  HugetlbObject& h = hit->second;
  if (h.page_size != kHuge) return FaultOutcome::kSigbus;  // that size's pool is empty
  const uint64_t index = (vma.pgoff + ((haddr - vma.start) >> arch::kPageShift)) / 512;
  const bool shared = vma.flags & vm::kMayShare;
  auto pmd = p.page_table->lookup_or_alloc_pmd(haddr, m);
  if (!pmd) return m_reclaim.out_of_memory();
  if (pmd->desc.raw() != 0 && !PageTable::is_huge(pmd->desc)) return FaultOutcome::kSigbus;
  auto map = [&](PhysAddr page, bool writable) {
    PageTable::Leaf slot = *pmd;
    if (slot.desc.raw() != 0) {  // break-before-make
      p.page_table->set_leaf(slot, arch::Descriptor(), m);
      m_ctx.tlb.flush_page(p, haddr, m);
      slot.desc = arch::Descriptor();
    }
    m_ctx.pages.meta(page).mapcount++;
    p.page_table->set_leaf(slot, make_user_pmd(page, vma.flags, writable, true), m);
  };
  if (PageTable::is_huge(pmd->desc)) {
    const PhysAddr page = pmd->desc.output_address();
    const bool exclusive = m_ctx.pages.meta(page).mapcount <= 1;
    if (write && !shared && !exclusive) {
      // hugetlb_wp: copy the shared private page (no reservation: a page
      // nobody reserved, else SIGBUS).
      auto copy = hugetlb_alloc(h, ~uint64_t{0}, m);
      if (!copy) return FaultOutcome::kSigbus;
      std::vector<uint8_t> bytes(kHuge);
      m_ctx.mem.read(page, bytes.data(), bytes.size());
      m_ctx.mem.write(*copy, bytes.data(), bytes.size());
      for (uint64_t i = 0; i < FrameAllocator::kBlockFrames; ++i)
        m.page_copy(arch::kPageSize);
      m_ctx.pages.meta(page).mapcount--;
      hugetlb_put(page);
      map(*copy, true);
      return FaultOutcome::kRetry;
    }
    const bool writable = (vma.flags & vm::kWrite) && (shared || exclusive);
    const arch::Descriptor want = make_user_pmd(page, vma.flags, writable, true);
    if (!(want == pmd->desc)) p.page_table->set_leaf(*pmd, want, m);
    m_ctx.tlb.flush_page(p, va.align_down(arch::kPageSize), m);
    return FaultOutcome::kRetry;
  }
  // hugetlb_no_page: a shared mapping finds the page in its file first.
  if (shared) {
    auto cached = h.cache.find(index);
    if (cached == h.cache.end()) {
      auto page = hugetlb_alloc(h, index, m);
      if (!page) return FaultOutcome::kSigbus;
      cached = h.cache.emplace(index, *page).first;
      m_ctx.pages.meta(*page).file = vma.object;  // held by the file
    }
    map(cached->second, vma.flags & vm::kWrite);
    return FaultOutcome::kRetry;
  }
  m_mm.anon_vma_prepare(p, it);
  auto page = hugetlb_alloc(h, index, m);
  if (!page) return FaultOutcome::kSigbus;
  map(*page, write);  // a private read maps it read-only; the write reuses it
  return FaultOutcome::kRetry;
}

bool HugePages::hugetlb_split_ok(Process& p, uint64_t addr) {
  // hugetlb_vm_op_split: a hugetlb VMA splits only at a huge-page boundary.
  auto it = p.vmas.find(VirtAddr(addr));
  if (it == p.vmas.end() || !(it->second.flags & vm::kHugetlb)) return true;
  auto h = m_st.hugetlb.find(it->second.object);
  return addr % (h == m_st.hugetlb.end() ? kHuge : h->second.page_size) == 0;
}

}  // namespace mmusim::sw
