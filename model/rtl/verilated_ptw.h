// Pin-level driver of a Verilated rtl/mmu_ptw.sv (class V) behind the RtlPtw interface, with the
// pin-level memory model (verilated_memory.h). Include after the Verilated model's header.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "model/rtl/rtl_entry.h"
#include "model/rtl/rtl_ptw.h"
#include "model/rtl/rtl_sim.h"
#include "model/rtl/verilated_memory.h"

namespace mmusim::rtl {

// Drives a Verilated mmu_ptw (class V) against `mem`. `state_name` reads the FSM state for
// stuck reports (the driver cannot name the Verilated root class itself).
template <typename V>
class VerilatedPtw : public RtlPtw {
 public:
  VerilatedPtw(DescriptorMemory& mem, const MemoryTiming& timing,
               std::function<std::string(const V&)> state_name, const std::string& trace_path = "",
               uint64_t cycle_limit = 10000)
      : m_drv(
            "mmu_ptw", "ptw", mem, timing,
            [name = std::move(state_name)](const V& t) { return "FSM state " + name(t); },
            trace_path, cycle_limit) {
    V& t = m_drv.top();
    t.req_valid_i = 0;
    t.rsp_ready_i = 0;
    t.mem_req_ready_i = 0;
    t.mem_rsp_valid_i = 0;
    m_drv.reset();
  }

  RtlWalkResult walk(const RtlWalkRequest& req) override {
    V& t = m_drv.top();
    const uint64_t start = m_drv.cycles();
    t.req_va_i = req.va.value() & ((uint64_t{1} << 48) - 1);
    t.req_asid_i = req.asid.value();
    t.req_access_i = static_cast<uint8_t>(req.access);
    t.req_el_i = static_cast<uint8_t>(req.el);
    t.ttbr_i = req.ttbr.value();
    t.mair_i = req.mair;
    m_drv.offer(t.req_valid_i, t.req_ready_o, start, "request accepted");
    m_drv.await(t.rsp_valid_o, start, "walk response");
    RtlWalkResult r;
    r.entry_valid = t.rsp_entry_valid_o;
    r.entry = decode_entry(t.rsp_entry_o);
    r.fault = static_cast<arch::FaultKind>(t.rsp_fault_o);
    r.level = t.rsp_fault_level_o;
    r.esr = t.rsp_esr_o;
    r.cycles = m_drv.cycles() - start;
    m_drv.accept(t.rsp_ready_i, start);
    return r;
  }

  const std::vector<RtlDescriptorWrite>& writes() const override { return m_drv.pins().writes(); }
  uint64_t cycles() const override { return m_drv.cycles(); }

 private:
  MemoryClockedDriver<V> m_drv;
};

}  // namespace mmusim::rtl
