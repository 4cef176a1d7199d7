// Seeded random AArch64 translation tables for the walker lock-step tests: on the path of each
// address the first walk to reach a descriptor slot decides what is there (table, block, page,
// invalid, reserved encodings, pointers into a bus-error region), with random leaf attributes
// (AF clear, AP, PXN/UXN, nG, AttrIndx, contiguous hint) and table controls (APTable,
// PXNTable, UXNTable).
#pragma once

#include <cstdint>
#include <random>
#include <unordered_set>
#include <vector>

#include "model/arch/descriptor.h"
#include "model/rtl/rtl_ptw.h"

namespace mmusim::rtl {

class RandomPageTables {
 public:
  static constexpr uint64_t kTableBase = 0x8000'0000;       // tables from here, 4 KB each
  static constexpr uint64_t kErrorBase = 0xf000'0000'0000;  // bus errors above
  static constexpr uint64_t kErrorBytes = 0x10'0000'0000;

  // Tables are allocated upwards from `table_base` (4 KB apart).
  RandomPageTables(DescriptorMemory& mem, uint64_t seed, uint64_t table_base = kTableBase)
      : m_mem(mem), m_rng(seed), m_table_base(table_base) {
    mem.set_error_region(PhysAddr(kErrorBase), kErrorBytes);
    m_root = allocate();
  }

  PhysAddr root() const { return m_root; }

  // Decides every descriptor slot on `va`'s path that no earlier call has decided.
  void populate(VirtAddr va) {
    PhysAddr table = m_root;
    for (int level = 0; level <= 3; ++level) {
      const PhysAddr slot = table + arch::table_index(va, level) * arch::kDescriptorBytes;
      if (m_decided.insert(slot.value()).second) m_mem.write(slot, random_descriptor(level));
      const arch::Descriptor d(m_mem.read(slot));
      if (d.type(level) != arch::DescType::kTable) return;
      table = d.output_address();
      if (m_mem.is_error(table)) return;
    }
  }

 private:
  bool percent(unsigned p) { return m_rng() % 100 < p; }
  PhysAddr allocate() { return PhysAddr(m_table_base + m_tables++ * arch::kPageSize); }
  uint64_t random_output(unsigned shift) {
    return (m_rng() & arch::kOutputAddressMask) & ~((uint64_t{1} << shift) - 1);
  }
  uint64_t random_descriptor(int level) {
    const unsigned r = static_cast<unsigned>(m_rng() % 100);
    // Level 0: tables mostly; levels 1-2: tables, blocks; level 3: pages. Some invalid,
    // some reserved (L0 block, L3 0b01), a few tables into the bus-error region.
    if (r < 6) return m_rng() & ~uint64_t{1};  // invalid: bit 0 clear, junk elsewhere
    if (level < 3 && r < 9) {
      arch::TableAttrs a;
      return arch::Descriptor::make_table(PhysAddr(kErrorBase + (m_rng() % 16) * 4096), a).raw();
    }
    const bool table = level == 0 ? r < 96 : level < 3 && r < (level == 1 ? 70 : 65);
    if (table) {
      arch::TableAttrs a;
      a.no_el0 = percent(8);
      a.read_only = percent(8);
      a.pxn = percent(8);
      a.uxn = percent(8);
      a.ns = percent(5);
      return arch::Descriptor::make_table(allocate(), a).raw();
    }
    if (level == 0 || (level == 3 && r >= 96)) {
      // Reserved encodings: an L0 "block" or an L3 entry with bits[1:0] == 0b01.
      return (m_rng() & ~uint64_t{3}) | 0b01;
    }
    arch::PageAttrs a;
    a.attr_index = static_cast<uint8_t>(m_rng() % 8);
    a.ap = static_cast<arch::Ap>(m_rng() % 4);
    a.sh = arch::Sh::kInner;
    a.ns = percent(5);
    a.af = !percent(15);
    a.ng = !percent(25);
    a.dbm = percent(10);
    a.contiguous = percent(15);
    a.pxn = percent(30);
    a.uxn = percent(30);
    if (level == 3) return arch::Descriptor::make_page(PhysAddr(random_output(12)), a).raw();
    return arch::Descriptor::make_block(level, PhysAddr(random_output(arch::level_shift(level))), a)
        .raw();
  }

  DescriptorMemory& m_mem;
  std::mt19937_64 m_rng;
  uint64_t m_table_base;
  PhysAddr m_root;
  uint64_t m_tables = 0;
  std::unordered_set<uint64_t> m_decided;
};

// A stream of walk requests over `tables`: addresses clustered so that walks share tables,
// every access kind at both ELs, a few ASIDs, MAIR the kernel's or random.
inline std::vector<RtlWalkRequest> random_walks(RandomPageTables& tables, uint64_t seed,
                                                size_t count) {
  std::mt19937_64 rng(seed);
  std::vector<RtlWalkRequest> walks;
  walks.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    RtlWalkRequest w;
    // 2 L0 slots x 4 L1 x 8 L2 x 32 L3, plus some anywhere in the 48-bit space.
    uint64_t va = (rng() % 2) << 39 | (rng() % 4) << 30 | (rng() % 8) << 21 | (rng() % 32) << 12;
    if (rng() % 10 == 0) va = rng() & ((uint64_t{1} << 48) - 1);
    w.va = VirtAddr(va | (rng() % 4096));
    w.asid = Asid(static_cast<uint16_t>(rng() % 4));
    w.access = static_cast<arch::AccessKind>(rng() % 3);
    w.el = rng() % 2 ? arch::ExceptionLevel::kEl1 : arch::ExceptionLevel::kEl0;
    w.ttbr = tables.root() + (rng() % 2 ? rng() % 4096 : 0);  // BADDR bits below 4 KB ignored
    w.mair = rng() % 4 ? arch::kLinuxMair : rng();
    tables.populate(w.va);
    walks.push_back(w);
  }
  return walks;
}

}  // namespace mmusim::rtl
