// `mmusim cosim` (mmu.impl=cosim): the C++ Mmu is the platform's MMU and the Verilated RTL
// (RtlMmuAdapter) a shadow that sees the same accesses, TLBIs and TTBR0/ASID/MAIR writes. The
// shadow reads descriptors through debug transport on the primary walker's path (no cache state
// or statistics disturbed) and makes no physical access. After each access the two results are
// compared (fault kind, level, ESR; physical address, memory type; L1 hit, L2 hit, walk; the way
// each TLB fill took, i.e. the replacement victim); the first difference throws CosimMismatch
// naming the access index, the access, the expected (C++) and the actual (RTL) result. The shadow
// counts its cycles but never waits them (RtlMmuAdapterParams::wait_cycles false): the platform's
// simulated time is the C++ side's alone, and with several cores no other core's thread runs (and
// faults a page in, or unmaps one) between the two halves of a comparison.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <stdexcept>
#include <string>

#include "model/rtl/rtl_mmu_adapter.h"

namespace mmusim::rtl {

class CosimMismatch : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct CosimOptions {
  uint64_t cycle_limit = 10000;  // per RTL operation (--max-cycles)
  std::string trace_path;        // FST of the RTL (--trace)
  bool check_config = true;      // false: the C++ side may differ from the RTL (checker tests)
  std::string label;             // "core<N> " in messages, with several cores
};

class CosimMmu : public sc_core::sc_module, public ports::MmuControl, public MmuImpl {
 public:
  tlm_utils::simple_target_socket<CosimMmu> cpu;
  tlm_utils::simple_initiator_socket<CosimMmu> mem;
  tlm_utils::simple_initiator_socket<CosimMmu> imem;

  CosimMmu(sc_core::sc_module_name name, const MmuParams& params, const Clock& clock,
           const CosimOptions& options);

  uint64_t compared() const { return m_compared; }  // accesses compared
  uint64_t operations() const { return m_ops; }     // TLBIs and register writes mirrored
  double cpp_seconds() const { return m_cpp_seconds; }
  double rtl_seconds() const { return m_rtl_seconds; }
  const Mmu& cpp() const { return m_cpp; }
  const RtlMmuAdapter& rtl() const { return m_rtl; }

  // ports::MmuControl: to both sides.
  void tlbi_va_asid(VirtAddr va, Asid asid) override;
  void tlbi_va_all_asids(VirtAddr va) override;
  void tlbi_asid(Asid asid) override;
  void tlbi_all() override;
  void set_ttbr0(PhysAddr table, Asid asid) override;
  void set_mair(uint64_t mair) override;

  // MmuImpl
  tlm::tlm_target_socket<>& cpu_socket() override { return cpu; }
  tlm::tlm_initiator_socket<>& mem_socket() override { return mem; }
  tlm::tlm_initiator_socket<>& imem_socket() override { return imem; }
  tlm::tlm_initiator_socket<>& walk_socket() override { return m_cpp.walker.mem; }
  ports::MmuControl& control() override { return *this; }
  MmuImplStats impl_stats() const override { return m_rtl.impl_stats(); }

 private:
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  void forward(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  void rtl_sink(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  void rtl_walk(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);

  Mmu m_cpp;
  RtlMmuAdapter m_rtl;
  tlm_utils::simple_initiator_socket<CosimMmu> m_to_cpp;
  tlm_utils::simple_initiator_socket<CosimMmu> m_to_rtl;  // unused: translate() is called
  tlm_utils::simple_target_socket<CosimMmu> m_cpp_data, m_cpp_fetch;
  tlm_utils::simple_target_socket<CosimMmu> m_rtl_data, m_rtl_fetch, m_rtl_walk;
  PhysAddr m_last_pa;
  bool m_reached_memory = false;  // the C++ Mmu forwarded the last access
  std::string m_label;
  uint64_t m_compared = 0;
  uint64_t m_ops = 0;
  double m_cpp_seconds = 0;
  double m_rtl_seconds = 0;
};

// Options of the next CosimMmu the platform builds (mmusim cosim sets them from its flags).
void set_cosim_options(const CosimOptions& options);
// The CosimMmu of the platform (mmu.impl=cosim), or nullptr.
CosimMmu* cosim_of(MmuImpl* impl);
// Registers "rtl" and "cosim" with the platform.
void register_rtl_mmu_impls();

}  // namespace mmusim::rtl
