#include "model/platform/tlb_fabric.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "model/dev/gic.h"

namespace mmusim {

TlbFabric::TlbFabric(std::vector<ports::MmuControl*> mmus, std::vector<CpuPort*> cpus,
                     const TlbFabricParams& params)
    : m_mmus(std::move(mmus)),
      m_cpus(std::move(cpus)),
      m_params(params),
      m_pending(m_mmus.size(), 0) {
  if (m_mmus.empty() || m_mmus.size() != m_cpus.size())
    throw std::invalid_argument("TlbFabric: one MMU and one CPU port per core");
  // Sized once: the statistics refer to the elements.
  m_stats.issued_by_core.resize(m_mmus.size());
  m_stats.received_by_core.resize(m_mmus.size());
}

void TlbFabric::check_cpu(unsigned cpu, const char* what) const {
  if (cpu >= m_mmus.size())
    throw std::out_of_range(std::string("TlbFabric::") + what + ": cpu " + std::to_string(cpu) +
                            " of " + std::to_string(m_mmus.size()));
}

void TlbFabric::tlbi_local(unsigned cpu, const ports::TlbiOp& op) {
  check_cpu(cpu, "tlbi_local");
  const unsigned kind = static_cast<unsigned>(op.kind);
  ++m_stats.local_by_kind[kind];
  ++m_stats.issued_by_core[cpu][kind];
  ports::apply_tlbi(*m_mmus[cpu], op);
}

void TlbFabric::tlbi_broadcast(unsigned cpu, const ports::TlbiOp& op) {
  check_cpu(cpu, "tlbi_broadcast");
  const unsigned kind = static_cast<unsigned>(op.kind);
  ++m_stats.broadcast_by_kind[kind];
  ++m_stats.issued_by_core[cpu][kind];
  for (unsigned c = 0; c < m_mmus.size(); ++c) {
    ports::apply_tlbi(*m_mmus[c], op);
    if (c != cpu) ++m_stats.received_by_core[c][kind];
  }
  m_stats.messages += m_mmus.size() - 1;
  ++m_pending[cpu];
}

Cycles TlbFabric::dsb_ish(unsigned cpu) {
  check_cpu(cpu, "dsb_ish");
  ++m_stats.syncs;
  const uint64_t n = m_pending[cpu];
  m_pending[cpu] = 0;
  if (n == 0 || m_mmus.size() == 1) return Cycles(0);
  const uint64_t t = m_tlbi_interval, l = m_params.latency_cycles, r = m_params.receive_cycles;
  // Every other core sees the same message times, so their completions are equal.
  uint64_t done = 0;
  for (uint64_t k = 0; k < n; ++k)
    done = std::max(k * t + l, done) + r;
  for (unsigned c = 0; c < m_cpus.size(); ++c)
    if (c != cpu) m_cpus[c]->post_interrupt(Cycles(n * r), InterruptKind::kDvm);
  const uint64_t end = done + l, issued = n * t;
  const uint64_t w = end > issued ? end - issued : 0;
  m_stats.sync_stall_cycles += w;
  return Cycles(w);
}

Cycles TlbFabric::send_ipis(unsigned from, uint64_t targets, const Cycles* handler) {
  check_cpu(from, "send_ipis");
  if (!targets) return Cycles(0);
  if (targets >> from & 1)
    throw std::invalid_argument("TlbFabric::send_ipis: cpu " + std::to_string(from) +
                                " targets itself");
  if (m_mmus.size() < 64 && targets >> m_mmus.size())
    throw std::out_of_range("TlbFabric::send_ipis: a target beyond the " +
                            std::to_string(m_mmus.size()) + " cores");
  if (!m_gic_io)
    throw std::logic_error("TlbFabric::send_ipis: no GIC (gic.enable false with cpu.cores > 1)");
  constexpr uint64_t kSgiTlbShootdown = 0;
  m_gic_io->mmio_write64(m_gic_base + Gic::kTargets, targets);
  m_gic_io->mmio_write64(m_gic_base + Gic::kSend, kSgiTlbShootdown);
  uint64_t longest = 0;
  for (unsigned c = 0; c < m_cpus.size(); ++c)
    if (targets >> c & 1) {
      // The target's handler acknowledges its SGI.
      if (!(m_gic_io->mmio_read64(m_gic_base + Gic::ack(c)) >> kSgiTlbShootdown & 1))
        throw std::logic_error("TlbFabric::send_ipis: core " + std::to_string(c) +
                               " has no SGI pending");
      m_cpus[c]->post_interrupt(handler[c], InterruptKind::kIpi);
      longest = std::max(longest, handler[c].count());
      ++m_stats.ipis;
    }
  const uint64_t w = m_params.ipi_latency_cycles + 2 * m_params.ipi_delivery_cycles + longest;
  m_stats.ipi_wait_cycles += w;
  return Cycles(w);
}

void TlbFabric::register_stats(stats::Group& g) const {
  const TlbFabricStats& s = m_stats;
  stats::Group& ops = g.child("ops_by_kind");
  stats::Group& local = g.child("local_ops_by_kind");
  for (unsigned k = 0; k < ports::kTlbiKinds; ++k) {
    const char* name = ports::to_string(static_cast<ports::TlbiKind>(k));
    ops.add(name, s.broadcast_by_kind[k], "operations",
            std::string("TLBI ...E1IS broadcast to every core: ") + name);
    local.add(name, s.local_by_kind[k], "operations",
              std::string("TLBI ...E1 on one core only: ") + name);
  }
  g.add("messages", s.messages, "messages", "DVM messages: broadcast operations x (cores - 1)");
  g.add("syncs", s.syncs, "operations", "DSB ISH");
  g.add("sync_stall_cycles", s.sync_stall_cycles, "cycles",
        "DSB ISH waiting for the other cores to complete the broadcast operations");
  g.add("ipis", s.ipis, "interrupts", "SGIs sent (one per target core)");
  g.add("ipi_wait_cycles", s.ipi_wait_cycles, "cycles",
        "initiators waiting for every IPI target to acknowledge");
}

void TlbFabric::register_core_stats(stats::Group& g, unsigned cpu) const {
  check_cpu(cpu, "register_core_stats");
  stats::Group& issued = g.child("issued_by_kind");
  stats::Group& received = g.child("received_by_kind");
  for (unsigned k = 0; k < ports::kTlbiKinds; ++k) {
    const char* name = ports::to_string(static_cast<ports::TlbiKind>(k));
    issued.add(name, m_stats.issued_by_core[cpu][k], "operations",
               std::string("TLBIs this core performed (...E1IS and ...E1, IPI handlers' "
                           "included): ") +
                   name);
    received.add(name, m_stats.received_by_core[cpu][k], "operations",
                 std::string("other cores' TLBI ...E1IS that reached this core over DVM: ") + name);
  }
}

}  // namespace mmusim
