// The RTL page-table walker (rtl/mmu_ptw.sv) behind a C++ interface, one walk at a time, and the
// descriptor memory it reads. The pin-level driver of a Verilation is in verilated_ptw.h.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/arch/fault.h"
#include "model/mmu/tlb.h"
#include "model/rtl/rtl_stuck.h"

namespace mmusim::rtl {

// Physical memory holding translation tables, 8-byte words. Addresses in the error region
// answer with a bus error. Shared by the RTL driver and the C++ walker's TLM target.
class DescriptorMemory {
 public:
  uint64_t read(PhysAddr pa) const {
    const auto it = m_words.find(pa.value() & ~uint64_t{7});
    return it == m_words.end() ? 0 : it->second;
  }
  void write(PhysAddr pa, uint64_t value) { m_words[pa.value() & ~uint64_t{7}] = value; }
  bool is_error(PhysAddr pa) const {
    return pa.value() >= m_error_base && pa.value() - m_error_base < m_error_bytes;
  }
  void set_error_region(PhysAddr base, uint64_t bytes) {
    m_error_base = base.value();
    m_error_bytes = bytes;
  }

 private:
  std::unordered_map<uint64_t, uint64_t> m_words;
  uint64_t m_error_base = 0;
  uint64_t m_error_bytes = 0;
};

struct RtlWalkRequest {
  VirtAddr va;
  Asid asid;
  arch::AccessKind access = arch::AccessKind::kRead;
  arch::ExceptionLevel el = arch::ExceptionLevel::kEl0;
  PhysAddr ttbr;
  uint64_t mair = 0;
};

struct RtlWalkResult {
  bool entry_valid = false;  // a leaf with AF set was found (cacheable)
  TlbEntry entry;
  arch::FaultKind fault = arch::FaultKind::kNone;  // includes the permission check
  int level = 0;
  uint32_t esr = 0;
  uint64_t cycles = 0;  // from request to response
};

// A descriptor write the walker made (hardware AF update).
struct RtlDescriptorWrite {
  PhysAddr pa;
  uint64_t before = 0;
  uint64_t after = 0;
};

struct MemoryTiming {
  unsigned latency_cycles = 2;  // request accepted to response
  unsigned stall_percent = 25;  // chance that mem_req_ready_i is low in a cycle
  uint64_t seed = 1;
  bool never_respond = false;  // a memory that accepts and never answers (stuck-run tests)
};

// Contract: walk() returns when the walker answered, else throws RtlStuck after `cycle_limit`
// cycles naming the FSM state and the outstanding memory request.
class RtlPtw {
 public:
  virtual ~RtlPtw() = default;
  virtual RtlWalkResult walk(const RtlWalkRequest& req) = 0;
  // Writes made by the walks so far (hardware AF update), oldest first.
  virtual const std::vector<RtlDescriptorWrite>& writes() const = 0;
  virtual uint64_t cycles() const = 0;
};

// Names of mmu_ptw's state_e values, for stuck reports.
inline std::string ptw_state_name(unsigned state) {
  static const char* kNames[] = {"StIdle",   "StWalkL0",   "StWalkL1", "StWalkL2",
                                 "StWalkL3", "StAfUpdate", "StDone"};
  return state < 7 ? kNames[state] : "?(" + std::to_string(state) + ")";
}

}  // namespace mmusim::rtl
