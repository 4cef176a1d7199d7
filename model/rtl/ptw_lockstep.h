// Lock-step checker of the RTL page-table walker against the C++ PageTableWalker (plus the
// Mmu's permission check on the walked entry), both reading the same DescriptorMemory: the
// C++ walker through a TLM target, the RTL through its memory pins. The first walk whose
// outcome differs (translation, attributes, permissions, fault kind, level, ESR) stops the run
// with a report naming the walk index, the request, the expected and the actual result.
//
// The C++ walker has no hardware AF update; for an RTL built with HwAfUpdate the RTL walks
// first, so that the C++ walker sees the descriptor with AF set, and every RTL write must be the
// descriptor it read with only AF added.
#pragma once

#include <tlm_utils/simple_target_socket.h>
#include <string>
#include <systemc>
#include <tlm>

#include "model/mmu/walker.h"
#include "model/rtl/rtl_ptw.h"

namespace mmusim::rtl {

// TLM target over a DescriptorMemory (8-byte reads; the error region answers with an address
// error, which the walker reports as an external abort).
class DescriptorMemoryTarget : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<DescriptorMemoryTarget> socket;
  DescriptorMemoryTarget(sc_core::sc_module_name name, DescriptorMemory& mem);

 private:
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  DescriptorMemory& m_mem;
};

class PtwLockstep {
 public:
  // `walker` must be bound to a DescriptorMemoryTarget over the same memory as `rtl`, and have
  // no walk cache (tables change between walks in the tests). Call after elaboration.
  PtwLockstep(PageTableWalker& walker, RtlPtw& rtl, bool hw_af_update);

  // Walks `req` on both sides; false at the first difference (see report()).
  bool step(const RtlWalkRequest& req);

  uint64_t compared() const { return m_compared; }
  bool failed() const { return !m_report.empty(); }
  const std::string& report() const { return m_report; }

 private:
  bool mismatch(const RtlWalkRequest& req, const std::string& what, const std::string& expected,
                const std::string& actual);

  PageTableWalker& m_walker;
  RtlPtw& m_rtl;
  bool m_hw_af_update;
  size_t m_writes_seen = 0;
  uint64_t m_compared = 0;
  std::string m_report;
};

// "read at EL0 of va 0x... asid 3 (ttbr 0x...)".
std::string describe_walk(const RtlWalkRequest& req);

}  // namespace mmusim::rtl
