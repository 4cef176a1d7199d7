#include "sw/kernel.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "model/arch/memattr.h"
#include "sw/huge/huge_pages.h"
#include "sw/kernel_context.h"
#include "sw/kernel_stats.h"
#include "sw/ksm/ksm.h"
#include "sw/mm/address_spaces.h"
#include "sw/pagecache/page_cache.h"
#include "sw/reclaim/reclaim.h"
#include "sw/syscall.h"

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
      {"kernel.costs.ipi_entry_cycles", ipi_entry_cycles},
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
  if (page_colours == 0 || (page_colours & (page_colours - 1)) != 0 || page_colours > 65536)
    bad_param("kernel.page_colours", "must be a power of two from 1 (off) to 65536");
  if (swap_bytes >> arch::kPageShift > 0xffff'ffffull)
    bad_param("kernel.swap", "at most 2^32 pages (16 TiB)");
  if (cpus < 1 || cpus > kMaxCpus) bad_param("kernel.cpus", "must be 1 to 64");
  if (asid_bits != 8 && asid_bits != 16) bad_param("kernel.asid_bits", "must be 8 or 16");
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

// ---- The shared context ----

namespace {
uint64_t frame_bytes(const KernelParams& p) {
  p.validate();
  return p.phys_mem_bytes ? p.phys_mem_bytes : p.dram_bytes;
}
}  // namespace

namespace {
std::vector<MmuControl*> checked_mmus(const KernelParams& p, std::vector<MmuControl*> mmus,
                                      const ports::TlbMaintenance* tlb_hw) {
  p.validate();
  if (mmus.size() != p.cpus || std::count(mmus.begin(), mmus.end(), nullptr))
    bad_param("kernel.cpus", std::to_string(p.cpus) + " CPUs need as many MMUs (got " +
                                 std::to_string(mmus.size()) + ")");
  if (tlb_hw ? tlb_hw->cpus() != p.cpus : p.cpus != 1)
    bad_param("kernel.cpus",
              std::to_string(p.cpus) + " CPUs need a TLB-maintenance port covering as many");
  return mmus;
}
}  // namespace

KernelContext::KernelContext(const KernelParams& p, PhysMemory& m,
                             std::vector<MmuControl*> mmu_list, ports::TlbMaintenance* hw,
                             BackingStore* file_store, DeviceIo* io)
    : params(p),
      mem(m),
      mmus(checked_mmus(p, std::move(mmu_list), hw)),
      own_tlb_hw(hw ? nullptr : std::make_unique<ports::SingleCoreTlbMaintenance>(*mmus[0])),
      tlb_hw(hw ? *hw : *own_tlb_hw),
      asids(p.asid_bits, p.cpus, stats),
      tlb(tlb_hw, params, cpu),
      frames(p.dram_base, frame_bytes(p)),
      pages(p.dram_base),
      own_store(file_store ? nullptr : std::make_unique<MemoryBackingStore>()),
      store(file_store ? file_store : own_store.get()),
      blkdrv(io, p.swap_device, p.swap_bytes + p.file_store_bytes) {}

// ---- Kernel: the context and the subsystems, wired ----

// Each subsystem gets references to the ones it calls (its header says
// which and why). No constructor calls another subsystem; a reference to a
// part constructed later is only stored. AddressSpaces comes first after the
// context, so that every reference bound to it (KsmHost& among them) names
// a constructed object.
struct Kernel::Parts {
  Parts(const KernelParams& params, PhysMemory& mem, std::vector<MmuControl*> mmus,
        ports::TlbMaintenance* tlb, BackingStore* store, DeviceIo* io)
      : ctx(params, mem, std::move(mmus), tlb, store, io),
        mm(ctx, page_cache, reclaim, huge, ksm),
        reclaim(ctx, mm, page_cache, huge),
        page_cache(ctx, mm, reclaim),
        huge(ctx, mm, reclaim),
        ksm(ctx, mm) {}
  // Kernel calls in progress (Entered): at most one. The cores' threads
  // interleave only when one waits, and no kernel call may.
  unsigned entered = 0;
  KernelContext ctx;
  AddressSpaces mm;
  Reclaim reclaim;
  PageCache page_cache;
  HugePages huge;
  Ksm ksm;
};

Kernel::Kernel(const KernelParams& params, PhysMemory& mem, MmuControl& mmu, BackingStore* store,
               DeviceIo* io)
    : m_parts(std::make_unique<Parts>(params, mem, std::vector<MmuControl*>{&mmu}, nullptr, store,
                                      io)) {
  boot(store, io);
}

Kernel::Kernel(const KernelParams& params, PhysMemory& mem, std::vector<MmuControl*> mmus,
               ports::TlbMaintenance& tlb, BackingStore* store, DeviceIo* io)
    : m_parts(std::make_unique<Parts>(params, mem, std::move(mmus), &tlb, store, io)) {
  boot(store, io);
}

void Kernel::set_cpu(unsigned cpu) {
  if (cpu >= m_parts->ctx.params.cpus)
    throw std::out_of_range("kernel: cpu " + std::to_string(cpu) + " does not exist (" +
                            std::to_string(m_parts->ctx.params.cpus) + " CPUs)");
  // Not in the middle of a call: the call would go on as another CPU's.
  if (m_parts->entered)
    throw std::logic_error("kernel: set_cpu(" + std::to_string(cpu) +
                           ") while a kernel call is in progress");
  m_parts->ctx.cpu = cpu;
}

unsigned Kernel::cpu() const {
  return m_parts->ctx.cpu;
}

void Kernel::boot(BackingStore* store, DeviceIo* io) {
  KernelContext& ctx = m_parts->ctx;
  const KernelParams& params = ctx.params;
  if ((params.swap_bytes || params.file_store_bytes) && !io)
    throw std::invalid_argument("kernel.swap: swap and the file store need a block device");
  for (MmuControl* mmu : ctx.mmus)
    mmu->set_mair(ctx.params.mair ? ctx.params.mair : arch::kLinuxMair);
  ctx.frames.set_colours(params.page_colours);
  m_parts->huge.hugetlb_init();
  // The shared zero page (Linux ZERO_PAGE), allocated once at boot.
  ctx.zero_page = *ctx.frames.alloc();
  ctx.pages.meta(ctx.zero_page).kind = PageKind::kZero;
  ctx.mem.fill(ctx.zero_page, 0, arch::kPageSize);
  if (params.file_store_bytes) {
    // Files on the block device, after the swap area; one frame is the
    // kernel's bounce buffer for their transfers.
    const PhysAddr bounce = *ctx.frames.alloc();
    ctx.pages.meta(bounce).kind = PageKind::kTable;  // kernel-owned, never on an LRU
    ctx.dev_store = std::make_unique<DeviceBackingStore>(
        ctx.blkdrv, ctx.mem, bounce, params.swap_bytes >> arch::kPageShift,
        params.file_store_bytes >> arch::kPageShift);
    if (!store) ctx.store = ctx.dev_store.get();
  }
  ctx.stats.frames_in_use = ctx.frames.frames_in_use();
}

Kernel::~Kernel() = default;

namespace {
// The re-entry guard of the facade (design notes 3.2): a kernel call that
// waited would let another core's thread in, onto half-updated state.
class Entered {
 public:
  explicit Entered(unsigned& depth) : m_depth(depth) {
    if (m_depth)
      throw std::logic_error(
          "kernel: entered while a kernel call is in progress (a kernel call waited, or a "
          "port called back into the kernel)");
    ++m_depth;
  }
  ~Entered() { --m_depth; }
  Entered(const Entered&) = delete;
  Entered& operator=(const Entered&) = delete;

 private:
  unsigned& m_depth;
};
}  // namespace

template <typename Subsystem, typename... Params, typename... Args>
SyscallResult Kernel::syscall(Subsystem& sub,
                              int64_t (Subsystem::*body)(Process&, CostMeter&, Params...),
                              Args&&... args) {
  Entered guard(m_parts->entered);
  Syscall sc(m_parts->ctx, m_parts->mm, m_parts->reclaim);
  return sc.done((sub.*body)(sc.p, sc.m, std::forward<Args>(args)...));
}

// ---- The system-call table: which subsystem runs each call ----

SyscallResult Kernel::fork() {
  return syscall(m_parts->mm, &AddressSpaces::fork);
}
SyscallResult Kernel::clone_thread() {
  return syscall(m_parts->mm, &AddressSpaces::clone_thread);
}
SyscallResult Kernel::exit() {
  Entered guard(m_parts->entered);
  Syscall sc(m_parts->ctx, m_parts->mm, m_parts->reclaim);
  m_parts->mm.exit_task(sc.p, sc.m);
  return sc.exited();
}
SyscallResult Kernel::mmap(VirtAddr addr, uint64_t length, int prot, int flags, int fd,
                           uint64_t offset) {
  return syscall(m_parts->mm, &AddressSpaces::mmap, addr, length, prot, flags, fd, offset);
}
SyscallResult Kernel::munmap(VirtAddr addr, uint64_t length) {
  return syscall(m_parts->mm, &AddressSpaces::munmap, addr, length);
}
SyscallResult Kernel::mprotect(VirtAddr addr, uint64_t length, int prot) {
  return syscall(m_parts->mm, &AddressSpaces::mprotect, addr, length, prot);
}
SyscallResult Kernel::mremap(VirtAddr old_addr, uint64_t old_length, uint64_t new_length, int flags,
                             VirtAddr new_addr) {
  return syscall(m_parts->mm, &AddressSpaces::mremap, old_addr, old_length, new_length, flags,
                 new_addr);
}
SyscallResult Kernel::madvise(VirtAddr addr, uint64_t length, int advice) {
  return syscall(m_parts->mm, &AddressSpaces::madvise, addr, length, advice);
}
SyscallResult Kernel::brk(VirtAddr addr) {
  return syscall(m_parts->mm, &AddressSpaces::brk, addr);
}
SyscallResult Kernel::io_remap(VirtAddr addr, uint64_t length, int prot, int flags,
                               const IoRegion& device, uint64_t offset) {
  return syscall(m_parts->mm, &AddressSpaces::io_remap, addr, length, prot, flags, device, offset);
}
SyscallResult Kernel::msync(VirtAddr addr, uint64_t length, int flags) {
  return syscall(m_parts->page_cache, &PageCache::msync, addr, length, flags);
}
SyscallResult Kernel::create_file(const std::string& name, uint64_t size) {
  return syscall(m_parts->page_cache, &PageCache::create_file, name, size);
}
SyscallResult Kernel::open(int fd, const std::string& name, int mode) {
  return syscall(m_parts->page_cache, &PageCache::open, fd, name, mode);
}
SyscallResult Kernel::close(int fd) {
  return syscall(m_parts->page_cache, &PageCache::close, fd);
}
SyscallResult Kernel::ftruncate(int fd, uint64_t size) {
  return syscall(m_parts->page_cache, &PageCache::ftruncate, fd, size);
}
SyscallResult Kernel::pread(int fd, uint64_t offset, uint8_t* byte) {
  return syscall(m_parts->page_cache, &PageCache::pread, fd, offset, byte);
}
SyscallResult Kernel::pwrite(int fd, uint64_t offset, uint8_t byte) {
  return syscall(m_parts->page_cache, &PageCache::pwrite, fd, offset, byte);
}

FaultResult Kernel::handle_fault(const arch::FaultSyndrome& fault) {
  Entered guard(m_parts->entered);
  return m_parts->mm.handle_fault(fault);
}

// ---- The subsystems and the counters ----

AddressSpaces& Kernel::mm() {
  return m_parts->mm;
}
const AddressSpaces& Kernel::mm() const {
  return m_parts->mm;
}
PageCache& Kernel::page_cache() {
  return m_parts->page_cache;
}
Reclaim& Kernel::reclaim() {
  return m_parts->reclaim;
}
const Reclaim& Kernel::reclaim() const {
  return m_parts->reclaim;
}
HugePages& Kernel::huge_pages() {
  return m_parts->huge;
}
Ksm& Kernel::ksm() {
  return m_parts->ksm;
}
const KernelStats& Kernel::stats() const {
  return m_parts->ctx.stats;
}
void Kernel::register_stats(stats::Group& kernel_group) const {
  register_core_stats(m_parts->ctx.stats, kernel_group);
  register_tlb_stats(m_parts->ctx.stats, kernel_group);
  m_parts->mm.register_stats(kernel_group);
  m_parts->page_cache.register_stats(kernel_group);
  m_parts->reclaim.register_stats(kernel_group);
  m_parts->huge.register_stats(kernel_group);
  m_parts->ksm.register_stats(kernel_group);
}
const KernelParams& Kernel::params() const {
  return m_parts->ctx.params;
}

}  // namespace mmusim::sw
