// Broadcast TLB maintenance between the cores (DVM), the hardware side of
// model/ports/tlb_maintenance.h over the cores' MMUs. Plain C++: nothing
// here waits.
//   Functional: a TLBI takes effect on every core's MMU at once (in host
//   order), so no core holds a stale translation after the call returns.
//   Timing (the port's contract, exact and without contention):
//   T = the issue interval of consecutive TLBIs (kernel.costs.tlbi_cycles,
//   set by the system assembly), L = dvm.latency_cycles, R =
//   dvm.receive_cycles. Broadcast op k since the issuer's last DSB issues at
//   k*T; each other core c completes it at done_{c,k} = max(k*T + L,
//   done_{c,k-1}) + R; the DSB, at n*T, stalls W = max(0, done_{c,n-1} + L -
//   n*T) (one TLBI: max(0, 2L + R - T)); each other core is posted R per op
//   (CpuPort::post_interrupt, kDvm). One core: W = 0, nothing posted.
//   IPIs (kernel.tlb_shootdown ipi): W_ipi = gic.latency_cycles +
//   gic.delivery_cycles + max_c handler[c] + gic.delivery_cycles, each
//   target posted its handler (kIpi). The SGIs are real bus transactions to
//   the GIC (model/dev/gic.h) through the fabric's own initiator: SGI_TARGETS
//   and SGI_SEND from the sender, ACK_c read for each target c.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "model/cpu/cpu_port.h"
#include "model/ports/tlb_maintenance.h"
#include "model/stats/stats.h"

namespace mmusim {

struct TlbFabricParams {
  uint64_t latency_cycles = 40;        // L (dvm.latency_cycles)
  uint64_t receive_cycles = 8;         // R (dvm.receive_cycles)
  uint64_t ipi_latency_cycles = 20;    // gic.latency_cycles
  uint64_t ipi_delivery_cycles = 100;  // gic.delivery_cycles
};

struct TlbFabricStats {
  std::array<uint64_t, ports::kTlbiKinds> broadcast_by_kind{};  // TLBI ...IS by kind
  std::array<uint64_t, ports::kTlbiKinds> local_by_kind{};      // TLBI ...E1 (one core)
  uint64_t messages = 0;           // DVM messages: broadcast ops x (cores - 1)
  uint64_t syncs = 0;              // DSB ISH
  uint64_t sync_stall_cycles = 0;  // the W returned
  uint64_t ipis = 0;               // SGIs sent (one per target)
  uint64_t ipi_wait_cycles = 0;    // the W_ipi returned
  // Per core c, by kind: the operations c performed (its own TLBI ...IS and TLBI ...E1, the
  // latter including those its IPI handler runs for another core's shootdown), and the
  // broadcast operations of the other cores that reached c's MMU over DVM.
  std::vector<std::array<uint64_t, ports::kTlbiKinds>> issued_by_core;
  std::vector<std::array<uint64_t, ports::kTlbiKinds>> received_by_core;
};

class TlbFabric final : public ports::TlbMaintenance {
 public:
  // `mmus[c]`, `cpus[c]`: core c's MMU and CPU port (as many of each).
  TlbFabric(std::vector<ports::MmuControl*> mmus, std::vector<CpuPort*> cpus,
            const TlbFabricParams& params);
  // The GIC the IPIs go through, at `base`, and the initiator that reaches
  // it (without one, send_ipis with targets is a std::logic_error).
  void attach_gic(ports::DeviceIo* io, PhysAddr base) {
    m_gic_io = io;
    m_gic_base = base;
  }
  // T: the interval between two TLBIs of one core (kernel.costs.tlbi_cycles).
  void set_tlbi_interval(Cycles t) { m_tlbi_interval = t.count(); }
  unsigned cpus() const override { return static_cast<unsigned>(m_mmus.size()); }
  void tlbi_local(unsigned cpu, const ports::TlbiOp& op) override;
  void tlbi_broadcast(unsigned cpu, const ports::TlbiOp& op) override;
  Cycles dsb_ish(unsigned cpu) override;
  Cycles send_ipis(unsigned from, uint64_t targets, const Cycles* handler) override;
  const TlbFabricStats& stats() const { return m_stats; }
  void register_stats(stats::Group& g) const;
  // Core `cpu`'s issued and received operations by kind, under `g` (top.core<N>.tlbi).
  void register_core_stats(stats::Group& g, unsigned cpu) const;

 private:
  void check_cpu(unsigned cpu, const char* what) const;
  std::vector<ports::MmuControl*> m_mmus;
  std::vector<CpuPort*> m_cpus;
  TlbFabricParams m_params;
  uint64_t m_tlbi_interval = 0;
  ports::DeviceIo* m_gic_io = nullptr;
  PhysAddr m_gic_base;
  std::vector<uint64_t> m_pending;  // per issuer: broadcast ops since its last DSB
  TlbFabricStats m_stats;
};

}  // namespace mmusim
