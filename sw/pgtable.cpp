#include "sw/pgtable.h"

#include <algorithm>
#include <stdexcept>

namespace mmusim::sw {

using arch::Descriptor;
using arch::DescType;

void TlbGather::extend(uint64_t start, uint64_t end) {
  if (!m_any) {
    m_start = start;
    m_end = end;
    m_any = true;
    return;
  }
  m_start = std::min(m_start, start);
  m_end = std::max(m_end, end);
}

void TlbGather::add(VirtAddr page) {
  const uint64_t va = page.align_down(arch::kPageSize).value();
  extend(va, va + arch::kPageSize);
  m_ptes = true;
}

void TlbGather::add_block(VirtAddr block) {
  const uint64_t va = block.align_down(arch::level_size(2)).value();
  extend(va, va + arch::level_size(2));
}

void TlbGather::flush(CostMeter& meter) {
  if (!m_any) return;
  // arm64 __flush_tlb_range: one TLBI per stride, or the whole ASID from
  // MAX_DVM_OPS strides on.
  const uint64_t stride = m_ptes ? arch::kPageSize : arch::level_size(2);
  const uint64_t start = m_start & ~(stride - 1);
  const uint64_t end = (m_end + stride - 1) & ~(stride - 1);
  if ((end - start) / stride >= kMaxTlbiPages) {
    m_mmu.tlbi_asid(m_asid);
    meter.tlbi();
  } else {
    for (uint64_t va = start; va < end; va += stride) {
      m_mmu.tlbi_va_asid(VirtAddr(va), m_asid);
      meter.tlbi();
    }
  }
  m_any = false;
  m_ptes = false;
}

PageTable::PageTable(PtEnv env, PhysAddr root) : m_env(env), m_root(root) {
  m_counts.emplace(root.value(), TableInfo{0, arch::kFirstLevel});
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

std::optional<PhysAddr> PageTable::alloc_table(int level, CostMeter& meter) {
  auto frame = m_env.frames.alloc();
  if (!frame) return std::nullopt;
  meter.frame_alloc();
  m_env.mem.fill(*frame, 0, arch::kPageSize);
  meter.page_zero(arch::kPageSize);
  m_counts.emplace(frame->value(), TableInfo{0, level});
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
  TableInfo& t = m_counts.at(slot.align_down(arch::kPageSize).value());
  if (old_value.raw() == 0 && value.raw() != 0) t.entries++;
  if (old_value.raw() != 0 && value.raw() == 0) t.entries--;
  // Present user mappings by size.
  if (t.level == arch::kLastLevel || t.level == 2) {
    uint64_t& mapped = t.level == 2 ? meter.stats().mapped_2m : meter.stats().mapped_4k;
    const arch::DescType leaf = t.level == 2 ? arch::DescType::kBlock : arch::DescType::kPage;
    mapped -= old_value.type(t.level) == leaf;
    mapped += value.type(t.level) == leaf;
  }
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
  auto pmd = walk_to_pmd(va, true, meter);
  if (!pmd) return std::nullopt;
  if (is_huge(pmd->desc))
    throw std::logic_error("PageTable::lookup_or_alloc: a huge block maps the address");
  PhysAddr table;
  if (pmd->desc.type(2) == DescType::kTable) {
    table = pmd->desc.output_address();
  } else {
    auto next = alloc_table(arch::kLastLevel, meter);
    if (!next) return std::nullopt;
    write(pmd->slot, pmd->desc, Descriptor::make_table(*next), meter);
    table = *next;
  }
  const PhysAddr slot = table + arch::table_index(va, arch::kLastLevel) * arch::kDescriptorBytes;
  return Leaf{slot, read(slot, meter)};
}

std::optional<PageTable::Leaf> PageTable::walk_to_pmd(VirtAddr va, bool alloc, CostMeter& meter) {
  PhysAddr table = m_root;
  for (int level = arch::kFirstLevel; level < 2; ++level) {
    const PhysAddr slot = table + arch::table_index(va, level) * arch::kDescriptorBytes;
    const Descriptor d = read(slot, meter);
    if (d.type(level) == DescType::kTable) {
      table = d.output_address();
      continue;
    }
    if (!alloc) return std::nullopt;
    auto next = alloc_table(level + 1, meter);
    if (!next) return std::nullopt;
    write(slot, d, Descriptor::make_table(*next), meter);
    table = *next;
  }
  const PhysAddr slot = table + arch::table_index(va, 2) * arch::kDescriptorBytes;
  return Leaf{slot, read(slot, meter)};
}

std::optional<PageTable::Leaf> PageTable::lookup_pmd(VirtAddr va, CostMeter& meter) {
  return walk_to_pmd(va, false, meter);
}

std::optional<PageTable::Leaf> PageTable::lookup_or_alloc_pmd(VirtAddr va, CostMeter& meter) {
  return walk_to_pmd(va, true, meter);
}

bool PageTable::deposit_table(const Leaf& pmd, CostMeter& meter) {
  auto table = alloc_table(arch::kLastLevel, meter);
  if (!table) return false;
  m_deposits[pmd.slot.value()] = *table;
  return true;
}

void PageTable::install_deposited_table(const Leaf& pmd,
                                        const std::function<Descriptor(unsigned)>& pte,
                                        CostMeter& meter) {
  const auto it = m_deposits.find(pmd.slot.value());
  if (it == m_deposits.end() || pmd.desc.raw() != 0)
    throw std::logic_error("PageTable::install_deposited_table: no deposit, or the entry is set");
  const PhysAddr table = it->second;
  m_deposits.erase(it);
  for (unsigned i = 0; i < arch::kEntriesPerTable; ++i)
    write(table + i * arch::kDescriptorBytes, Descriptor(), pte(i), meter);
  write(pmd.slot, pmd.desc, Descriptor::make_table(table), meter);
}

void PageTable::move_block(const Leaf& from, const Leaf& to, CostMeter& meter) {
  if (!is_huge(from.desc) || to.desc.raw() != 0)
    throw std::logic_error("PageTable::move_block: no block to move, or the target is in use");
  write(to.slot, to.desc, from.desc, meter);
  write(from.slot, from.desc, Descriptor(), meter);
  const auto dep = m_deposits.find(from.slot.value());
  if (dep != m_deposits.end()) {
    m_deposits[to.slot.value()] = dep->second;
    m_deposits.erase(from.slot.value());
  }
}

void PageTable::for_each_block(VirtAddr start, VirtAddr end,
                               const std::function<void(VirtAddr, const Leaf&)>& fn,
                               CostMeter& meter) {
  const uint64_t size = arch::level_size(2);
  for (uint64_t va = start.align_down(size).value(); va < end.value(); va += size) {
    // One walk per 2 MB; ranges with blocks are small next to a full walk.
    auto pmd = lookup_pmd(VirtAddr(va), meter);
    if (pmd && is_huge(pmd->desc)) fn(VirtAddr(va), *pmd);
  }
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
                            const std::function<void(Descriptor)>& release, CostMeter& meter,
                            const std::function<void(Descriptor)>& release_block) {
  if (start < end)
    unmap_level(m_root, arch::kFirstLevel, start.value(), end.value(), tlb, release, release_block,
                meter);
}

bool PageTable::unmap_level(PhysAddr table, int level, uint64_t start, uint64_t end, TlbGather& tlb,
                            const std::function<void(Descriptor)>& release,
                            const std::function<void(Descriptor)>& release_block,
                            CostMeter& meter) {
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
    } else if (level == 2 && is_huge(d)) {
      if (!release_block || va != entry_end - size || entry_end > end)
        throw std::logic_error("PageTable::unmap_range: a huge block is not wholly unmapped");
      release_block(d);
      write(slot, d, Descriptor(), meter);
      const auto dep = m_deposits.find(slot.value());
      if (dep != m_deposits.end()) {
        free_table(dep->second, meter);
        m_deposits.erase(dep);
      }
      tlb.add_block(VirtAddr(va));
    } else if (d.type(level) == DescType::kTable) {
      const PhysAddr child = d.output_address();
      if (unmap_level(child, level + 1, va, std::min(end, entry_end), tlb, release, release_block,
                      meter)) {
        write(slot, d, Descriptor(), meter);
        free_table(child, meter);
        tlb.add(VirtAddr(va));  // the walk caches may hold the freed table
      }
    }
    va = entry_end;
  }
  return table != m_root && m_counts.at(table.value()).entries == 0;
}

}  // namespace mmusim::sw
