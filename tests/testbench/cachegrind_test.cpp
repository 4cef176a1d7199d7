// Validation against cachegrind (docs/stats.md): the test makes a lackey
// trace of a small real program run with valgrind, runs cachegrind on the
// same program twice (caches like testbench/configs/cachegrind.yaml, and
// 64-entry "TLBs" of 4096-byte lines), replays the trace with mmusim and
// that config (from a file, plain or zstd, or gzipped on stdin), and
// requires the per-access counts to be equal.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
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

class Cachegrind : public testing::Test {
 protected:
  void SetUp() override {
    if (!have("valgrind")) GTEST_SKIP() << "valgrind is not installed (testbench/bootstrap.sh)";
    m_dir = testing::TempDir() + "mmusim_cg_" + std::to_string(::getpid()) + "_" +
            testing::UnitTest::GetInstance()->current_test_info()->name();
    ASSERT_EQ(sh("mkdir -p " + m_dir), 0);
  }
  void TearDown() override {
    if (!m_dir.empty()) sh("rm -rf " + m_dir);
  }

  std::string path(const std::string& name) const { return m_dir + "/" + name; }

  // cachegrind's totals: Ir I1mr ILmr Dr D1mr DLmr Dw D1mw DLmw.
  std::vector<uint64_t> cachegrind(const std::string& command, const std::string& i1,
                                   const std::string& d1) {
    const std::string out = path("cg.out");
    const int rc =
        sh("cd " + m_dir + " && valgrind -q --tool=cachegrind --cache-sim=yes --I1=" + i1 +
           " --D1=" + d1 + " --LL=1048576,16,64 --cachegrind-out-file=" + out + " " + command +
           " >/dev/null 2>" + path("cg.err"));
    EXPECT_EQ(rc, 0) << slurp(path("cg.err"));
    std::istringstream text(slurp(out));
    std::string line;
    std::vector<uint64_t> v;
    while (std::getline(text, line))
      if (line.rfind("summary:", 0) == 0) {
        std::istringstream fields(line.substr(8));
        uint64_t x = 0;
        while (fields >> x)
          v.push_back(x);
      }
    EXPECT_EQ(v.size(), 9u) << slurp(out);
    v.resize(9);
    return v;
  }

  enum class Input { kPlain, kZstd, kGzipOnStdin };

  // Makes a lackey trace of `command` (plain, zstd-compressed, or gzipped
  // and piped into `mmusim trace -`), replays it with the cachegrind config
  // and compares with both cachegrind runs.
  void compare(const std::string& command, Input input) {
    std::string trace = path("trace.txt");
    ASSERT_EQ(sh("cd " + m_dir + " && valgrind --tool=lackey --trace-mem=yes --log-file=" + trace +
                 " " + command + " >/dev/null 2>" + path("lk.err")),
              0)
        << slurp(path("lk.err"));
    std::string source = trace;  // what mmusim reads, and how
    if (input == Input::kZstd) {
      ASSERT_TRUE(have("zstd"));
      ASSERT_EQ(sh("zstd -q --rm -1 " + trace + " -o " + trace + ".zst"), 0);
      source = trace += ".zst";
    } else if (input == Input::kGzipOnStdin) {
      ASSERT_EQ(sh("gzip " + trace), 0);
      trace += ".gz";
      source = "- < " + trace;
    }
    const std::vector<uint64_t> caches = cachegrind(command, "32768,8,64", "32768,8,64");
    const std::vector<uint64_t> tlbs = cachegrind(command, "262144,64,4096", "262144,64,4096");
    // Relocation keeps page offsets (and 2 MB alignment): the same counts.
    for (const char* extra : {"", " --relocate"}) {
      SCOPED_TRACE(extra);
      const std::string stats = path("stats.json");
      ASSERT_EQ(sh("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 " MMUSIM_BINARY " trace " + source + extra +
                   " --quiet --config " MMUSIM_SOURCE_DIR "/testbench/configs/cachegrind.yaml"
                   " --stats " +
                   stats + " >/dev/null 2>" + path("mmusim.err")),
                0)
          << slurp(path("mmusim.err"));
      const util::Value v = util::parse_json(slurp(stats), stats);
      auto get = [&](const char* component, const char* key) {
        return v.find(component)->find(key)->as_uint();
      };
      // The same access stream ...
      EXPECT_EQ(get("top.l1i", "accesses"), caches[0]);
      EXPECT_EQ(get("top.l1d", "read_accesses"), caches[3]);
      EXPECT_EQ(get("top.l1d", "write_accesses"), caches[6]);
      // ... the same misses.
      EXPECT_EQ(get("top.l1i", "access_misses"), caches[1]);
      EXPECT_EQ(get("top.l1d", "read_access_misses"), caches[4]);
      EXPECT_EQ(get("top.l1d", "write_access_misses"), caches[7]);
      EXPECT_EQ(get("top.mmu.l1_itlb", "access_misses"), tlbs[1]);
      EXPECT_EQ(get("top.mmu.l1_dtlb", "access_misses"), tlbs[4] + tlbs[7]);
      // The LL (--LL=1048576,16,64): looked up on L1 misses only, shared by
      // fetches and data, never by write-backs.
      EXPECT_EQ(get("top.llc", "access_misses"), caches[2] + caches[5] + caches[8]);
      // Nothing faulted during the replay: populate gave every page a frame.
      EXPECT_EQ(get("top.cpu", "faults"), 0u);
      EXPECT_EQ(get("trace", "signals"), 0u);
    }
    std::printf(
        "%s: I refs %llu, I1 misses %llu, D refs %llu, D1 misses %llu, ITLB misses %llu, "
        "DTLB misses %llu, LL misses %llu\n",
        command.c_str(), static_cast<unsigned long long>(caches[0]),
        static_cast<unsigned long long>(caches[1]),
        static_cast<unsigned long long>(caches[3] + caches[6]),
        static_cast<unsigned long long>(caches[4] + caches[7]),
        static_cast<unsigned long long>(tlbs[1]),
        static_cast<unsigned long long>(tlbs[4] + tlbs[7]),
        static_cast<unsigned long long>(caches[2] + caches[5] + caches[8]));
  }

  std::string m_dir;
};

TEST_F(Cachegrind, SortMissesEqualCachegrinds) {
  std::ofstream in(path("words.txt"));
  for (unsigned i = 0; i < 40; ++i)
    in << ((i * 7919u) % 1000u) << " line " << (i * 31u) % 97u << "\n";
  in.close();
  // -S: a fixed buffer. GNU sort sizes it from the memory free at the time,
  // which differs between the lackey run and the cachegrind runs on a busy
  // machine, and with it where its buffer lands and which lines it shares.
  compare("sort -S 1M words.txt", Input::kPlain);
}

TEST_F(Cachegrind, SortMissesEqualCachegrindsFromAGzipTraceOnStdin) {
  std::ofstream in(path("words.txt"));
  for (unsigned i = 0; i < 60; ++i)
    in << ((i * 104729u) % 997u) << " word " << (i * 17u) % 89u << "\n";
  in.close();
  compare("sort -S 1M words.txt", Input::kGzipOnStdin);
}

TEST_F(Cachegrind, GzipMissesEqualCachegrindsFromAZstdTrace) {
  std::ofstream in(path("text.txt"));
  for (unsigned i = 0; i < 20; ++i)
    in << "the quick brown fox " << i * i << " jumps over the lazy dog\n";
  in.close();
  compare("gzip -c -n text.txt", Input::kZstd);
}

TEST_F(Cachegrind, Sqlite3MissesEqualCachegrinds) {
  if (!have("sqlite3")) GTEST_SKIP() << "sqlite3 is not installed";
  std::ofstream(path("q.sql")) << "create table t(a, b);\n"
                                  "insert into t values (1, 2), (3, 4), (5, 6);\n"
                                  "select a from t order by b desc;\n";
  compare("sqlite3 :memory: < q.sql", Input::kZstd);
}

}  // namespace
}  // namespace mmusim
