// Processes: fork (kernel/fork.c dup_mm/dup_mmap, mm/memory.c
// copy_page_range/copy_present_pte), threads (clone with CLONE_VM) and exit
// (exit_mmap). Each mm has its own level-0 table and ASID; ASIDs are never
// reused, so exit needs no TLB maintenance (Linux's allocator flushes on
// generation rollover instead).
#include "sw/kernel_impl.h"

namespace mmusim::sw {

namespace {

// is_cow_mapping(): private and potentially writable.
bool is_cow_mapping(VmFlags f) {
  return (f & (vm::kShared | vm::kMayWrite)) == vm::kMayWrite;
}

}  // namespace

bool KernelImpl::copy_page_range(Process& parent, Process& child, const Vma& vma, CostMeter& m) {
  if (vma.flags & vm::kPfnmap) return copy_pfnmap_range(parent, child, vma, m);  // io_remap.cpp
  // vma_needs_copy(): only VMAs with anonymous pages have entries worth
  // copying; file and shared pages are faulted in again from the cache.
  if (!vma.anon_vma) return true;
  const bool cow = is_cow_mapping(vma.flags);
  if (!copy_huge_pmds(parent, child, vma, m)) return false;
  std::vector<std::pair<VirtAddr, PageTable::Leaf>> leaves;
  parent.page_table->for_each_leaf(
      vma.start, vma.end,
      [&](VirtAddr va, const PageTable::Leaf& leaf) { leaves.emplace_back(va, leaf); }, m);
  for (const auto& [va, leaf] : leaves) {
    auto dst = child.page_table->lookup_or_alloc(va, m);
    if (!dst) return false;
    arch::Descriptor d = leaf.desc;
    if (is_swap_pte(d)) {  // copy_nonpresent_pte: the child shares the slot
      m_reclaim.swap.dup(swap_pte_slot(d));
      child.page_table->set_leaf(*dst, d, m);
      continue;
    }
    const PhysAddr page = d.output_address();
    const bool poison = d.raw() & (uint64_t{1} << kPtePoisonBit);
    const arch::PageAttrs a = d.valid() ? d.page_attrs() : arch::PageAttrs{};
    if (!poison && cow && d.valid() && (a.ap == arch::Ap::kRw || a.dbm)) {
      // copy_present_pte: write-protect both sides; the first write copies.
      note_pte_dirty(d);
      d = make_user_pte(page, vma.flags, false, d.af());
      parent.page_table->set_leaf(leaf, d, m);
    }
    if (page != m_ctx.zero_page && !poison) m_ctx.pages.meta(page).mapcount++;
    child.page_table->set_leaf(*dst, without_cont(d), m);  // refolded once the run is whole
  }
  return true;
}

SyscallResult KernelImpl::fork() {
  Syscall sc(*this);
  Process& parent = sc.p;
  CostMeter& m = sc.m;
  if (m_as.next_asid > 0xffff) return sc.done(err(Errno::kEAGAIN));
  auto pt = PageTable::create(PtEnv{m_ctx.mem, m_ctx.frames}, m);
  if (!pt) return sc.done(err(Errno::kENOMEM));
  auto child = std::make_unique<Process>();
  child->pid = m_as.next_pid++;
  child->asid = Asid(static_cast<uint16_t>(m_as.next_asid++));
  child->page_table = std::move(pt);
  if (m_ctx.params.contpte) enable_contpte(*child);
  child->users = 1;
  child->fds = parent.fds;  // the child shares the open file descriptions
  child->brk_start = parent.brk_start;
  child->brk = parent.brk;
  // dup_mmap: every VMA but VM_DONTCOPY ones; mlock is not inherited; each
  // VMA with anonymous pages gets an anon_vma of its own (anon_vma_fork).
  // The entries are copied from a list read up front: reclaim must not
  // change them meanwhile, so the tables the copy needs are reclaimed first
  // and direct reclaim is off during the copy (as Linux holds the locks).
  {
    CostMeter dm(m_ctx.params.costs, m_ctx.stats);
    const uint64_t need = parent.page_table->table_pages() + m_reclaim.wmark_min;
    if (m_ctx.frames.frames_free() < need) shrink(need - m_ctx.frames.frames_free(), true, dm);
    m_reclaim.direct_cost += dm.cost();
  }
  m_reclaim.no_reclaim++;
  bool ok = true;
  for (const auto& [start, v] : parent.vmas) {
    if (v.flags & vm::kDontcopy) continue;
    Vma c = v;
    c.flags &= ~vm::kLocked;
    if (c.anon_vma) c.anon_vma = m_as.next_anon_vma++;
    if (v.flags & vm::kWipeonfork) c.anon_vma = 0;
    child->vmas.insert(c);
    if (!(v.flags & vm::kWipeonfork) && !copy_page_range(parent, *child, v, m)) {
      ok = false;
      break;
    }
  }
  m_reclaim.no_reclaim--;
  // flush_tlb_mm(oldmm): the parent's writable entries were write-protected.
  m_ctx.tlb.flush_mm(parent, m);
  const Pid pid = child->pid;
  m.vma_ops(child->vmas.ops());
  if (!ok) {
    exit_mmap(*child, m);
    m_ctx.stats.frames_in_use = m_ctx.frames.frames_in_use();
    return sc.done(err(Errno::kENOMEM));
  }
  m_as.tasks.emplace(pid, child.get());
  m_as.procs.emplace(pid, std::move(child));
  return sc.done(pid);
}

SyscallResult KernelImpl::clone_thread() {
  Syscall sc(*this);
  Process& p = sc.p;
  const Pid pid = m_as.next_pid++;
  p.users++;
  m_as.tasks.emplace(pid, &p);
  return sc.done(pid);
}

void KernelImpl::exit_mmap(Process& p, CostMeter& m) {
  std::vector<FileId> files;
  std::vector<MappedObjectId> hugetlb;
  for (const auto& [start, v] : p.vmas) {
    if (v.file) files.push_back(v.file);
    if (v.flags & vm::kHugetlb) {
      hugetlb_unreserve(v, v.start.value(), v.end.value());
      hugetlb.push_back(v.object);
    }
  }
  TlbGather tlb(m_ctx.tlb, p);
  p.page_table->unmap_range(
      VirtAddr(0), VirtAddr(kTaskSize), tlb, [this](arch::Descriptor d) { release_page(d); }, m,
      [this](arch::Descriptor d) { release_block(d); });
  // No TLBI: the ASID dies with the mm and is never handed out again.
  while (!p.vmas.empty())
    p.vmas.erase(p.vmas.begin());
  m_ctx.frames.free(p.page_table->root());
  m.stats().page_table_pages--;
  p.fds.clear();
  for (FileId id : files)
    maybe_free_shmem(id);
  for (MappedObjectId id : hugetlb)
    maybe_free_hugetlb(id);
}

SyscallResult KernelImpl::exit_task() {
  Syscall sc(*this);
  Process& p = sc.p;
  CostMeter& m = sc.m;
  const Pid task = m_as.current;
  m_as.tasks.erase(task);
  m_as.current = 0;
  if (--p.users == 0) {
    Pid owner = 0;
    for (auto& [pid, proc] : m_as.procs)
      if (proc.get() == &p) owner = pid;
    exit_mmap(p, m);
    m_as.procs.erase(owner);
  }
  boundary();
  m_ctx.stats.frames_in_use = m_ctx.frames.frames_in_use();
  return SyscallResult{0, m.cost()};
}

}  // namespace mmusim::sw
