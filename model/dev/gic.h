// A small GIC-like interrupt controller for software-generated interrupts
// (SGIs) between the cores: what the ipi TLB shootdown (kernel.tlb_shootdown
// ipi) sends through. Registers (8 bytes each):
//   0x00         SGI_TARGETS  RW  core mask (bit c: core c) of the next SGI
//   0x08         SGI_SEND     WO  writing an interrupt id (0-15) makes it
//                                 pending on every core of SGI_TARGETS
//   0x10         SENT         RO  SGI_SEND writes with at least one target
//   0x18         DELIVERED    RO  SGIs made pending (one per target core)
//   0x100 + 8*c  ACK_c        RO  core c's pending SGIs (bit i: id i), read-to-clear
// Mapped only with cpu.cores > 1 (gic.enable, gic.base; docs/config.md).
#pragma once

#include <array>
#include <cstdint>
#include <functional>

#include "model/dev/register_block.h"

namespace mmusim {

class Gic : public RegisterBlock {
 public:
  static constexpr uint64_t kSize = 0x1000;
  static constexpr unsigned kMaxCores = 64;
  static constexpr uint64_t kTargets = 0x00, kSend = 0x08, kSent = 0x10, kDelivered = 0x18;
  static constexpr uint64_t ack(unsigned core) { return 0x100 + 8 * uint64_t{core}; }

  Gic(sc_core::sc_module_name name, unsigned cores, uint64_t latency_cycles, const Clock& clock);
  // Called for each SGI made pending: (core, interrupt id).
  void on_sgi(std::function<void(unsigned, unsigned)> hook) { m_on_sgi = std::move(hook); }
  uint64_t pending(unsigned core) const { return m_ack.at(core)->value(); }

 private:
  unsigned m_cores;
  Register& m_targets;
  Register& m_sent;
  Register& m_delivered;
  std::array<Register*, kMaxCores> m_ack{};
  std::function<void(unsigned, unsigned)> m_on_sgi;
};

}  // namespace mmusim
