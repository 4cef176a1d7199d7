// The synthetic generators' access streams, without a platform.
#include "testbench/synthetic.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <vector>

namespace mmusim {
namespace {

Phase phase(Pattern p, unsigned size = 8, uint64_t stride = 64, double write_fraction = 0.0) {
  Phase ph;
  ph.name = to_string(p);
  ph.pattern = p;
  ph.size_bytes = size;
  ph.stride_bytes = stride;
  ph.write_fraction = write_fraction;
  return ph;
}

std::vector<uint64_t> offsets(const Phase& ph, uint64_t region, unsigned n, uint64_t seed = 1) {
  SplitMix64 rng{seed};
  PhaseGenerator gen(ph, region, rng);
  std::vector<uint64_t> out;
  for (unsigned i = 0; i < n; ++i)
    out.push_back(gen.next().offset);
  return out;
}

TEST(Synthetic, SequentialAndStridedWrapInsideTheRegion) {
  EXPECT_EQ(offsets(phase(Pattern::kSequential, 8, 8), 4096, 4),
            (std::vector<uint64_t>{0, 8, 16, 24}));
  // 16 KB, 8-byte accesses: offsets below 16377 keep the access inside.
  EXPECT_EQ(offsets(phase(Pattern::kStrided, 8, 4096), 16384, 6),
            (std::vector<uint64_t>{0, 4096, 8192, 12288, 7, 4103}));
}

TEST(Synthetic, PointerChaseVisitsEveryLineOnceThenRepeats) {
  const Phase ph = phase(Pattern::kPointerChase);
  SplitMix64 rng{7};
  PhaseGenerator gen(ph, 64 * 1024, rng);
  std::set<uint64_t> lines;
  PhaseGenerator::Access a = gen.next();
  EXPECT_EQ(a.offset, 0u);
  EXPECT_FALSE(a.dependent);
  lines.insert(a.offset);
  for (int i = 1; i < 1024; ++i) {
    a = gen.next();
    EXPECT_TRUE(a.dependent);
    EXPECT_EQ(a.offset % 64, 0u);
    lines.insert(a.offset);
  }
  EXPECT_EQ(lines.size(), 1024u);    // one cycle through all 1024 lines
  EXPECT_EQ(gen.next().offset, 0u);  // and back to the start
}

TEST(Synthetic, ZipfRanksFollowThePowerLaw) {
  const ZipfSampler z(100, 1.0);
  SplitMix64 rng{1};
  std::map<uint64_t, unsigned> count;
  for (int i = 0; i < 100000; ++i) {
    const uint64_t k = z.sample(rng);
    ASSERT_GE(k, 1u);
    ASSERT_LE(k, 100u);
    ++count[k];
  }
  // Seeded: exact counts. P(k) = 1 / (k H_100), H_100 = 5.187: 19280, 9640, 193 expected.
  EXPECT_EQ(count[1], 19297u);
  EXPECT_EQ(count[2], 9700u);
  EXPECT_EQ(count[100], 165u);
}

TEST(Synthetic, ZipfLinesAreScatteredAndSkewed) {
  Phase ph = phase(Pattern::kZipf);
  ph.zipf_exponent = 0.99;
  const std::vector<uint64_t> v = offsets(ph, 1 << 20, 20000);
  std::map<uint64_t, unsigned> lines;
  for (uint64_t o : v) {
    ASSERT_EQ(o % 64, 0u);
    ASSERT_LT(o, uint64_t{1} << 20);
    ++lines[o];
  }
  unsigned hottest = 0;
  for (const auto& [line, n] : lines)
    hottest = std::max(hottest, n);
  EXPECT_EQ(lines.size(), 4436u);  // of 16384 lines
  EXPECT_EQ(hottest, 1882u);       // rank 1: about 1 / H(16384, 0.99) = 9.6% of the accesses
}

TEST(Synthetic, UniformAndWriteMixAreSeeded) {
  const Phase ph = phase(Pattern::kRandom, 8, 0, 0.25);
  SplitMix64 rng{3};
  PhaseGenerator gen(ph, 4096, rng);
  unsigned writes = 0;
  uint64_t max_offset = 0;
  for (int i = 0; i < 10000; ++i) {
    const PhaseGenerator::Access a = gen.next();
    writes += a.write;
    max_offset = std::max(max_offset, a.offset);
  }
  EXPECT_EQ(writes, 2543u);
  EXPECT_EQ(max_offset, 4088u);  // 4096 - 8: the access stays inside
  EXPECT_EQ(offsets(ph, 4096, 3, 3), offsets(ph, 4096, 3, 3));
}

}  // namespace
}  // namespace mmusim
