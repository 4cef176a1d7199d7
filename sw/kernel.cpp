#include "sw/kernel.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "model/arch/memattr.h"
#include "sw/kernel_impl.h"
#include "sw/kernel_stats.h"

namespace mmusim::sw {

namespace {

[[noreturn]] void bad_param(const char* field, const std::string& why) {
  throw std::invalid_argument(std::string(field) + ": " + why);
}

}  // namespace

void KernelCostParams::validate() const {
  // Costs are cycles per event; anything this large is a unit mistake.
  constexpr uint64_t kMax = 1'000'000'000;
  const std::pair<const char*, uint64_t> fields[] = {
      {"kernel.costs.syscall_cycles", syscall_cycles},
      {"kernel.costs.fault_cycles", fault_cycles},
      {"kernel.costs.vma_op_cycles", vma_op_cycles},
      {"kernel.costs.descriptor_write_cycles", descriptor_write_cycles},
      {"kernel.costs.page_zero_cycles", page_zero_cycles},
      {"kernel.costs.page_copy_cycles", page_copy_cycles},
      {"kernel.costs.frame_alloc_cycles", frame_alloc_cycles},
      {"kernel.costs.tlbi_cycles", tlbi_cycles},
      {"kernel.costs.file_read_cycles", file_read_cycles},
      {"kernel.costs.file_write_cycles", file_write_cycles},
  };
  for (const auto& [name, value] : fields)
    if (value > kMax) bad_param(name, "must be at most 1000000000 cycles");
}

void KernelParams::validate() const {
  if (!page_aligned(dram_base.value())) bad_param("kernel.dram_base", "must be a multiple of 4096");
  if (!page_aligned(dram_bytes) || dram_bytes < (uint64_t{1} << 20))
    bad_param("kernel.dram_bytes", "must be a multiple of 4096 and at least 1 MiB");
  if (dram_base.value() + dram_bytes < dram_base.value() ||
      dram_base.value() + dram_bytes > (uint64_t{1} << 48))
    bad_param("kernel.dram_bytes", "dram_base + dram_bytes must not exceed the 48-bit PA space");
  if (!page_aligned(heap_start.value()) || heap_start.value() >= kTaskSize)
    bad_param("kernel.heap_start", "must be a multiple of 4096 below 2^48");
  if (!page_aligned(mmap_min_addr.value()) || mmap_min_addr.value() >= kTaskSize)
    bad_param("kernel.mmap_min_addr", "must be a multiple of 4096 below 2^48");
  if (!page_aligned(mmap_base.value()) || mmap_base.value() > kTaskSize ||
      mmap_base <= mmap_min_addr)
    bad_param("kernel.mmap_base", "must be a multiple of 4096 in (mmap_min_addr, 2^48]");
  if (mair != 0) {
    const arch::MemAttr a = arch::decode_mair_attr(arch::mair_attr(mair, arch::mt::kNormal));
    if (a.type != arch::MemType::kNormalWriteBack || !a.well_formed)
      bad_param("kernel.mair", "attribute 0 must be Normal write-back (user pages use it)");
  }
  if (phys_mem_bytes != 0 && (!page_aligned(phys_mem_bytes) || phys_mem_bytes < kMinPhysMem ||
                              phys_mem_bytes > dram_bytes))
    bad_param("kernel.phys_mem",
              "must be 0 (all of DRAM) or a multiple of 4096 from 1 MiB (the kernel's minimum) up "
              "to the DRAM size");
  if (swap_bytes != 0 && (swap_bytes < arch::kPageSize || !page_aligned(swap_bytes)))
    bad_param("kernel.swap", "must be 0 (no swap) or a multiple of 4096, at least one page");
  if (!page_aligned(file_store_bytes))
    bad_param("kernel.file_store", "must be 0 (files in host memory) or a multiple of 4096");
  if (swap_bytes >> arch::kPageShift > 0xffff'ffffull)
    bad_param("kernel.swap", "at most 2^32 pages (16 TiB)");
  costs.validate();
}

std::string OomKill::describe() const {
  // As Linux's oom_kill_process report (mm/oom_kill.c __oom_kill_process).
  return "Out of memory: Killed process " + std::to_string(pid) +
         " total-vm:" + std::to_string(total_vm_kb) +
         "kB, anon-rss:" + std::to_string(anon_rss_kb) +
         "kB, file-rss:" + std::to_string(file_rss_kb) + "kB, swap:" + std::to_string(swap_kb) +
         "kB, pgtables:" + std::to_string(pgtables_kb) + "kB";
}

// ---- KernelImpl: processes, maps ----

namespace {
uint64_t frame_bytes(const KernelParams& p) {
  p.validate();
  return p.phys_mem_bytes ? p.phys_mem_bytes : p.dram_bytes;
}
uint64_t isqrt(uint64_t v) {
  uint64_t r = 0;
  while ((r + 1) * (r + 1) <= v)
    ++r;
  return r;
}
}  // namespace

KernelContext::KernelContext(const KernelParams& p, PhysMemory& m, MmuControl& mmu_control,
                             BackingStore* file_store, DeviceIo* io)
    : params(p),
      mem(m),
      mmu(mmu_control),
      tlb(mmu_control),
      frames(p.dram_base, frame_bytes(p)),
      pages(p.dram_base),
      own_store(file_store ? nullptr : std::make_unique<MemoryBackingStore>()),
      store(file_store ? file_store : own_store.get()),
      blkdrv(io, p.swap_device, p.swap_bytes + p.file_store_bytes) {}

KernelImpl::KernelImpl(const KernelParams& params, PhysMemory& mem, MmuControl& mmu,
                       BackingStore* store, DeviceIo* io)
    : m_ctx(params, mem, mmu, store, io),
      m_reclaim(params.dram_base, m_ctx.blkdrv, params.swap_bytes) {
  if ((params.swap_bytes || params.file_store_bytes) && !io)
    throw std::invalid_argument("kernel.swap: swap and the file store need a block device");
  // Watermarks as Linux calculate_min_free_kbytes + __setup_per_zone_wmarks
  // (one zone, watermark_scale_factor 10): min = sqrt(16 * memory in kB)
  // clamped to [128 kB, 256 MB]; low and high one and two steps above it.
  const uint64_t kb = m_ctx.frames.frames_total() * 4;
  const uint64_t min_kb = std::min<uint64_t>(std::max<uint64_t>(isqrt(kb * 16), 128), 262144);
  m_reclaim.wmark_min = min_kb / 4;
  const uint64_t step = std::max(m_reclaim.wmark_min / 4, m_ctx.frames.frames_total() * 10 / 10000);
  m_reclaim.wmark_low = m_reclaim.wmark_min + step;
  m_reclaim.wmark_high = m_reclaim.wmark_min + 2 * step;
  m_ctx.frames.set_low_hook(m_reclaim.wmark_min, [this] { direct_reclaim(); });
  m_ctx.mmu.set_mair(m_ctx.params.mair ? m_ctx.params.mair : arch::kLinuxMair);
  hugetlb_init();
  // The shared zero page (Linux ZERO_PAGE), allocated once at boot.
  m_ctx.zero_page = *m_ctx.frames.alloc();
  m_ctx.pages.meta(m_ctx.zero_page).kind = PageKind::kZero;
  m_ctx.mem.fill(m_ctx.zero_page, 0, arch::kPageSize);
  if (params.file_store_bytes) {
    // Files on the block device, after the swap area; one frame is the
    // kernel's bounce buffer for their transfers.
    const PhysAddr bounce = *m_ctx.frames.alloc();
    m_ctx.pages.meta(bounce).kind = PageKind::kTable;  // kernel-owned, never on an LRU
    m_ctx.dev_store = std::make_unique<DeviceBackingStore>(
        m_ctx.blkdrv, m_ctx.mem, bounce, params.swap_bytes >> arch::kPageShift,
        params.file_store_bytes >> arch::kPageShift);
    if (!store) m_ctx.store = m_ctx.dev_store.get();
  }
  m_ctx.stats.frames_in_use = m_ctx.frames.frames_in_use();
}

Process& KernelImpl::cur() {
  if (!m_as.current) throw std::logic_error("kernel: no process (call spawn() first)");
  return *m_as.tasks.at(m_as.current);
}

const Process& KernelImpl::cur() const {
  if (!m_as.current) throw std::logic_error("kernel: no process (call spawn() first)");
  return *m_as.tasks.at(m_as.current);
}

Pid KernelImpl::spawn() {
  if (m_as.next_asid > 0xffff) throw std::runtime_error("kernel: out of ASIDs (16 bits)");
  CostMeter m = meter();
  auto pt = PageTable::create(PtEnv{m_ctx.mem, m_ctx.frames}, m);
  if (!pt) throw std::runtime_error("kernel: no free frame for a new page-table root");
  auto proc = std::make_unique<Process>();
  proc->pid = m_as.next_pid++;
  proc->asid = Asid(static_cast<uint16_t>(m_as.next_asid++));
  proc->page_table = std::move(pt);
  if (m_ctx.params.contpte) enable_contpte(*proc);
  proc->users = 1;
  const Pid pid = proc->pid;
  m_as.tasks.emplace(pid, proc.get());
  m_as.procs.emplace(pid, std::move(proc));
  m_ctx.stats.frames_in_use = m_ctx.frames.frames_in_use();
  if (!m_as.current) switch_to(pid);
  return pid;
}

KernelCost KernelImpl::switch_to(Pid pid) {
  const Process* next = m_as.tasks.at(pid);
  const Process* prev = m_as.current ? m_as.tasks.at(m_as.current) : nullptr;
  m_as.current = pid;
  // switch_mm: threads of one mm share TTBR0 and ASID, nothing to write.
  // Other ASIDs' TLB entries stay (tagged), so nothing is flushed.
  if (next != prev) m_ctx.mmu.set_ttbr0(next->page_table->root(), next->asid);
  KernelCost cost;
  cost.cycles = Cycles(m_ctx.params.costs.syscall_cycles);
  return cost;
}

PhysAddr KernelImpl::page_table_root(Pid pid) const {
  return m_as.tasks.at(pid)->page_table->root();
}
Asid KernelImpl::asid_of(Pid pid) const {
  return m_as.tasks.at(pid)->asid;
}

KernelImpl::Syscall::Syscall(KernelImpl& kernel) : k(kernel), p(kernel.cur()), m(kernel.meter()) {
  m.syscall_entry();
  k.m_ctx.stats.syscalls++;
  m_vma_ops0 = p.vmas.ops();
}

SyscallResult KernelImpl::Syscall::done(int64_t value) {
  m.vma_ops(p.vmas.ops() - m_vma_ops0);
  SyscallResult r{value, m.cost()};
  k.boundary();  // may kill the caller (OOM): `p` is not used after this
  r.cost += k.m_reclaim.direct_cost;
  k.m_reclaim.direct_cost = KernelCost{};
  k.m_ctx.stats.frames_in_use = k.m_ctx.frames.frames_in_use();
  return r;
}

std::vector<VmaInfo> KernelImpl::maps() const {
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

// ---- Kernel: the public face ----

Kernel::Kernel(const KernelParams& params, PhysMemory& mem, MmuControl& mmu, BackingStore* store,
               DeviceIo* io)
    : m_impl(std::make_unique<KernelImpl>(params, mem, mmu, store, io)) {}
Kernel::~Kernel() = default;
Pid Kernel::spawn() {
  return m_impl->spawn();
}
KernelCost Kernel::switch_to(Pid pid) {
  return m_impl->switch_to(pid);
}
Pid Kernel::current() const {
  return m_impl->current();
}
SyscallResult Kernel::fork() {
  return m_impl->fork();
}
SyscallResult Kernel::clone_thread() {
  return m_impl->clone_thread();
}
SyscallResult Kernel::exit() {
  return m_impl->exit_task();
}
bool Kernel::exists(Pid pid) const {
  return m_impl->exists(pid);
}
SyscallResult Kernel::mmap(VirtAddr addr, uint64_t length, int prot, int flags, int fd,
                           uint64_t offset) {
  return m_impl->mmap(addr, length, prot, flags, fd, offset);
}
SyscallResult Kernel::munmap(VirtAddr addr, uint64_t length) {
  return m_impl->munmap(addr, length);
}
SyscallResult Kernel::mprotect(VirtAddr addr, uint64_t length, int prot) {
  return m_impl->mprotect(addr, length, prot);
}
SyscallResult Kernel::msync(VirtAddr addr, uint64_t length, int flags) {
  return m_impl->msync(addr, length, flags);
}
SyscallResult Kernel::mremap(VirtAddr old_addr, uint64_t old_length, uint64_t new_length, int flags,
                             VirtAddr new_addr) {
  return m_impl->mremap(old_addr, old_length, new_length, flags, new_addr);
}
SyscallResult Kernel::madvise(VirtAddr addr, uint64_t length, int advice) {
  return m_impl->madvise(addr, length, advice);
}
SyscallResult Kernel::create_file(const std::string& name, uint64_t size) {
  return m_impl->create_file(name, size);
}
SyscallResult Kernel::open(int fd, const std::string& name, int mode) {
  return m_impl->open(fd, name, mode);
}
SyscallResult Kernel::close(int fd) {
  return m_impl->close(fd);
}
SyscallResult Kernel::ftruncate(int fd, uint64_t size) {
  return m_impl->ftruncate(fd, size);
}
SyscallResult Kernel::pread(int fd, uint64_t offset, uint8_t* byte) {
  return m_impl->pread(fd, offset, byte);
}
SyscallResult Kernel::pwrite(int fd, uint64_t offset, uint8_t byte) {
  return m_impl->pwrite(fd, offset, byte);
}
FaultResult Kernel::handle_fault(const arch::FaultSyndrome& fault) {
  return m_impl->handle_fault(fault);
}
std::vector<VmaInfo> Kernel::maps() const {
  return m_impl->maps();
}
std::vector<SmapsInfo> Kernel::smaps() {
  return m_impl->smaps();
}
SyscallResult Kernel::brk(VirtAddr addr) {
  return m_impl->brk(addr);
}
const KernelStats& Kernel::stats() const {
  return m_impl->stats();
}
void KernelImpl::register_stats(stats::Group& kernel_group) const {
  const KernelStats& s = m_ctx.stats;
  register_core_stats(s, kernel_group);
  register_address_space_stats(s, kernel_group);
  register_page_cache_stats(s, kernel_group);
  register_reclaim_stats(s, kernel_group);
  register_huge_page_stats(s, kernel_group);
  m_ksm.register_stats(kernel_group);
}
void Kernel::register_stats(stats::Group& kernel_group) const {
  m_impl->register_stats(kernel_group);
}
const KernelParams& Kernel::params() const {
  return m_impl->params();
}
const std::vector<OomKill>& Kernel::oom_kills() const {
  return m_impl->oom_kills();
}
PhysAddr Kernel::page_table_root(Pid pid) const {
  return m_impl->page_table_root(pid);
}
Asid Kernel::asid(Pid pid) const {
  return m_impl->asid_of(pid);
}
PhysAddr Kernel::zero_page() const {
  return m_impl->zero_page();
}

}  // namespace mmusim::sw
