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

TEST(SwapIntegrity, HugePagesContpteHardwareDirtyHugetlbAndChurnTogetherKeepEveryByte) {
  // The features the swap, THP, contpte, hugetlb and HAFDBS work added, all
  // at once, with mprotect round trips and MADV_DONTNEED: every load and
  // the final read-back of every stored byte must see the last store.
  IntegrityParams ip;
  ip.phys_pages = 1024;  // 4 MiB, and the 2 MiB hugetlb pool besides
  ip.hugetlb_pages = 1;
  ip.madv_hugepage = true;
  ip.contpte = true;
  ip.hafdbs = true;
  ip.churn = true;
  ip.ops = 12000;
  const IntegrityResult r = run_integrity(ip);
  EXPECT_EQ(r.first_error, "");
  EXPECT_EQ(r.stats.oom_kills, 0u);
  EXPECT_EQ(r.ops_done, 12000u);
  EXPECT_GT(r.stats.pswpout, 1000u);
  EXPECT_GT(r.hugetlb_stores, 500u);
  EXPECT_GT(r.hugetlb_loads, 500u);
  EXPECT_GT(r.stats.contpte_folds, 0u);
  EXPECT_GT(r.mprotects, 10u);
  EXPECT_GT(r.dontneeds, 5u);
  EXPECT_GT(r.final_checked, 5000u);
  EXPECT_EQ(r.stats.access_flag_faults, 0u);  // the CPU set AF itself
}

TEST(SwapIntegrity, OomKillsWithASmallSwapAreCleanAndTheSurvivorsKeepTheirData) {
  // 1 MiB of memory, 2 MiB of swap, a 4 MiB working set with THP always,
  // contpte, hardware dirty tracking and files on the device: the OOM
  // killer must take whole processes (each kill seen as exists() false)
  // and leave every survivor's and every shared byte intact.
  IntegrityParams ip;
  ip.phys_pages = 256;
  ip.swap_pages = 512;
  ip.thp = ThpPolicy::kAlways;
  ip.contpte = true;
  ip.hafdbs = true;
  ip.files_on_device = true;
  ip.churn = true;
  ip.ops = 12000;
  const IntegrityResult r = run_integrity(ip);
  EXPECT_EQ(r.first_error, "");
  EXPECT_GT(r.killed, 5u);
  EXPECT_EQ(r.stats.oom_kills, r.killed);  // one process per kill, none lost otherwise
  EXPECT_EQ(r.ops_done, 12000u);           // survivors (and forks of them) ran to the end
  EXPECT_GT(r.final_checked, 1000u);
}

}  // namespace
}  // namespace mmusim::sw::test
