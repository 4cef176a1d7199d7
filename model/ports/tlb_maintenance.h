// The TLB-maintenance port between the kernel and the cores' MMUs: TLBI
// operations by kind, issued on one core (local, TLBI ...E1) or broadcast to
// every core in the Inner Shareable domain (TLBI ...E1IS), the DSB ISH that
// waits for them, and inter-processor interrupts for the ipi shootdown
// mechanism. Plain C++: no call may wait (yield to SystemC); every effect is
// immediate in host order and every cost is returned (or posted to the
// receiving core), charged by the caller after the call.
//
// Timing contract an N-core implementation must meet (design notes 3.7;
// tests/sw/fake_tlb.h computes the same formulas):
//   T = kernel.costs.tlbi_cycles (the issue interval of consecutive TLBIs),
//   L = DVM latency, R = receive time per op on each other core.
//   Broadcast op k of a sequence (k = 0.., the sequence restarts after each
//   dsb_ish) issues at t_k = k*T; each other core c completes it at
//   done_{c,k} = max(t_k + L, done_{c,k-1}) + R. The DSB issues at t_d = n*T
//   and dsb_ish returns W = max(0, max_c done_{c,n-1} + L - t_d); one TLBI:
//   W = max(0, 2L + R - T). With one core, or no broadcast op since the last
//   DSB, W = 0. Each receiver is posted R per op.
//   send_ipis returns W_ipi = gic.latency + gic.delivery + max_c handler[c] +
//   gic.delivery (0 with no targets) and posts handler[c] to each target c.
#pragma once

#include <cstdint>

#include "model/arch/types.h"
#include "model/ports/hw.h"

namespace mmusim::ports {

enum class TlbiKind : uint8_t {
  kVa,              // TLBI VAE1: one VA of one ASID (and global entries), walk caches too
  kVaLastLevel,     // TLBI VALE1: the same, leaf entries only (the model: as kVa)
  kVaAllAsids,      // TLBI VAAE1: one VA of every ASID
  kAsid,            // TLBI ASIDE1: every non-global entry of one ASID
  kAll,             // TLBI VMALLE1: everything
  kRange,           // TLBI RVAE1 (FEAT_TLBIRANGE): `pages` 4 KB pages from `va`
  kRangeLastLevel,  // TLBI RVALE1 (the model: as kRange)
};
constexpr unsigned kTlbiKinds = 7;
inline const char* to_string(TlbiKind k) {
  constexpr const char* kNames[kTlbiKinds] = {"va",  "va_last", "va_all_asids", "asid",
                                              "all", "range",   "range_last"};
  return kNames[static_cast<unsigned>(k)];
}

struct TlbiOp {
  TlbiKind kind = TlbiKind::kVa;
  VirtAddr va;  // the first page (ranges: BADDR << 12)
  Asid asid;
  // Ranges: (num + 1) << (5 * scale + 1) pages (Linux __TLBI_RANGE_PAGES).
  uint64_t pages = 1;
  uint8_t scale = 0, num = 0;
  uint8_t ttl = 0;  // the level hint (1-3), 0 unknown
  bool operator==(const TlbiOp& o) const {
    return kind == o.kind && va == o.va && asid == o.asid && pages == o.pages && scale == o.scale &&
           num == o.num && ttl == o.ttl;
  }
};

// Performs `op` on one core's MMU.
inline void apply_tlbi(MmuControl& mmu, const TlbiOp& op) {
  switch (op.kind) {
    case TlbiKind::kVa:
    case TlbiKind::kVaLastLevel:
      mmu.tlbi_va_asid(op.va, op.asid);
      return;
    case TlbiKind::kVaAllAsids:
      mmu.tlbi_va_all_asids(op.va);
      return;
    case TlbiKind::kAsid:
      mmu.tlbi_asid(op.asid);
      return;
    case TlbiKind::kAll:
      mmu.tlbi_all();
      return;
    case TlbiKind::kRange:
    case TlbiKind::kRangeLastLevel:
      mmu.tlbi_range(op.asid, op.va, op.pages, op.kind == TlbiKind::kRangeLastLevel);
      return;
  }
}

class TlbMaintenance {
 public:
  virtual ~TlbMaintenance() = default;
  virtual unsigned cpus() const = 0;
  // TLBI ...E1 (non-shareable): `cpu`'s own MMU only.
  virtual void tlbi_local(unsigned cpu, const TlbiOp& op) = 0;
  // TLBI ...E1IS: every core's MMU, now (the issuer's included).
  virtual void tlbi_broadcast(unsigned cpu, const TlbiOp& op) = 0;
  // DSB ISH on `cpu`: the stall waiting for the broadcast ops it issued since
  // its last DSB (the contract above).
  virtual Cycles dsb_ish(unsigned cpu) = 0;
  // SGIs from `from` to the cores of the mask `targets` (bit c: core c,
  // never `from`); handler[c] is what core c's handler costs (indexed by
  // core, cpus() entries). Returns the initiator's wait for every
  // acknowledgement and posts handler[c] to each target's timeline.
  virtual Cycles send_ipis(unsigned from, uint64_t targets, const Cycles* handler) = 0;
};

// The port for one core over its MmuControl: a broadcast reaches the one
// core (it is local), a DSB never waits (no other core), and there is no
// core to interrupt. What the platform uses while it has one core.
class SingleCoreTlbMaintenance final : public TlbMaintenance {
 public:
  explicit SingleCoreTlbMaintenance(MmuControl& mmu) : m_mmu(mmu) {}
  unsigned cpus() const override { return 1; }
  void tlbi_local(unsigned /*cpu*/, const TlbiOp& op) override { apply_tlbi(m_mmu, op); }
  void tlbi_broadcast(unsigned /*cpu*/, const TlbiOp& op) override { apply_tlbi(m_mmu, op); }
  Cycles dsb_ish(unsigned /*cpu*/) override { return Cycles(0); }
  Cycles send_ipis(unsigned /*from*/, uint64_t /*targets*/, const Cycles* /*handler*/) override {
    return Cycles(0);
  }

 private:
  MmuControl& m_mmu;
};

}  // namespace mmusim::ports
