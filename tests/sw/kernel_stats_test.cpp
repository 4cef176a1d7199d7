// The kernel's counters in the statistics registry: exactly the keys of the
// `kernel` object of today's stats JSON (testbench/stats.cpp), each with a
// unit and a description, each reading the counter of Kernel::stats().
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "model/stats/stats.h"
#include "tests/sw/kernel_fixture.h"

namespace mmusim::sw::test {
namespace {

// The `kernel` keys of the stats JSON before the registry (mapped_pages is
// an object of three).
const std::set<std::string> kJsonKeys = {"syscalls",
                                         "page_faults",
                                         "faults_resolved",
                                         "sigsegv",
                                         "sigbus",
                                         "zero_page_maps",
                                         "anon_pages_allocated",
                                         "page_table_pages",
                                         "frames_in_use",
                                         "descriptor_writes",
                                         "tlb_invalidations",
                                         "page_cache_pages",
                                         "file_faults",
                                         "file_faults_major",
                                         "fault_around_pages",
                                         "file_pages_read",
                                         "file_pages_written",
                                         "readahead_sync",
                                         "readahead_async",
                                         "readahead_pages",
                                         "cow_copies",
                                         "ksm_pages",
                                         "ksm_merged",
                                         "hwpoisoned_pages",
                                         "soft_offlined_pages",
                                         "oom_failures",
                                         "pgfault",
                                         "pgmajfault",
                                         "pswpin",
                                         "pswpout",
                                         "pgscan_kswapd",
                                         "pgscan_direct",
                                         "pgsteal_kswapd",
                                         "pgsteal_direct",
                                         "pgactivate",
                                         "pgdeactivate",
                                         "kswapd_wakeups",
                                         "allocstall",
                                         "swap_pages",
                                         "swap_cache_pages",
                                         "oom_kills",
                                         "pglazyfree",
                                         "pglazyfreed",
                                         "access_flag_faults",
                                         "dirty_faults",
                                         "device_cycles",
                                         "major_fault_cycles",
                                         "thp_fault_alloc",
                                         "thp_fault_fallback",
                                         "thp_split_pmd",
                                         "hugetlb_faults",
                                         "contpte_folds",
                                         "contpte_unfolds",
                                         "mapped_pages.4K",
                                         "mapped_pages.64K",
                                         "mapped_pages.2M",
                                         "tlb.flush_mm",
                                         "tlb.flush_range",
                                         "tlb.flush_page",
                                         "tlb.flush_page_nosync",
                                         "tlb.batched_pages",
                                         "tlb.batch_flushes",
                                         "tlb.shootdown_cycles",
                                         "tlb.ipis_sent",
                                         "tlb.ipi_receiver_cycles",
                                         "asid.allocations",
                                         "asid.rollovers",
                                         "asid.local_flushes",
                                         "pfnmap_faults"};

struct Collect : stats::Visitor {
  const stats::Group* root = nullptr;
  std::map<std::string, stats::Stat> stats;
  std::string prefix(const stats::Group& g) const {
    return &g == root ? "" : prefix(*g.parent()) + g.name() + ".";
  }
  void enter(const stats::Group&) override {}
  void leave(const stats::Group&) override {}
  void stat(const stats::Group& g, const stats::Stat& s) override {
    EXPECT_TRUE(stats.emplace(prefix(g) + s.name, s).second) << s.name;
  }
};

uint64_t read(const stats::Stat& s) {
  return std::get<std::function<uint64_t()>>(s.read)();
}

class KernelStatsTest : public KernelTest {};

TEST_F(KernelStatsTest, TheRegisteredCountersAreTheKeysOfTheKernelJsonWithUnitsAndDescriptions) {
  stats::Group kernel("kernel");
  k.register_stats(kernel);
  Collect c;
  c.root = &kernel;
  kernel.visit(c);
  std::set<std::string> names;
  for (const auto& [name, s] : c.stats) {
    names.insert(name);
    EXPECT_FALSE(s.unit.empty()) << name;
    EXPECT_FALSE(s.description.empty()) << name;
    EXPECT_NE(s.description.back(), '.') << name;
  }
  EXPECT_EQ(names, kJsonKeys);
}

TEST_F(KernelStatsTest, EachCounterReadsWhatStatsHoldsAtVisitTime) {
  stats::Group kernel("kernel");
  k.register_stats(kernel);
  ASSERT_EQ(mmap(kBase, 64 << 10, kRw, kAnonFixed), int64_t(kBase));
  cpu.store(kBase, 1);
  cpu.load(kBase + 4096);
  Collect c;
  c.root = &kernel;
  kernel.visit(c);
  const KernelStats& s = k.stats();
  EXPECT_GT(s.syscalls, 0u);
  EXPECT_GT(s.page_faults, 0u);
  EXPECT_EQ(read(c.stats.at("syscalls")), s.syscalls);
  EXPECT_EQ(read(c.stats.at("page_faults")), s.page_faults);
  EXPECT_EQ(read(c.stats.at("pgfault")), s.page_faults);
  EXPECT_EQ(read(c.stats.at("descriptor_writes")), s.descriptor_writes);
  EXPECT_EQ(read(c.stats.at("zero_page_maps")), s.zero_page_maps);
  EXPECT_EQ(read(c.stats.at("anon_pages_allocated")), s.anon_pages_allocated);
  EXPECT_EQ(read(c.stats.at("frames_in_use")), s.frames_in_use);
  EXPECT_EQ(read(c.stats.at("mapped_pages.4K")), s.mapped_4k);
  EXPECT_EQ(read(c.stats.at("mapped_pages.64K")), s.mapped_cont_ptes / 16);
  EXPECT_EQ(read(c.stats.at("mapped_pages.2M")), s.mapped_2m);
}

}  // namespace
}  // namespace mmusim::sw::test
