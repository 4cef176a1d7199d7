// A real multi-threaded program recorded with valgrind's lackey and its
// scheduler trace (--trace-sched=yes, --trace-syscalls=yes): the test
// compiles a 3-thread pthreads program, records it, counts each thread's
// records in the log itself (awk), and replays the trace with cpu.cores 1, 2
// and 4. Each thread's records land on its core; one core gives what the
// trace without its SCHED text gives; on several cores the workers' spans of
// simulated time overlap.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "model/util/json.h"
#include "tests/testbench/shell.h"

namespace mmusim {
namespace {

using test::have;
using test::sh;
using test::slurp;

// Two workers write their own arrays and yield every round, so valgrind
// switches between them (and main, which joins) many times.
constexpr const char* kProgram = R"(#include <pthread.h>
#include <sched.h>
static volatile long data[2][8192];
static void *work(void *arg) {
  long k = (long)arg;
  for (int round = 0; round < 30; ++round) {
    for (int i = 0; i < 8192; i += 8) data[k][i] += i + round;
    sched_yield();
  }
  return 0;
}
int main(void) {
  pthread_t t[2];
  for (long k = 0; k < 2; ++k) pthread_create(&t[k], 0, work, (void *)k);
  for (int k = 0; k < 2; ++k) pthread_join(t[k], 0);
  return 0;
}
)";

// Counts each thread's records straight from the log: a record belongs to
// the tid of the last "SCHED[tid]:  acquired lock" (glued onto a SYSCALL
// line or not). "tid fetches loads stores modifies" lines.
constexpr const char* kCountAwk =
    R"(awk '{ if (match($0, /SCHED\[[0-9]+\]: +acquired lock/)) tid = substr($0, RSTART + 6) + 0;)"
    R"( else if ($0 ~ /^I  [0-9a-f]+,[0-9]+$/) f[tid]++;)"
    R"( else if ($0 ~ /^ L [0-9a-f]+,[0-9]+$/) l[tid]++;)"
    R"( else if ($0 ~ /^ S [0-9a-f]+,[0-9]+$/) s[tid]++;)"
    R"( else if ($0 ~ /^ M [0-9a-f]+,[0-9]+$/) m[tid]++;)"
    R"( seen[tid] = 1 } END { for (t in seen) print t + 0, f[t] + 0, l[t] + 0, s[t] + 0, m[t] + 0 }')";

struct Counts {
  uint64_t fetches = 0, loads = 0, stores = 0, modifies = 0;
  uint64_t records() const { return fetches + loads + stores + modifies; }
};

class LackeyThreads : public testing::Test {
 protected:
  void SetUp() override {
    if (!have("valgrind")) GTEST_SKIP() << "valgrind is not installed (testbench/bootstrap.sh)";
    if (!have("cc")) GTEST_SKIP() << "no C compiler (build-essential)";
    m_dir = testing::TempDir() + "mmusim_lkthreads_" + std::to_string(::getpid());
    ASSERT_EQ(sh("mkdir -p " + m_dir), 0);
  }
  void TearDown() override {
    if (!m_dir.empty()) sh("rm -rf " + m_dir);
  }
  std::string path(const std::string& name) const { return m_dir + "/" + name; }

  util::Value replay(const std::string& trace, unsigned cores) {
    const std::string stats = path("stats" + std::to_string(cores) + ".json");
    EXPECT_EQ(sh("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 " MMUSIM_BINARY " trace " + trace +
                 " --quiet --set cpu.cores=" + std::to_string(cores) + " --stats " + stats +
                 " >/dev/null 2>" + path("mmusim.err")),
              0)
        << slurp(path("mmusim.err"));
    return util::parse_json(slurp(stats), stats);
  }

  std::string m_dir;
};

TEST_F(LackeyThreads, EachThreadReplaysOnItsCoreAndOneCoreIgnoresTheSchedLines) {
  std::ofstream(path("t.c")) << kProgram;
  ASSERT_EQ(sh("cc -O1 -pthread -o " + path("t") + " " + path("t.c") + " 2>" + path("cc.err")), 0)
      << slurp(path("cc.err"));
  const std::string trace = path("trace.txt");
  ASSERT_EQ(sh("cd " + m_dir +
               " && valgrind --tool=lackey --trace-mem=yes --trace-sched=yes --trace-syscalls=yes "
               "--log-file=" +
               trace + " ./t >/dev/null 2>" + path("lk.err")),
            0)
      << slurp(path("lk.err"));

  // The log's own counts, by tid.
  ASSERT_EQ(sh(std::string(kCountAwk) + " " + trace + " > " + path("counts.txt")), 0);
  std::map<uint64_t, Counts> expected;
  {
    std::istringstream in(slurp(path("counts.txt")));
    uint64_t tid = 0;
    Counts c;
    while (in >> tid >> c.fetches >> c.loads >> c.stores >> c.modifies)
      if (c.records()) expected[tid] = c;
  }
  ASSERT_EQ(expected.size(), 3u) << slurp(path("counts.txt"));  // main and the two workers
  ASSERT_EQ(expected.count(0), 0u) << "records before the first SCHED line";
  for (const auto& [tid, c] : expected)
    EXPECT_GT(c.records(), 3000u) << tid;

  // The same trace without its SCHED text (whole lines emptied, glued tails cut).
  const std::string plain = path("plain.txt");
  ASSERT_EQ(sh("sed -E 's/--[0-9]+-- +SCHED\\[.*$//' " + trace + " > " + plain), 0);

  const util::Value one = replay(trace, 1);
  const util::Value one_plain = replay(plain, 1);
  {
    // Equal but for the run's host figures and the SCHED ones.
    auto without = [](util::Value v) {
      v["sim"] = util::Value::object();
      util::Value& t = v["trace"];
      t["sched_lines"] = t["threads"] = t["replay_host_seconds"] = util::Value();
      return v;
    };
    EXPECT_TRUE(without(one) == without(one_plain));
    EXPECT_GT(one.find("trace")->find("sched_lines")->as_uint(), 100u);
    EXPECT_GT(one.find("trace")->find("syscalls_applied")->as_uint(), 5u);
  }

  for (unsigned cores : {1u, 2u, 4u}) {
    SCOPED_TRACE("cpu.cores=" + std::to_string(cores));
    const util::Value v = cores == 1 ? one : replay(trace, cores);
    const util::Value::Array& threads = v.find("trace")->find("threads")->as_array();
    ASSERT_EQ(threads.size(), 3u);
    std::map<unsigned, Counts> per_core;
    std::map<uint64_t, std::pair<uint64_t, uint64_t>> span;  // tid -> first, last cycle
    for (size_t i = 0; i < threads.size(); ++i) {
      const util::Value& t = threads[i];
      const uint64_t tid = t.find("tid")->as_uint();
      SCOPED_TRACE("tid " + std::to_string(tid));
      ASSERT_EQ(expected.count(tid), 1u);
      const Counts& want = expected[tid];
      EXPECT_EQ(t.find("fetches")->as_uint(), want.fetches);
      EXPECT_EQ(t.find("loads")->as_uint(), want.loads);
      EXPECT_EQ(t.find("stores")->as_uint(), want.stores);
      EXPECT_EQ(t.find("modifies")->as_uint(), want.modifies);
      // tid -> core in order of first appearance, modulo the cores.
      const unsigned core = static_cast<unsigned>(t.find("core")->as_uint());
      EXPECT_EQ(core, i % cores);
      Counts& c = per_core[core];
      c.fetches += want.fetches;
      c.loads += want.loads;
      c.stores += want.stores;
      c.modifies += want.modifies;
      span[tid] = {t.find("first_cycle")->as_uint(), t.find("last_cycle")->as_uint()};
      std::printf("cores %u: tid %llu on core %u: %llu records, cycles [%llu, %llu]\n", cores,
                  static_cast<unsigned long long>(tid), core,
                  static_cast<unsigned long long>(want.records()),
                  static_cast<unsigned long long>(span[tid].first),
                  static_cast<unsigned long long>(span[tid].second));
    }
    for (unsigned c = 0; c < cores; ++c) {
      SCOPED_TRACE("core " + std::to_string(c));
      const std::string cpu = cores == 1 ? "top.cpu" : "top.core" + std::to_string(c) + ".cpu";
      const util::Value* s = v.find(cpu);
      ASSERT_NE(s, nullptr) << cpu;
      EXPECT_EQ(s->find("fetches")->as_uint(), per_core[c].fetches);
      EXPECT_EQ(s->find("loads")->as_uint(), per_core[c].loads);
      EXPECT_EQ(s->find("stores")->as_uint(), per_core[c].stores + per_core[c].modifies);
      EXPECT_EQ(s->find("modifies")->as_uint(), per_core[c].modifies);
    }
    if (cores > 1) {
      // The two workers (the second and third threads) ran at the same
      // time: their spans of simulated time overlap.
      const uint64_t w1 = threads[1].find("tid")->as_uint(), w2 = threads[2].find("tid")->as_uint();
      const auto [a0, a1] = span[w1];
      const auto [b0, b1] = span[w2];
      EXPECT_LT(a0, a1);
      EXPECT_LT(b0, b1);
      EXPECT_LT(std::max(a0, b0), std::min(a1, b1))
          << "tid " << w1 << " [" << a0 << ", " << a1 << "], tid " << w2 << " [" << b0 << ", " << b1
          << "]";
    }
  }
}

}  // namespace
}  // namespace mmusim
