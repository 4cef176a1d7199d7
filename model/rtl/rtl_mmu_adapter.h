// The Verilated RTL MMU (rtl/mmu_top.sv) as a platform MMU: a TLM-to-pin adapter with the C++
// Mmu's contract (model/mmu/mmu.h). Accesses arrive on `cpu` with an AccessExt; the RTL
// translates them on its clock (the calling thread waits the cycles); a fault comes back as
// TLM_GENERIC_ERROR_RESPONSE with the syndrome in the AccessExt, else the access goes on at the
// RTL's physical address on `mem` (data) or `imem` (fetches) and a bus error there is an external
// abort. The walker's descriptor reads go out on `walk` (as Mmu::walker.mem), each presented back
// to the RTL after the latency the target annotates.
//
// The model is a C++ Verilation (Vmmu_top_fast, or Vmmu_top_wave when a waveform is written)
// clocked directly from the calling thread, one evaluation a cycle, with no SystemC signal or
// process in between: an operation runs to its end in C++ and the thread waits its cycles as
// simulated time, synchronising first whenever a descriptor read goes out on `walk`, so that
// every transport and the end of every access happen at the simulated time they did when the
// RTL was clocked by SystemC. The clock is gated: it runs only while an operation is in flight
// (and not while the walker waits cycles for a descriptor read: those cycles pass without
// edges, counted all the same), so an idle MMU costs no host time.
// TTBR0/ASID/MAIR writes and TLBIs (ports::MmuControl) may come from outside a thread (the kernel
// at construction); TLBIs are queued and pulsed on inv_* before the next translation, which is all
// they can affect.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <cstdint>
#include <memory>
#include <string>
#include <systemc>
#include <tlm>
#include <vector>

#include "model/mmu/mmu.h"
#include "model/platform/mmu_impl.h"
#include "model/rtl/rtl_mmu.h"
#include "model/rtl/rtl_stuck.h"

namespace mmusim::rtl {

struct RtlTlbGeometry {
  unsigned entries = 0;
  unsigned ways = 0;
  uint8_t page_sizes = 0;  // bit i: kPageShift[i]
};

// The geometry the SystemC Verilation was built with (MMUSIM_RTL_MMU_PARAMS over mmu_top's
// defaults).
struct RtlMmuGeometry {
  RtlTlbGeometry itlb, dtlb, l2;
  bool hw_af_update = false;
  static const RtlMmuGeometry& built();
  static std::string params_text();  // MMUSIM_RTL_MMU_PARAMS as configured
};

// MmuParams the RTL honours: the built geometry, tree-PLRU, unified, no walk cache, one walk at
// a time, no inclusive L2.
void apply_rtl_mmu_params(MmuParams& p);
// Throws util::ConfigError naming the first mmu.* key `p` sets that the RTL cannot honour;
// `who` says which run asks ("mmu.impl=rtl", "cosim").
void check_rtl_mmu_params(const MmuParams& p, const std::string& who);

struct RtlMmuAdapterParams {
  sc_core::sc_time period{1, sc_core::SC_NS};  // clock period
  uint64_t cycle_limit = 10000;                // per operation; RtlStuck beyond
  std::string trace_path;                      // FST waveform, opened at the first operation
  // false: the cycles are counted but never waited as simulated time (a lock-step shadow,
  // which must not let another core's thread run in the middle of a comparison).
  bool wait_cycles = true;
};

class RtlMmuAdapter : public sc_core::sc_module, public ports::MmuControl, public MmuImpl {
 public:
  tlm_utils::simple_target_socket<RtlMmuAdapter> cpu;
  tlm_utils::simple_initiator_socket<RtlMmuAdapter> mem;
  tlm_utils::simple_initiator_socket<RtlMmuAdapter> imem;
  tlm_utils::simple_initiator_socket<RtlMmuAdapter> walk;

  RtlMmuAdapter(sc_core::sc_module_name name, const RtlMmuAdapterParams& params);
  ~RtlMmuAdapter() override;

  // Translates `a` on the RTL, waiting the cycles it takes (call from a thread). Applies the
  // queued TLBIs first. Throws RtlStuck after cycle_limit cycles naming the FSM states and the
  // outstanding descriptor read.
  RtlTranslation translate(const RtlAccess& a);

  // ports::MmuControl
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
  tlm::tlm_initiator_socket<>& walk_socket() override { return walk; }
  ports::MmuControl& control() override { return *this; }
  MmuImplStats impl_stats() const override { return m_stats; }

 private:
  class Core;
  template <typename V, bool kWave>
  class CoreOf;
  struct Inv {
    uint8_t kind;
    VirtAddr va;
    Asid asid;
  };
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  void start();  // reset and trace, at the first operation
  void sync();   // waits the cycles run since the last wait
  // A descriptor read (or write) of the walker on `walk`, at the simulated time of the cycle it
  // is accepted in; returns the cycles until its response is presented (at least one).
  uint64_t walk_access(uint64_t addr, bool write, uint64_t wdata);
  [[noreturn]] void stuck(const char* waiting_for, const std::string& states, bool mem_requested,
                          uint64_t mem_req_addr);

  RtlMmuAdapterParams m_params;
  sc_core::sc_time m_period;
  std::unique_ptr<Core> m_core;
  std::vector<Inv> m_pending_inv;
  PhysAddr m_ttbr;
  Asid m_asid;
  uint64_t m_mair = 0;
  bool m_started = false;
  uint64_t m_op_cycles = 0;  // cycles of the operation in flight
  uint64_t m_unsynced = 0;   // cycles run and not yet waited as simulated time
  MmuImplStats m_stats;
  // Walker memory: the request being served (for stuck reports).
  bool m_mem_busy = false;
  uint64_t m_mem_addr = 0;
  uint64_t m_mem_wait = 0;  // cycles until its response is presented
  tlm::tlm_generic_payload m_walk_trans;
  AccessExt m_walk_ext;
  uint64_t m_walk_buffer = 0;
};

// Registers "rtl" (mmu.impl=rtl) with the platform.
void register_rtl_mmu_impl();

}  // namespace mmusim::rtl
