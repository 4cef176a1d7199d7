// A small register abstraction for bus-attached devices (after VCML): a
// device declares its registers with name, offset, width, reset value,
// access rights and read/write side effects; the block decodes TLM accesses
// to them. Each non-debug access runs its side effect exactly once. Debug
// accesses read the stored value with no side effect and cannot write.
// Protocol errors (an access that is not exactly one whole register, a write
// to a read-only register, a read of a write-only one) go back as TLM error
// responses and are counted.
#pragma once

#include <tlm_utils/simple_target_socket.h>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <systemc>
#include <tlm>
#include <vector>

#include "model/sim/clock.h"
#include "model/stats/stats.h"

namespace mmusim {

enum class RegAccess : uint8_t { kReadOnly, kWriteOnly, kReadWrite };

class Register {
 public:
  using ReadHook = std::function<uint64_t(uint64_t stored)>;  // returns the value read
  using WriteHook = std::function<uint64_t(uint64_t written, uint64_t stored)>;  // new stored
  using PeekHook = std::function<uint64_t(uint64_t stored)>;  // debug read: no side effect

  Register(std::string name, uint64_t offset, unsigned width_bytes, uint64_t reset,
           RegAccess access);

  const std::string& name() const { return m_name; }
  uint64_t offset() const { return m_offset; }
  unsigned width() const { return m_width; }
  RegAccess access() const { return m_access; }
  uint64_t reset_value() const { return m_reset; }
  uint64_t value() const { return m_value; }
  void set(uint64_t v) { m_value = v & mask(); }
  void reset() { m_value = m_reset; }
  uint64_t reads() const { return m_reads; }
  uint64_t writes() const { return m_writes; }

  // Side effects: on_read sees the stored value and returns what the bus
  // reads; on_write sees the written and stored values and returns what is
  // stored. Without hooks a register is plain storage.
  Register& on_read(ReadHook hook) {
    m_on_read = std::move(hook);
    return *this;
  }
  Register& on_write(WriteHook hook) {
    m_on_write = std::move(hook);
    return *this;
  }
  // What a debug read returns for a register whose value is computed on
  // read (a counter): must have no side effect. Without it, the stored value.
  Register& on_peek(PeekHook hook) {
    m_on_peek = std::move(hook);
    return *this;
  }
  uint64_t peek() const { return (m_on_peek ? m_on_peek(m_value) : m_value) & mask(); }

  uint64_t bus_read();
  void bus_write(uint64_t v);

 private:
  uint64_t mask() const { return m_width == 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * m_width)) - 1; }
  std::string m_name;
  uint64_t m_offset;
  unsigned m_width;
  uint64_t m_reset;
  RegAccess m_access;
  uint64_t m_value;
  ReadHook m_on_read;
  WriteHook m_on_write;
  PeekHook m_on_peek;
  uint64_t m_reads = 0, m_writes = 0;
};

struct RegisterBlockStats {
  uint64_t reads = 0, writes = 0, errors = 0;
};

class RegisterBlock : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<RegisterBlock> socket;

  RegisterBlock(sc_core::sc_module_name name, uint64_t size_bytes, uint64_t latency_cycles,
                const Clock& clock);

  // Declares a register. Overlaps, widths other than 1/2/4/8, misalignment
  // or a register past the block are SC_REPORT_ERRORs of type mmusim/dev
  // (model/sim/report.h), as is reg() of a name not declared.
  Register& add(const std::string& name, uint64_t offset, unsigned width_bytes, uint64_t reset,
                RegAccess access);
  Register* find(uint64_t offset);
  Register& reg(const std::string& name);
  uint64_t size() const { return m_size; }
  const RegisterBlockStats& stats() const { return m_stats; }
  // Registers these counters (docs/stats.md) in `g`; this component must outlive it.
  virtual void register_stats(stats::Group& g) const;
  const std::vector<std::unique_ptr<Register>>& registers() const { return m_regs; }

 protected:
  // Simulated time of the bus access being served (simulation time plus the
  // initiator's annotated delay, before this block's latency): what a hook
  // of a time-dependent register (a counter) reads.
  const Clock& clock() const { return m_clock; }
  Cycles access_cycle() const { return m_access_cycle; }

 private:
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned int transport_dbg(tlm::tlm_generic_payload& trans);

  const Clock& m_clock;
  Cycles m_access_cycle{0};
  uint64_t m_size;
  sc_core::sc_time m_latency;
  std::vector<std::unique_ptr<Register>> m_regs;
  RegisterBlockStats m_stats;
};

}  // namespace mmusim
