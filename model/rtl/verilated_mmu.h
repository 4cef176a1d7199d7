// Pin-level driver of a Verilated rtl/mmu_top.sv (class V, C++ Verilation) behind the RtlMmu
// interface, with the pin-level descriptor memory. Include after the Verilated model's header.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "model/rtl/rtl_mmu.h"
#include "model/rtl/rtl_sim.h"
#include "model/rtl/verilated_memory.h"

namespace mmusim::rtl {

template <typename V>
class VerilatedMmu : public RtlMmu {
 public:
  // `state_name` reads the FSM states for stuck reports (the Verilated root class is the
  // caller's to include).
  VerilatedMmu(DescriptorMemory& mem, const MemoryTiming& timing,
               std::function<std::string(const V&)> state_name, const std::string& trace_path = "",
               uint64_t cycle_limit = 10000)
      : m_drv("mmu_top", "mmu", mem, timing, std::move(state_name), trace_path, cycle_limit) {
    V& t = m_drv.top();
    t.req_valid_i = 0;
    t.rsp_ready_i = 0;
    t.inv_valid_i = 0;
    t.mem_req_ready_i = 0;
    t.mem_rsp_valid_i = 0;
    t.ttbr_i = 0;
    t.asid_i = 0;
    t.mair_i = 0;
    m_drv.reset();
  }

  RtlTranslation translate(const RtlAccess& a) override {
    V& t = m_drv.top();
    const uint64_t start = m_drv.cycles();
    t.req_va_i = a.va.value();
    t.req_access_i = static_cast<uint8_t>(a.access);
    t.req_el_i = static_cast<uint8_t>(a.el);
    t.req_len_i = a.len & 0x7f;
    m_drv.offer(t.req_valid_i, t.req_ready_o, start, "request accepted");
    m_drv.await(t.rsp_valid_o, start, "translation");
    RtlTranslation r;
    r.fault = static_cast<arch::FaultKind>(t.rsp_fault_o);
    r.level = t.rsp_fault_level_o;
    if (r.fault == arch::FaultKind::kAlignment) r.level = -1;  // no level, as FaultSyndrome
    r.esr = t.rsp_esr_o;
    r.pa = PhysAddr(t.rsp_pa_o);
    r.mem_type = static_cast<arch::MemType>(t.rsp_mem_type_o);
    r.attr_index = t.rsp_attr_idx_o;
    r.l1_hit = t.rsp_l1_hit_o;
    r.l2_hit = t.rsp_l2_hit_o;
    r.walked = t.rsp_walked_o;
    r.l1_fill = {t.rsp_l1_filled_o != 0, t.rsp_l1_fill_way_o};
    r.l2_fill = {t.rsp_l2_filled_o != 0, t.rsp_l2_fill_way_o};
    r.cycles = m_drv.cycles() - start;
    m_drv.accept(t.rsp_ready_i, start);
    return r;
  }

  void invalidate(TlbInvKind kind, VirtAddr va, Asid asid) override {
    V& t = m_drv.top();
    t.inv_kind_i = static_cast<uint8_t>(kind);
    t.inv_va_i = va.value() & ((uint64_t{1} << 48) - 1);
    t.inv_asid_i = asid.value();
    m_drv.offer(t.inv_valid_i, t.inv_ready_o, m_drv.cycles(), "invalidation accepted");
  }

  void set_ttbr0(PhysAddr table, Asid asid) override {
    m_drv.top().ttbr_i = table.value();
    m_drv.top().asid_i = asid.value();
  }
  void set_mair(uint64_t mair) override { m_drv.top().mair_i = mair; }
  const std::vector<RtlDescriptorWrite>& writes() const override { return m_drv.pins().writes(); }
  uint64_t cycles() const override { return m_drv.cycles(); }

 private:
  MemoryClockedDriver<V> m_drv;
};

}  // namespace mmusim::rtl
