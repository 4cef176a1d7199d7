// What every pin-level driver of a Verilated MMU block shares: the stuck-run error and the
// optional FST waveform.
#pragma once

#include <verilated.h>
#include <verilated_fst_c.h>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>

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

// A response that did not come within the cycle limit. what() names the block, the request it
// waited for and the state it is stuck in.
class RtlStuck : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

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
