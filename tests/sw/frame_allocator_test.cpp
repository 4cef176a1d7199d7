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

// kernel.page_colours: a frame whose number modulo the colours is the one
// asked for, from the freed frames of that colour or the bump pointer (the
// frames it skips are free for anyone).
TEST(FrameAllocator, AllocColouredHandsOutAFrameOfThatColour) {
  FrameAllocator fa(PhysAddr(0x4000'0000), 8 * 4096);  // frame numbers 0x40000-0x40007
  EXPECT_THROW(fa.set_colours(3), std::invalid_argument);
  fa.set_colours(4);
  EXPECT_EQ(fa.alloc(), PhysAddr(0x4000'0000));
  EXPECT_EQ(fa.alloc_coloured(3), PhysAddr(0x4000'3000));  // skips frames 1 and 2
  EXPECT_EQ(fa.frames_in_use(), 2u);
  EXPECT_EQ(fa.alloc(), PhysAddr(0x4000'2000));            // a skipped frame
  EXPECT_EQ(fa.alloc_coloured(1), PhysAddr(0x4000'1000));  // the other one
  EXPECT_EQ(fa.alloc_coloured(1), PhysAddr(0x4000'5000));  // skips frame 4
  EXPECT_EQ(fa.alloc_coloured(7), PhysAddr(0x4000'7000));  // colour 7 mod 4 = 3; skips 6
  EXPECT_EQ(fa.alloc_coloured(3), std::nullopt);           // frames 4 and 6 are free, not colour 3
  EXPECT_EQ(fa.frames_free(), 2u);
  fa.free(PhysAddr(0x4000'3000));
  EXPECT_EQ(fa.alloc_coloured(3), PhysAddr(0x4000'3000));
  EXPECT_EQ(fa.alloc(), PhysAddr(0x4000'6000));
  EXPECT_EQ(fa.alloc_coloured(0), PhysAddr(0x4000'4000));
  EXPECT_EQ(fa.alloc(), std::nullopt);
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

TEST(FrameAllocator, BlocksAre2MBAlignedAndTheFramesSkippedStayUsable) {
  // The base is 4 KB past a 2 MB boundary: the first block starts at the next one.
  FrameAllocator fa(PhysAddr(0x4000'1000), 8 << 20);
  EXPECT_EQ(fa.alloc(), PhysAddr(0x4000'1000));
  EXPECT_EQ(fa.alloc_block(), PhysAddr(0x4020'0000));
  EXPECT_EQ(fa.frames_in_use(), 513u);
  // Frames 0x4000'2000 .. 0x401f'f000 were skipped: free, handed out LIFO.
  EXPECT_EQ(fa.alloc(), PhysAddr(0x401f'f000));
  EXPECT_EQ(fa.alloc_block(), PhysAddr(0x4040'0000));
  EXPECT_EQ(fa.alloc_block(), PhysAddr(0x4060'0000));
  EXPECT_FALSE(fa.alloc_block());  // 0x4080'0000 would end past 0x4080'1000
  EXPECT_EQ(fa.free_blocks(), 0u);
  EXPECT_EQ(fa.frames_in_use(), 1 + 3 * 512 + 1u);
}

TEST(FrameAllocator, AFreedBlockIsWholeAgainAndStaleFreeEntriesAreSkipped) {
  FrameAllocator fa(PhysAddr(0x4000'0000), 4 << 20);
  EXPECT_EQ(fa.alloc_block(), PhysAddr(0x4000'0000));
  EXPECT_EQ(fa.alloc_block(), PhysAddr(0x4020'0000));
  EXPECT_FALSE(fa.alloc_block());
  for (uint64_t i = 0; i < 512; ++i)
    fa.free(PhysAddr(0x4020'0000 + i * 4096));
  EXPECT_EQ(fa.free_blocks(), 1u);
  fa.free(PhysAddr(0x4000'0000));
  // The block goes again as a whole; its frames' free-list entries are stale.
  EXPECT_EQ(fa.alloc_block(), PhysAddr(0x4020'0000));
  EXPECT_EQ(fa.alloc(), PhysAddr(0x4000'0000));
  EXPECT_FALSE(fa.alloc());
  EXPECT_EQ(fa.frames_free(), 0u);
  fa.free(PhysAddr(0x4020'0000));
  EXPECT_THROW(fa.free(PhysAddr(0x4020'0000)), std::logic_error);  // already free
}

TEST(FrameAllocator, SixtyFourKBlocksComeFromFreeChunksOrTheAlignedBumpPointer) {
  FrameAllocator fa(PhysAddr(0x4000'0000), 4 << 20);
  EXPECT_EQ(fa.alloc(), PhysAddr(0x4000'0000));
  EXPECT_EQ(fa.alloc_block(FrameAllocator::kContOrder), PhysAddr(0x4001'0000));
  EXPECT_EQ(fa.frames_in_use(), 17u);
  EXPECT_EQ(fa.free_blocks(FrameAllocator::kContOrder), 0u);
  for (uint64_t i = 0; i < 16; ++i)
    fa.free(PhysAddr(0x4001'0000 + i * 4096));
  EXPECT_EQ(fa.free_blocks(FrameAllocator::kContOrder), 1u);
  EXPECT_EQ(fa.alloc_block(FrameAllocator::kContOrder), PhysAddr(0x4001'0000));
  // A 2 MB block takes the next 2 MB boundary; the 480 frames skipped are
  // 30 free 64 KB chunks, the next one handed out first.
  EXPECT_EQ(fa.alloc_block(), PhysAddr(0x4020'0000));
  EXPECT_EQ(fa.free_blocks(FrameAllocator::kContOrder), 30u);
  EXPECT_EQ(fa.alloc_block(FrameAllocator::kContOrder), PhysAddr(0x4002'0000));
  EXPECT_THROW(fa.alloc_block(5), std::invalid_argument);
}

}  // namespace
}  // namespace mmusim::sw
