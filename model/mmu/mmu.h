// The MMU: stage-1 translation for the EL1&0 regime of AArch64 VMSAv8-64
// (4 KB granule, 48-bit VAs, TTBR0). Accesses arrive on `cpu` with virtual
// addresses; the MMU looks them up in the L1 ITLB (fetches) or L1 DTLB
// (data), then the unified L2 TLB, then walks the tables at TTBR0_EL1 (each
// descriptor read a TLM read on `walker.mem`); checks permissions; and
// forwards the access with its physical address and memory type on `mem`
// (data) or `imem` (instruction fetches: the L1I).
//
// Any TLM-2.0 initiator can drive `cpu` (blocking transport):
// - A payload without an AccessExt (model/sim/access_ext.h) is a data
//   access at EL0 (unprivileged) with the ASID of TTBR0: TLM_READ_COMMAND a
//   load, TLM_WRITE_COMMAND a store; TLM_IGNORE_COMMAND is answered
//   TLM_OK_RESPONSE and does nothing. The physical access then carries the
//   MMU's own AccessExt (the memory type for the L1; removed before the
//   payload is returned). An AccessExt, when present, says what the access
//   is (fetch, EL1, ...; the command only says which way the bytes move) and
//   receives the outcome (fault syndrome, TLB and cache hits).
// - An access must lie in one 4 KB page and be 1 byte or longer: anything
//   else is refused with TLM_BURST_ERROR_RESPONSE, untranslated (the
//   initiator splits it, as CpuPort does; last_fault() stays invalid).
// - Responses: TLM_OK_RESPONSE; TLM_GENERIC_ERROR_RESPONSE for a fault the
//   MMU raises (translation, access flag, permission, alignment of a Device
//   access, a VA outside the TTBR0 range, an external abort on a descriptor
//   read) and for the L1's alignment fault on a Device part of an unaligned
//   access; the target's own error status (TLM_ADDRESS_ERROR_RESPONSE,
//   TLM_COMMAND_ERROR_RESPONSE, ...) when the physical access was refused:
//   a synchronous external abort. In every case last_fault() gives the
//   syndrome, with or without an AccessExt.
//
// Registers: set_ttbr0() (or set_ttbr0_el1()), set_mair() and set_tcr() (see
// model/mmu/tcr.h for the TCR_EL1 fields the model honours). MAIR_EL1 is 0
// after construction (every AttrIndx Device-nGnRnE): a platform sets it
// before its first access. A platform without mmusim's kernel writes its own
// tables into its own memory behind `walker.mem` and points TTBR0 at them.
//
// It is also the MmuControl port (model/ports/hw.h) the kernel drives:
// TTBR0/ASID and MAIR writes and TLBI.
//
// Direct path: the sockets are the boundary, but when `mem` or `imem` is
// bound to a DirectTarget (model/sim/direct_target.h: the platform's L1
// Caches), the Mmu calls its direct_transport() instead of going through the
// socket, and a CpuPort bound to `cpu` calls access() (both found at the
// start of simulation): the same results and timing without the sockets'
// indirections.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <string>
#include <systemc>
#include <tlm>

#include "model/mmu/tcr.h"
#include "model/mmu/tlb.h"
#include "model/mmu/walker.h"
#include "model/ports/hw.h"
#include "model/sim/access_ext.h"
#include "model/sim/clock.h"
#include "model/sim/direct_target.h"
#include "model/sim/histogram.h"
#include "model/stats/stats.h"

namespace mmusim {

// Constructor parameters of the Mmu (the platform reads them with read()).
struct MmuParams {
  TlbParams l1_itlb = TlbParams::unified(32, 32, 1);
  TlbParams l1_dtlb = TlbParams::unified(48, 48, 1);
  TlbParams l2_tlb = TlbParams::unified(1024, 4, 8);
  // An L2 eviction back-invalidates the L1 TLBs, so L1 contents stay a
  // subset of L2's.
  bool l2_inclusive = false;
  WalkerParams walker;
  // Throws std::invalid_argument naming `name`.field (the Mmu's constructor
  // reports the same as an SC_REPORT_ERROR of type mmusim/mmu).
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

// The syndrome of an access the MMU refused, as an exception entry would
// present it to software (FAR_EL1, ESR_EL1). Mmu::last_fault().
struct MmuFault {
  bool valid = false;  // the last access on `cpu` faulted (else every other field is zero)
  VirtAddr va;         // FAR_EL1: the faulting virtual address
  arch::FaultKind kind = arch::FaultKind::kNone;
  int8_t level = -1;   // lookup level of a walk fault; -1 where none (alignment, bus error)
  bool write = false;  // ESR_EL1.ISS.WnR
  bool fetch = false;  // an instruction fetch: an Instruction Abort (else a Data Abort)
  arch::ExceptionLevel el = arch::ExceptionLevel::kEl0;
  uint8_t fsc = 0;   // ESR_EL1.ISS[5:0]: DFSC/IFSC (model/arch/fault.h, arch::fsc)
  uint32_t iss = 0;  // ESR_EL1.ISS[24:0]: WnR (bit 6) and the FSC
  uint64_t esr = 0;  // ESR_EL1: EC (abort from EL0 or EL1), IL = 1, ISS
  tlm::tlm_response_status response = tlm::TLM_OK_RESPONSE;  // what the payload got back
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

  // Every parameter is a constructor argument (MmuParams; `clock`: the core
  // clock that converts latencies in cycles). What params.validate() refuses
  // is an SC_REPORT_ERROR of type mmusim/mmu naming the key.
  Mmu(sc_core::sc_module_name name, const MmuParams& params, const Clock& clock);

  // What b_transport on `cpu` does with a payload carrying `ext` (the direct
  // path of a CpuPort bound to `cpu`).
  void access(tlm::tlm_generic_payload& trans, AccessExt& ext, sc_core::sc_time& delay) {
    transport(trans, ext, delay);
  }
  // The Mmu whose `cpu` the port with interface `bound_interface` is bound
  // to, or nullptr (searched among every module, after elaboration).
  static Mmu* bound_at(const sc_core::sc_interface* bound_interface);
  // The data and fetch ports reach DirectTargets called directly (known once
  // the simulation started).
  bool direct_l1d() const { return m_l1d != nullptr; }
  bool direct_l1i() const { return m_l1i != nullptr; }

  // ports::MmuControl
  void tlbi_va_asid(VirtAddr va, Asid asid) override;
  void tlbi_va_all_asids(VirtAddr va) override;
  void tlbi_asid(Asid asid) override;
  void tlbi_all() override;
  // One pass over every TLB and walk-cache entry; `last_level` acts as the
  // full form (ports::MmuControl::tlbi_range).
  void tlbi_range(Asid asid, VirtAddr va, uint64_t pages, bool last_level) override;
  // TTBR0_EL1: the level-0 table (4 KB aligned; low bits are ignored) and the
  // ASID of every access after it. No TLB entry is flushed.
  void set_ttbr0(PhysAddr table, Asid asid) override;
  // MAIR_EL1: the memory type of each AttrIndx (model/arch/memattr.h).
  void set_mair(uint64_t mair) override;

  // TTBR0_EL1 as a register value: ASID [63:48], BADDR [47:1], CnP [0] (no
  // effect: one core). BADDR[11:1] must be 0 (a level-0 table of the 4 KB
  // granule is 4 KB aligned): otherwise an SC_REPORT_ERROR of type mmusim/mmu
  // naming the field, and nothing changes (false if the error returned).
  bool set_ttbr0_el1(uint64_t value);
  uint64_t ttbr0_el1() const { return uint64_t{m_asid.value()} << 48 | m_ttbr0.value(); }
  // TCR_EL1: applies IRGN0 (descriptor reads' cacheability) and HA/HD
  // (FEAT_HAFDBS), checks the fields the model has one setting for (T0SZ =
  // 16, TG0 = 4 KB, EPD1 = 1, IPS = 48 bits, AS = 1, ...; model/mmu/tcr.h).
  // A value it cannot honour is an SC_REPORT_ERROR of type mmusim/mmu that
  // names the field, and nothing changes (false if the error returned).
  // Takes effect at the next walk; no TLB entry is flushed.
  bool set_tcr(uint64_t tcr);
  // TCR_EL1 as last set; until then the value equivalent to the parameters
  // (tcr::supported_value(walker.walk_mem_type, walker.hafdbs)).
  uint64_t tcr() const { return m_tcr; }
  uint64_t mair() const { return m_mair; }

  // The syndrome of the last access on `cpu`: valid when it faulted. Recorded
  // on the fault paths only, read when the initiator wants it (one initiator
  // at a time).
  MmuFault last_fault() const {
    return m_fault_access == m_stats.accesses ? m_last_fault : MmuFault{};
  }

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
  void start_of_simulation() override;
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned int transport_dbg(tlm::tlm_generic_payload& trans);
  // Translates for `ext`; returns the entry or nullptr with ext.fault set.
  const TlbEntry* translate(VirtAddr va, AccessExt& ext, sc_core::sc_time& delay);
  // Waits (advances `delay`) until the walk that filled `e` has completed.
  void wait_ready(TlbEntry& e, sc_core::sc_time& delay);
  void fault(AccessExt& ext, tlm::tlm_generic_payload& trans, arch::FaultKind kind, int level);
  // Records ext.fault and the response for last_fault() (a fault path).
  void record_fault(const AccessExt& ext, const tlm::tlm_generic_payload& trans);
  // b_transport for a payload without an AccessExt: m_plain_ext stands in.
  void plain_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  void transport(tlm::tlm_generic_payload& trans, AccessExt& ext, sc_core::sc_time& delay);

  DirectTarget* m_l1d = nullptr;  // what `mem` reaches, if a DirectTarget (direct path)
  DirectTarget* m_l1i = nullptr;  // `imem` likewise
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
  uint64_t m_tcr = 0;
  AccessExt m_plain_ext;  // what a payload without one stands for (see the header)
  MmuFault m_last_fault;  // of access number m_fault_access
  uint64_t m_fault_access = UINT64_MAX;
  arch::MemType m_mem_types[8];
  MmuStats m_stats;
  MmuFills m_fills;                      // of access number m_fills_access
  uint64_t m_fills_access = UINT64_MAX;  // m_stats.accesses when m_fills was recorded
};

}  // namespace mmusim
