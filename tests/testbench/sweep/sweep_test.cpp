// mmusim sweep: spec parsing and validation, metrics, plots, and whole
// sweeps run through the real binary (locally, resumed, and on a real
// single-node Slurm cluster started by the test).
#include <gtest/gtest.h>

#include <cmath>

#include "model/util/config_error.h"
#include "model/util/json.h"
#include "testbench/sweep/csv.h"
#include "testbench/sweep/svg_plot.h"
#include "testbench/sweep/sweep_metrics.h"
#include "testbench/sweep/sweep_spec.h"
#include "tests/testbench/sweep/sweep_fixture.h"

namespace mmusim::sweep {
namespace {

// A 5-access script from the Linux golden set (in the repository).
const std::string& kVma = kScript;

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
            f + ": plots.0.y: 'hitrate' is neither a metric (docs/sweep.md) nor a stats path such "
                "as top.mmu.walker.walks (docs/stats.md)");
  EXPECT_EQ(error("grid: {l1d.ways: [2]}\nworkloads:\n  - {name: a, command: run}\n"
                  "columns: [walks]\n"),
            f + ": columns: 'walks' is not a stats path such as top.mmu.walker.walks "
                "(docs/stats.md)");
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

TEST_F(SweepTest, AWorkloadKeyThatDoesNotApplyIsRefusedBeforeAnyTaskRuns) {
  // workload.* shapes only `run`: in the base of a sweep that also runs a
  // script, mmusim would refuse it in that task; the sweep refuses it first.
  const std::string spec = write("w.yaml",
                                 "base: {workload.region: 4M}\n"
                                 "grid: {l1d.ways: [4, 8]}\n"
                                 "workloads:\n  - {name: mix, command: run}\n"
                                 "  - {name: anon, command: script, file: " +
                                     kScript + "}\n");
  std::string err;
  EXPECT_EQ(mmusim("sweep " + spec + " --quiet", &err), 2);
  EXPECT_EQ(err, "mmusim sweep: " + spec +
                     ": point 0 (anon): workload.region: applies only to mmusim run, not to "
                     "script\n");
  EXPECT_FALSE(exists(m_dir + "/w.out/results.csv"));  // nothing ran
  // trace.* likewise for anything but trace.
  const Spec t = load_spec(write("t.yaml",
                                 "grid: {l1d.ways: [4]}\n"
                                 "workloads:\n  - {name: mix, command: run, config: "
                                 "{trace.populate: true}}\n"));
  try {
    validate_points(t);
    FAIL();
  } catch (const util::ConfigError& e) {
    EXPECT_EQ(std::string(e.what()),
              m_dir +
                  "/t.yaml: point 0 (mix): trace.populate: applies only to mmusim trace, "
                  "not to run");
  }
}

TEST_F(SweepTest, AMissingWorkloadFileIsBadInputBeforeAnyTaskRuns) {
  const std::string spec = write("m.yaml",
                                 "grid: {l1d.ways: [4, 8]}\n"
                                 "workloads:\n  - {name: w, command: script, file: nowhere.scn}\n");
  std::string err;
  EXPECT_EQ(mmusim("sweep " + spec + " --quiet", &err), 2);
  EXPECT_EQ(err, "mmusim sweep: " + spec + ": workloads.0.file: " + m_dir +
                     "/nowhere.scn: cannot read: No such file or directory\n");
  EXPECT_FALSE(exists(m_dir + "/m.out/results.csv"));
}

TEST_F(SweepTest, MetricsComeFromTheStatsTree) {
  const util::Value stats = util::parse_json(R"({
    "sim": {"accesses": 2000, "cycles": 9000, "host_seconds": 0.5},
    "top.mmu.l1_dtlb": {"misses": 36, "access_misses": 30},
    "top.mmu.l2_tlb": {"misses": 4, "access_misses": 3},
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
  EXPECT_DOUBLE_EQ(get("l2_tlb_mpka"), 1.5);    // per access: 3, not the 4 lookup misses
  EXPECT_DOUBLE_EQ(get("cycles_per_access"), 4.5);
  EXPECT_DOUBLE_EQ(get("walk_cache_hit_rate_L2"), 0.5);
  EXPECT_DOUBLE_EQ(get("walk_cache_hit_rate_L1"), 0.25);
  EXPECT_DOUBLE_EQ(get("descriptor_reads_L3"), 4.0);
  EXPECT_DOUBLE_EQ(get("p99_translation_cycles"), 40.0);
  EXPECT_DOUBLE_EQ(get("l1d_miss_rate"), 0.1);
  EXPECT_TRUE(std::isnan(get("l1_itlb_mpka")));  // not in these stats
}

// l2_tlb_mpka counts each access once, on its first attempt: a script with
// known accesses, faults and L2 misses, through mmusim and through a sweep.
TEST_F(SweepTest, L2TlbMissesAreCountedPerAccessNotPerLookup) {
  // 8 stores to 8 new pages: each faults (L1 and L2 miss, walk), and its
  // retry misses both again. Then 8 loads of the same pages: the 4-entry
  // L1 DTLB (LRU) holds the last 4 stored, so all 8 miss it and hit the L2.
  // A last load of the last page hits the L1.
  std::string text =
      "mmap 0x100000000000 32K PROT_READ|PROT_WRITE MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED\n";
  for (int page = 0; page < 8; ++page)
    text += "store 0x10000000" + std::to_string(page) + "000 0x1\n";
  for (int page = 0; page < 8; ++page)
    text += "load 0x10000000" + std::to_string(page) + "000\n";
  text += "load 0x100000007000\n";
  const std::string script = write("l2.scn", text);
  const std::string json = m_dir + "/l2.json";
  std::string err;
  ASSERT_EQ(mmusim("script " + script +
                       " --set mmu.l1_dtlb.entries=4 --set mmu.l1_dtlb.ways=4 --stats " + json,
                   &err),
            0)
      << err;
  const util::Value stats = util::parse_json(slurp(json), json);
  EXPECT_EQ(stat_value(stats, "sim.accesses"), 17.0);
  EXPECT_EQ(stat_value(stats, "top.cpu.faults"), 8.0);
  EXPECT_EQ(stat_value(stats, "top.mmu.l1_dtlb.access_misses"), 16.0);
  EXPECT_EQ(stat_value(stats, "top.mmu.l1_dtlb.misses"), 24.0);  // 8 fault retries
  EXPECT_EQ(stat_value(stats, "top.mmu.l2_tlb.access_misses"), 8.0);
  EXPECT_EQ(stat_value(stats, "top.mmu.l2_tlb.misses"), 16.0);  // 8 fault retries
  EXPECT_EQ(stat_value(stats, "top.mmu.l2_tlb.hits"), 8.0);
  EXPECT_EQ(stat_value(stats, "top.mmu.walker.walks"), 16.0);

  const std::string spec = write("l2.yaml",
                                 "grid: {mmu.l1_dtlb.entries: [4]}\n"
                                 "base: {mmu.l1_dtlb.ways: 4}\n"
                                 "workloads:\n  - {name: l2, command: script, file: l2.scn}\n");
  ASSERT_EQ(mmusim("sweep " + spec + " --quiet", &err), 0) << err;
  const auto rows = csv(m_dir + "/l2.out/results.csv");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(cell(rows, 1, "l1_dtlb_mpka"), "941.176");  // 16 / 17
  EXPECT_EQ(cell(rows, 1, "l2_tlb_mpka"), "470.588");   // 8 / 17, not 16 / 17
}

TEST_F(SweepTest, AnyStatIsFoundByItsDottedPathThroughKeysWithDots) {
  const util::Value stats = util::parse_json(R"({
    "top.mmu.walker": {"walks": 7, "latency": {"mean_cycles": 12.5}},
    "top.mmu": {"accesses": 9},
    "top.kernel": {"thp": true}})",
                                             "stats");
  EXPECT_EQ(stat_value(stats, "top.mmu.walker.walks"), 7.0);
  EXPECT_EQ(stat_value(stats, "top.mmu.walker.latency.mean_cycles"), 12.5);
  EXPECT_EQ(stat_value(stats, "top.mmu.accesses"), 9.0);
  EXPECT_EQ(stat_value(stats, "top.kernel.thp"), 1.0);
  EXPECT_TRUE(std::isnan(stat_value(stats, "top.mmu.walker")));  // not a number
  EXPECT_TRUE(std::isnan(stat_value(stats, "top.mmu.walker.nothing")));
  EXPECT_TRUE(std::isnan(stat_value(stats, "top.l1d.hits")));
}

TEST_F(SweepTest, SvgHasOneLinePerSeriesAndItsLabels) {
  Chart c;
  c.title = "t";
  c.x_label = "entries";
  c.y_label = "mpka";
  c.series = {{"a", {{16, 1}, {32, 2}}}, {"b & c", {{16, 3}, {32, 5}}}};
  const std::string svg = svg_line_chart(c);
  size_t lines = 0;
  for (size_t at = svg.find("class=\"series\""); at != std::string::npos;
       at = svg.find("class=\"series\"", at + 1))
    ++lines;
  EXPECT_EQ(lines, 2u);
  EXPECT_NE(svg.find(">b &amp; c</text>"), std::string::npos);
  EXPECT_NE(svg.find(">entries</text>"), std::string::npos);
  EXPECT_EQ(svg.substr(svg.size() - 7), "</svg>\n");
}

TEST_F(SweepTest, RunsPointsInParallelWritesCsvAndPlots) {
  const std::string spec =
      write("s.yaml",
            "grid:\n  mmu.l1_dtlb.entries: [16, 64]\n  mmu.l1_dtlb.ways: [4]\n"
            "workloads:\n"
            "  - {name: vma, command: script, file: " +
                kVma +
                "}\n"
                "  - {name: mix, command: run, config: {workload.region: 64K}}\n");
  std::string err;
  ASSERT_EQ(mmusim("sweep " + spec + " -j 2", &err), 0) << err;
  const auto rows = csv(m_dir + "/s.out/results.csv");
  ASSERT_EQ(rows.size(), 5u);  // header + 2 points x 2 workloads
  EXPECT_EQ(cell(rows, 1, "workload"), "vma");
  EXPECT_EQ(cell(rows, 1, "mmu.l1_dtlb.entries"), "16");
  EXPECT_EQ(cell(rows, 1, "status"), "ok");
  EXPECT_EQ(cell(rows, 1, "accesses"), "9");
  // 9 accesses, 5 of them miss the L1 DTLB on their first attempt (the
  // lookups of the 4 retries after faults are not counted): 5000/9.
  EXPECT_EQ(cell(rows, 1, "l1_dtlb_mpka"), "555.556");
  EXPECT_EQ(cell(rows, 4, "mmu.l1_dtlb.entries"), "64");
  // 64 KB default mix: 1024 + 512 + 1024 + 512 data accesses + one fetch per four.
  EXPECT_EQ(cell(rows, 4, "accesses"), "3840");
  EXPECT_EQ(cell(rows, 1, "key").size(), 16u);
  for (const char* plot : {"l1_dtlb_mpka", "l2_tlb_mpka", "mean_translation_cycles"})
    EXPECT_TRUE(exists(m_dir + "/s.out/plots/" + std::string(plot) + "-vs-mmu.l1_dtlb.entries.svg"))
        << plot;
  // Progress names the point by the parameters that vary.
  EXPECT_NE(err.find("] l1_dtlb.entries=16 vma: ok"), std::string::npos) << err;
  EXPECT_NE(err.find("] l1_dtlb.entries=64 mix: ok"), std::string::npos) << err;
  EXPECT_EQ(err.find("point "), std::string::npos) << err;
}

TEST_F(SweepTest, AnyStatBecomesAColumnAndAPlot) {
  const std::string spec = write("a.yaml",
                                 "grid:\n  mmu.l1_dtlb.entries: [16, 64]\n  mmu.l1_dtlb.ways: [4]\n"
                                 "workloads:\n  - {name: vma, command: script, file: " +
                                     kVma +
                                     "}\n"
                                     "columns: [top.mmu.accesses]\n"
                                     "plots:\n  - {x: mmu.l1_dtlb.entries, y: "
                                     "[top.mmu.walker.walks, l1_dtlb_mpka]}\n");
  std::string err;
  ASSERT_EQ(mmusim("sweep " + spec + " --quiet", &err), 0) << err;
  const auto rows = csv(m_dir + "/a.out/results.csv");
  ASSERT_EQ(rows.size(), 3u);
  // 9 accesses + 4 retries reach the MMU; 4 pages are walked (the rest fault at L0-L2 or hit).
  EXPECT_EQ(cell(rows, 1, "top.mmu.accesses"), "13");
  EXPECT_EQ(cell(rows, 1, "top.mmu.walker.walks"), "9");
  EXPECT_TRUE(exists(m_dir + "/a.out/plots/top.mmu.walker.walks-vs-mmu.l1_dtlb.entries.svg"));

  // A path no stats have as a number: the CSV is written, the sweep says which and exits 2.
  const std::string bad = write("b.yaml",
                                "grid:\n  mmu.l1_dtlb.entries: [16]\n  mmu.l1_dtlb.ways: [4]\n"
                                "workloads:\n  - {name: vma, command: script, file: " +
                                    kVma + "}\ncolumns: [top.mmu.nothing]\n");
  EXPECT_EQ(mmusim("sweep " + bad + " --quiet", &err), 2);
  EXPECT_EQ(err, "mmusim sweep: " + bad +
                     ": 'top.mmu.nothing' is not a number in any task's stats (docs/stats.md)\n");
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

TEST(CsvText, NonPrintableBytesAndBackslashesAreEscapedValidUtf8Kept) {
  EXPECT_EQ(printable("a\x01"
                      "b\\c\xff\x7f\r\n"),
            "a\\x01b\\\\c\\xff\\x7f\\x0d\\x0a");
  EXPECT_EQ(printable("caf\xc3\xa9 \xe2\x86\x92 ok"), "caf\xc3\xa9 \xe2\x86\x92 ok");
  EXPECT_EQ(printable("\xc3("), "\\xc3(");                  // a lead byte without its continuation
  EXPECT_EQ(printable("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // a UTF-16 surrogate
  EXPECT_EQ(printable("\xc0\xaf"), "\\xc0\\xaf");           // an overlong '/'
  EXPECT_EQ(printable("abcdef", 4), "abcd...");
}

TEST(CsvText, CellsAreQuotedAsRfc4180Wants) {
  EXPECT_EQ(csv_cell("plain"), "plain");
  EXPECT_EQ(csv_cell(""), "");
  EXPECT_EQ(csv_cell("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_cell(" padded"), "\" padded\"");
  EXPECT_EQ(csv_cell("two\nlines"), "two\\x0alines");  // never a raw line break
}

TEST_F(SweepTest, BinaryBytesInAnErrorAreEscapedInTheCsv) {
  // Binary junk where a lackey line is expected: the error quotes the bytes.
  const std::string trace = write("bad.trace", "\x07\xfe\xff,\"q\n");
  const std::string spec =
      write("t.yaml", "workloads:\n  - {name: gz, command: trace, file: " + trace + "}\n");
  EXPECT_EQ(mmusim("sweep " + spec + " --quiet"), 1);
  const std::string text = slurp(m_dir + "/t.out/results.csv");
  for (char c : text)
    EXPECT_TRUE(c == '\n' || (c >= 0x20 && c < 0x7f))
        << "byte " << int(static_cast<unsigned char>(c));
  const auto rows = parse_csv(text);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].size(), rows[1].size());
  EXPECT_EQ(cell(rows, 1, "status"), "failed");
  // The trace reader already quotes the bytes printably ("\x07"); the CSV
  // escapes that text's backslashes in turn, so the cell reads back exactly.
  EXPECT_EQ(cell(rows, 1, "error"), trace + ":1: not a lackey record: '\\\\x07\\\\xfe\\\\xff,\"q'");
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
  if (std::system(("bash " + script + " start " + cluster).c_str()) != 0) {
    std::system(("bash " + script + " stop " + cluster).c_str());  // what did start
    FAIL() << "the Slurm cluster did not start";
  }
  const std::string conf = "SLURM_CONF=" + cluster + "/slurm.conf";
  auto spec_text = [&](const std::string& entries) {
    return "grid:\n  mmu.l1_dtlb.entries: [" + entries +
           "]\n  mmu.l1_dtlb.ways: [4]\n"
           "workloads:\n  - {name: vma, command: script, file: " +
           kVma + "}\n";
  };
  const std::string spec = write("sl.yaml", spec_text("16, 32, 64"));
  std::string err, err2;
  const int status = mmusim("sweep " + spec + " --slurm", &err, conf);
  // Resume holds on Slurm too: after inserting a value only its task is submitted.
  write("sl.yaml", spec_text("8, 16, 32, 64"));
  const int status2 = mmusim("sweep " + spec + " --slurm", &err2, conf);
  std::system(("bash " + script + " stop " + cluster).c_str());
  ASSERT_EQ(status, 0) << err;
  EXPECT_NE(err.find("submitting 3 tasks as a Slurm job array"), std::string::npos) << err;
  // Each array element left its Slurm log.
  for (int t = 0; t < 3; ++t)
    EXPECT_TRUE(exists(m_dir + "/sl.out/slurm/" + std::to_string(t) + ".log"));
  ASSERT_EQ(status2, 0) << err2;
  EXPECT_NE(err2.find("resuming: 3 of 4 tasks already done"), std::string::npos) << err2;
  EXPECT_NE(err2.find("submitting 1 tasks as a Slurm job array"), std::string::npos) << err2;
  const auto rows = csv(m_dir + "/sl.out/results.csv");
  ASSERT_EQ(rows.size(), 5u);
  for (size_t r = 1; r <= 4; ++r) {
    EXPECT_EQ(cell(rows, r, "status"), "ok");
    EXPECT_EQ(cell(rows, r, "accesses"), "9");
  }
  EXPECT_EQ(cell(rows, 1, "mmu.l1_dtlb.entries"), "8");
}

}  // namespace
}  // namespace mmusim::sweep
