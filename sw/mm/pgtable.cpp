#include "sw/mm/pgtable.h"

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
  m_blocks = true;
}

void TlbGather::flush(CostMeter& meter) {
  if (!m_any) return;
  const uint64_t stride = m_ptes ? arch::kPageSize : arch::level_size(2);
  const uint64_t start = m_start & ~(stride - 1);
  const uint64_t end = (m_end + stride - 1) & ~(stride - 1);
  // tlb_flush(): last_level = !freed_tables; the TTL hint is the level of
  // the entries cleared when only one level was (tlb_get_level).
  const uint8_t level = m_freed_tables ? 0 : m_ptes && !m_blocks ? 3 : !m_ptes ? 2 : 0;
  m_tlb.flush_range(m_mm, start, end, stride, !m_freed_tables, meter, level);
  m_any = false;
  m_ptes = false;
  m_blocks = false;
  m_freed_tables = false;
}

PageTable::PageTable(PtEnv env, PhysAddr root) : m_env(env), m_root(root) {
  m_counts.emplace(root.value(), TableInfo{0, arch::kFirstLevel, 0});
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
  m_counts.emplace(frame->value(), TableInfo{0, level, 0});
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

namespace {

constexpr uint64_t kContBit = uint64_t{1} << arch::bit::kContiguous;
constexpr unsigned kContPtes = 16;  // 64 KB of 4 KB pages

// The end of the TTBR0 range: no table translates an address above it, and
// no walk goes beyond it (so no address arithmetic can wrap past 2^64).
constexpr uint64_t kVaLimit = uint64_t{1} << arch::kVaBits;

bool has_cont(Descriptor d) {
  return d.raw() & kContBit;
}

}  // namespace

void PageTable::enable_contpte(std::function<void(VirtAddr, CostMeter&)> tlbi_page) {
  m_tlbi_page = std::move(tlbi_page);
}

void PageTable::write(PhysAddr slot, Descriptor old_value, Descriptor value, CostMeter& meter) {
  if (!m_tlbi_page) {
    raw_write(slot, old_value, value, meter);
    return;
  }
  // contpte: any change to an entry of a contiguous run unfolds the run
  // first; a page entry that completes a foldable run folds it.
  const PhysAddr table = slot.align_down(arch::kPageSize);
  if (m_counts.at(table.value()).level != arch::kLastLevel) {
    raw_write(slot, old_value, value, meter);
    return;
  }
  if (has_cont(Descriptor(m_env.mem.read64(slot))) && !(has_cont(value)))
    convert_run(slot, false, meter);
  raw_write(slot, Descriptor(m_env.mem.read64(slot)), value, meter);
  if (value.type(arch::kLastLevel) == DescType::kPage && !has_cont(value) && foldable(slot, meter))
    convert_run(slot, true, meter);
}

void PageTable::raw_write(PhysAddr slot, Descriptor old_value, Descriptor value, CostMeter& meter) {
  m_env.mem.write64(slot, value.raw());
  meter.descriptor_write();
  const PhysAddr table = slot.align_down(arch::kPageSize);
  TableInfo& t = m_counts.at(table.value());
  if (old_value.raw() == 0 && value.raw() != 0) t.entries++;
  if (old_value.raw() != 0 && value.raw() == 0) t.entries--;
  // Present user mappings by size.
  KernelStats& s = meter.stats();
  if (t.level == arch::kLastLevel) {
    if (old_value.type(t.level) == DescType::kPage)
      (has_cont(old_value) ? s.mapped_cont_ptes : s.mapped_4k)--;
    if (value.type(t.level) == DescType::kPage)
      (has_cont(value) ? s.mapped_cont_ptes : s.mapped_4k)++;
  } else {
    if (t.level == 2)
      s.mapped_2m += (value.type(2) == DescType::kBlock) - (old_value.type(2) == DescType::kBlock);
    // A table linked in covers the VA of its slot.
    if (value.type(t.level) == DescType::kTable) {
      const uint64_t index = (slot - table) / arch::kDescriptorBytes;
      m_counts.at(value.output_address().value()).va_base =
          t.va_base + index * arch::level_size(t.level);
    }
  }
}

bool PageTable::foldable(PhysAddr slot, CostMeter& meter) {
  // Linux contpte_try_fold: 16 valid pages of one aligned run, mapping 16
  // frames that are contiguous from a 64 KB-aligned one, with identical
  // attributes.
  const PhysAddr first = slot.align_down(kContPtes * arch::kDescriptorBytes);
  const Descriptor d0 = read(first, meter);
  const PhysAddr pa0 = d0.output_address();
  // Special entries (io_remap) have no folio: never folded.
  if (d0.type(arch::kLastLevel) != DescType::kPage || pa0.offset_in(kContPtes * arch::kPageSize) ||
      ((d0.raw() >> kPteSpecialBit) & 1))
    return false;
  const uint64_t attrs = d0.raw() - pa0.value();
  for (unsigned i = 1; i < kContPtes; ++i) {
    const Descriptor d = read(first + i * arch::kDescriptorBytes, meter);
    if (d.type(arch::kLastLevel) != DescType::kPage || has_cont(d) ||
        d.output_address() != pa0 + i * arch::kPageSize ||
        d.raw() - d.output_address().value() != attrs)
      return false;
  }
  return true;
}

void PageTable::unfold(const Leaf& leaf, CostMeter& meter) {
  if (m_tlbi_page && has_cont(Descriptor(m_env.mem.read64(leaf.slot))))
    convert_run(leaf.slot, false, meter);
}

void PageTable::convert_run(PhysAddr slot, bool fold, CostMeter& meter) {
  // contpte_convert: break-before-make over the whole run (all 16 entries
  // invalid, flushed page by page), then the entries with the contiguous
  // bit set (fold) or cleared (unfold). As Linux, the access flag and the
  // dirty state (a DBM entry with AP[2] clear) gathered over the run go to
  // every entry: with FEAT_HAFDBS the walker updates only the entry it read,
  // while the TLB held the run as one 64 KB translation, so a store through
  // it may have dirtied any page of the run.
  const PhysAddr table = slot.align_down(arch::kPageSize);
  const PhysAddr first = slot.align_down(kContPtes * arch::kDescriptorBytes);
  const uint64_t va0 = m_counts.at(table.value()).va_base +
                       (first - table) / arch::kDescriptorBytes * arch::kPageSize;
  Descriptor old[kContPtes];
  bool young = false, dirty = false;
  for (unsigned i = 0; i < kContPtes; ++i) {
    old[i] = read(first + i * arch::kDescriptorBytes, meter);
    if (old[i].raw() != 0)
      raw_write(first + i * arch::kDescriptorBytes, old[i], Descriptor(), meter);
    if (old[i].type(arch::kLastLevel) == DescType::kPage) {
      const arch::PageAttrs a = old[i].page_attrs();
      young |= a.af;
      dirty |= a.dbm && a.ap == arch::Ap::kRw;
    }
  }
  for (unsigned i = 0; i < kContPtes; ++i)
    m_tlbi_page(VirtAddr(va0 + i * arch::kPageSize), meter);
  for (unsigned i = 0; i < kContPtes; ++i) {
    if (old[i].raw() == 0) continue;
    Descriptor d(fold ? old[i].raw() | kContBit : old[i].raw() & ~kContBit);
    if (d.type(arch::kLastLevel) == DescType::kPage) {
      if (young) d = d.with_af(true);
      if (dirty && d.page_attrs().dbm && d.ap() == arch::Ap::kRo) d = d.with_ap(arch::Ap::kRw);
    }
    raw_write(first + i * arch::kDescriptorBytes, Descriptor(), d, meter);
  }
  meter.stats().contpte_folds += fold;
  meter.stats().contpte_unfolds += !fold;
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
  // Only the tables present are visited (Linux's pgd/p4d/pud_none skips):
  // the cost follows what is mapped, not the size of the range.
  const uint64_t s = start.align_down(arch::level_size(2)).value();
  const uint64_t e = std::min(end.value(), kVaLimit);
  if (s < e) walk_blocks(m_root, arch::kFirstLevel, s, e, fn, meter);
}

void PageTable::walk_blocks(PhysAddr table, int level, uint64_t start, uint64_t end,
                            const std::function<void(VirtAddr, const Leaf&)>& fn,
                            CostMeter& meter) {
  const uint64_t size = arch::level_size(level);
  for (uint64_t va = start; va < end;) {
    const uint64_t entry_end = (va & ~(size - 1)) + size;
    const PhysAddr slot = table + arch::table_index(VirtAddr(va), level) * arch::kDescriptorBytes;
    const Descriptor d = read(slot, meter);
    if (level == 2) {
      if (is_huge(d)) fn(VirtAddr(va), Leaf{slot, d});
    } else if (d.type(level) == DescType::kTable) {
      walk_blocks(d.output_address(), level + 1, va, std::min(end, entry_end), fn, meter);
    }
    va = entry_end;
  }
}

void PageTable::set_leaf(const Leaf& leaf, Descriptor value, CostMeter& meter) {
  write(leaf.slot, leaf.desc, value, meter);
}

void PageTable::for_each_leaf(VirtAddr start, VirtAddr end,
                              const std::function<void(VirtAddr, const Leaf&)>& fn,
                              CostMeter& meter) {
  const uint64_t e = std::min(end.value(), kVaLimit);
  if (start.value() < e) walk_range(m_root, arch::kFirstLevel, start.value(), e, fn, meter);
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
  const uint64_t e = std::min(end.value(), kVaLimit);
  if (start.value() < e)
    unmap_level(m_root, arch::kFirstLevel, start.value(), e, tlb, release, release_block, meter);
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
        // A contiguous run cleared whole needs no unfolding (contpte
        // get_and_clear_full); one cleared in part is unfolded by write().
        const uint64_t run = kContPtes * arch::kPageSize;
        const uint64_t run_start = va & ~(run - 1);
        if (has_cont(d) && run_start >= start && run_start + run <= end)
          raw_write(slot, d, Descriptor(), meter);
        else
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
        tlb.add_freed_table(VirtAddr(va));
      }
    }
    va = entry_end;
  }
  return table != m_root && m_counts.at(table.value()).entries == 0;
}

}  // namespace mmusim::sw
