#include "model/sim/replacement.h"

#include <gtest/gtest.h>

namespace mmusim {
namespace {

// Fills ways 0..n-1 of set 0 in order.
void fill_all(Replacement& r, unsigned n) {
  for (unsigned w = 0; w < n; ++w)
    r.fill(0, w);
}

TEST(Replacement, LruEvictsLeastRecentlyUsed) {
  Replacement r(ReplPolicy::kLru, 1, 4);
  fill_all(r, 4);
  r.touch(0, 0);
  r.touch(0, 2);
  EXPECT_EQ(r.victim(0), 1u);
  r.touch(0, 1);
  EXPECT_EQ(r.victim(0), 3u);
}

TEST(Replacement, FifoIgnoresHits) {
  Replacement r(ReplPolicy::kFifo, 1, 4);
  fill_all(r, 4);
  r.touch(0, 0);
  EXPECT_EQ(r.victim(0), 0u);
  r.fill(0, 0);
  EXPECT_EQ(r.victim(0), 1u);
}

// 4 ways: nodes 1 (root), 2 (ways 0-1), 3 (ways 2-3).
TEST(Replacement, TreePlruFollowsTheBitsAwayFromRecentUse) {
  Replacement r(ReplPolicy::kTreePlru, 1, 4);
  // All bits 0 at reset: the victim is way 0.
  EXPECT_EQ(r.victim(0), 0u);
  r.touch(0, 0);  // root -> right, node 2 -> way 1
  EXPECT_EQ(r.victim(0), 2u);
  r.touch(0, 2);  // root -> left, node 3 -> way 3
  EXPECT_EQ(r.victim(0), 1u);
  r.touch(0, 1);  // root -> right, node 2 -> way 0
  EXPECT_EQ(r.victim(0), 3u);
  r.touch(0, 3);  // root -> left, node 3 -> way 2
  EXPECT_EQ(r.victim(0), 0u);
}

TEST(Replacement, TreePlruEightWaysSequence) {
  Replacement r(ReplPolicy::kTreePlru, 2, 8);
  std::vector<unsigned> victims;
  for (int i = 0; i < 8; ++i) {
    const unsigned v = r.victim(1);
    victims.push_back(v);
    r.fill(1, v);
  }
  // Filling each victim in turn visits every way once, in PLRU order.
  EXPECT_EQ(victims, (std::vector<unsigned>{0, 4, 2, 6, 1, 5, 3, 7}));
  EXPECT_EQ(r.victim(0), 0u);  // set 0 untouched
}

TEST(Replacement, TreePlruNeedsPowerOfTwoWays) {
  try {
    Replacement r(ReplPolicy::kTreePlru, 1, 6, 1, "mmu.l2_tlb");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "mmu.l2_tlb: tree-plru needs a power-of-two number of ways");
  }
}

TEST(Replacement, SrripPrefersNeverReusedLines) {
  Replacement r(ReplPolicy::kSrrip, 1, 4);
  fill_all(r, 4);  // all RRPV 2
  r.touch(0, 0);   // RRPV 0
  r.touch(0, 3);
  // Ageing: ways 1 and 2 reach 3 first; the lowest is chosen.
  EXPECT_EQ(r.victim(0), 1u);
  r.fill(0, 1);  // back to 2; way 2 is at 3 now
  EXPECT_EQ(r.victim(0), 2u);
}

TEST(Replacement, RandomIsSeededAndReproducible) {
  Replacement a(ReplPolicy::kRandom, 1, 8, 42), b(ReplPolicy::kRandom, 1, 8, 42),
      c(ReplPolicy::kRandom, 1, 8, 7);
  std::vector<unsigned> va, vb, vc;
  for (int i = 0; i < 16; ++i) {
    va.push_back(a.victim(0));
    vb.push_back(b.victim(0));
    vc.push_back(c.victim(0));
  }
  EXPECT_EQ(va, vb);
  EXPECT_NE(va, vc);
  for (unsigned v : va)
    EXPECT_LT(v, 8u);
}

TEST(Replacement, NamesRoundTrip) {
  for (ReplPolicy p : {ReplPolicy::kLru, ReplPolicy::kTreePlru, ReplPolicy::kFifo,
                       ReplPolicy::kRandom, ReplPolicy::kSrrip})
    EXPECT_EQ(repl_policy_from_name(to_string(p)), p);
  EXPECT_FALSE(repl_policy_from_name("mru").has_value());
}

}  // namespace
}  // namespace mmusim
