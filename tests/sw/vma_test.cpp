#include "sw/mm/vma.h"

#include <gtest/gtest.h>

namespace mmusim::sw {
namespace {

constexpr uint64_t kBase = 0x1000'0000'0000;
constexpr VmFlags kRw =
    vm::kRead | vm::kWrite | vm::kMayRead | vm::kMayWrite | vm::kMayExec | vm::kAccount;
constexpr VmFlags kRo = vm::kRead | vm::kMayRead | vm::kMayWrite | vm::kMayExec;

Vma anon(uint64_t start_page, uint64_t pages, VmFlags flags) {
  Vma v;
  v.start = VirtAddr(kBase + start_page * 4096);
  v.end = v.start + pages * 4096;
  v.flags = flags;
  v.pgoff = v.start.value() >> 12;
  return v;
}

TEST(VmaSet, FindsContainingAndFollowingVmas) {
  VmaSet s;
  s.insert(anon(0, 2, kRw));
  s.insert(anon(4, 2, kRo));
  EXPECT_EQ(s.find(VirtAddr(kBase + 0x1fff))->second.start, VirtAddr(kBase));
  EXPECT_EQ(s.find(VirtAddr(kBase + 0x2000)), s.end());
  EXPECT_EQ(s.find_vma(VirtAddr(kBase + 0x2000))->second.start, VirtAddr(kBase + 0x4000));
  EXPECT_EQ(s.find_intersection(VirtAddr(kBase + 0x2000), VirtAddr(kBase + 0x4000)), s.end());
  EXPECT_NE(s.find_intersection(VirtAddr(kBase + 0x2000), VirtAddr(kBase + 0x4001)), s.end());
}

TEST(VmaSet, SplitPiecesShareAnonVmaAndKeepPgoffContiguous) {
  VmaSet s;
  Vma v = anon(0, 4, kRw);
  v.anon_vma = 7;
  auto upper = s.split(s.insert(v), VirtAddr(kBase + 0x1000));
  EXPECT_EQ(s.size(), 2u);
  EXPECT_EQ(upper->second.pgoff, (kBase >> 12) + 1);
  EXPECT_EQ(upper->second.anon_vma, 7u);
  EXPECT_EQ(s.begin()->second.end, VirtAddr(kBase + 0x1000));
}

TEST(VmaSet, NewRangeMergesWithBothNeighboursWhenCompatible) {
  VmaSet s;
  s.insert(anon(0, 1, kRw));
  s.insert(anon(2, 1, kRw));
  auto it = s.insert_merged(anon(1, 1, kRw));
  EXPECT_EQ(s.size(), 1u);
  EXPECT_EQ(it->second.start, VirtAddr(kBase));
  EXPECT_EQ(it->second.end, VirtAddr(kBase + 0x3000));
}

TEST(VmaSet, NewRangeMergesOnlyLeftWhenNeighboursHaveDifferentAnonVmas) {
  VmaSet s;
  Vma a = anon(0, 1, kRw), b = anon(2, 1, kRw);
  a.anon_vma = 1;
  b.anon_vma = 2;
  s.insert(a);
  s.insert(b);
  s.insert_merged(anon(1, 1, kRw));
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s.begin()->second.end, VirtAddr(kBase + 0x2000));
}

TEST(VmaSet, NewRangeMergesRightAndTakesItsPgoff) {
  VmaSet s;
  s.insert(anon(1, 1, kRo));
  auto it = s.insert_merged(anon(0, 1, kRo));
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(it->second.start, VirtAddr(kBase));
  EXPECT_EQ(it->second.pgoff, kBase >> 12);
}

TEST(VmaSet, DifferentFlagsDoNotMergeButSoftDirtyIsIgnored) {
  VmaSet s;
  s.insert(anon(0, 1, kRw));
  s.insert_merged(anon(1, 1, kRo));
  EXPECT_EQ(s.size(), 2u);
  s.insert_merged(anon(2, 1, kRo | vm::kSoftdirty));
  EXPECT_EQ(s.size(), 2u);
}

TEST(VmaSet, ModifyFlagsSplitsInTheMiddleAndRemergesBack) {
  VmaSet s;
  auto it = s.insert(anon(0, 8, kRw));
  auto mid =
      s.modify_flags(it, VirtAddr(kBase + 0x2000), VirtAddr(kBase + 0x3000), kRw & ~vm::kWrite);
  ASSERT_TRUE(mid);
  EXPECT_EQ(s.size(), 3u);
  EXPECT_EQ((*mid)->second.start, VirtAddr(kBase + 0x2000));
  EXPECT_EQ((*mid)->second.pgoff, (kBase >> 12) + 2);
  auto back = s.modify_flags(*mid, VirtAddr(kBase + 0x2000), VirtAddr(kBase + 0x3000), kRw);
  ASSERT_TRUE(back);
  EXPECT_EQ(s.size(), 1u);
  EXPECT_EQ((*back)->second.end, VirtAddr(kBase + 0x8000));
}

TEST(VmaSet, ModifyFlagsAtAnEdgeMovesTheBoundaryIntoTheNeighbour) {
  VmaSet s;
  s.insert(anon(0, 2, kRo));
  auto it = s.insert(anon(2, 4, kRw));
  auto r = s.modify_flags(it, VirtAddr(kBase + 0x2000), VirtAddr(kBase + 0x3000), kRo);
  ASSERT_TRUE(r);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s.begin()->second.end, VirtAddr(kBase + 0x3000));
  EXPECT_EQ(std::next(s.begin())->second.start, VirtAddr(kBase + 0x3000));
  EXPECT_EQ(std::next(s.begin())->second.pgoff, (kBase >> 12) + 3);
}

TEST(VmaSet, FindsAMergeableAnonVmaInACompatibleNeighbour) {
  VmaSet s;
  Vma a = anon(0, 1, kRw);
  a.anon_vma = 5;
  s.insert(a);
  auto b = s.insert(anon(1, 1, kRo));  // differs only in access flags and VM_ACCOUNT
  EXPECT_EQ(s.find_mergeable_anon_vma(b), 0u);
  auto c = s.insert(anon(2, 1, kRw & ~vm::kWrite));
  c->second.anon_vma = 0;
  EXPECT_EQ(s.find_mergeable_anon_vma(s.find(VirtAddr(kBase))), 0u);
  Vma d = anon(10, 1, kRo);
  auto di = s.insert(d);
  Vma e = anon(11, 1, kRo | vm::kWrite);
  e.anon_vma = 9;
  s.insert(e);
  EXPECT_EQ(s.find_mergeable_anon_vma(di), 9u);
}

}  // namespace
}  // namespace mmusim::sw

namespace mmusim::sw {
namespace {

// The linear top-down search highest_free() replaces, as the reference.
std::optional<uint64_t> linear_highest_free(const VmaSet& set, uint64_t len, uint64_t low,
                                            uint64_t high) {
  if (high < low || high - low < len) return std::nullopt;
  uint64_t best_end = 0;
  bool found = false;
  uint64_t prev_end = 0;
  for (auto it = set.begin();; ++it) {
    uint64_t ge = it == set.end() ? kGapTop : it->second.start.value();
    if (it != set.end() && (it->second.flags & vm::kGrowsdown))
      ge = ge > kStackGuardGap ? ge - kStackGuardGap : 0;
    const uint64_t gs = std::max(prev_end, low);
    ge = std::min(ge, high);
    if (ge > gs && ge - gs >= len) {
      best_end = ge;
      found = true;
    }
    if (it == set.end()) break;
    prev_end = it->second.end.value();
  }
  if (!found) return std::nullopt;
  return best_end - len;
}

TEST(VmaSet, GapTreeSearchAgreesWithALinearScan) {
  VmaSet set;
  uint64_t seed = 12345;
  auto rnd = [&]() {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    return seed >> 33;
  };
  constexpr uint64_t kArena = 0x1000'0000'0000;
  for (int round = 0; round < 3000; ++round) {
    const uint64_t start = kArena + (rnd() % 4096) * 0x1000;
    const uint64_t pages = 1 + rnd() % 16;
    const uint64_t end = start + pages * 0x1000;
    const int what = static_cast<int>(rnd() % 3);
    auto first = set.find_intersection(VirtAddr(start), VirtAddr(end));
    if (what < 2 && first == set.end()) {
      Vma v;
      v.start = VirtAddr(start);
      v.end = VirtAddr(end);
      v.flags = vm::kRead | ((rnd() % 8) == 0 ? vm::kGrowsdown : 0) | (rnd() % 2 ? vm::kWrite : 0);
      v.pgoff = start >> 12;
      set.insert_merged(v);
    } else if (first != set.end()) {
      if (first->second.start.value() < start && first->second.end.value() > start)
        first = set.split(first, VirtAddr(start));
      if (first->second.end.value() > end && first->second.start.value() < end)
        set.split(first, VirtAddr(end));
      auto it = set.find_intersection(VirtAddr(start), VirtAddr(end));
      if (it != set.end() && it->second.end.value() <= end)
        set.modify_flags(it, it->second.start, it->second.end, it->second.flags ^ vm::kExec);
      it = set.find_intersection(VirtAddr(start), VirtAddr(end));
      if (it != set.end() && rnd() % 2) set.erase(it);
    }
    const uint64_t len = (1 + rnd() % 64) * 0x1000;
    const uint64_t low = kArena + (rnd() % 2048) * 0x1000;
    const uint64_t high = low + (rnd() % 8192) * 0x1000;
    ASSERT_EQ(set.highest_free(len, low, high), linear_highest_free(set, len, low, high))
        << "round " << round;
  }
}

}  // namespace
}  // namespace mmusim::sw
