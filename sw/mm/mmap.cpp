// mmap and munmap with Linux 6.x's checks, in Linux's order: arm64
// sys_mmap, ksys_mmap_pgoff, do_mmap, __get_unmapped_area,
// generic_get_unmapped_area_topdown, mmap_region; __vm_munmap,
// do_vmi_munmap, do_vmi_align_munmap.
#include <algorithm>

#include "sw/huge/huge_pages.h"
#include "sw/mm/address_spaces.h"
#include "sw/pagecache/page_cache.h"
#include "sw/reclaim/reclaim.h"

namespace mmusim::sw {

namespace {

// LEGACY_MAP_MASK: the flags MAP_SHARED_VALIDATE accepts for files.
constexpr int kLegacyMapMask =
    abi::kMapShared | abi::kMapPrivate | abi::kMapFixed | abi::kMapAnonymous |
    0x0800 /* DENYWRITE */ | 0x1000 /* EXECUTABLE */ | 0x4000000 /* UNINITIALIZED */ |
    abi::kMapGrowsdown | abi::kMapLocked | abi::kMapNoreserve | abi::kMapPopulate |
    0x10000 /* NONBLOCK */ | 0x20000 /* STACK */ | 0x40000 /* HUGETLB */;

// calc_vm_prot_bits(): PROT_* to VM_* (same bit values).
VmFlags prot_to_vm(int prot) {
  return static_cast<VmFlags>(prot) & vm::kAccessFlags;
}

uint64_t vm_start_gap(const Vma& v) {
  if (!(v.flags & vm::kGrowsdown)) return v.start.value();
  return v.start.value() > kStackGuardGap ? v.start.value() - kStackGuardGap : 0;
}

}  // namespace

int64_t AddressSpaces::do_mmap_checks(const Process& p, uint64_t& addr, uint64_t& len, int& flags,
                                      uint64_t pgoff) const {
  if (len == 0) return err(Errno::kEINVAL);
  if (flags & abi::kMapFixedNoreplace) flags |= abi::kMapFixed;
  if (!(flags & abi::kMapFixed)) {
    // round_hint_to_min()
    addr &= kPageMask;
    if (addr && addr < m_ctx.params.mmap_min_addr.value())
      addr = m_ctx.params.mmap_min_addr.value();
  }
  if (len > ~uint64_t{0} - (arch::kPageSize - 1)) return err(Errno::kENOMEM);
  len = page_align(len);
  if (pgoff + (len >> arch::kPageShift) < pgoff) return err(Errno::kEOVERFLOW);
  if (p.vmas.size() > kMaxMapCount) return err(Errno::kENOMEM);
  return 0;
}

int64_t AddressSpaces::mmap(Process& p, CostMeter& m, VirtAddr addr_in, uint64_t len, int prot,
                            int flags, int fd, uint64_t offset) {
  // arch/arm64/kernel/sys.c: the byte offset must be page aligned.
  if (!page_aligned(offset)) return err(Errno::kEINVAL);
  // ksys_mmap_pgoff: a file mapping needs an open file.
  std::shared_ptr<OpenFile> file;
  Inode* inode = nullptr;
  if (!(flags & abi::kMapAnonymous)) {
    file = m_pc.fd_file(p, fd);
    if (file) inode = m_pc.files().get(file->inode);
    if (!inode) return err(Errno::kEBADF);
  }

  // ksys_mmap_pgoff: MAP_HUGETLB anonymous memory is a hugetlbfs file of
  // its own, the length rounded up to its page size.
  uint64_t huge_size = 0;
  if ((flags & abi::kMapAnonymous) && (flags & abi::kMapHugetlb)) {
    huge_size = m_huge.hugetlb_page_size(flags, &len);
    if (!huge_size) return err(Errno::kEINVAL);
  }

  // do_mmap.
  uint64_t addr = addr_in.value();
  uint64_t pgoff = offset >> arch::kPageShift;
  if (const int64_t e = do_mmap_checks(p, addr, len, flags, pgoff)) return e;

  VmFlags vm_flags = prot_to_vm(prot);
  if (flags & abi::kMapGrowsdown) vm_flags |= vm::kGrowsdown;
  if (flags & abi::kMapLocked) vm_flags |= vm::kLocked;
  int64_t error = 0;
  std::optional<uint64_t> area;
  if (huge_size) {
    // hugetlb_get_unmapped_area: MAP_FIXED must be aligned, a hint is
    // aligned up, a search returns an aligned address.
    if ((flags & abi::kMapFixed) && addr % huge_size) return err(Errno::kEINVAL);
    if (!(flags & abi::kMapFixed) && addr) addr = (addr + huge_size - 1) & ~(huge_size - 1);
    const uint64_t slack = flags & abi::kMapFixed ? 0 : huge_size - arch::kPageSize;
    if (len > kTaskSize - slack) return err(Errno::kENOMEM);
    area = get_unmapped_area(p, addr, len + slack, flags, vm_flags, &error);
    if (area) area = (*area + huge_size - 1) & ~(huge_size - 1);
  } else {
    area = get_unmapped_area(p, addr, len, flags, vm_flags, &error);
  }
  if (!area) return error;
  addr = *area;
  if ((flags & abi::kMapFixedNoreplace) &&
      p.vmas.find_intersection(VirtAddr(addr), VirtAddr(addr + len)) != p.vmas.end())
    return err(Errno::kEEXIST);

  vm_flags |= vm::kMayRead | vm::kMayWrite | vm::kMayExec;
  // MAP_LOCKED: can_do_mlock() and the RLIMIT_MEMLOCK check are not
  // modelled (the simulated process is privileged).
  MappedObjectId object = 0;
  FileId file_id = 0;
  std::string name;
  if (file) {
    // file_mmap_ok(): the mapping must end within MAX_LFS_FILESIZE.
    if (len > kMaxFileSize || pgoff > ((kMaxFileSize - len) >> arch::kPageShift))
      return err(Errno::kEOVERFLOW);
    switch (flags & abi::kMapTypeMask) {
      case abi::kMapShared:
      case abi::kMapSharedValidate:
        // MAP_SHARED ignores unknown flags; MAP_SHARED_VALIDATE refuses
        // those outside LEGACY_MAP_MASK (EOPNOTSUPP).
        if ((flags & abi::kMapTypeMask) == abi::kMapSharedValidate && (flags & ~kLegacyMapMask))
          return err(Errno::kEOPNOTSUPP);
        if ((prot & abi::kProtWrite) && !file->writable) return err(Errno::kEACCES);
        vm_flags |= vm::kShared | vm::kMayShare;
        if (!file->writable) vm_flags &= ~(vm::kMayWrite | vm::kShared);
        [[fallthrough]];
      case abi::kMapPrivate:
        if (!file->readable) return err(Errno::kEACCES);
        if (vm_flags & vm::kGrowsdown) return err(Errno::kEINVAL);
        break;
      default:
        return err(Errno::kEINVAL);
    }
    object = file->id;
    file_id = inode->id;
    name = inode->name;
  } else if (huge_size) {
    // hugetlbfs_file_mmap: VM_HUGETLB | VM_DONTEXPAND, never accounted.
    switch (flags & abi::kMapTypeMask) {
      case abi::kMapShared:
      case abi::kMapSharedValidate:
        vm_flags |= vm::kShared | vm::kMayShare;
        [[fallthrough]];
      case abi::kMapPrivate:
        if (vm_flags & vm::kGrowsdown) return err(Errno::kEINVAL);
        break;
      default:
        return err(Errno::kEINVAL);
    }
    vm_flags |= vm::kHugetlb | vm::kDontexpand;
    pgoff = 0;
    object = m_pc.files().new_object();
    name = "/anon_hugepage (deleted)";
  } else
    switch (flags & abi::kMapTypeMask) {
      case abi::kMapShared:
        if (vm_flags & vm::kGrowsdown) return err(Errno::kEINVAL);
        // Shared anonymous memory is a shmem object of its own (shmem_zero_setup).
        pgoff = 0;
        vm_flags |= vm::kShared | vm::kMayShare;
        name = "[shared-anon]";
        break;
      case abi::kMapDroppable:
        // 64-bit Linux: private memory the kernel may drop under pressure
        // (never here), neither locked, huge, a stack, reserved, inherited
        // by fork nor dumped.
        if ((flags & (abi::kMapLocked | abi::kMapHugetlb)) || (vm_flags & vm::kGrowsdown))
          return err(Errno::kEINVAL);
        vm_flags |= vm::kDroppable | vm::kNoreserve | vm::kWipeonfork | vm::kDontdump;
        [[fallthrough]];
      case abi::kMapPrivate:
        pgoff = addr >> arch::kPageShift;  // for anon_vma: pgoff follows the address
        break;
      default:  // MAP_SHARED_VALIDATE is not accepted for anonymous memory
        return err(Errno::kEINVAL);
    }
  if (flags & abi::kMapNoreserve) vm_flags |= vm::kNoreserve;  // overcommit is not "never"

  // mmap_region: a MAP_FIXED mapping replaces what was there.
  if (const int64_t r = do_munmap(p, addr, addr + len, m); r < 0) return r;
  if (huge_size) {
    if (const int64_t r = m_huge.hugetlb_reserve(object, huge_size, len, vm_flags & vm::kNoreserve);
        r < 0)
      return r;
  } else if ((vm_flags & vm::kShared) && !file) {
    // shmem_zero_setup: shared anonymous memory is a shmem object of its own.
    Inode& shm = m_pc.files().create("", true);
    shm.size = len;
    object = m_pc.files().open(shm, true, true)->id;
    file_id = shm.id;
  }
  // accountable_mapping(): private writable memory is charged (VM_ACCOUNT).
  if ((vm_flags & (vm::kNoreserve | vm::kShared | vm::kWrite | vm::kHugetlb)) == vm::kWrite)
    vm_flags |= vm::kAccount;

  Vma v;
  v.start = VirtAddr(addr);
  v.end = VirtAddr(addr + len);
  v.flags = vm_flags;
  v.pgoff = pgoff;
  v.object = object;
  v.file = file_id;
  v.name = name;
  if (object && !file)
    p.vmas.insert(v);  // a new shmem or hugetlbfs object never merges
  else
    p.vmas.insert_merged(v);

  // MAP_POPULATE (or VM_LOCKED) prefaults the range; failures are ignored.
  if ((vm_flags & vm::kLocked) || (flags & abi::kMapPopulate)) populate(p, addr, addr + len, m);
  return static_cast<int64_t>(addr);
}

std::optional<uint64_t> AddressSpaces::get_unmapped_area(Process& p, uint64_t addr, uint64_t len,
                                                         int flags, VmFlags /*vm_flags*/,
                                                         int64_t* error) {
  // __get_unmapped_area
  if (len > kTaskSize) {
    *error = err(Errno::kENOMEM);
    return std::nullopt;
  }
  // generic_get_unmapped_area_topdown (arm64: mmap_end is TASK_SIZE)
  const uint64_t mmap_end = kTaskSize;
  const uint64_t min_addr = m_ctx.params.mmap_min_addr.value();
  std::optional<uint64_t> result;
  if (len > mmap_end - min_addr) {
    *error = err(Errno::kENOMEM);
    return std::nullopt;
  }
  if (flags & abi::kMapFixed) {
    result = addr;
  } else {
    if (addr) {
      addr = (addr + arch::kPageSize - 1) & kPageMask;
      auto next = p.vmas.find_vma(VirtAddr(addr));
      auto prev = next == p.vmas.begin() ? p.vmas.end() : std::prev(next);
      if (mmap_end - len >= addr && addr >= min_addr &&
          (next == p.vmas.end() || addr + len <= vm_start_gap(next->second)) &&
          (prev == p.vmas.end() || addr >= prev->second.end.value()))
        result = addr;
    }
    if (!result)
      result = unmapped_area_topdown(p, len, std::max(arch::kPageSize, min_addr),
                                     m_ctx.params.mmap_base.value());
    // A top-down failure falls back to a bottom-up search above TASK_UNMAPPED_BASE.
    if (!result) result = unmapped_area_bottomup(p, len, kTaskUnmappedBase, mmap_end);
    if (!result) {
      *error = err(Errno::kENOMEM);
      return std::nullopt;
    }
  }
  // back in __get_unmapped_area
  if (*result > kTaskSize - len) {
    *error = err(Errno::kENOMEM);
    return std::nullopt;
  }
  if (!page_aligned(*result)) {
    *error = err(Errno::kEINVAL);
    return std::nullopt;
  }
  // security_mmap_addr() -> cap_mmap_addr(): below vm.mmap_min_addr needs
  // CAP_SYS_RAWIO, which the simulated (unprivileged) process lacks.
  if (*result < m_ctx.params.mmap_min_addr.value()) {
    *error = err(Errno::kEPERM);
    return std::nullopt;
  }
  return result;
}

// Linux unmapped_area_topdown: O(log n) through the VMA set's gap tree.
std::optional<uint64_t> AddressSpaces::unmapped_area_topdown(Process& p, uint64_t len, uint64_t low,
                                                             uint64_t high) {
  return p.vmas.highest_free(len, low, high);
}

std::optional<uint64_t> AddressSpaces::unmapped_area_bottomup(Process& p, uint64_t len,
                                                              uint64_t low, uint64_t high) {
  if (high < low || high - low < len) return std::nullopt;
  uint64_t gap_start = low;
  for (auto it = p.vmas.find_vma(VirtAddr(low));; ++it) {
    const uint64_t gap_end = it == p.vmas.end() ? high : std::min(high, vm_start_gap(it->second));
    if (gap_end > gap_start && gap_end - gap_start >= len) return gap_start;
    if (it == p.vmas.end()) return std::nullopt;
    gap_start = std::max(gap_start, it->second.end.value());
    if (gap_start >= high) return std::nullopt;
  }
}

int64_t AddressSpaces::munmap(Process& p, CostMeter& m, VirtAddr addr, uint64_t len) {
  const uint64_t start = addr.value();
  // do_vmi_munmap
  if (!page_aligned(start) || start > kTaskSize || len > kTaskSize - start)
    return err(Errno::kEINVAL);
  const uint64_t end = start + ((len + arch::kPageSize - 1) & kPageMask);
  if (end == start) return err(Errno::kEINVAL);
  return do_munmap(p, start, end, m);
}

int64_t AddressSpaces::do_munmap(Process& p, uint64_t start, uint64_t end, CostMeter& m) {
  auto first = p.vmas.find_intersection(VirtAddr(start), VirtAddr(end));
  if (first == p.vmas.end()) return 0;
  if (!m_huge.hugetlb_split_ok(p, start) || !m_huge.hugetlb_split_ok(p, end))
    return err(Errno::kEINVAL);
  m_huge.split_huge_boundaries(p, start, end, m);
  // do_vmi_align_munmap: split the VMAs straddling either end.
  if (first->second.start.value() < start) {
    if (end < first->second.end.value() && p.vmas.size() >= kMaxMapCount)
      return err(Errno::kENOMEM);
    first = p.vmas.split(first, VirtAddr(start));
  }
  auto last = p.vmas.find(VirtAddr(end - 1));
  // The end split may go one over vm.max_map_count (Linux calls __split_vma
  // there, without the check, to let munmap free resources).
  if (last != p.vmas.end() && last->second.end.value() > end) p.vmas.split(last, VirtAddr(end));
  std::vector<FileId> shmem;
  std::vector<MappedObjectId> hugetlb;
  for (auto it = first; it != p.vmas.end() && it->second.start.value() < end;) {
    if (it->second.file) shmem.push_back(it->second.file);  // maybe_free_shmem skips files
    if (it->second.flags & vm::kHugetlb) {
      m_huge.hugetlb_unreserve(it->second, it->second.start.value(), it->second.end.value());
      hugetlb.push_back(it->second.object);
    }
    it = p.vmas.erase(it);
  }

  // unmap_region(): clear the entries, free the pages and the emptied tables,
  // then one TLB flush for the whole range (tlb_finish_mmu).
  TlbGather tlb(m_ctx.tlb, p);
  m_ctx.tlb.flush_tlb_batched_pending(p, m);  // reclaim's deferred TLBIs of this mm
  p.page_table->unmap_range(
      VirtAddr(start), VirtAddr(end), tlb, [this](arch::Descriptor d) { release_page(d); }, m,
      [this](arch::Descriptor d) { m_huge.release_block(d); });
  tlb.flush(m);
  for (FileId id : shmem)
    m_pc.maybe_free_shmem(id);
  for (MappedObjectId id : hugetlb)
    m_huge.maybe_free_hugetlb(id);
  return 0;
}

void AddressSpaces::populate(Process& p, uint64_t start, uint64_t end, CostMeter& m) {
  // populate_vma_page_range(): write-fault private writable memory, read-fault
  // the rest; PROT_NONE VMAs are skipped.
  for (uint64_t va = start; va < end; va += arch::kPageSize) {
    auto it = p.vmas.find(VirtAddr(va));
    if (it == p.vmas.end() || !(it->second.flags & vm::kAccessFlags)) continue;
    const bool write = (it->second.flags & (vm::kWrite | vm::kShared)) == vm::kWrite;
    fault_in(p, VirtAddr(va), write ? arch::AccessKind::kWrite : arch::AccessKind::kRead,
             arch::ExceptionLevel::kEl0, m);
    if (m_reclaim.oom_pending()) {
      // The allocation found no frame after reclaim: Linux's out_of_memory()
      // picks the victim there and then. When it is this process, its fatal
      // signal ends the populate (__get_user_pages: fatal_signal_pending),
      // so no page after this one is tried (each would repeat a reclaim that
      // cannot succeed) and the operation's boundary kills it. Another
      // process is killed now, its memory freed, and the page is tried again.
      if (m_reclaim.oom_select(nullptr) == &p) break;
      m_reclaim.oom_kill_pending();
      va -= arch::kPageSize;
      continue;
    }
    // A huge page populated the whole block (follow_page_mask's PMD step).
    if (auto end_of_block = m_huge.huge_mapped_end(p, VirtAddr(va), m))
      va = *end_of_block - arch::kPageSize;
  }
}

}  // namespace mmusim::sw
