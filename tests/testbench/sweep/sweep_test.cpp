// mmusim sweep: spec parsing and validation, metrics, plots, and whole
// sweeps run through the real binary (locally, resumed, and on a real
// single-node Slurm cluster started by the test).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "model/util/config_error.h"
#include "model/util/json.h"
#include "testbench/sweep/svg_plot.h"
#include "testbench/sweep/sweep_metrics.h"
#include "testbench/sweep/sweep_spec.h"

namespace mmusim::sweep {
namespace {

// A 9-access script from the Linux golden set, in the repository.
const std::string kVma = MMUSIM_SOURCE_DIR "/tests/golden/linux/01_mmap_private_anon.scn";

class SweepTest : public testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/mmusim_sweep_XXXXXX";
    m_dir = mkdtemp(tmpl);
  }
  void TearDown() override { std::system(("rm -rf " + m_dir).c_str()); }
  std::string write(const std::string& name, const std::string& text) {
    const std::string path = m_dir + "/" + name;
    std::ofstream(path) << text;
    return path;
  }
  static std::string slurp(const std::string& path) {
    std::ifstream f(path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  }
  // Runs mmusim with `args`; returns the exit status, stderr in `err`.
  int mmusim(const std::string& args, std::string* err = nullptr, const std::string& env = "") {
    const std::string err_path = m_dir + "/stderr";
    const int st =
        std::system((env + " " MMUSIM_BINARY " " + args + " >/dev/null 2>" + err_path).c_str());
    if (err) *err = slurp(err_path);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  }
  std::vector<std::vector<std::string>> csv(const std::string& path) {
    std::vector<std::vector<std::string>> rows;
    std::stringstream ss(slurp(path));
    std::string line;
    while (std::getline(ss, line)) {
      std::vector<std::string> cells;
      std::stringstream ls(line);
      std::string cell;
      while (std::getline(ls, cell, ','))
        cells.push_back(cell);
      if (!line.empty() && line.back() == ',') cells.push_back("");
      rows.push_back(cells);
    }
    return rows;
  }
  std::string m_dir;
};

std::string cell(const std::vector<std::vector<std::string>>& rows, size_t row,
                 const std::string& column) {
  for (size_t c = 0; c < rows[0].size(); ++c)
    if (rows[0][c] == column) return rows.at(row).at(c);
  ADD_FAILURE() << "no column " << column;
  return "";
}

TEST_F(SweepTest, GridExpandsAsCartesianProductInAxisOrder) {
  const Spec s = load_spec(write("s.yaml",
                                 "grid:\n"
                                 "  mmu.l1_dtlb.entries: [16, 32]\n"
                                 "  mmu.l1_dtlb.ways: [2, 4, 8]\n"
                                 "workloads:\n"
                                 "  - {name: a, command: script, file: x.scn}\n"));
  ASSERT_EQ(s.points.size(), 6u);
  EXPECT_EQ(s.param_keys, (std::vector<std::string>{"mmu.l1_dtlb.entries", "mmu.l1_dtlb.ways"}));
  EXPECT_EQ(s.points[4].params[0].second.as_uint(), 32u);
  EXPECT_EQ(s.points[4].params[1].second.as_uint(), 4u);
  EXPECT_EQ(s.workloads[0].file, m_dir + "/x.scn");  // relative to the spec
  EXPECT_EQ(s.output_dir, m_dir + "/s.out");
  const util::Value cfg = point_config(s, s.points[4], s.workloads[0]);
  EXPECT_EQ(cfg.find("mmu")->find("l1_dtlb")->find("ways")->as_uint(), 4u);
}

TEST_F(SweepTest, SpecShapeErrorsNameFileAndKey) {
  auto error = [&](const std::string& text) {
    try {
      load_spec(write("bad.yaml", text));
    } catch (const util::ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string f = m_dir + "/bad.yaml";
  EXPECT_EQ(error("grids: {}\nworkloads: []\n"), f + ": grids: unknown key");
  EXPECT_EQ(error("grid: {a: [1]}\n"), f + ".workloads: missing");
  EXPECT_EQ(error("workloads:\n  - {name: a, command: fly}\n"),
            f + ": workloads.0.command: 'fly' is not one of run, script, trace");
  EXPECT_EQ(error("workloads:\n  - {name: a, command: script}\n"),
            f + ": workloads.0.file: missing");
  EXPECT_EQ(error("grid: {l1d.ways: [2]}\nworkloads:\n  - {name: a, command: run}\n"
                  "plots:\n  - {x: l1d.ways, y: hitrate}\n"),
            f + ": plots.0.y: 'hitrate' is not a metric (docs/sweep.md)");
  EXPECT_EQ(error("grid: {l1d.ways: []}\nworkloads:\n  - {name: a, command: run}\n"),
            f + ": grid.l1d.ways: expected a non-empty list");
}

TEST_F(SweepTest, UnknownKeyOrImpossibleCombinationIsRejectedBeforeAnyPointRuns) {
  const Spec unknown = load_spec(write("u.yaml",
                                       "grid: {mmu.l1_dtlb.entriez: [16]}\n"
                                       "workloads:\n  - {name: w, command: run}\n"));
  try {
    validate_points(unknown);
    FAIL();
  } catch (const util::ConfigError& e) {
    EXPECT_EQ(std::string(e.what()),
              m_dir + "/u.yaml: point 0 (w): mmu.l1_dtlb.entriez: unknown key");
  }
  const std::string spec = write("i.yaml",
                                 "grid:\n  mmu.l2_tlb.entries: [1024, 1000]\n"
                                 "workloads:\n  - {name: w, command: script, file: " +
                                     kVma + "}\n");
  std::string err;
  EXPECT_EQ(mmusim("sweep " + spec + " --quiet", &err), 2);
  EXPECT_EQ(err, "mmusim sweep: " + spec +
                     ": point 1 (w): mmu.l2_tlb.ways: entries / ways must be a power of two\n");
  EXPECT_FALSE(std::ifstream(m_dir + "/i.out/results.csv").good());  // nothing ran
}

TEST_F(SweepTest, MetricsComeFromTheStatsTree) {
  const util::Value stats = util::parse_json(R"({
    "sim": {"accesses": 2000, "cycles": 9000, "host_seconds": 0.5},
    "top.mmu.l1_dtlb": {"misses": 36, "access_misses": 30}, "top.mmu.l2_tlb": {"misses": 4},
    "top.mmu": {"translation_latency": {"mean_cycles": 3.5, "p99_cycles": 40}},
    "top.mmu.walker": {"walks": 4, "descriptor_reads": {"L0": 1, "L1": 1, "L2": 2, "L3": 4}},
    "top.mmu.walker.walk_cache": {"lookups": 4, "hits_by_level": {"L0": 0, "L1": 1, "L2": 2}},
    "top.l1d": {"hits": 90, "misses": 10}})",
                                             "stats");
  const std::vector<double> m = compute_metrics(stats);
  auto get = [&](const std::string& name) {
    for (size_t i = 0; i < metrics().size(); ++i)
      if (metrics()[i].name == name) return m[i];
    return -1.0;
  };
  EXPECT_DOUBLE_EQ(get("l1_dtlb_mpka"), 15.0);  // per access: 30, not the 36 lookup misses
  EXPECT_DOUBLE_EQ(get("l2_tlb_mpka"), 2.0);
  EXPECT_DOUBLE_EQ(get("cycles_per_access"), 4.5);
  EXPECT_DOUBLE_EQ(get("walk_cache_hit_rate_L2"), 0.5);
  EXPECT_DOUBLE_EQ(get("walk_cache_hit_rate_L1"), 0.25);
  EXPECT_DOUBLE_EQ(get("descriptor_reads_L3"), 4.0);
  EXPECT_DOUBLE_EQ(get("p99_translation_cycles"), 40.0);
  EXPECT_DOUBLE_EQ(get("l1d_miss_rate"), 0.1);
  EXPECT_TRUE(std::isnan(get("l1_itlb_mpka")));  // not in these stats
}

TEST_F(SweepTest, SvgHasOneLinePerSeriesAndItsLabels) {
  const std::string svg =
      svg_line_chart("t", "entries", "mpka",
                     {{"a", {{16, 1}, {32, 2}}}, {"b & c", {{16, 3}, {32, std::nan("")}}}});
  size_t lines = 0;
  for (size_t at = svg.find("stroke-width=\"2\"/>"); at != std::string::npos;
       at = svg.find("stroke-width=\"2\"/>", at + 1))
    ++lines;
  EXPECT_EQ(lines, 4u);  // two polylines, two legend swatches
  EXPECT_NE(svg.find(">b &amp; c</text>"), std::string::npos);
  EXPECT_NE(svg.find(">entries</text>"), std::string::npos);
  EXPECT_EQ(svg.substr(svg.size() - 7), "</svg>\n");
}

TEST_F(SweepTest, RunsPointsInParallelWritesCsvAndPlotsAndResumes) {
  const std::string spec =
      write("s.yaml",
            "grid:\n  mmu.l1_dtlb.entries: [16, 64]\n  mmu.l1_dtlb.ways: [4]\n"
            "workloads:\n"
            "  - {name: vma, command: script, file: " +
                kVma +
                "}\n"
                "  - {name: mix, command: run, config: {workload.region: 64K}}\n");
  ASSERT_EQ(mmusim("sweep " + spec + " -j 2 --quiet"), 0);
  const auto rows = csv(m_dir + "/s.out/results.csv");
  ASSERT_EQ(rows.size(), 5u);  // header + 2 points x 2 workloads
  EXPECT_EQ(cell(rows, 1, "workload"), "vma");
  EXPECT_EQ(cell(rows, 1, "mmu.l1_dtlb.entries"), "16");
  EXPECT_EQ(cell(rows, 1, "status"), "ok");
  EXPECT_EQ(cell(rows, 1, "accesses"), "9");
  // 5 of the 9 accesses miss the L1 DTLB on their first attempt; the 4
  // retries after faults look up again, and used to count: 9000/9 = 1000.
  EXPECT_EQ(cell(rows, 1, "l1_dtlb_mpka"), "555.556");
  EXPECT_EQ(cell(rows, 4, "mmu.l1_dtlb.entries"), "64");
  // 64 KB default mix: 1024 + 512 + 1024 + 512 data accesses + one fetch per four.
  EXPECT_EQ(cell(rows, 4, "accesses"), "3840");
  for (const char* plot : {"l1_dtlb_mpka", "l2_tlb_mpka", "mean_translation_cycles"})
    EXPECT_TRUE(
        std::ifstream(m_dir + "/s.out/plots/" + std::string(plot) + "-vs-mmu.l1_dtlb.entries.svg")
            .good())
        << plot;

  // Resume: only the missing task runs again; the results are the same.
  const std::string before = slurp(m_dir + "/s.out/results.csv");
  std::remove((m_dir + "/s.out/points/2.stats.json").c_str());
  std::string err;
  ASSERT_EQ(mmusim("sweep " + spec, &err), 0);
  EXPECT_NE(err.find("resuming: 3 of 4 tasks already done"), std::string::npos) << err;
  EXPECT_NE(err.find("[4/4] point 1 vma: ok"), std::string::npos) << err;
  auto without_host_time = [](std::string csv_text) {
    std::stringstream in(csv_text), out;
    std::string line;
    while (std::getline(in, line))
      out << line.substr(0, line.rfind(',')) << "\n";
    return out.str();
  };
  EXPECT_EQ(without_host_time(slurp(m_dir + "/s.out/results.csv")), without_host_time(before));
}

TEST_F(SweepTest, FailedPointIsReportedAndDoesNotStopTheOthers) {
  const std::string bad = write("bad.scn", "maps\nmunmap 0x100000000000\n");
  const std::string spec = write("f.yaml",
                                 "grid:\n  l1d.ways: [4, 8]\n"
                                 "workloads:\n"
                                 "  - {name: good, command: script, file: " +
                                     kVma +
                                     "}\n"
                                     "  - {name: bad, command: script, file: " +
                                     bad + "}\n");
  EXPECT_EQ(mmusim("sweep " + spec + " --quiet"), 1);
  const auto rows = csv(m_dir + "/f.out/results.csv");
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(cell(rows, 1, "status"), "ok");
  EXPECT_EQ(cell(rows, 2, "status"), "failed");
  EXPECT_EQ(cell(rows, 2, "error"), bad + ":2: munmap: missing argument LEN");
  EXPECT_EQ(cell(rows, 3, "status"), "ok");
}

// The --slurm path against a real single-node Slurm (slurmctld, slurmd and
// munge from Debian, started here). Needs root and the packages that
// testbench/bootstrap.sh installs; without them it is skipped outside CI
// and fails in CI.
TEST_F(SweepTest, SlurmJobArrayRunsEveryPointAndMerges) {
  const bool have = std::system("command -v slurmctld slurmd sbatch munged >/dev/null") == 0;
  if (!have || geteuid() != 0) {
    if (std::getenv("CI")) FAIL() << "Slurm packages or root missing in CI";
    GTEST_SKIP() << "needs root and slurmctld, slurmd, sbatch, munged";
  }
  const std::string cluster = m_dir + "/cluster";
  const std::string script = MMUSIM_SOURCE_DIR "/tests/testbench/sweep/slurm_cluster.sh";
  ASSERT_EQ(std::system(("bash " + script + " start " + cluster).c_str()), 0);
  const std::string spec =
      write("sl.yaml",
            "grid:\n  mmu.l1_dtlb.entries: [16, 32, 64]\n  mmu.l1_dtlb.ways: [4]\n"
            "workloads:\n  - {name: vma, command: script, file: " +
                kVma + "}\n");
  std::string err;
  const int status =
      mmusim("sweep " + spec + " --slurm", &err, "SLURM_CONF=" + cluster + "/slurm.conf");
  std::system(("bash " + script + " stop " + cluster).c_str());
  ASSERT_EQ(status, 0) << err;
  EXPECT_NE(err.find("submitting 3 tasks as a Slurm job array"), std::string::npos) << err;
  const auto rows = csv(m_dir + "/sl.out/results.csv");
  ASSERT_EQ(rows.size(), 4u);
  for (size_t r = 1; r <= 3; ++r) {
    EXPECT_EQ(cell(rows, r, "status"), "ok");
    EXPECT_EQ(cell(rows, r, "accesses"), "9");
  }
  // Each array element left its Slurm log.
  for (int t = 0; t < 3; ++t)
    EXPECT_TRUE(std::ifstream(m_dir + "/sl.out/slurm/" + std::to_string(t) + ".log").good());
}

}  // namespace
}  // namespace mmusim::sweep
