// What every pin-level driver of a Verilated MMU block shares: the Verilator context and the
// optional FST waveform. Include Verilated headers before any SystemC header in a translation
// unit: verilated.h picks its SystemC flavour when SYSTEMC_VERSION is already defined.
#pragma once

#include <verilated.h>
#include <verilated_fst_c.h>

#include <atomic>
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

}  // namespace mmusim::rtl
