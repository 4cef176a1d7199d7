// The multi-core keys (issue #11 item 7) are sweep axes like any other:
// each point runs with its own cpu.cores, kernel.tlb_shootdown,
// mmu.tlbi_range, mmu.asid_bits, l2.* and llc.*, and the churn workload
// (workload.threads 0: one thread per core) reports per point.
#include <gtest/gtest.h>

#include "tests/testbench/sweep/sweep_fixture.h"

namespace mmusim::sweep {
namespace {

TEST_F(SweepTest, MultiCoreKeysAreSweepAxesEachPointRunsWithItsValues) {
  // Four pages, 8-byte loads, one munmap every 100 of each thread's 1000
  // accesses: 10 per thread, each one TLBI (every page is mapped by then).
  const std::string spec = write(
      "m.yaml",
      "points:\n"
      "  - {cpu.cores: 2, kernel.tlb_shootdown: ipi, mmu.asid_bits: 8}\n"
      "  - {cpu.cores: 4, kernel.tlb_shootdown: broadcast, mmu.tlbi_range: true,\n"
      "     l2.enable: true, l2.size: 128K, llc.enable: true, llc.size: 1M}\n"
      "workloads:\n"
      "  - name: churn\n"
      "    command: run\n"
      "    config: {workload.pattern: uniform, workload.region: 16K, workload.accesses: 1000,\n"
      "             workload.write_fraction: 0, workload.fetch_every: 0, workload.threads: 0,\n"
      "             workload.churn_every: 100}\n"
      "columns: [workload.threads, workload.churn.munmaps, kernel.tlb.ipis_sent, "
      "top.dvm.messages,\n"
      "          config.mmu.asid_bits, config.mmu.tlbi_range, config.l2.size, config.llc.size,\n"
      "          top.core3.l2.misses, top.llc.misses]\n");
  std::string err;
  ASSERT_EQ(mmusim("sweep " + spec + " --quiet", &err), 0) << err;
  const auto rows = csv(m_dir + "/m.out/results.csv");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(cell(rows, 1, "status"), "ok");
  EXPECT_EQ(cell(rows, 1, "workload.threads"), "2");
  EXPECT_EQ(cell(rows, 1, "workload.churn.munmaps"), "20");
  EXPECT_EQ(cell(rows, 1, "kernel.tlb.ipis_sent"), "20");  // one other core each
  EXPECT_EQ(cell(rows, 1, "top.dvm.messages"), "0");
  EXPECT_EQ(cell(rows, 1, "config.mmu.asid_bits"), "8");
  EXPECT_EQ(cell(rows, 1, "config.mmu.tlbi_range"), "0");
  EXPECT_EQ(cell(rows, 1, "top.core3.l2.misses"), "");  // no core 3, no L2
  EXPECT_EQ(cell(rows, 1, "top.llc.misses"), "");
  EXPECT_EQ(cell(rows, 2, "status"), "ok");
  EXPECT_EQ(cell(rows, 2, "workload.threads"), "4");
  EXPECT_EQ(cell(rows, 2, "workload.churn.munmaps"), "40");
  EXPECT_EQ(cell(rows, 2, "kernel.tlb.ipis_sent"), "0");
  EXPECT_EQ(cell(rows, 2, "top.dvm.messages"), "120");  // 40 TLBIs x 3 other cores
  EXPECT_EQ(cell(rows, 2, "config.mmu.asid_bits"), "16");
  EXPECT_EQ(cell(rows, 2, "config.mmu.tlbi_range"), "1");
  EXPECT_EQ(cell(rows, 2, "config.l2.size"), "131072");
  EXPECT_EQ(cell(rows, 2, "config.llc.size"), "1048576");
  EXPECT_NE(cell(rows, 2, "top.core3.l2.misses"), "");
  EXPECT_NE(cell(rows, 2, "top.core3.l2.misses"), "0");
  EXPECT_NE(cell(rows, 2, "top.llc.misses"), "0");
  EXPECT_NE(cell(rows, 2, "top.llc.misses"), "");
}

}  // namespace
}  // namespace mmusim::sweep
