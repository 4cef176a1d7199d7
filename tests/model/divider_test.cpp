// DivideBy (model/sim/divider.h) equals the division it replaces, for the
// clock periods and bucket widths in use and for the hard divisors and
// dividends (powers of two, their neighbours, the largest values).
#include "model/sim/divider.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

namespace mmusim {
namespace {

TEST(DivideBy, EqualsDivisionForEveryDivisorKind) {
  std::vector<uint64_t> divisors = {1,
                                    2,
                                    3,
                                    5,
                                    7,
                                    8,
                                    10,
                                    500,
                                    1000,
                                    333,
                                    625,
                                    1'000'000'007,
                                    (uint64_t{1} << 32) - 1,
                                    uint64_t{1} << 32,
                                    (uint64_t{1} << 63) - 1,
                                    uint64_t{1} << 63,
                                    (uint64_t{1} << 63) + 1,
                                    ~uint64_t{0} - 1,
                                    ~uint64_t{0}};
  std::vector<uint64_t> dividends = {0,
                                     1,
                                     2,
                                     499,
                                     500,
                                     501,
                                     999,
                                     1000,
                                     ~uint64_t{0},
                                     ~uint64_t{0} - 1,
                                     uint64_t{1} << 63,
                                     (uint64_t{1} << 63) - 1};
  std::mt19937_64 rng(12345);
  for (int i = 0; i < 2000; ++i) {
    dividends.push_back(rng());
    dividends.push_back(rng() >> (rng() % 64));
  }
  for (uint64_t d : divisors) {
    const DivideBy by(d);
    EXPECT_EQ(by.divisor(), d);
    for (uint64_t n : dividends) {
      ASSERT_EQ(by(n), n / d) << n << " / " << d;
      // Multiples and their neighbours, where rounding would show.
      const uint64_t q = n / d;
      if (q > 0) {
        ASSERT_EQ(by(q * d), q) << q * d << " / " << d;
        ASSERT_EQ(by(q * d - 1), q - 1) << q * d - 1 << " / " << d;
      }
    }
  }
}

}  // namespace
}  // namespace mmusim
