// Processes: fork (kernel/fork.c dup_mm/dup_mmap, mm/memory.c
// copy_page_range/copy_present_pte), threads (clone with CLONE_VM) and exit
// (exit_mmap). Each mm has its own level-0 table and ASID. An exit issues no
// TLB maintenance on one CPU: an ASID is handed out again only after a
// generation rollover, which flushes every CPU (sw/mm/asid.h). A kill that
// leaves other CPUs without their task flushes the mm everywhere first.
#include <stdexcept>

#include "sw/huge/huge_pages.h"
#include "sw/mm/address_spaces.h"
#include "sw/pagecache/page_cache.h"
#include "sw/reclaim/reclaim.h"

namespace mmusim::sw {

namespace {

// is_cow_mapping(): private and potentially writable.
bool is_cow_mapping(VmFlags f) {
  return (f & (vm::kShared | vm::kMayWrite)) == vm::kMayWrite;
}

}  // namespace

Process& AddressSpaces::cur() {
  if (!current()) throw std::logic_error("kernel: no process (call spawn() first)");
  return *m_st.tasks.at(current());
}

const Process& AddressSpaces::cur() const {
  if (!current()) throw std::logic_error("kernel: no process (call spawn() first)");
  return *m_st.tasks.at(current());
}

std::unique_ptr<Process> AddressSpaces::new_mm(std::unique_ptr<PageTable> table) {
  auto mm = std::make_unique<Process>();
  mm->pid = m_st.next_pid++;
  mm->page_table = std::move(table);
  if (m_ctx.params.contpte) m_huge.enable_contpte(*mm);
  mm->users = 1;
  return mm;
}

Pid AddressSpaces::spawn() {
  CostMeter m = m_ctx.meter();
  auto pt = PageTable::create(PtEnv{m_ctx.mem, m_ctx.frames}, m);
  if (!pt) throw std::runtime_error("kernel: no free frame for a new page-table root");
  auto proc = new_mm(std::move(pt));
  const Pid pid = proc->pid;
  m_st.tasks.emplace(pid, proc.get());
  m_st.procs.emplace(pid, std::move(proc));
  m_ctx.stats.frames_in_use = m_ctx.frames.frames_in_use();
  if (!current()) switch_to(pid);
  return pid;
}

KernelCost AddressSpaces::switch_to(Pid pid) {
  const unsigned cpu = m_ctx.cpu;
  Process* next = m_st.tasks.at(pid);
  // A task running on another CPU migrates: that CPU goes idle.
  for (Pid& c : m_st.current)
    if (c == pid && &c != &m_st.current[cpu]) c = 0;
  const Process* prev = current() ? m_st.tasks.at(current()) : nullptr;
  m_st.current[cpu] = pid;
  CostMeter m = m_ctx.meter();
  // switch_mm: threads of one mm share TTBR0 and ASID, nothing to write.
  // Other ASIDs' TLB entries stay (tagged); only an ASID rollover since this
  // CPU's last slow-path switch makes it flush its TLB.
  if (next != prev) {
    if (m_ctx.asids.check_and_switch_context(next->context_id, cpu)) {
      m_ctx.tlb.local_flush_all(cpu, m);
      // Nothing of any mm is left in this CPU's TLB.
      for (auto& [owner, proc] : m_st.procs)
        proc->mm_cpumask &= ~(uint64_t{1} << cpu);
    }
    next->mm_cpumask |= uint64_t{1} << cpu;
    m_ctx.mmus[cpu]->set_ttbr0(next->page_table->root(), next->asid());
  }
  KernelCost cost = m.cost();
  cost.cycles += Cycles(m_ctx.params.costs.syscall_cycles);
  return cost;
}

PhysAddr AddressSpaces::page_table_root(Pid pid) const {
  return m_st.tasks.at(pid)->page_table->root();
}
Asid AddressSpaces::asid(Pid pid) const {
  return m_st.tasks.at(pid)->asid();
}

bool AddressSpaces::copy_page_range(Process& parent, Process& child, const Vma& vma, CostMeter& m) {
  if (vma.flags & vm::kPfnmap) return copy_pfnmap_range(parent, child, vma, m);  // io_remap.cpp
  // vma_needs_copy(): only VMAs with anonymous pages have entries worth
  // copying; file and shared pages are faulted in again from the cache.
  if (!vma.anon_vma) return true;
  const bool cow = is_cow_mapping(vma.flags);
  if (!m_huge.copy_huge_pmds(parent, child, vma, m)) return false;
  std::vector<std::pair<VirtAddr, PageTable::Leaf>> leaves;
  parent.page_table->for_each_leaf(
      vma.start, vma.end,
      [&](VirtAddr va, const PageTable::Leaf& leaf) { leaves.emplace_back(va, leaf); }, m);
  for (const auto& [va, leaf] : leaves) {
    auto dst = child.page_table->lookup_or_alloc(va, m);
    if (!dst) return false;
    arch::Descriptor d = leaf.desc;
    if (is_swap_pte(d)) {  // copy_nonpresent_pte: the child shares the slot
      m_reclaim.swap().dup(swap_pte_slot(d));
      child.page_table->set_leaf(*dst, d, m);
      continue;
    }
    const PhysAddr page = d.output_address();
    const bool poison = d.raw() & (uint64_t{1} << kPtePoisonBit);
    const arch::PageAttrs a = d.valid() ? d.page_attrs() : arch::PageAttrs{};
    if (!poison && cow && d.valid() && (a.ap == arch::Ap::kRw || a.dbm)) {
      // copy_present_pte: write-protect both sides; the first write copies.
      m_reclaim.note_pte_dirty(d);
      d = make_user_pte(page, vma.flags, false, d.af());
      parent.page_table->set_leaf(leaf, d, m);
    }
    if (page != m_ctx.zero_page && !poison) m_ctx.pages.meta(page).mapcount++;
    child.page_table->set_leaf(*dst, without_cont(d), m);  // refolded once the run is whole
  }
  return true;
}

int64_t AddressSpaces::fork(Process& parent, CostMeter& m) {
  auto pt = PageTable::create(PtEnv{m_ctx.mem, m_ctx.frames}, m);
  if (!pt) return err(Errno::kENOMEM);
  auto child = new_mm(std::move(pt));
  child->fds = parent.fds;  // the child shares the open file descriptions
  child->brk_start = parent.brk_start;
  child->brk = parent.brk;
  // dup_mmap: every VMA but VM_DONTCOPY ones; mlock is not inherited; each
  // VMA with anonymous pages gets an anon_vma of its own (anon_vma_fork).
  // The entries are copied from a list read up front: reclaim must not
  // change them meanwhile, so the tables the copy needs are reclaimed first
  // and direct reclaim is off during the copy (as Linux holds the locks).
  m_reclaim.make_room(parent.page_table->table_pages());
  m_reclaim.suspend_direct();
  bool ok = true;
  for (const auto& [start, v] : parent.vmas) {
    if (v.flags & vm::kDontcopy) continue;
    Vma c = v;
    c.flags &= ~vm::kLocked;
    if (c.anon_vma) c.anon_vma = m_st.next_anon_vma++;
    if (v.flags & vm::kWipeonfork) c.anon_vma = 0;
    child->vmas.insert(c);
    if (!(v.flags & vm::kWipeonfork) && !copy_page_range(parent, *child, v, m)) {
      ok = false;
      break;
    }
  }
  m_reclaim.resume_direct();
  // flush_tlb_mm(oldmm): the parent's writable entries were write-protected.
  m_ctx.tlb.flush_mm(parent, m);
  const Pid pid = child->pid;
  m.vma_ops(child->vmas.ops());
  if (!ok) {
    exit_mmap(*child, m);
    m_ctx.stats.frames_in_use = m_ctx.frames.frames_in_use();
    return err(Errno::kENOMEM);
  }
  m_st.tasks.emplace(pid, child.get());
  m_st.procs.emplace(pid, std::move(child));
  return pid;
}

int64_t AddressSpaces::clone_thread(Process& p, CostMeter& /*m*/) {
  const Pid pid = m_st.next_pid++;
  p.users++;
  m_st.tasks.emplace(pid, &p);
  return pid;
}

void AddressSpaces::exit_mmap(Process& p, CostMeter& m) {
  std::vector<FileId> files;
  std::vector<MappedObjectId> hugetlb;
  for (const auto& [start, v] : p.vmas) {
    if (v.file) files.push_back(v.file);
    if (v.flags & vm::kHugetlb) {
      m_huge.hugetlb_unreserve(v, v.start.value(), v.end.value());
      hugetlb.push_back(v.object);
    }
  }
  TlbGather tlb(m_ctx.tlb, p);
  p.page_table->unmap_range(
      VirtAddr(0), VirtAddr(kTaskSize), tlb, [this](arch::Descriptor d) { release_page(d); }, m,
      [this](arch::Descriptor d) { m_huge.release_block(d); });
  // No TLBI: the ASID is reused only after a rollover, which flushes every CPU.
  while (!p.vmas.empty())
    p.vmas.erase(p.vmas.begin());
  m_ctx.frames.free(p.page_table->root());
  m.stats().page_table_pages--;
  p.fds.clear();
  for (FileId id : files)
    m_pc.maybe_free_shmem(id);
  for (MappedObjectId id : hugetlb)
    m_huge.maybe_free_hugetlb(id);
}

void AddressSpaces::exit_task(Process& p, CostMeter& m) {
  const Pid task = current();
  m_st.tasks.erase(task);
  m_st.current[m_ctx.cpu] = 0;
  if (--p.users == 0) {
    Pid owner = 0;
    for (auto& [pid, proc] : m_st.procs)
      if (proc.get() == &p) owner = pid;
    exit_mmap(p, m);
    m_st.procs.erase(owner);
  }
}

void AddressSpaces::kill_process(Process& p) {
  CostMeter m = m_ctx.meter();
  Pid owner = 0;
  for (auto& [pid, proc] : m_st.procs)
    if (proc.get() == &p) owner = pid;
  // The other CPUs running one of its tasks (threads, or the process itself
  // when another CPU's fault killed it) go on issuing accesses until they
  // fault: their TLBs must not keep its translations, nor their TTBR0 its
  // tables, whose frames are freed and reused.
  std::vector<unsigned> orphaned;
  for (unsigned c = 0; c < m_st.current.size(); ++c)
    if (c != m_ctx.cpu && m_st.current[c] && m_st.tasks.at(m_st.current[c]) == &p)
      orphaned.push_back(c);
  if (!orphaned.empty()) m_ctx.tlb.flush_mm(p, m);  // TLBI ASIDE1IS; DSB ISH
  for (auto it = m_st.tasks.begin(); it != m_st.tasks.end();)
    it = it->second == &p ? m_st.tasks.erase(it) : std::next(it);
  for (Pid& c : m_st.current)
    if (c && !m_st.tasks.count(c)) c = 0;
  exit_mmap(p, m);
  m_st.procs.erase(owner);
  if (orphaned.empty()) return;
  if (!m_st.reserved_ttbr0) {
    // The exit just freed at least the mm's own level-0 table.
    m_st.reserved_ttbr0 = m_ctx.frames.alloc();
    if (!m_st.reserved_ttbr0)
      throw std::logic_error("kernel: no frame for the reserved TTBR0 table after a kill");
    m_ctx.mem.fill(*m_st.reserved_ttbr0, 0, arch::kPageSize);
  }
  // ASID 0 is never allocated to an mm (sw/mm/asid.h), as Linux's reserved one.
  for (unsigned c : orphaned)
    m_ctx.mmus[c]->set_ttbr0(*m_st.reserved_ttbr0, Asid(0));
}

}  // namespace mmusim::sw
