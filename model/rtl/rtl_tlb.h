// The RTL TLB (rtl/mmu_tlb.sv) behind a C++ interface, one operation at a time. The pin-level
// driver of a Verilation is in verilated_tlb.h.
#pragma once

#include <cstdint>

#include "model/mmu/tlb.h"
#include "model/rtl/rtl_stuck.h"

namespace mmusim::rtl {

// mmu_pkg::tlb_inv_e.
enum class TlbInvKind : uint8_t { kVaAsid = 0, kVa = 1, kAsid = 2, kAll = 3 };

struct RtlTlbLookup {
  bool hit = false;
  PhysAddr pa;
  TlbEntry entry;  // valid on a hit
  unsigned way = 0;
};

struct RtlTlbFill {
  unsigned way = 0;
  bool evicted = false;  // the replacement policy replaced a valid entry
};

// Contract: operations complete in order, each before the call returns; a response that does
// not come within `cycle_limit` cycles throws RtlStuck describing the pins.
class RtlTlb {
 public:
  virtual ~RtlTlb() = default;
  virtual RtlTlbLookup lookup(VirtAddr va, Asid asid) = 0;
  // Installs `translation` (its vpn is ignored) for `va`.
  virtual RtlTlbFill fill(VirtAddr va, const TlbEntry& translation) = 0;
  virtual void invalidate(TlbInvKind kind, VirtAddr va, Asid asid) = 0;
  virtual uint64_t cycles() const = 0;
};

}  // namespace mmusim::rtl
