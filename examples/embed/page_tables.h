// The page tables, built the way an operating system or a boot loader builds them: AArch64
// VMSAv8-64 stage-1 descriptors for the 4 KB granule and a 48-bit VA (lookup levels 0 to 3),
// written as raw 64-bit values into the platform's own memory. The bits are spelled out here
// (Arm ARM D8.3, "Translation table descriptor formats"); mmusim's installed
// <mmusim/model/arch/descriptor.h> builds the same values (arch::Descriptor::make_table,
// make_block, make_page) for a platform that prefers them.
#pragma once

#include <cstdint>
#include <stdexcept>

#include "memory.h"

class PageTables {
 public:
  // MAIR_EL1 as this example programs it: AttrIndx 0 is Normal memory, inner and outer
  // write-back read/write-allocate (0xff); AttrIndx 1 is Device-nGnRE (0x04).
  static constexpr uint64_t kMair = 0x04ff;
  static constexpr unsigned kNormal = 0;

  enum class Access { kReadWrite, kReadOnly };  // for EL1 and EL0 alike

  // Tables are taken from [tables, tables_end), 4 KB each; the first one is the level-0 table
  // (what TTBR0_EL1 points at).
  PageTables(Memory& memory, uint64_t tables, uint64_t tables_end)
      : m_memory(memory), m_next(tables), m_end(tables_end), m_root(new_table()) {}

  uint64_t root() const { return m_root; }

  // A 4 KB page at level 3.
  void map_page(uint64_t va, uint64_t pa, Access access) {
    const uint64_t table = table_for(va, 3);
    m_memory.write64(slot(table, va, 3), (pa & kAddressMask) | leaf_attrs(access) | 0b11);
  }

  // A 2 MB block at level 2; `va` and `pa` aligned to 2 MB.
  void map_block_2m(uint64_t va, uint64_t pa, Access access) {
    if ((va | pa) & ((uint64_t{1} << 21) - 1))
      throw std::invalid_argument("map_block_2m: VA and PA must be 2 MB aligned");
    const uint64_t table = table_for(va, 2);
    m_memory.write64(slot(table, va, 2), (pa & kAddressMask) | leaf_attrs(access) | 0b01);
  }

 private:
  static constexpr uint64_t kAddressMask = 0x0000'ffff'ffff'f000;  // output address [47:12]

  // Lower and upper attributes of a block or page: AttrIndx[4:2] (Normal), AP[2:1] at [7:6]
  // (0b01: read/write at EL1 and EL0; 0b11: read-only at both), SH[9:8] = 0b11 (Inner
  // Shareable), AF[10] = 1 (no access-flag fault), nG[11] = 1 (the TLB tags the entry with the
  // ASID), PXN[53] = 1 (EL1 does not execute user pages).
  static uint64_t leaf_attrs(Access access) {
    const uint64_t ap = access == Access::kReadWrite ? 0b01 : 0b11;
    return uint64_t{kNormal} << 2 | ap << 6 | uint64_t{0b11} << 8 | uint64_t{1} << 10 |
           uint64_t{1} << 11 | uint64_t{1} << 53;
  }

  // The descriptor slot of `va` in the table at `table`, a table at `level`.
  static uint64_t slot(uint64_t table, uint64_t va, int level) {
    const unsigned shift = 39 - 9 * level;  // VA bits [47:39], [38:30], [29:21], [20:12]
    return table + ((va >> shift) & 511) * 8;
  }

  // The table at `level` that translates `va`, creating the tables above it that are missing
  // (table descriptors: bits[1:0] = 0b11 and the next table's address).
  uint64_t table_for(uint64_t va, int level) {
    uint64_t table = m_root;
    for (int l = 0; l < level; ++l) {
      const uint64_t entry = slot(table, va, l);
      uint64_t descriptor = m_memory.read64(entry);
      if ((descriptor & 0b11) != 0b11) {
        if (descriptor & 1) throw std::logic_error("a block is mapped where a table is needed");
        descriptor = new_table() | 0b11;
        m_memory.write64(entry, descriptor);
      }
      table = descriptor & kAddressMask;
    }
    return table;
  }

  // A zeroed 4 KB table (every descriptor invalid).
  uint64_t new_table() {
    if (m_next + 4096 > m_end) throw std::runtime_error("no room left for page tables");
    const uint64_t table = m_next;
    m_next += 4096;
    for (uint64_t pa = table; pa < table + 4096; pa += 8)
      m_memory.write64(pa, 0);
    return table;
  }

  Memory& m_memory;
  uint64_t m_next;
  uint64_t m_end;
  uint64_t m_root;
};
