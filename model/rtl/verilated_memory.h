// The descriptor memory as the RTL walker sees it on its pins (mem_req_* / mem_rsp_* of mmu_ptw
// and mmu_top): one request outstanding, answered `latency_cycles` after it was accepted, with
// seeded random backpressure. Works with any Verilated class that has those ports.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "model/rtl/rtl_ptw.h"
#include "model/rtl/rtl_sim.h"
#include "model/rtl/rtl_stuck.h"

namespace mmusim::rtl {

class PinMemory {
 public:
  PinMemory(DescriptorMemory& mem, const MemoryTiming& timing)
      : m_mem(mem), m_timing(timing), m_rng(timing.seed) {}

  // Drives the memory's inputs for the coming rising edge (the model is evaluated afterwards).
  template <typename V>
  void before_edge(V& t) {
    const bool stall = m_timing.stall_percent && m_rng() % 100 < m_timing.stall_percent;
    t.mem_req_ready_i = !m_pending && !stall;
    t.mem_rsp_valid_i = m_pending && m_countdown == 0 && !m_timing.never_respond;
    t.mem_rsp_rdata_i = m_rdata;
    t.mem_rsp_err_i = m_err;
  }
  // Samples the handshakes of the edge about to happen (call after eval, before the edge).
  template <typename V>
  void sample(const V& t) {
    m_accept = t.mem_req_valid_o && t.mem_req_ready_i;
    m_respond = t.mem_rsp_valid_i;
    if (m_accept) {
      m_req_addr = PhysAddr(t.mem_req_addr_o);
      m_req_we = t.mem_req_we_o;
      m_req_wdata = t.mem_req_wdata_o;
    }
  }
  // Advances the memory past the edge: retires the answered request, accepts the new one (a
  // write updates memory when accepted).
  template <typename V>
  void after_edge(V& t) {
    if (m_respond) m_pending = false;
    if (m_pending && m_countdown > 0) --m_countdown;
    if (m_accept) {
      m_pending = true;
      m_countdown = m_timing.latency_cycles ? m_timing.latency_cycles - 1 : 0;
      m_err = m_mem.is_error(m_req_addr);
      m_rdata = m_err ? 0 : m_mem.read(m_req_addr);
      if (m_req_we && !m_err) {
        m_writes.push_back({m_req_addr, m_rdata, m_req_wdata});
        m_mem.write(m_req_addr, m_req_wdata);
      }
    }
    t.mem_rsp_valid_i = 0;
  }

  // "outstanding read at 0x... (no response)" or "no memory request outstanding".
  std::string describe() const {
    if (!m_pending) return "no memory request outstanding";
    char addr[24];
    std::snprintf(addr, sizeof addr, "0x%llx", static_cast<unsigned long long>(m_req_addr.value()));
    return std::string("outstanding ") + (m_req_we ? "write" : "read") + " at " + addr +
           " (no response)";
  }
  const std::vector<RtlDescriptorWrite>& writes() const { return m_writes; }

 private:
  DescriptorMemory& m_mem;
  MemoryTiming m_timing;
  std::mt19937_64 m_rng;
  std::vector<RtlDescriptorWrite> m_writes;
  bool m_pending = false;
  unsigned m_countdown = 0;
  bool m_accept = false;
  bool m_respond = false;
  PhysAddr m_req_addr;
  bool m_req_we = false;
  uint64_t m_req_wdata = 0;
  uint64_t m_rdata = 0;
  bool m_err = false;
};

// One clock cycle of `model` with `pins` answering its descriptor-memory port.
template <typename V>
void clock_with_memory(ClockedModel<V>& model, PinMemory& pins) {
  V& t = model.top();
  pins.before_edge(t);
  t.eval();
  pins.sample(t);
  model.tick();
  pins.after_edge(t);
}

// What the pin-level MMU and walker drivers share: the Verilated model clocked with the
// memory model on its descriptor port, valid/ready handshakes, and a cycle limit counted from
// the start of each operation whose breach throws RtlStuck naming the module, what it waited
// for, its FSM state (`state_name`) and the memory port.
template <typename V>
class MemoryClockedDriver {
 public:
  // `module` names the RTL module in reports, `instance` the model's instance and trace.
  MemoryClockedDriver(const char* module, const char* instance, DescriptorMemory& mem,
                      const MemoryTiming& timing, std::function<std::string(const V&)> state_name,
                      const std::string& trace_path, uint64_t cycle_limit)
      : m_module(module),
        m_pins(mem, timing),
        m_state_name(std::move(state_name)),
        m_model(instance, trace_path),
        m_cycle_limit(cycle_limit) {}

  V& top() { return m_model.top(); }
  void reset() { m_model.reset(); }
  uint64_t cycles() const { return m_model.cycles(); }
  const PinMemory& pins() const { return m_pins; }

  // Raises `valid`, clocks until the cycle that sees `ready`, then lowers `valid`.
  template <typename Valid, typename Ready>
  void offer(Valid& valid, const Ready& ready, uint64_t start, const char* what) {
    valid = 1;
    top().eval();
    while (!ready)
      cycle(start, what);
    cycle(start, what);
    valid = 0;
    top().eval();
  }
  // Clocks until `flag` is high.
  template <typename Flag>
  void await(const Flag& flag, uint64_t start, const char* what) {
    while (!flag)
      cycle(start, what);
  }
  // Takes the response on the offered `ready` pin: high for one cycle.
  template <typename Ready>
  void accept(Ready& ready, uint64_t start) {
    ready = 1;
    cycle(start, "response accepted");
    ready = 0;
    top().eval();
  }

 private:
  void cycle(uint64_t start, const char* waiting_for) {
    if (m_model.cycles() - start >= m_cycle_limit) stuck(waiting_for);
    clock_with_memory(m_model, m_pins);
  }
  [[noreturn]] void stuck(const char* waiting_for) {
    throw RtlStuck(std::string(m_module) + " stuck: no " + waiting_for + " within " +
                   std::to_string(m_cycle_limit) + " cycles; " + m_state_name(m_model.top()) +
                   ", " + m_pins.describe());
  }

  const char* m_module;
  PinMemory m_pins;
  std::function<std::string(const V&)> m_state_name;
  ClockedModel<V> m_model;
  uint64_t m_cycle_limit;
};

}  // namespace mmusim::rtl
