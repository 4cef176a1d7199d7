#include "sw/vma.h"

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
