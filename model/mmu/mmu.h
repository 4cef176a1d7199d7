// The MMU: stage-1 translation for the EL1&0 regime of AArch64 VMSAv8-64.
// Accesses arrive on `cpu` with virtual addresses; the MMU looks them up in
// the L1 ITLB (fetches) or L1 DTLB (data), then the unified L2 TLB, then
// walks the tables at TTBR0_EL1; checks permissions; and forwards the access
// with its physical address and memory type on `mem` (data) or `imem`
// (instruction fetches: the L1I). A fault comes back as
// TLM_GENERIC_ERROR_RESPONSE with the syndrome in the AccessExt; a bus error
// on the physical access comes back as an external abort.
//
// It is also the MmuControl port (model/ports/hw.h) the kernel drives: TTBR0/ASID and MAIR writes
// and TLBI.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <string>
#include <systemc>
#include <tlm>

#include "model/mmu/tlb.h"
#include "model/mmu/walker.h"
#include "model/ports/hw.h"
#include "model/sim/access_ext.h"
#include "model/sim/clock.h"
#include "model/sim/histogram.h"
#include "model/stats/stats.h"

namespace mmusim {

struct MmuParams {
  TlbParams l1_itlb = TlbParams::unified(32, 32, 1);
  TlbParams l1_dtlb = TlbParams::unified(48, 48, 1);
  TlbParams l2_tlb = TlbParams::unified(1024, 4, 8);
  // An L2 eviction back-invalidates the L1 TLBs, so L1 contents stay a
  // subset of L2's.
  bool l2_inclusive = false;
  WalkerParams walker;
  void validate(const std::string& name) const;
  // The parameters under `n` (docs/config.md: key, default, range and
  // meaning are declared here), starting from `defaults`. util::ConfigError
  // names the full key of a bad value.
  static MmuParams read(const util::ConfigNode& n, const MmuParams& defaults);
};

struct MmuStats {
  uint64_t accesses = 0;
  uint64_t hits_under_walk = 0;  // TLB hits that waited for the walk filling them
  // FEAT_HAFDBS: writes that found a cached read-only entry and walked again
  // (the descriptor may be DBM=1: the walk then makes it writable-dirty).
  uint64_t dirty_rewalks = 0;
  // Cycles from an access reaching the MMU to its translation being known
  // (L1 TLB lookup, L2 lookup, walk and any wait), for successful translations.
  Histogram translation_latency{1, 1024};
  uint64_t faults_by_kind[7] = {0, 0, 0, 0, 0, 0, 0};  // indexed by arch::FaultKind
};

// The TLB fills of one translation (what a lock-step checker compares with the RTL's).
struct MmuFills {
  TlbFill l1;  // the L1 TLB of the access: the ITLB for fetches, else the DTLB
  TlbFill l2;
};

class Mmu : public sc_core::sc_module, public ports::MmuControl {
 public:
  tlm_utils::simple_target_socket<Mmu> cpu;
  tlm_utils::simple_initiator_socket<Mmu> mem;   // physical data accesses (the L1D)
  tlm_utils::simple_initiator_socket<Mmu> imem;  // physical instruction fetches (the L1I)
  PageTableWalker walker;                        // bind walker.mem to the L1D (or the bus)

  Mmu(sc_core::sc_module_name name, const MmuParams& params, const Clock& clock);

  // ports::MmuControl
  void tlbi_va_asid(VirtAddr va, Asid asid) override;
  void tlbi_va_all_asids(VirtAddr va) override;
  void tlbi_asid(Asid asid) override;
  void tlbi_all() override;
  void set_ttbr0(PhysAddr table, Asid asid) override;
  void set_mair(uint64_t mair) override;

  PhysAddr ttbr0() const { return m_ttbr0; }
  Asid asid() const { return m_asid; }
  const Tlb& l1_itlb() const { return m_l1_itlb; }
  const Tlb& l1_dtlb() const { return m_l1_dtlb; }
  const Tlb& l2_tlb() const { return m_l2_tlb; }
  const MmuStats& stats() const { return m_stats; }
  // Registers these counters (docs/stats.md) in `g`; this component must outlive it.
  void register_stats(stats::Group& g) const;
  // The TLB fills the last access made: none for an L1 hit, a walk fault or a VA outside the
  // TTBR0 range. Recorded on the miss paths only (the hit path pays nothing); meaningful when
  // one caller at a time translates, as in the checkers.
  MmuFills last_fills() const { return m_fills_access == m_stats.accesses ? m_fills : MmuFills{}; }

 private:
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned int transport_dbg(tlm::tlm_generic_payload& trans);
  // Translates for `ext`; returns the entry or nullptr with ext.fault set.
  const TlbEntry* translate(VirtAddr va, AccessExt& ext, sc_core::sc_time& delay);
  // Waits (advances `delay`) until the walk that filled `e` has completed.
  void wait_ready(TlbEntry& e, sc_core::sc_time& delay);
  void fault(AccessExt& ext, tlm::tlm_generic_payload& trans, arch::FaultKind kind, int level);

  MmuParams m_params;
  bool m_walked = false;  // the current translation came from a walk (not a TLB)
  const Clock& m_clock;
  Tlb m_l1_itlb;
  Tlb m_l1_dtlb;
  Tlb m_l2_tlb;
  sc_core::sc_time m_l1_latency[2];  // itlb, dtlb
  sc_core::sc_time m_l2_latency;
  PhysAddr m_ttbr0;
  Asid m_asid;
  uint64_t m_mair = 0;
  arch::MemType m_mem_types[8];
  MmuStats m_stats;
  MmuFills m_fills;                      // of access number m_fills_access
  uint64_t m_fills_access = UINT64_MAX;  // m_stats.accesses when m_fills was recorded
};

}  // namespace mmusim
