// Lock-step checker of the RTL MMU (rtl/mmu_top.sv) against the C++ Mmu module itself: the same
// accesses, TLB maintenance, TTBR0/ASID and MAIR writes go to both; the first access whose
// outcome differs (fault kind, level, ESR; physical address, memory type; L1 hit, L2 hit, walk;
// the way of each TLB fill) stops the run with a report naming the operation index, the operation,
// the expected and the actual result.
//
// The checker is a SystemC module: it drives the Mmu's `cpu` socket and terminates its `mem`
// and `imem` sockets (recording the physical address); the Mmu's walker must be bound to a
// DescriptorMemoryTarget over the memory the RTL reads. The C++ Mmu must match what the RTL
// builds: tree-PLRU unified TLBs of the same geometry, no walk cache, no inclusive L2.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <string>
#include <systemc>
#include <tlm>

#include "model/mmu/mmu.h"
#include "model/rtl/rtl_mmu.h"

namespace mmusim::rtl {

struct MmuOp {
  enum class Kind : uint8_t { kAccess, kInvVaAsid, kInvVa, kInvAsid, kInvAll, kSetTtbr0, kSetMair };
  Kind kind = Kind::kAccess;
  RtlAccess access;   // kAccess
  VirtAddr va;        // TLBI
  Asid asid;          // TLBI, kSetTtbr0
  PhysAddr table;     // kSetTtbr0
  uint64_t mair = 0;  // kSetMair

  std::string describe() const;
};

class MmuLockstep : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<MmuLockstep> cpu;
  tlm_utils::simple_target_socket<MmuLockstep> data;
  tlm_utils::simple_target_socket<MmuLockstep> fetch;

  // Binds itself to `mmu` (cpu, mem, imem). Construct before elaboration ends.
  MmuLockstep(sc_core::sc_module_name name, Mmu& mmu, RtlMmu& rtl);
  ~MmuLockstep() override { m_trans.clear_extension(&m_ext); }

  // Applies `op` to both sides; false at the first difference (see report()). An RTL that
  // stops answering throws RtlStuck.
  bool step(const MmuOp& op);

  uint64_t compared() const { return m_compared; }
  uint64_t accesses() const { return m_accesses; }
  // Host seconds spent in each side's translations (for throughput figures).
  double cpp_seconds() const { return m_cpp_seconds; }
  double rtl_seconds() const { return m_rtl_seconds; }
  bool failed() const { return !m_report.empty(); }
  const std::string& report() const { return m_report; }

 private:
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  RtlTranslation translate_cpp(const RtlAccess& a);
  bool mismatch(const MmuOp& op, const std::string& what, const std::string& expected,
                const std::string& actual);

  Mmu& m_mmu;
  RtlMmu& m_rtl;
  tlm::tlm_generic_payload m_trans;
  AccessExt m_ext;
  unsigned char m_buffer[64] = {};
  PhysAddr m_last_pa;
  uint64_t m_compared = 0;
  uint64_t m_accesses = 0;
  double m_cpp_seconds = 0;
  double m_rtl_seconds = 0;
  std::string m_report;
};

// "Translation fault level 0 ESR 0x..., L1 miss, L2 miss, walked" / "pa 0x... Normal-WB, L1
// miss, L2 hit, L1 fill way 2".
std::string describe_translation(const RtlTranslation& t);

// What first differs between the C++ (`expected`) and the RTL (`actual`) outcome of an access of
// `kind`: "fault kind", "fault syndrome", "translation", "TLB hit/miss", "L2 TLB fill way",
// "L1 ITLB fill way" or "L1 DTLB fill way"; nullptr when they agree.
const char* translation_difference(const RtlTranslation& expected, const RtlTranslation& actual,
                                   arch::AccessKind kind);

}  // namespace mmusim::rtl
