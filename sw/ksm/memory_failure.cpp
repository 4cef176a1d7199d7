// Memory-failure injection (mm/memory-failure.c via madvise_inject_error):
// MADV_HWPOISON (the page is poisoned: every mapping becomes a poison entry,
// any access SIGBUS) and MADV_SOFT_OFFLINE (the contents move to a new
// frame). Part of the KSM and memory-failure subsystem (sw/README.md).
#include "sw/ksm/ksm.h"
#include "sw/mm/process.h"

namespace mmusim::sw {

int64_t Ksm::inject_memory_error(Process& p, uint64_t start, uint64_t end, int advice,
                                 CostMeter& m) {
  // madvise_inject_error: page by page, faulting each in as get_user_pages
  // would, returning at the first page it cannot get (EFAULT where nothing
  // is mapped): the work follows the pages handled, never the length. The
  // simulated process holds CAP_SYS_ADMIN. A huge page is split when the
  // loop reaches it (memory_failure splits the THP).
  // start + len cannot wrap (do_madvise checked), and a page beyond the
  // TTBR0 range has no VMA: the loop ends there at the latest.
  for (uint64_t va = start & ~(arch::kPageSize - 1); va < end; va += arch::kPageSize) {
    auto it = p.vmas.find(VirtAddr(va));
    // get_user_pages refuses VM_IO | VM_PFNMAP VMAs (check_vma_flags).
    if (it == p.vmas.end() || !(it->second.flags & vm::kAccessFlags) ||
        (it->second.flags & (vm::kIo | vm::kPfnmap)))
      return -static_cast<int64_t>(abi::Errno::kEFAULT);
    if (va % kPmdSize == 0 || va == (start & ~(arch::kPageSize - 1)))
      m_host.split_huge_range(p, va, va + arch::kPageSize, m);
    auto leaf = p.page_table->lookup(VirtAddr(va), m);
    if (!leaf || !leaf->desc.valid()) {
      if (m_host.fault_in(p, VirtAddr(va), arch::AccessKind::kRead, arch::ExceptionLevel::kEl0,
                          m) != FaultOutcome::kRetry)
        return -static_cast<int64_t>(abi::Errno::kEFAULT);
      leaf = p.page_table->lookup(VirtAddr(va), m);
      if (!leaf || !leaf->desc.valid()) return -static_cast<int64_t>(abi::Errno::kEFAULT);
    }
    const PhysAddr page = leaf->desc.output_address();
    if (page == m_ctx.zero_page) return -static_cast<int64_t>(abi::Errno::kEBUSY);  // reserved page
    PageMeta& meta = m_ctx.pages.meta(page);
    if (advice == abi::kMadvHwpoison) {
      // memory_failure: the page is taken out of use; its mapping here
      // becomes a poison entry, so every later access is SIGBUS.
      meta.poisoned = true;
      m_ctx.stats.hwpoisoned_pages++;
      p.page_table->set_leaf(*leaf, arch::Descriptor(page.value() | (uint64_t{1} << kPtePoisonBit)),
                             m);
      m_ctx.tlb.flush_page(p, VirtAddr(va), m);
    } else {
      // soft_offline_page: the contents move to a new frame now (the next
      // access finds them there) and the old frame is retired.
      meta.soft_offline = true;
      const Vma& vma = it->second;
      if (meta.kind == PageKind::kFile) {
        Inode* inode = m_host.file_inode(meta.file);
        if (!inode) continue;
        const uint64_t index = meta.index;
        KsmHost::Pin pinned(m_host, page);
        auto fresh = m_ctx.frames.alloc();
        if (!fresh) return -static_cast<int64_t>(abi::Errno::kENOMEM);
        m.frame_alloc();
        PageBytes buf;
        m_ctx.mem.read(page, buf.data(), buf.size());
        m_ctx.mem.write(*fresh, buf.data(), buf.size());
        m.page_copy(arch::kPageSize);
        m_host.unmap_mapping_range(*inode, index, index, false, m);
        PageMeta moved = meta;
        moved.mapcount = 0;
        moved.soft_offline = false;
        m_ctx.pages.meta(*fresh) = moved;
        inode->pages.at(index).frame = *fresh;
      } else {
        if (meta.ksm) forget(page);
        if (!unshare_page(p, vma, VirtAddr(va), *leaf, m))
          return -static_cast<int64_t>(abi::Errno::kENOMEM);
      }
      m_ctx.stats.soft_offlined_pages++;
    }
  }
  return 0;
}

}  // namespace mmusim::sw
