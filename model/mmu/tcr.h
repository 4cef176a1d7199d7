// TCR_EL1 (Arm ARM D17.2 "TCR_EL1, Translation Control Register (EL1)") as
// far as the MMU model implements it: the 4 KB granule, 48-bit virtual
// addresses walked from level 0 (T0SZ = 16), TTBR0 only, 48-bit physical
// addresses and 16-bit ASIDs. Mmu::set_tcr() takes a register value,
// applies the fields the model has a setting for and refuses the others
// (tcr::refusal() names the first field it cannot honour).
//
// Field by field:
//   T0SZ [5:0]    must be 16 (the walker starts at level 0 with 48-bit VAs)
//   EPD0 [7]      must be 0 (TTBR0 walks cannot be disabled)
//   IRGN0 [9:8]   applied: cacheability of descriptor reads in the L1D
//                 (0b00 non-cacheable, 0b01 and 0b11 write-back, 0b10 write-through)
//   ORGN0 [11:10] accepted, no effect (there is no outer cache)
//   SH0 [13:12]   accepted, no effect (one core); 0b01 is reserved and refused
//   TG0 [15:14]   must be 0b00 (4 KB granule)
//   A1 [22]       must be 0 (the ASID comes from TTBR0)
//   EPD1 [23]     must be 1: TTBR1 is not walked; a VA with any of bits
//                 [63:48] set takes a level-0 translation fault. With EPD1 = 1
//                 the other TTBR1 fields (T1SZ, IRGN1, ORGN1, SH1, TG1, TBI1,
//                 HPD1, HWU1xx, TBID1, NFD1, E0PD1, TCMA1, MTX1) are ignored.
//   IPS [34:32]   must be 0b101 (48-bit physical addresses)
//   AS [36]       must be 1 (16-bit ASIDs)
//   TBI0 [37]     must be 0 (no top-byte-ignore)
//   HA [39], HD [40]  applied together: FEAT_HAFDBS on when both are 1, off
//                 when both are 0; one without the other is refused
//   HPD0 [41], HWU059-HWU062 [46:43], TBID0 [51], NFD0 [53], E0PD0 [55],
//   TCMA0 [57], DS [59], MTX0 [60]  must be 0 (not modelled)
//   RES0 bits 6, 35, 62 and 63 must be 0.
#pragma once

#include <cstdint>
#include <string>

#include "model/arch/memattr.h"

namespace mmusim::tcr {

constexpr unsigned kT0szShift = 0, kEpd0Bit = 7, kIrgn0Shift = 8, kOrgn0Shift = 10, kSh0Shift = 12,
                   kTg0Shift = 14, kA1Bit = 22, kEpd1Bit = 23, kIpsShift = 32, kAsBit = 36,
                   kTbi0Bit = 37, kHaBit = 39, kHdBit = 40;
constexpr uint64_t kT0sz48 = 16;     // 48-bit VAs
constexpr uint64_t kIps48 = 0b101;   // 48-bit PAs
constexpr uint64_t kRgnWbWa = 0b01;  // IRGN0/ORGN0: write-back, write-allocate
constexpr uint64_t kShInner = 0b11;  // SH0: inner shareable

namespace detail {

inline uint64_t field(uint64_t v, unsigned lsb, unsigned width) {
  return (v >> lsb) & ((uint64_t{1} << width) - 1);
}

inline std::string bin(uint64_t v, unsigned width) {
  std::string s = "0b";
  for (unsigned i = width; i-- > 0;)
    s += ((v >> i) & 1) ? '1' : '0';
  return s;
}

}  // namespace detail

// The TCR_EL1 value of the model with descriptor reads of `walk_mem_type`
// and FEAT_HAFDBS `hafdbs` (what Mmu::tcr() returns until set_tcr()).
inline uint64_t supported_value(arch::MemType walk_mem_type, bool hafdbs) {
  uint64_t rgn = 0b00;
  if (walk_mem_type == arch::MemType::kNormalWriteBack) rgn = kRgnWbWa;
  if (walk_mem_type == arch::MemType::kNormalWriteThrough) rgn = 0b10;
  uint64_t v = kT0sz48 << kT0szShift;
  v |= rgn << kIrgn0Shift | rgn << kOrgn0Shift | kShInner << kSh0Shift;
  v |= uint64_t{1} << kEpd1Bit | kIps48 << kIpsShift | uint64_t{1} << kAsBit;
  if (hafdbs) v |= uint64_t{1} << kHaBit | uint64_t{1} << kHdBit;
  return v;
}

// Empty when the model can honour `tcr`; otherwise what it cannot, naming
// the field first, e.g. "TG0 = 0b10: only the 4 KB granule (TG0 = 0b00) is
// modelled".
inline std::string refusal(uint64_t tcr) {
  for (unsigned bit : {6u, 35u, 62u, 63u})
    if (detail::field(tcr, bit, 1)) return "RES0 bit " + std::to_string(bit) + " = 1: must be 0";
  const uint64_t t0sz = detail::field(tcr, kT0szShift, 6);
  if (t0sz != kT0sz48)
    return "T0SZ = " + std::to_string(t0sz) +
           ": the walker starts at level 0 with 48-bit virtual addresses only (T0SZ = 16)";
  if (detail::field(tcr, kEpd0Bit, 1))
    return "EPD0 = 1: TTBR0 walks cannot be disabled in this model";
  if (detail::field(tcr, kSh0Shift, 2) == 0b01) return "SH0 = 0b01: reserved";
  const uint64_t tg0 = detail::field(tcr, kTg0Shift, 2);
  if (tg0 != 0)
    return "TG0 = " + detail::bin(tg0, 2) + ": only the 4 KB granule (TG0 = 0b00) is modelled";
  if (detail::field(tcr, kA1Bit, 1)) return "A1 = 1: the ASID comes from TTBR0 only in this model";
  if (!detail::field(tcr, kEpd1Bit, 1))
    return "EPD1 = 0: TTBR1 walks are not modelled (set EPD1 = 1: addresses above the TTBR0 "
           "range take a translation fault)";
  const uint64_t ips = detail::field(tcr, kIpsShift, 3);
  if (ips != kIps48)
    return "IPS = " + detail::bin(ips, 3) +
           ": only 48-bit physical addresses (IPS = 0b101) are modelled";
  if (!detail::field(tcr, kAsBit, 1)) return "AS = 0: only 16-bit ASIDs (AS = 1) are modelled";
  if (detail::field(tcr, kTbi0Bit, 1)) return "TBI0 = 1: top-byte-ignore is not modelled";
  const uint64_t ha = detail::field(tcr, kHaBit, 1), hd = detail::field(tcr, kHdBit, 1);
  if (ha != hd)
    return "HA = " + std::to_string(ha) + ", HD = " + std::to_string(hd) +
           ": hardware access-flag and dirty-state updates are modelled together (both or "
           "neither)";
  static const struct {
    const char* name;
    unsigned lsb, width;
  } kZero[] = {{"HPD0", 41, 1},  {"HWU059-HWU062", 43, 4}, {"TBID0", 51, 1}, {"NFD0", 53, 1},
               {"E0PD0", 55, 1}, {"TCMA0", 57, 1},         {"DS", 59, 1},    {"MTX0", 60, 1}};
  for (const auto& f : kZero) {
    const uint64_t v = detail::field(tcr, f.lsb, f.width);
    if (v)
      return std::string(f.name) + " = " + detail::bin(v, f.width) + ": not modelled (must be 0)";
  }
  return {};
}

// What an accepted value sets: the memory type of descriptor reads (IRGN0)
// and FEAT_HAFDBS (HA = HD).
inline arch::MemType walk_mem_type(uint64_t tcr) {
  switch (detail::field(tcr, kIrgn0Shift, 2)) {
    case 0b00:
      return arch::MemType::kNormalNonCacheable;
    case 0b10:
      return arch::MemType::kNormalWriteThrough;
    default:
      return arch::MemType::kNormalWriteBack;
  }
}

inline bool hafdbs(uint64_t tcr) {
  return detail::field(tcr, kHaBit, 1) != 0;
}

}  // namespace mmusim::tcr
