// The packed `mmu_pkg::tlb_entry_t` of the RTL as C++ sees it on a Verilated port: 103 bits in
// 32-bit words, least significant word first. One codec shared by every pin-level driver, so
// that the field layout lives in one place next to the SystemVerilog struct it mirrors.
#pragma once

#include <cstdint>

#include "model/arch/memattr.h"
#include "model/arch/permissions.h"
#include "model/mmu/tlb.h"

namespace mmusim::rtl {

// Field positions (lsb, width) of tlb_entry_t; the first struct member is the most significant.
namespace entry_field {
struct Field {
  unsigned lsb;
  unsigned width;
};
constexpr Field kUxn{0, 1};
constexpr Field kPxn{1, 1};
constexpr Field kAp{2, 2};
constexpr Field kMemType{4, 3};
constexpr Field kAttrIdx{7, 3};
constexpr Field kGlobal{10, 1};
constexpr Field kAsid{11, 16};
constexpr Field kLevel{27, 2};
constexpr Field kSize{29, 2};
constexpr Field kPpn{31, 36};
constexpr Field kVpn{67, 36};
constexpr unsigned kBits = 103;
constexpr unsigned kWords = (kBits + 31) / 32;
}  // namespace entry_field

// Reads `f` from little-endian 32-bit words (a Verilator VlWide or a plain array).
template <typename Words>
uint64_t get_field(const Words& w, entry_field::Field f) {
  uint64_t v = 0;
  for (unsigned i = 0; i < f.width; ++i) {
    const unsigned b = f.lsb + i;
    v |= uint64_t{(w[b / 32] >> (b % 32)) & 1u} << i;
  }
  return v;
}

template <typename Words>
void set_field(Words& w, entry_field::Field f, uint64_t v) {
  for (unsigned i = 0; i < f.width; ++i) {
    const unsigned b = f.lsb + i;
    const uint32_t mask = uint32_t{1} << (b % 32);
    w[b / 32] = ((v >> i) & 1) ? (w[b / 32] | mask) : (w[b / 32] & ~mask);
  }
}

// Encodes a C++ translation as the RTL entry it corresponds to.
template <typename Words>
void encode_entry(const TlbEntry& e, Words& w) {
  using namespace entry_field;
  for (unsigned i = 0; i < kWords; ++i)
    w[i] = 0;
  const int size = page_size_index(e.page_shift);
  set_field(w, kVpn, (e.vpn << e.page_shift) >> 12);
  set_field(w, kPpn, e.output.value() >> 12);
  set_field(w, kSize, static_cast<uint64_t>(size < 0 ? 0 : size));
  set_field(w, kLevel, static_cast<uint64_t>(e.level) & 3);
  set_field(w, kAsid, e.asid.value());
  set_field(w, kGlobal, e.global);
  set_field(w, kAttrIdx, e.attr_index);
  set_field(w, kMemType, static_cast<uint64_t>(e.mem_type));
  set_field(w, kAp, static_cast<uint64_t>(e.perm.ap));
  set_field(w, kPxn, e.perm.pxn);
  set_field(w, kUxn, e.perm.uxn);
}

// Decodes an RTL entry into the C++ form (valid, ready left at their defaults).
template <typename Words>
TlbEntry decode_entry(const Words& w) {
  using namespace entry_field;
  TlbEntry e;
  e.page_shift = kPageShift[get_field(w, kSize)];
  e.vpn = (get_field(w, kVpn) << 12) >> e.page_shift;
  e.output = PhysAddr(get_field(w, kPpn) << 12);
  e.level = static_cast<int8_t>(get_field(w, kLevel));
  e.asid = Asid(static_cast<uint16_t>(get_field(w, kAsid)));
  e.global = get_field(w, kGlobal) != 0;
  e.attr_index = static_cast<uint8_t>(get_field(w, kAttrIdx));
  e.mem_type = static_cast<arch::MemType>(get_field(w, kMemType));
  e.perm.ap = static_cast<arch::Ap>(get_field(w, kAp));
  e.perm.pxn = get_field(w, kPxn) != 0;
  e.perm.uxn = get_field(w, kUxn) != 0;
  e.valid = true;
  return e;
}

}  // namespace mmusim::rtl
