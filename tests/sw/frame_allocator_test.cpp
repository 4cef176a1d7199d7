#include "sw/frame_allocator.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace mmusim::sw {
namespace {

TEST(FrameAllocator, HandsOutFramesInAddressOrderThenReusesFreedOnesLifo) {
  FrameAllocator fa(PhysAddr(0x4000'0000), 4 * 4096);
  EXPECT_EQ(fa.frames_total(), 4u);
  EXPECT_EQ(fa.alloc(), PhysAddr(0x4000'0000));
  EXPECT_EQ(fa.alloc(), PhysAddr(0x4000'1000));
  const auto third = fa.alloc();
  EXPECT_EQ(fa.frames_in_use(), 3u);
  fa.free(PhysAddr(0x4000'0000));
  fa.free(*third);
  EXPECT_EQ(fa.frames_in_use(), 1u);
  EXPECT_EQ(fa.alloc(), third);
  EXPECT_EQ(fa.alloc(), PhysAddr(0x4000'0000));
  EXPECT_EQ(fa.alloc(), PhysAddr(0x4000'3000));
}

TEST(FrameAllocator, ReturnsNulloptWhenExhausted) {
  FrameAllocator fa(PhysAddr(0x8000'0000), 2 * 4096);
  EXPECT_TRUE(fa.alloc());
  EXPECT_TRUE(fa.alloc());
  EXPECT_FALSE(fa.alloc());
  EXPECT_EQ(fa.frames_free(), 0u);
}

TEST(FrameAllocator, RejectsFreeingWhatItNeverHandedOut) {
  FrameAllocator fa(PhysAddr(0x8000'0000), 8 * 4096);
  EXPECT_THROW(fa.free(PhysAddr(0x8000'0000)), std::logic_error);
  fa.alloc();
  EXPECT_THROW(fa.free(PhysAddr(0x8000'0800)), std::logic_error);
  EXPECT_THROW(fa.free(PhysAddr(0x7fff'f000)), std::logic_error);
}

}  // namespace
}  // namespace mmusim::sw
