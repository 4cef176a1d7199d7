// An N-core fake of the TLB-maintenance port (model/ports/tlb_maintenance.h)
// for the kernel's tests: each core is a RecordingMmu with a TLB of the
// (ASID, page) translations the test filled, which the TLBIs remove; every
// port call is logged as (cpu, op, broadcast); dsb_ish and send_ipis return
// the contract's timing (the formulas the hardware fabric must meet).
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <set>
#include <utility>
#include <vector>

#include "model/ports/tlb_maintenance.h"
#include "tests/sw/fake_hw.h"

namespace mmusim::sw::test {

// One core's MMU: a RecordingMmu plus the translations it caches.
class FakeCoreMmu : public RecordingMmu {
 public:
  explicit FakeCoreMmu(HwLog& log) : RecordingMmu(log) {}
  void fill(VirtAddr va, Asid asid) { tlb.insert({asid.value(), va.value() >> 12}); }
  bool holds(VirtAddr va, Asid asid) const { return tlb.count({asid.value(), va.value() >> 12}); }
  void tlbi_va_asid(VirtAddr va, Asid asid) override {
    RecordingMmu::tlbi_va_asid(va, asid);
    tlb.erase({asid.value(), va.value() >> 12});
  }
  void tlbi_va_all_asids(VirtAddr va) override {
    RecordingMmu::tlbi_va_all_asids(va);
    erase_if([&](const Entry& e) { return e.second == va.value() >> 12; });
  }
  void tlbi_asid(Asid asid) override {
    RecordingMmu::tlbi_asid(asid);
    erase_if([&](const Entry& e) { return e.first == asid.value(); });
  }
  void tlbi_all() override {
    RecordingMmu::tlbi_all();
    tlb.clear();
  }
  void tlbi_range(Asid asid, VirtAddr va, uint64_t pages, bool) override {
    const uint64_t lo = va.value() >> 12;
    erase_if([&](const Entry& e) {
      return e.first == asid.value() && e.second >= lo && e.second < lo + pages;
    });
  }
  using Entry = std::pair<uint16_t, uint64_t>;  // ASID, page
  std::set<Entry> tlb;

 private:
  template <typename Pred>
  void erase_if(Pred pred) {
    for (auto it = tlb.begin(); it != tlb.end();)
      it = pred(*it) ? tlb.erase(it) : std::next(it);
  }
};

struct PortEvent {
  enum class Kind { kTlbi, kDsb, kIpi };
  Kind kind;
  unsigned cpu;
  ports::TlbiOp op;
  bool broadcast = false;
  uint64_t targets = 0;  // kIpi
  bool operator==(const PortEvent& o) const {
    return kind == o.kind && cpu == o.cpu && op == o.op && broadcast == o.broadcast &&
           targets == o.targets;
  }
};

inline PortEvent tlbi_event(unsigned cpu, ports::TlbiKind kind, uint64_t va, uint16_t asid,
                            bool broadcast, uint8_t ttl = 0) {
  ports::TlbiOp op;
  op.kind = kind;
  op.va = VirtAddr(va);
  op.asid = Asid(asid);
  op.ttl = ttl;
  return {PortEvent::Kind::kTlbi, cpu, op, broadcast, 0};
}

class FakeTlbFabric final : public ports::TlbMaintenance {
 public:
  struct Timing {
    uint64_t tlbi = 40;                          // T: kernel.costs.tlbi_cycles
    uint64_t dvm_latency = 40, dvm_receive = 8;  // L, R
    uint64_t gic_latency = 20, gic_delivery = 100;
  };
  FakeTlbFabric(unsigned cpus, HwLog& hw_log) : FakeTlbFabric(cpus, hw_log, Timing()) {}
  FakeTlbFabric(unsigned cpus, HwLog& hw_log, Timing t) : timing(t), posted(cpus, 0) {
    for (unsigned c = 0; c < cpus; ++c)
      cores.push_back(std::make_unique<FakeCoreMmu>(hw_log));
  }
  std::vector<MmuControl*> mmus() {
    std::vector<MmuControl*> v;
    for (auto& c : cores)
      v.push_back(c.get());
    return v;
  }
  unsigned cpus() const override { return static_cast<unsigned>(cores.size()); }
  void tlbi_local(unsigned cpu, const ports::TlbiOp& op) override {
    log.push_back({PortEvent::Kind::kTlbi, cpu, op, false, 0});
    ports::apply_tlbi(*cores.at(cpu), op);
  }
  void tlbi_broadcast(unsigned cpu, const ports::TlbiOp& op) override {
    log.push_back({PortEvent::Kind::kTlbi, cpu, op, true, 0});
    for (auto& c : cores)
      ports::apply_tlbi(*c, op);
    m_pending.push_back(cpu);
  }
  // W = max(0, max_c done_{c,n-1} + L - n*T), done_{c,k} = max(k*T + L, done_{c,k-1}) + R.
  Cycles dsb_ish(unsigned cpu) override {
    log.push_back({PortEvent::Kind::kDsb, cpu, {}, true, 0});
    const uint64_t n = static_cast<uint64_t>(std::count(m_pending.begin(), m_pending.end(), cpu));
    m_pending.erase(std::remove(m_pending.begin(), m_pending.end(), cpu), m_pending.end());
    if (n == 0 || cores.size() == 1) return Cycles(0);
    uint64_t done = 0;
    for (uint64_t k = 0; k < n; ++k)
      done = std::max(k * timing.tlbi + timing.dvm_latency, done) + timing.dvm_receive;
    for (unsigned c = 0; c < cores.size(); ++c)
      if (c != cpu) posted[c] += n * timing.dvm_receive;
    const uint64_t end = done + timing.dvm_latency, t_d = n * timing.tlbi;
    return Cycles(end > t_d ? end - t_d : 0);
  }
  // W_ipi = gic.latency + gic.delivery + max_c handler[c] + gic.delivery.
  Cycles send_ipis(unsigned from, uint64_t targets, const Cycles* handler) override {
    log.push_back({PortEvent::Kind::kIpi, from, {}, false, targets});
    if (!targets) return Cycles(0);
    uint64_t longest = 0;
    for (unsigned c = 0; c < cores.size(); ++c)
      if (targets >> c & 1) {
        posted[c] += handler[c].count();
        longest = std::max(longest, handler[c].count());
      }
    return Cycles(timing.gic_latency + 2 * timing.gic_delivery + longest);
  }
  // The TLBIs of the log (no DSB or IPI events).
  std::vector<PortEvent> tlbis() const {
    std::vector<PortEvent> v;
    for (const PortEvent& e : log)
      if (e.kind == PortEvent::Kind::kTlbi) v.push_back(e);
    return v;
  }
  size_t count(PortEvent::Kind kind) const {
    return static_cast<size_t>(
        std::count_if(log.begin(), log.end(), [&](const PortEvent& e) { return e.kind == kind; }));
  }

  Timing timing;
  std::vector<std::unique_ptr<FakeCoreMmu>> cores;
  std::vector<PortEvent> log;
  std::vector<uint64_t> posted;  // cycles posted to each core (DVM receive, IPI handlers)

 private:
  std::vector<unsigned> m_pending;  // issuers of broadcast ops since their DSB
};

}  // namespace mmusim::sw::test
