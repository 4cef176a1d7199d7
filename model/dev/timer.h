// A free-running timer on the register abstraction. The counter is derived
// from simulated time: COUNT = (cycle of the access) / divider, where the
// cycle is the CPU clock cycle at which the access reaches the block (the
// initiator's annotated time). Nothing runs between accesses; the compare
// match is evaluated at every bus access and latched then.
//   0x00 COUNT    RO 8  the counter at the access
//   0x08 COMPARE  RW 8  writing it arms the match (reset: all ones, disarmed)
//   0x10 STATUS   RW 4  bit 0 MATCH: latched when an armed COMPARE is
//                       reached (COUNT >= COMPARE); write 1 to clear (W1C).
//                       One match per COMPARE write: a cleared MATCH stays
//                       clear until COMPARE is written again.
//   0x18 DIVIDER  RO 4  CPU cycles per count (configuration)
// A match also raises the `on_match` event (the status block's TIMER bit).
#pragma once

#include <functional>

#include "model/dev/register_block.h"
#include "model/stats/stats.h"

namespace mmusim {

class Timer : public RegisterBlock {
 public:
  static constexpr uint64_t kSize = 0x1000;
  static constexpr uint64_t kMatch = 1;

  // `divider`: CPU cycles per count, at least 1 (0 is an SC_REPORT_ERROR of
  // type mmusim/dev); `latency_cycles`: register access latency.
  Timer(sc_core::sc_module_name name, uint64_t divider, uint64_t latency_cycles,
        const Clock& clock);

  // Called once per match (latched edge).
  void on_match(std::function<void()> fn) { m_on_match = std::move(fn); }
  uint64_t matches() const { return m_matches; }
  // Registers these counters (docs/stats.md) in `g`; this component must outlive it.
  void register_stats(stats::Group& g) const override;
  uint64_t count_at(Cycles c) const { return c.count() / m_divider; }

  Register& count;
  Register& compare;
  Register& status;
  Register& divider;

 private:
  void update();  // evaluates the match at the current access
  uint64_t m_divider;
  bool m_armed = false;
  uint64_t m_matches = 0;
  std::function<void()> m_on_match;
};

}  // namespace mmusim
