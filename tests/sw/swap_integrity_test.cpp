#include <gtest/gtest.h>

#include "tests/sw/swap_integrity.h"

namespace mmusim::sw::test {
namespace {

TEST(SwapIntegrity, EveryLoadReturnsTheLastStoreWithAWorkingSetFourTimesMemory) {
  for (uint64_t seed : {1, 2, 3}) {
    IntegrityParams ip;
    ip.seed = seed;
    ip.files_on_device = seed == 3;  // swap and files on the one block device
    ip.phys_pages = 256;             // 1 MiB
    ip.ops = 20000;
    const IntegrityResult r = run_integrity(ip);
    EXPECT_EQ(r.first_error, "") << "seed " << seed;
    // The run really was under pressure and exercised what it claims.
    EXPECT_GT(r.stats.pswpout, 500u) << seed;
    EXPECT_GT(r.stats.pswpin, 500u) << seed;
    EXPECT_GT(r.stats.file_pages_written, 0u) << seed;
    EXPECT_GT(r.forks, 0u) << seed;
    EXPECT_GT(r.msyncs, 0u) << seed;
    EXPECT_GT(r.loads_checked, 5000u) << seed;
    // Shared anonymous memory was swapped out and read back.
    EXPECT_GT(r.shmem_loads, 1000u) << seed;
    EXPECT_GT(r.shmem_stores, 1000u) << seed;
    EXPECT_GT(r.shmem_major_faults, 100u) << seed;
  }
}

}  // namespace
}  // namespace mmusim::sw::test
