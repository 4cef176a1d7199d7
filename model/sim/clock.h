// The one place where cycles become sc_time and back. Components keep their
// latencies in cycles (parameters are in cycles) and annotate TLM delays with
// sc_time values precomputed through a Clock. Time to cycles divides by the
// period with a precomputed reciprocal (model/sim/divider.h): exact, and no
// division instruction on the per-access path; the simulation time is read
// inline (stamp(): the kernel's current time, without sc_time_stamp()'s call).
#pragma once

#include <systemc>

#include "model/arch/types.h"
#include "model/sim/divider.h"

namespace mmusim {

class Clock {
 public:
  explicit Clock(double frequency_mhz = 2000.0)
      : m_period(sc_core::sc_time(1.0e6 / frequency_mhz, sc_core::SC_PS)),
        m_frequency_mhz(frequency_mhz),
        m_per_period(m_period.value() ? m_period.value() : 1),
        m_stamp(&sc_core::sc_get_curr_simcontext()->time_stamp()) {}

  // sc_time_stamp(), inline.
  const sc_core::sc_time& stamp() const { return *m_stamp; }

  const sc_core::sc_time& period() const { return m_period; }
  double frequency_mhz() const { return m_frequency_mhz; }
  sc_core::sc_time to_time(Cycles c) const {
    return sc_core::sc_time::from_value(m_period.value() * c.count());
  }
  // Rounds down: a partial cycle has not elapsed yet.
  Cycles to_cycles(const sc_core::sc_time& t) const { return Cycles(m_per_period(t.value())); }
  // The same, of a time in sc_time ticks.
  uint64_t ticks_to_cycles(uint64_t ticks) const { return m_per_period(ticks); }
  // Absolute simulated time, in cycles, of a TLM annotated `delay`.
  Cycles at(const sc_core::sc_time& delay) const {
    return Cycles(m_per_period(m_stamp->value() + delay.value()));
  }
  // The annotated delay that reaches absolute cycle `when` (never negative).
  sc_core::sc_time delay_until(Cycles when) const {
    const sc_core::sc_time t = to_time(when);
    return t > *m_stamp ? t - *m_stamp : sc_core::SC_ZERO_TIME;
  }

 private:
  sc_core::sc_time m_period;
  double m_frequency_mhz;
  DivideBy m_per_period;
  const sc_core::sc_time* m_stamp;  // the simulation context's current time
};

}  // namespace mmusim
