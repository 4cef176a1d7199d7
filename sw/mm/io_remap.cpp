// Device register mappings: the path a character device's mmap handler
// takes when it calls io_remap_pfn_range() (mm/memory.c remap_pfn_range),
// or, for a fault-populated mapping, vmf_insert_pfn() from its ->fault
// handler (as vfio-pci maps BARs). The VMA is VM_IO | VM_PFNMAP |
// VM_DONTEXPAND | VM_DONTDUMP and shared; its entries map physical frames
// outside DRAM with no page descriptor behind them, marked PTE_SPECIAL so
// that every path that would look a page up (munmap, fork, smaps,
// madvise) leaves them alone (vm_normal_page() returns NULL for them).
#include "sw/mm/address_spaces.h"
#include "sw/pagecache/page_cache.h"
#include "sw/reclaim/reclaim.h"

namespace mmusim::sw {

bool is_special_pte(arch::Descriptor d) {
  return (d.raw() >> kPteSpecialBit) & 1;
}

arch::Descriptor AddressSpaces::make_io_pte(PhysAddr frame, VmFlags vma_flags,
                                            uint8_t attr_index) const {
  // vm_get_page_prot(vm_flags) with the memory type the driver chose
  // (pgprot_device, pgprot_noncached, ...), as pfn_pte() | pte_mkspecial().
  arch::PageAttrs a;
  a.attr_index = attr_index;
  a.ap = (vma_flags & vm::kWrite) ? arch::Ap::kRw : arch::Ap::kRo;
  a.sh = arch::Sh::kInner;
  a.af = true;
  a.ng = true;
  a.pxn = true;
  a.uxn = !(vma_flags & vm::kExec);
  uint64_t raw = arch::Descriptor::make_page(frame, a).raw() | (uint64_t{1} << kPteSpecialBit);
  // PROT_NONE: invalid to the walker, the frame kept for the kernel.
  if (!(vma_flags & vm::kAccessFlags))
    raw = (raw & ~uint64_t{1}) | (uint64_t{1} << kPteProtNoneBit);
  return arch::Descriptor(raw);
}

int64_t AddressSpaces::io_remap(Process& p, CostMeter& m, VirtAddr addr_in, uint64_t len, int prot,
                                int flags, const IoRegion& dev, uint64_t offset) {
  // do_mmap on the device file, as mmap() does for any file.
  if (offset & ~kPageMask) return err(Errno::kEINVAL);
  uint64_t addr = addr_in.value();
  const uint64_t pgoff = offset >> arch::kPageShift;
  if (const int64_t e = do_mmap_checks(p, addr, len, flags, pgoff)) return e;
  // The device's mmap handler: shared mappings only, and only of its
  // registers (as uio_mmap_physical, -EINVAL beyond the region).
  const int type = flags & abi::kMapTypeMask;
  if (type != abi::kMapShared && type != abi::kMapSharedValidate) return err(Errno::kEINVAL);
  if (flags & abi::kMapGrowsdown) return err(Errno::kEINVAL);
  if (offset > dev.size || len > dev.size - offset) return err(Errno::kEINVAL);

  VmFlags vm_flags = (static_cast<VmFlags>(prot) & vm::kAccessFlags) | vm::kMayRead |
                     vm::kMayWrite | vm::kMayExec | vm::kShared | vm::kMayShare;
  int64_t error = 0;
  auto area = get_unmapped_area(p, addr, len, flags, vm_flags, &error);
  if (!area) return error;
  addr = *area;
  if ((flags & abi::kMapFixedNoreplace) &&
      p.vmas.find_intersection(VirtAddr(addr), VirtAddr(addr + len)) != p.vmas.end())
    return err(Errno::kEEXIST);
  if (const int64_t r = do_munmap(p, addr, addr + len, m); r < 0) return r;
  // remap_pfn_range sets these; mmap_region drops VM_LOCKED from VM_SPECIAL
  // VMAs, so MAP_LOCKED and MAP_POPULATE change nothing.
  vm_flags |= vm::kIo | vm::kPfnmap | vm::kDontexpand | vm::kDontdump;
  if (flags & abi::kMapNoreserve) vm_flags |= vm::kNoreserve;

  Vma v;
  v.start = VirtAddr(addr);
  v.end = VirtAddr(addr + len);
  v.flags = vm_flags;
  v.pgoff = pgoff;
  v.object = m_pc.files().new_object();  // the open device file: never merges (VM_SPECIAL)
  v.name = "/dev/" + dev.name;
  p.vmas.insert(v);
  m_st.io_regions[v.object] = IoMapping{dev, dev.attr_index, dev.on_fault};
  if (!dev.on_fault) {
    // io_remap_pfn_range: every entry now; on failure the range is zapped
    // and mmap fails with ENOMEM.
    for (uint64_t va = addr; va < addr + len; va += arch::kPageSize) {
      auto leaf = p.page_table->lookup_or_alloc(VirtAddr(va), m);
      if (!leaf) {
        do_munmap(p, addr, addr + len, m);
        return err(Errno::kENOMEM);
      }
      const PhysAddr frame(dev.base.value() + offset + (va - addr));
      p.page_table->set_leaf(*leaf, make_io_pte(frame, vm_flags, dev.attr_index), m);
    }
  }
  return static_cast<int64_t>(addr);
}

FaultOutcome AddressSpaces::pfnmap_fault(Process& p, const Vma& vma, VirtAddr page_va,
                                         CostMeter& m) {
  auto found = m_st.io_regions.find(vma.object);
  auto leaf = p.page_table->lookup(page_va, m);
  if (!leaf || leaf->desc.raw() == 0) {
    // No entry: a driver without a ->fault handler gives VM_FAULT_SIGBUS; a
    // fault-populated mapping inserts the frame (vmf_insert_pfn) and retries.
    if (found == m_st.io_regions.end() || !found->second.on_fault) return FaultOutcome::kSigbus;
    const IoMapping& io = found->second;
    leaf = p.page_table->lookup_or_alloc(page_va, m);
    if (!leaf) return m_reclaim.out_of_memory();
    const PhysAddr frame(
        io.region.base.value() +
        ((vma.pgoff + ((page_va - vma.start) >> arch::kPageShift)) << arch::kPageShift));
    p.page_table->set_leaf(*leaf, make_io_pte(frame, vma.flags, io.attr_index), m);
    m_ctx.stats.pfnmap_faults++;
    return FaultOutcome::kRetry;
  }
  // An entry older than the VMA's flags (a spurious fault): bring it in
  // line, keeping its frame and memory type, and flush the stale TLB entry.
  const arch::Descriptor want =
      make_io_pte(leaf->desc.output_address(), vma.flags, leaf->desc.page_attrs().attr_index);
  if (!(want == leaf->desc)) p.page_table->set_leaf(*leaf, want, m);
  m_ctx.tlb.flush_page(p, page_va, m);
  return FaultOutcome::kRetry;
}

bool AddressSpaces::copy_pfnmap_range(Process& parent, Process& child, const Vma& vma,
                                      CostMeter& m) {
  // vma_needs_copy(): VM_PFNMAP entries are copied at fork (the child has
  // no fault handler to get them back). The mapping is shared, so no entry
  // is write-protected, and a special entry has no page to count.
  std::vector<std::pair<VirtAddr, arch::Descriptor>> leaves;
  parent.page_table->for_each_leaf(
      vma.start, vma.end,
      [&](VirtAddr va, const PageTable::Leaf& leaf) { leaves.emplace_back(va, leaf.desc); }, m);
  for (const auto& [va, d] : leaves) {
    auto dst = child.page_table->lookup_or_alloc(va, m);
    if (!dst) return false;
    child.page_table->set_leaf(*dst, d, m);
  }
  return true;
}

void AddressSpaces::change_pfnmap_protection(Process& p, const Vma& vma, uint64_t start,
                                             uint64_t end, TlbGather& tlb, CostMeter& m) {
  // change_pte_range on special entries: pte_modify() with the new
  // vm_page_prot, whose memory type pgprot_modify() carries over.
  p.page_table->for_each_leaf(
      VirtAddr(start), VirtAddr(end),
      [&](VirtAddr va, const PageTable::Leaf& leaf) {
        const arch::Descriptor want =
            make_io_pte(leaf.desc.output_address(), vma.flags, leaf.desc.page_attrs().attr_index);
        if (!(want == leaf.desc)) p.page_table->set_leaf(leaf, want, m);
        tlb.add(va);
      },
      m);
}

}  // namespace mmusim::sw
