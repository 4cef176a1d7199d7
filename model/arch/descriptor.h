// AArch64 VMSAv8-64 stage-1 translation table formats, 4 KB granule, 48-bit
// VA, lookup levels 0-3 (Arm ARM D8.3 "Translation table descriptor formats";
// D5.3 in older editions). Plain C++: shared by the hardware model (walker,
// TLB) and the kernel layer (page-table writer).
#pragma once

#include <cstdint>

#include "model/arch/types.h"

namespace mmusim::arch {

constexpr unsigned kPageShift = 12;
constexpr uint64_t kPageSize = uint64_t{1} << kPageShift;
constexpr unsigned kVaBits = 48;
constexpr int kFirstLevel = 0;
constexpr int kLastLevel = 3;
constexpr unsigned kEntriesPerTable = 512;
constexpr uint64_t kDescriptorBytes = 8;

// VA bits translated at each level: L0 [47:39], L1 [38:30], L2 [29:21], L3 [20:12].
constexpr unsigned level_shift(int level) {
  return 39 - 9 * static_cast<unsigned>(level);
}
// Bytes mapped by one entry at `level`: 512 GB, 1 GB, 2 MB, 4 KB.
constexpr uint64_t level_size(int level) {
  return uint64_t{1} << level_shift(level);
}
constexpr unsigned table_index(VirtAddr va, int level) {
  return static_cast<unsigned>((va.value() >> level_shift(level)) & (kEntriesPerTable - 1));
}
// True when the VA is inside the TTBR0 (lower) range of a 48-bit regime.
constexpr bool is_ttbr0_va(VirtAddr va) {
  return (va.value() >> kVaBits) == 0;
}

// Bit positions of the descriptor fields.
namespace bit {
constexpr unsigned kValid = 0;
constexpr unsigned kTableOrPage = 1;  // 1: table (L0-L2) or page (L3); 0: block
constexpr unsigned kAttrIndx = 2;     // [4:2]  index into MAIR_EL1
constexpr unsigned kNs = 5;           // [5]
constexpr unsigned kAp = 6;           // [7:6]  AP[2:1]
constexpr unsigned kSh = 8;           // [9:8]  shareability
constexpr unsigned kAf = 10;          // [10]   access flag
constexpr unsigned kNg = 11;          // [11]   not global
constexpr unsigned kDbm = 51;         // [51]   dirty bit modifier (FEAT_HAFDBS)
constexpr unsigned kContiguous = 52;  // [52]
constexpr unsigned kPxn = 53;         // [53]
constexpr unsigned kUxn = 54;         // [54]   UXN (XN)
constexpr unsigned kPxnTable = 59;    // table descriptors only
constexpr unsigned kUxnTable = 60;
constexpr unsigned kApTable = 61;  // [62:61]
constexpr unsigned kNsTable = 63;
}  // namespace bit

// Output address bits [47:12] of any descriptor.
constexpr uint64_t kOutputAddressMask = 0x0000'FFFF'FFFF'F000ull;

// AP[2:1] encodings (Arm ARM D8.4.1, "Data access permissions").
enum class Ap : uint8_t {
  kPrivRw = 0b00,  // EL1 read/write, EL0 none
  kRw = 0b01,      // EL1 and EL0 read/write
  kPrivRo = 0b10,  // EL1 read-only, EL0 none
  kRo = 0b11,      // EL1 and EL0 read-only
};

// Shareability, SH[1:0].
enum class Sh : uint8_t { kNon = 0b00, kOuter = 0b10, kInner = 0b11 };

// Stage-1 lower attributes and upper attributes of a block or page.
struct PageAttrs {
  uint8_t attr_index = 0;  // MAIR_EL1 index, 0-7
  Ap ap = Ap::kPrivRw;
  Sh sh = Sh::kInner;
  bool ns = false;
  bool af = true;
  bool ng = true;
  bool dbm = false;
  bool contiguous = false;
  bool pxn = false;
  bool uxn = false;
  bool operator==(const PageAttrs& o) const;
};

// Hierarchical attributes carried by a table descriptor (APTable, XNTable).
struct TableAttrs {
  bool no_el0 = false;     // APTable[0]: EL0 access not permitted below
  bool read_only = false;  // APTable[1]: writes not permitted below
  bool pxn = false;
  bool uxn = false;
  bool ns = false;
};

enum class DescType : uint8_t { kInvalid, kTable, kBlock, kPage };

// One 64-bit translation table descriptor. Construction goes through the
// make_* functions so that only well-formed descriptors are built; decode()
// accepts any raw value read from memory.
class Descriptor {
 public:
  constexpr Descriptor() = default;
  constexpr explicit Descriptor(uint64_t raw) : m_raw(raw) {}
  constexpr uint64_t raw() const { return m_raw; }

  static Descriptor make_table(PhysAddr next_table, const TableAttrs& attrs = {});
  // A block at level 1 (1 GB) or 2 (2 MB). `output` must be aligned to the block size.
  static Descriptor make_block(int level, PhysAddr output, const PageAttrs& attrs);
  // A page at level 3 (4 KB).
  static Descriptor make_page(PhysAddr output, const PageAttrs& attrs);

  // What the descriptor is when found at `level`. Level 0 blocks and level 3
  // entries with bits[1:0] == 0b01 are reserved and decode as invalid, as the
  // walker must raise a translation fault for them (D8.3.1).
  DescType type(int level) const;
  bool valid() const { return bit_at(bit::kValid); }

  PhysAddr output_address() const { return PhysAddr(m_raw & kOutputAddressMask); }
  PageAttrs page_attrs() const;
  TableAttrs table_attrs() const;

  bool af() const { return bit_at(bit::kAf); }
  Descriptor with_af(bool af) const { return with_bit(bit::kAf, af); }
  Ap ap() const { return static_cast<Ap>((m_raw >> bit::kAp) & 3); }
  Descriptor with_ap(Ap ap) const;

  bool operator==(Descriptor o) const { return m_raw == o.m_raw; }

 private:
  constexpr bool bit_at(unsigned b) const { return (m_raw >> b) & 1; }
  Descriptor with_bit(unsigned b, bool v) const {
    return Descriptor(v ? (m_raw | (uint64_t{1} << b)) : (m_raw & ~(uint64_t{1} << b)));
  }
  uint64_t m_raw = 0;
};

}  // namespace mmusim::arch
