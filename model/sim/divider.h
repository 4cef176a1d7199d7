// Exact unsigned 64-bit division by a divisor fixed at run time, without a
// division instruction: a multiply-high, a subtraction and two shifts
// (Granlund and Montgomery, "Division by invariant integers using
// multiplication", PLDI 1994, figure 4.1). For every n and every d >= 1,
// DivideBy(d)(n) == n / d. Used where time becomes cycles on the per-access
// path (Clock) and for histogram buckets: a 64-bit `div` costs tens of cycles.
#pragma once

#include <cstdint>

namespace mmusim {

__extension__ typedef unsigned __int128 Uint128;  // GCC and Clang

class DivideBy {
 public:
  constexpr DivideBy() = default;
  explicit constexpr DivideBy(uint64_t d) : m_d(d) {
    // l = ceil(log2 d); m = floor(2^64 * (2^l - d) / d) + 1 (fits in 64 bits).
    unsigned l = 0;
    while (l < 64 && (uint64_t{1} << l) < d)
      ++l;
    m_shift = l;
    if (d > 1) {
      const Uint128 two_l = static_cast<Uint128>(1) << l;
      m_magic = static_cast<uint64_t>(((two_l - d) << 64) / d) + 1;
    }
  }
  constexpr uint64_t divisor() const { return m_d; }
  constexpr uint64_t operator()(uint64_t n) const {
    if (m_d == 1) return n;
    const uint64_t t = static_cast<uint64_t>((static_cast<Uint128>(m_magic) * n) >> 64);
    return (t + ((n - t) >> 1)) >> (m_shift - 1);
  }

 private:
  uint64_t m_d = 1;
  uint64_t m_magic = 0;
  unsigned m_shift = 0;
};

}  // namespace mmusim
