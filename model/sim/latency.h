// Limits shared by the latency parameters of every component (plain C++).
#pragma once

#include <cstdint>

namespace mmusim {

// The largest latency a *_cycles parameter takes.
inline constexpr uint64_t kMaxLatencyCycles = 1'000'000;

}  // namespace mmusim
