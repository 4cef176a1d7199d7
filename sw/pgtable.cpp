#include "sw/pgtable.h"

#include <algorithm>

namespace mmusim::sw {

using arch::Descriptor;
using arch::DescType;

void TlbGather::add(VirtAddr page) {
  const uint64_t va = page.align_down(arch::kPageSize).value();
  if (!m_any) {
    m_start = va;
    m_end = va + arch::kPageSize;
    m_any = true;
    return;
  }
  m_start = std::min(m_start, va);
  m_end = std::max(m_end, va + arch::kPageSize);
}

void TlbGather::flush(CostMeter& meter) {
  if (!m_any) return;
  const uint64_t pages = (m_end - m_start) >> arch::kPageShift;
  if (pages >= kMaxTlbiPages) {
    m_mmu.tlbi_asid(m_asid);
    meter.tlbi();
  } else {
    for (uint64_t va = m_start; va < m_end; va += arch::kPageSize) {
      m_mmu.tlbi_va_asid(VirtAddr(va), m_asid);
      meter.tlbi();
    }
  }
  m_any = false;
}

PageTable::PageTable(PtEnv env, PhysAddr root) : m_env(env), m_root(root) {
  m_counts.emplace(root.value(), 0);
}

std::unique_ptr<PageTable> PageTable::create(PtEnv env, CostMeter& meter) {
  auto frame = env.frames.alloc();
  if (!frame) return nullptr;
  meter.frame_alloc();
  env.mem.fill(*frame, 0, arch::kPageSize);
  meter.page_zero(arch::kPageSize);
  meter.stats().page_table_pages++;
  return std::unique_ptr<PageTable>(new PageTable(env, *frame));
}

std::optional<PhysAddr> PageTable::alloc_table(CostMeter& meter) {
  auto frame = m_env.frames.alloc();
  if (!frame) return std::nullopt;
  meter.frame_alloc();
  m_env.mem.fill(*frame, 0, arch::kPageSize);
  meter.page_zero(arch::kPageSize);
  m_counts.emplace(frame->value(), 0);
  meter.stats().page_table_pages++;
  return frame;
}

void PageTable::free_table(PhysAddr table, CostMeter& meter) {
  m_counts.erase(table.value());
  m_env.frames.free(table);
  meter.stats().page_table_pages--;
}

Descriptor PageTable::read(PhysAddr slot, CostMeter& meter) {
  meter.descriptor_read();
  return Descriptor(m_env.mem.read64(slot));
}

void PageTable::write(PhysAddr slot, Descriptor old_value, Descriptor value, CostMeter& meter) {
  m_env.mem.write64(slot, value.raw());
  meter.descriptor_write();
  const uint64_t table = slot.align_down(arch::kPageSize).value();
  if (old_value.raw() == 0 && value.raw() != 0) m_counts[table]++;
  if (old_value.raw() != 0 && value.raw() == 0) m_counts[table]--;
}

std::optional<PageTable::Leaf> PageTable::lookup(VirtAddr va, CostMeter& meter) {
  PhysAddr table = m_root;
  for (int level = arch::kFirstLevel; level < arch::kLastLevel; ++level) {
    const Descriptor d = read(table + arch::table_index(va, level) * arch::kDescriptorBytes, meter);
    if (d.type(level) != DescType::kTable) return std::nullopt;
    table = d.output_address();
  }
  const PhysAddr slot = table + arch::table_index(va, arch::kLastLevel) * arch::kDescriptorBytes;
  return Leaf{slot, read(slot, meter)};
}

std::optional<PageTable::Leaf> PageTable::lookup_or_alloc(VirtAddr va, CostMeter& meter) {
  PhysAddr table = m_root;
  for (int level = arch::kFirstLevel; level < arch::kLastLevel; ++level) {
    const PhysAddr slot = table + arch::table_index(va, level) * arch::kDescriptorBytes;
    const Descriptor d = read(slot, meter);
    if (d.type(level) == DescType::kTable) {
      table = d.output_address();
      continue;
    }
    auto next = alloc_table(meter);
    if (!next) return std::nullopt;
    write(slot, d, Descriptor::make_table(*next), meter);
    table = *next;
  }
  const PhysAddr slot = table + arch::table_index(va, arch::kLastLevel) * arch::kDescriptorBytes;
  return Leaf{slot, read(slot, meter)};
}

void PageTable::set_leaf(const Leaf& leaf, Descriptor value, CostMeter& meter) {
  write(leaf.slot, leaf.desc, value, meter);
}

void PageTable::for_each_leaf(VirtAddr start, VirtAddr end,
                              const std::function<void(VirtAddr, const Leaf&)>& fn,
                              CostMeter& meter) {
  if (start < end) walk_range(m_root, arch::kFirstLevel, start.value(), end.value(), fn, meter);
}

void PageTable::walk_range(PhysAddr table, int level, uint64_t start, uint64_t end,
                           const std::function<void(VirtAddr, const Leaf&)>& fn, CostMeter& meter) {
  const uint64_t size = arch::level_size(level);
  for (uint64_t va = start; va < end;) {
    const uint64_t entry_end = (va & ~(size - 1)) + size;
    const PhysAddr slot = table + arch::table_index(VirtAddr(va), level) * arch::kDescriptorBytes;
    const Descriptor d = read(slot, meter);
    if (level == arch::kLastLevel) {
      if (d.raw() != 0) fn(VirtAddr(va), Leaf{slot, d});
    } else if (d.type(level) == DescType::kTable) {
      walk_range(d.output_address(), level + 1, va, std::min(end, entry_end), fn, meter);
    }
    va = entry_end;
  }
}

void PageTable::unmap_range(VirtAddr start, VirtAddr end, TlbGather& tlb,
                            const std::function<void(Descriptor)>& release, CostMeter& meter) {
  if (start < end)
    unmap_level(m_root, arch::kFirstLevel, start.value(), end.value(), tlb, release, meter);
}

bool PageTable::unmap_level(PhysAddr table, int level, uint64_t start, uint64_t end, TlbGather& tlb,
                            const std::function<void(Descriptor)>& release, CostMeter& meter) {
  const uint64_t size = arch::level_size(level);
  for (uint64_t va = start; va < end;) {
    const uint64_t entry_end = (va & ~(size - 1)) + size;
    const PhysAddr slot = table + arch::table_index(VirtAddr(va), level) * arch::kDescriptorBytes;
    const Descriptor d = read(slot, meter);
    if (level == arch::kLastLevel) {
      if (d.raw() != 0) {
        release(d);
        write(slot, d, Descriptor(), meter);
        tlb.add(VirtAddr(va));
      }
    } else if (d.type(level) == DescType::kTable) {
      const PhysAddr child = d.output_address();
      if (unmap_level(child, level + 1, va, std::min(end, entry_end), tlb, release, meter)) {
        write(slot, d, Descriptor(), meter);
        free_table(child, meter);
        tlb.add(VirtAddr(va));  // the walk caches may hold the freed table
      }
    }
    va = entry_end;
  }
  return table != m_root && m_counts[table.value()] == 0;
}

}  // namespace mmusim::sw
