// The one place where cycles become sc_time and back. Components keep their
// latencies in cycles (parameters are in cycles) and annotate TLM delays with
// sc_time values precomputed through a Clock.
#pragma once

#include <systemc>

#include "model/arch/types.h"

namespace mmusim {

class Clock {
 public:
  explicit Clock(double frequency_mhz = 2000.0)
      : m_period(sc_core::sc_time(1.0e6 / frequency_mhz, sc_core::SC_PS)),
        m_frequency_mhz(frequency_mhz) {}

  const sc_core::sc_time& period() const { return m_period; }
  double frequency_mhz() const { return m_frequency_mhz; }
  sc_core::sc_time to_time(Cycles c) const {
    return sc_core::sc_time::from_value(m_period.value() * c.count());
  }
  // Rounds down: a partial cycle has not elapsed yet.
  Cycles to_cycles(const sc_core::sc_time& t) const { return Cycles(t.value() / m_period.value()); }
  // Absolute simulated time, in cycles, of a TLM annotated `delay`.
  Cycles at(const sc_core::sc_time& delay) const {
    return to_cycles(sc_core::sc_time_stamp() + delay);
  }
  // The annotated delay that reaches absolute cycle `when` (never negative).
  sc_core::sc_time delay_until(Cycles when) const {
    const sc_core::sc_time t = to_time(when);
    return t > sc_core::sc_time_stamp() ? t - sc_core::sc_time_stamp() : sc_core::SC_ZERO_TIME;
  }

 private:
  sc_core::sc_time m_period;
  double m_frequency_mhz;
};

}  // namespace mmusim
