// The RTL MMU (rtl/mmu_top.sv: L1 ITLB, L1 DTLB, L2 TLB, walker) behind a C++ interface, one
// translation at a time. The pin-level driver of a Verilation is in verilated_mmu.h.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/arch/fault.h"
#include "model/arch/memattr.h"
#include "model/rtl/rtl_ptw.h"
#include "model/rtl/rtl_tlb.h"

namespace mmusim::rtl {

struct RtlAccess {
  VirtAddr va;
  arch::AccessKind access = arch::AccessKind::kRead;
  arch::ExceptionLevel el = arch::ExceptionLevel::kEl0;
  unsigned len = 8;  // bytes, 1-64, within one 4 KB page
};

struct RtlTranslation {
  arch::FaultKind fault = arch::FaultKind::kNone;
  int level = 0;  // -1 for faults without a level (alignment), as arch::FaultSyndrome
  uint32_t esr = 0;
  PhysAddr pa;  // when fault == kNone
  arch::MemType mem_type = arch::MemType::kNormalWriteBack;
  uint8_t attr_index = 0;
  bool l1_hit = false;
  bool l2_hit = false;
  bool walked = false;
  // TLB fills (mmu_top rsp_l1_fill*/rsp_l2_fill*; Mmu::last_fills): the L1 TLB of the access
  // (ITLB for fetches, else DTLB) and the L2, with the way each took.
  TlbFill l1_fill;
  TlbFill l2_fill;
  uint64_t cycles = 0;  // request accepted to response
};

// Contract: calls complete in order; translate() throws RtlStuck after the cycle limit naming
// the FSM state and the outstanding memory request. set_ttbr0 and set_mair change the register
// values the next translation samples; no TLB entry is touched (as ports::MmuControl).
class RtlMmu {
 public:
  virtual ~RtlMmu() = default;
  virtual RtlTranslation translate(const RtlAccess& access) = 0;
  virtual void invalidate(TlbInvKind kind, VirtAddr va, Asid asid) = 0;
  virtual void set_ttbr0(PhysAddr table, Asid asid) = 0;
  virtual void set_mair(uint64_t mair) = 0;
  virtual const std::vector<RtlDescriptorWrite>& writes() const = 0;
  virtual uint64_t cycles() const = 0;
};

// Names of mmu_top's state_e values, for stuck reports.
inline std::string mmu_state_name(unsigned state) {
  static const char* kNames[] = {"StIdle",   "StL1Lookup", "StL2Lookup", "StWalk",
                                 "StL2Fill", "StL1Fill",   "StRsp"};
  return state < 7 ? kNames[state] : "?(" + std::to_string(state) + ")";
}

}  // namespace mmusim::rtl
