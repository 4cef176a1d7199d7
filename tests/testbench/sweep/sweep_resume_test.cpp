// mmusim sweep: results keyed on what produced them (resume never mixes in
// stale numbers), --force, and interruption (children die with the sweep,
// results appear atomically or not at all).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>
#include <algorithm>
#include <chrono>
#include <thread>

#include "model/util/json.h"
#include "testbench/sweep/sha256.h"
#include "testbench/sweep/sweep_key.h"
#include "testbench/sweep/sweep_spec.h"
#include "testbench/version.h"
#include "tests/testbench/sweep/sweep_fixture.h"

namespace mmusim::sweep {
namespace {

TEST(Sha256, MatchesTheFipsExamples) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  Sha256 pieces;  // fed in uneven pieces across block boundaries
  const std::string a(1000, 'a');
  for (size_t i = 0; i < 1000; i += 7)
    pieces.update(std::string_view(a).substr(i, 7));
  EXPECT_EQ(pieces.hex(), sha256_hex(a));
}

TEST_F(SweepTest, KeyCoversConfigWorkloadFileAndVersionButNotKeyOrder) {
  const std::string scn = write("w.scn", "maps\n");
  const Spec a = load_spec(write("a.yaml",
                                 "base: {cpu: {window: 4}, l1d: {ways: 8}}\n"
                                 "grid: {mmu.l1_dtlb.entries: [16, 32]}\n"
                                 "workloads:\n  - {name: w, command: script, file: w.scn}\n"));
  const Spec b =
      load_spec(write("b.yaml",
                      "base: {l1d: {ways: 8}, cpu: {window: 4}}\n"
                      "grid: {mmu.l1_dtlb.entries: [16, 32]}\n"
                      "workloads:\n  - {name: renamed, command: script, file: w.scn}\n"));
  auto key = [&](const Spec& s, size_t point, const std::string& digest, const std::string& v) {
    return task_key(task_key_text(s, s.points[point], s.workloads[0], digest, v));
  };
  const std::string d = sha256_file(scn);
  EXPECT_EQ(key(a, 0, d, "v1"), key(b, 0, d, "v1"));  // key order and name do not matter
  EXPECT_NE(key(a, 0, d, "v1"), key(a, 1, d, "v1"));  // the point does
  EXPECT_NE(key(a, 0, d, "v1"), key(a, 0, d, "v2"));  // the simulator does
  write("w.scn", "maps\nmaps\n");
  EXPECT_NE(key(a, 0, d, "v1"), key(a, 0, sha256_file(scn), "v1"));  // the file's contents do
  EXPECT_EQ(task_key_text(a, a.points[1], a.workloads[0], "f", "v"),
            "{\"command\":\"script\",\"config\":{\"cpu\":{\"window\":4},\"l1d\":{\"ways\":8},"
            "\"mmu\":{\"l1_dtlb\":{\"entries\":32}}},\"file\":\"" +
                m_dir + "/w.scn\",\"file_sha256\":\"f\",\"version\":\"v\"}");
}

// A clean `git describe` names the source exactly: the key uses it alone, so
// a rebuild of the same commit (another build folder, a Slurm node's own
// build) keeps the results. A dirty or unknown one says nothing about the
// uncommitted changes: the binary's SHA-256 stands in for them.
TEST_F(SweepTest, SimulatorVersionIsTheDescribeWhenCleanElseAddsTheBinaryHash) {
  const std::string bin = write("mmusim", "the binary's bytes");
  const std::string digest = sha256_file(bin);
  EXPECT_EQ(simulator_version("0.1.0", "v0.1.0-3-g2337fed", bin), "0.1.0 v0.1.0-3-g2337fed");
  EXPECT_EQ(simulator_version("0.1.0", "2337fed", m_dir + "/not-read"), "0.1.0 2337fed");
  EXPECT_EQ(simulator_version("0.1.0", "2337fed-dirty", bin),
            "0.1.0 2337fed-dirty sha256:" + digest);
  EXPECT_EQ(simulator_version("0.1.0", "v0.1.0-3-g2337fed-dirty", bin),
            "0.1.0 v0.1.0-3-g2337fed-dirty sha256:" + digest);
  EXPECT_EQ(simulator_version("0.1.0", "unknown", bin), "0.1.0 unknown sha256:" + digest);
  EXPECT_TRUE(describe_is_exact("v0.1.0"));
  EXPECT_FALSE(describe_is_exact(""));
  // This build's: what `mmusim --version` prints, and a run's key holds it.
  EXPECT_EQ(simulator_version(bin),
            simulator_version(MMUSIM_PROJECT_VERSION_TEXT, version_describe(), bin));
  const std::string version_out = m_dir + "/version.txt";
  ASSERT_EQ(std::system((MMUSIM_BINARY " --version >" + version_out).c_str()), 0);
  EXPECT_EQ(slurp(version_out), std::string("mmusim ") + MMUSIM_PROJECT_VERSION_TEXT + " (" +
                                    version_describe() + ")\n");
  const std::string spec = write("v.yaml",
                                 "grid: {l1d.ways: [4]}\n"
                                 "workloads:\n  - {name: w, command: script, file: " +
                                     kScript + "}\n");
  ASSERT_EQ(mmusim("sweep " + spec + " --quiet"), 0);
  const std::vector<std::string> points = files(m_dir + "/v.out/points");
  const auto key_json = std::find_if(points.begin(), points.end(), [](const std::string& f) {
    return f.size() > 9 && f.substr(f.size() - 9) == ".key.json";
  });
  ASSERT_NE(key_json, points.end());
  const std::string text = slurp(m_dir + "/v.out/points/" + *key_json);
  EXPECT_NE(text.find(",\"version\":\"" + simulator_version(MMUSIM_BINARY) + "\"}"),
            std::string::npos)
      << text;
}

std::string mix_spec(const std::string& entries, const std::string& region) {
  return "base: {mmu.l1_dtlb.ways: 4}\ngrid:\n  mmu.l1_dtlb.entries: [" + entries +
         "]\n"
         "workloads:\n  - {name: mix, command: run, config: {workload.region: " +
         region + "}}\n";
}

TEST_F(SweepTest, ChangingTheWorkloadReRunsEveryTaskAndDropsTheOldResults) {
  const std::string spec = write("s.yaml", mix_spec("16, 64", "64K"));
  ASSERT_EQ(mmusim("sweep " + spec + " --quiet"), 0);
  write("s.yaml", mix_spec("16, 64", "128K"));
  std::string err;
  ASSERT_EQ(mmusim("sweep " + spec, &err), 0) << err;
  EXPECT_EQ(err.find("resuming"), std::string::npos) << err;
  EXPECT_NE(err.find("dropped 2 results no longer in the sweep"), std::string::npos) << err;
  const auto rows = csv(m_dir + "/s.out/results.csv");
  ASSERT_EQ(rows.size(), 3u);
  // 128 KB: 2048 + 1024 + 2048 + 1024 data accesses + one fetch per four.
  EXPECT_EQ(cell(rows, 1, "accesses"), "7680");
  EXPECT_EQ(cell(rows, 2, "accesses"), "7680");
  // Only the two current tasks' files remain: KEY.config.json, .key.json, .stats.json.
  EXPECT_EQ(files(m_dir + "/s.out/points").size(), 6u);
}

TEST_F(SweepTest, ChangingAScriptFileReRunsItsTasks) {
  const std::string scn = write("w.scn", slurp(kScript));
  const std::string spec = write("s.yaml",
                                 "grid: {mmu.l1_dtlb.entries: [16], mmu.l1_dtlb.ways: [4]}\n"
                                 "workloads:\n  - {name: w, command: script, file: w.scn}\n");
  ASSERT_EQ(mmusim("sweep " + spec + " --quiet"), 0);
  EXPECT_EQ(cell(csv(m_dir + "/s.out/results.csv"), 1, "accesses"), "9");
  write("w.scn", slurp(kScript) + "load 0x100000000000\n");
  std::string err;
  ASSERT_EQ(mmusim("sweep " + spec, &err), 0) << err;
  EXPECT_EQ(err.find("resuming"), std::string::npos) << err;
  EXPECT_EQ(cell(csv(m_dir + "/s.out/results.csv"), 1, "accesses"), "10");
}

TEST_F(SweepTest, AnInsertedGridValueGetsItsOwnNumbers) {
  const std::string spec = write("s.yaml", mix_spec("16, 64", "256K"));
  ASSERT_EQ(mmusim("sweep " + spec + " --quiet"), 0);
  const auto before = csv(m_dir + "/s.out/results.csv");
  write("s.yaml", mix_spec("16, 32, 64", "256K"));
  std::string err;
  ASSERT_EQ(mmusim("sweep " + spec, &err), 0) << err;
  EXPECT_NE(err.find("resuming: 2 of 3 tasks already done"), std::string::npos) << err;
  EXPECT_NE(err.find("[3/3] l1_dtlb.entries=32 mix: ok"), std::string::npos) << err;
  const auto after = csv(m_dir + "/s.out/results.csv");
  ASSERT_EQ(after.size(), 4u);
  EXPECT_EQ(cell(after, 2, "mmu.l1_dtlb.entries"), "32");
  EXPECT_EQ(cell(after, 3, "mmu.l1_dtlb.entries"), "64");
  EXPECT_EQ(cell(after, 3, "key"), cell(before, 2, "key"));
  EXPECT_EQ(cell(after, 3, "cycles"), cell(before, 2, "cycles"));
  // entries=32 has the numbers of a sweep that only ran entries=32.
  const std::string alone = write("alone.yaml", mix_spec("32", "256K"));
  ASSERT_EQ(mmusim("sweep " + alone + " --quiet"), 0);
  const auto only = csv(m_dir + "/alone.out/results.csv");
  EXPECT_EQ(cell(after, 2, "key"), cell(only, 1, "key"));
  for (const char* m : {"cycles", "l1_dtlb_mpka", "l2_tlb_mpka", "mean_translation_cycles"})
    EXPECT_EQ(cell(after, 2, m), cell(only, 1, m)) << m;
  EXPECT_NE(cell(after, 2, "cycles"), cell(after, 3, "cycles"));
}

TEST_F(SweepTest, ForceReRunsEveryTask) {
  const std::string spec = write("s.yaml", mix_spec("16, 64", "64K"));
  ASSERT_EQ(mmusim("sweep " + spec + " --quiet"), 0);
  const auto before = csv(m_dir + "/s.out/results.csv");
  std::string err;
  ASSERT_EQ(mmusim("sweep " + spec, &err), 0);
  EXPECT_NE(err.find("resuming: 2 of 2 tasks already done"), std::string::npos) << err;
  EXPECT_EQ(err.find("[1/2]"), std::string::npos) << err;
  ASSERT_EQ(mmusim("sweep " + spec + " --force", &err), 0);
  EXPECT_EQ(err.find("resuming"), std::string::npos) << err;
  EXPECT_NE(err.find("[2/2]"), std::string::npos) << err;
  EXPECT_EQ(without_host_time(csv(m_dir + "/s.out/results.csv")), without_host_time(before));
}

// Waits until `pred` holds (up to 20 s).
template <typename Pred>
bool eventually(Pred pred) {
  for (int i = 0; i < 400; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

size_t count_with(const std::vector<std::string>& names, const std::string& part) {
  size_t n = 0;
  for (const std::string& f : names)
    n += f.find(part) != std::string::npos;
  return n;
}

TEST_F(SweepTest, SigintStopsTheChildrenLeavesNoPartialFilesAndTheRerunCompletes) {
  // Two slow tasks (a 64 MB mix, about 2 s each) and two quick ones.
  const std::string spec = write("s.yaml",
                                 "grid:\n  mmu.l1_dtlb.entries: [16, 64]\n  mmu.l1_dtlb.ways: [4]\n"
                                 "workloads:\n"
                                 "  - {name: slow, command: run, config: {workload.region: 64M}}\n"
                                 "  - {name: quick, command: script, file: " +
                                     kScript + "}\n");
  const std::string points = m_dir + "/s.out/points";
  const pid_t sweep = start_sweep(spec, {"-j", "2"}, m_dir + "/err1");
  // Stop it once both slots hold a running task.
  ASSERT_TRUE(eventually([&] { return count_with(files(points), ".partial.") >= 2; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  kill(sweep, SIGINT);
  int status = 0;
  ASSERT_EQ(waitpid(sweep, &status, 0), sweep);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 128 + SIGINT);
  EXPECT_NE(slurp(m_dir + "/err1").find("stopped by signal 2"), std::string::npos)
      << slurp(m_dir + "/err1");
  EXPECT_EQ(processes_using_dir(), std::vector<pid_t>{});  // no child left running
  EXPECT_EQ(count_with(files(points), ".partial."), 0u);
  EXPECT_EQ(count_with(files(points), ".err"), 0u);  // an interrupted task did not fail
  const auto partial = csv(m_dir + "/s.out/results.csv");
  ASSERT_EQ(partial.size(), 5u);
  EXPECT_EQ(cell(partial, 1, "status"), "not run");  // the slow task was stopped

  std::string err;
  ASSERT_EQ(mmusim("sweep " + spec + " -j 2", &err), 0) << err;
  const auto rows = csv(m_dir + "/s.out/results.csv");
  ASSERT_EQ(rows.size(), 5u);  // each task once
  for (size_t r = 1; r <= 4; ++r) {
    EXPECT_EQ(cell(rows, r, "task"), std::to_string(r - 1));
    EXPECT_EQ(cell(rows, r, "status"), "ok");
  }
  EXPECT_EQ(cell(rows, 1, "accesses"), "3932160");  // 64 MB: 1024 x the 64 KB mix
}

TEST_F(SweepTest, ChildrenDieWithAKilledSweepAndTheRerunIgnoresTheirFiles) {
  const std::string spec =
      write("s.yaml",
            "grid:\n  mmu.l1_dtlb.entries: [16]\n  mmu.l1_dtlb.ways: [4]\n"
            "workloads:\n  - {name: slow, command: run, config: {workload.region: 64M}}\n");
  const std::string points = m_dir + "/s.out/points";
  const pid_t sweep = start_sweep(spec, {}, m_dir + "/err1");
  ASSERT_TRUE(eventually([&] { return count_with(files(points), ".partial.") >= 1; }));
  kill(sweep, SIGKILL);
  waitpid(sweep, nullptr, 0);
  EXPECT_TRUE(eventually([&] { return processes_using_dir().empty(); }));
  EXPECT_EQ(count_with(files(points), ".stats.json"), 0u);  // no result appeared

  // The rerun deletes the dead run's partial files and runs the task.
  std::string err;
  ASSERT_EQ(mmusim("sweep " + spec + " --quiet", &err), 0) << err;
  EXPECT_EQ(count_with(files(points), ".partial."), 0u);
  EXPECT_EQ(cell(csv(m_dir + "/s.out/results.csv"), 1, "status"), "ok");
}

TEST_F(SweepTest, ALongTaskIsNamedWhileItRuns) {
  const std::string spec = write("s.yaml",
                                 "base: {mmu.l1_dtlb.ways: 4}\n"
                                 "grid:\n  mmu.l1_dtlb.entries: [16]\n"
                                 "workloads:\n  - {name: slow, command: run, config: "
                                 "{workload.region: 64M}}\n");
  std::string err;
  ASSERT_EQ(mmusim("sweep " + spec + " --progress 0.5", &err), 0) << err;
  EXPECT_EQ(err.find("[0/1] running: l1_dtlb.entries=16 slow ("), 0u) << err;
  EXPECT_NE(err.find("[1/1] l1_dtlb.entries=16 slow: ok"), std::string::npos) << err;
  EXPECT_EQ(mmusim("sweep " + spec + " --progress 0", &err), 2);
  EXPECT_EQ(err,
            "mmusim sweep: --progress: '0' is not a positive number of seconds (mmusim sweep "
            "--help lists the options)\n");
}

TEST_F(SweepTest, UnderNohupSighupStaysIgnoredBySweepAndChildren) {
  const std::string spec = write("s.yaml",
                                 "base: {mmu.l1_dtlb.ways: 4}\n"
                                 "grid:\n  mmu.l1_dtlb.entries: [16]\n"
                                 "workloads:\n  - {name: slow, command: run, config: "
                                 "{workload.region: 64M}}\n");
  const std::string points = m_dir + "/s.out/points";
  const pid_t sweep = start_sweep(spec, {}, m_dir + "/err1", true);
  ASSERT_TRUE(eventually([&] { return count_with(files(points), ".partial.") >= 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const std::vector<pid_t> procs = processes_using_dir();
  EXPECT_EQ(procs.size(), 2u);  // the sweep and its child
  for (pid_t p : procs)
    kill(p, SIGHUP);
  int status = 0;
  ASSERT_EQ(waitpid(sweep, &status, 0), sweep);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << slurp(m_dir + "/err1");
  EXPECT_EQ(cell(csv(m_dir + "/s.out/results.csv"), 1, "status"), "ok");
}

TEST_F(SweepTest, OneSweepAtATimePerOutputFolder) {
  const std::string spec = write("s.yaml", mix_spec("16", "64K"));
  ASSERT_EQ(mmusim("sweep " + spec + " --quiet"), 0);
  const int fd = open((m_dir + "/s.out/.lock").c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(flock(fd, LOCK_EX | LOCK_NB), 0);  // as a running sweep holds it
  std::string err;
  EXPECT_EQ(mmusim("sweep " + spec + " --force", &err), 1);
  EXPECT_EQ(err, "mmusim sweep: error: " + m_dir +
                     "/s.out: another mmusim sweep is running on this folder\n");
  close(fd);
}

TEST_F(SweepTest, ASlurmElementWhoseTaskChangedSinceSubmissionRefusesToRun) {
  const std::string spec = write("s.yaml", mix_spec("16", "64K"));
  std::string err;
  EXPECT_EQ(mmusim("sweep " + spec + " --task 0 --key 0123456789abcdef --quiet", &err), 2);
  EXPECT_NE(err.find("--task 0: submitted as key 0123456789abcdef, but the spec, a workload file "
                     "or mmusim changed since"),
            std::string::npos)
      << err;
  EXPECT_EQ(count_with(files(m_dir + "/s.out/points"), ".stats.json"), 0u);
}

}  // namespace
}  // namespace mmusim::sweep
