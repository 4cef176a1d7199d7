// What every pin-level driver of a Verilated MMU block shares: the Verilator context and the
// optional FST waveform. Include Verilated headers before any SystemC header in a translation
// unit: verilated.h picks its SystemC flavour when SYSTEMC_VERSION is already defined.
#pragma once

#include <verilated.h>
#include <verilated_fst_c.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "model/rtl/rtl_stuck.h"

namespace mmusim::rtl {

// The one VerilatedContext of the process, never destroyed: Verilator 5.006 deadlocks when a
// model is destroyed after a context other than its own has been (seen with two drivers alive
// at once), so every driver shares this context and the names below keep their scopes apart.
inline VerilatedContext& shared_context() {
  static VerilatedContext* const context = new VerilatedContext;
  return *context;
}

// "<base><n>": a model instance name unique in the process.
inline std::string unique_instance_name(const char* base) {
  static std::atomic<unsigned> next{0};
  return base + std::to_string(next++);
}

// An FST waveform of a Verilated model, written only when opened (models are verilated with
// --trace-fst, which costs nothing until a trace is attached).
template <typename V>
class Trace {
 public:
  // The model's context must have traceEverOn(true) before the model was constructed.
  void open(V& top, const std::string& path) {
    m_fst = std::make_unique<VerilatedFstC>();
    top.trace(m_fst.get(), 99);
    m_fst->open(path.c_str());
  }
  void dump(uint64_t time) {
    if (m_fst) m_fst->dump(time);
  }
  void close() {
    if (m_fst) m_fst->close();
    m_fst.reset();
  }

 private:
  std::unique_ptr<VerilatedFstC> m_fst;
};

// A Verilated model with a clock_i/rst_ni pair on the shared context, its optional
// waveform, and a cycle count: the shell every pin-level driver needs.
template <typename V>
class ClockedModel {
 public:
  ClockedModel(const char* name_base, const std::string& trace_path) {
    if (!trace_path.empty()) m_ctx.traceEverOn(true);
    m_top = std::make_unique<V>(&m_ctx, unique_instance_name(name_base).c_str());
    if (!trace_path.empty()) m_trace.open(*m_top, trace_path);
  }
  ~ClockedModel() {
    m_trace.close();
    m_top->final();
  }
  ClockedModel(const ClockedModel&) = delete;
  ClockedModel& operator=(const ClockedModel&) = delete;

  V& top() { return *m_top; }
  const V& top() const { return *m_top; }
  uint64_t cycles() const { return m_cycles; }

  // Holds rst_ni low over one rising edge, with the inputs as the caller set them.
  void reset() {
    V& t = *m_top;
    t.clk_i = 0;
    t.rst_ni = 0;
    t.eval();
    tick();
    t.rst_ni = 1;
    t.eval();
  }
  // One clock cycle: rising edge, then falling edge (inputs change with the clock low).
  void tick() {
    V& t = *m_top;
    t.clk_i = 1;
    t.eval();
    m_ctx.timeInc(5);
    m_trace.dump(m_ctx.time());
    t.clk_i = 0;
    t.eval();
    m_ctx.timeInc(5);
    m_trace.dump(m_ctx.time());
    ++m_cycles;
  }

 private:
  VerilatedContext& m_ctx = shared_context();
  std::unique_ptr<V> m_top;
  Trace<V> m_trace;
  uint64_t m_cycles = 0;
};

}  // namespace mmusim::rtl
