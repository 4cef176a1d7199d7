// Pin-level driver of a Verilated rtl/mmu_tlb.sv (any parameter set: each is its own class V)
// behind the RtlTlb interface. Include after the Verilated model's header.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "model/rtl/rtl_entry.h"
#include "model/rtl/rtl_sim.h"
#include "model/rtl/rtl_tlb.h"

namespace mmusim::rtl {

// Drives a Verilated mmu_tlb (class V). Inputs change with the clock low; a request is held
// for one rising edge and its response read right after it.
template <typename V>
class VerilatedTlb : public RtlTlb {
 public:
  explicit VerilatedTlb(const std::string& trace_path = "", uint64_t cycle_limit = 1000)
      : m_model("tlb", trace_path), m_cycle_limit(cycle_limit) {
    V& t = m_model.top();
    t.lookup_valid_i = 0;
    t.fill_valid_i = 0;
    t.inv_valid_i = 0;
    m_model.reset();
  }

  RtlTlbLookup lookup(VirtAddr va, Asid asid) override {
    V& t = m_model.top();
    t.lookup_va_i = va.value();
    t.lookup_asid_i = asid.value();
    t.lookup_valid_i = 1;
    handshake([&] { return t.lookup_ready_o; }, "lookup");
    t.lookup_valid_i = 0;
    await([&] { return t.lookup_rsp_valid_o; }, "lookup response");
    RtlTlbLookup r;
    r.hit = t.lookup_hit_o;
    r.pa = PhysAddr(t.lookup_pa_o);
    r.entry = decode_entry(t.lookup_entry_o);
    r.way = t.lookup_way_o;
    return r;
  }

  RtlTlbFill fill(VirtAddr va, const TlbEntry& translation) override {
    V& t = m_model.top();
    t.fill_va_i = va.value();
    encode_entry(translation, t.fill_entry_i);
    t.fill_valid_i = 1;
    handshake([&] { return t.fill_ready_o; }, "fill");
    t.fill_valid_i = 0;
    await([&] { return t.fill_rsp_valid_o; }, "fill response");
    RtlTlbFill r;
    r.way = t.fill_way_o;
    r.evicted = t.fill_evicted_o;
    return r;
  }

  void invalidate(TlbInvKind kind, VirtAddr va, Asid asid) override {
    V& t = m_model.top();
    t.inv_kind_i = static_cast<uint8_t>(kind);
    t.inv_va_i = va.value();
    t.inv_asid_i = asid.value();
    t.inv_valid_i = 1;
    handshake([&] { return t.inv_ready_o; }, "invalidate");
    t.inv_valid_i = 0;
    t.eval();
  }

  uint64_t cycles() const override { return m_model.cycles(); }

 private:
  // Holds a request until the rising edge where ready is high.
  template <typename Ready>
  void handshake(Ready ready, const char* what) {
    m_model.top().eval();
    for (uint64_t n = 0; !ready(); ++n) {
      if (n >= m_cycle_limit) stuck(what);
      m_model.tick();
    }
    m_model.tick();
  }
  template <typename Valid>
  void await(Valid valid, const char* what) {
    m_model.top().eval();
    for (uint64_t n = 0; !valid(); ++n) {
      if (n >= m_cycle_limit) stuck(what);
      m_model.tick();
    }
  }
  [[noreturn]] void stuck(const char* what) {
    const V& t = m_model.top();
    throw RtlStuck("mmu_tlb: no " + std::string(what) + " within " + std::to_string(m_cycle_limit) +
                   " cycles (cycle " + std::to_string(m_model.cycles()) +
                   "; lookup_ready_o=" + std::to_string(t.lookup_ready_o) +
                   " fill_ready_o=" + std::to_string(t.fill_ready_o) +
                   " inv_ready_o=" + std::to_string(t.inv_ready_o) + ")");
  }

  ClockedModel<V> m_model;
  uint64_t m_cycle_limit;
};

}  // namespace mmusim::rtl
