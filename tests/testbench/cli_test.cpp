// The mmusim command line, end to end: each test runs the real binary.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "model/util/json.h"
#include "testbench/scriptgen/script_generator.h"
#include "tests/support/run_mmusim.h"
#include "tests/support/scratch_dir.h"

namespace mmusim {
namespace {

using Result = test::RunResult;
using test::slurp;

std::string temp_path(const std::string& name) {
  return test::scratch_path(name);
}

Result run(const std::string& args) {
  return test::run_mmusim(args);
}

std::string write_file(const std::string& name, const std::string& text) {
  const std::string path = temp_path(name);
  std::ofstream(path) << text;
  return path;
}

const std::string kExamples = MMUSIM_SOURCE_DIR "/docs/examples/";

TEST(Cli, VmaBasicsTranscriptEqualsLinux) {
  const Result r = run("script " + kExamples + "vma_basics.scn");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, slurp(kExamples + "vma_basics.out"));
  EXPECT_EQ(r.err, "");
}

TEST(Cli, UnknownOperationNamesFileAndLine) {
  const std::string f = write_file("bad.scn", "maps\n# c\nmmapp 0x1000 4K\n");
  const Result r = run("script " + f);
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, "");  // nothing runs before the whole script parses
  EXPECT_EQ(r.err, f + ":3: unknown operation 'mmapp'\n");
}

TEST(Cli, MalformedNumberAndMissingArgument) {
  const std::string f1 = write_file("num.scn", "load 0x12zz\n");
  EXPECT_EQ(run("script " + f1).err, f1 + ":1: load: malformed number '0x12zz'\n");
  const std::string f2 = write_file("miss.scn", "munmap 0x100000000000\n");
  const Result r = run("script " + f2);
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, f2 + ":1: munmap: missing argument LEN\n");
}

TEST(Cli, MissingScriptFileIsNamed) {
  const Result r = run("script /nonexistent/x.scn");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("/nonexistent/x.scn"), std::string::npos) << r.err;
}

TEST(Cli, UnknownConfigKeyIsNamed) {
  const std::string c = write_file("c.json", R"({"mmu": {"l1_dtlb": {"entriez": 64}}})");
  const Result r = run("script " + kExamples + "vma_basics.scn --config " + c);
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "mmusim: config: " + c + ":1: mmu.l1_dtlb.entriez: unknown key\n");
}

TEST(Cli, OutOfRangeAndInconsistentConfigValuesAreNamed) {
  Result r = run("script " + kExamples + "vma_basics.scn --set mmu.l2_tlb.ways=0");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "mmusim: config: mmu.l2_tlb.ways: 0 is out of range [1, 1048576]\n");
  r = run("script " + kExamples + "vma_basics.scn --set mmu.l2_tlb.entries=1000");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "mmusim: config: mmu.l2_tlb.ways: entries / ways must be a power of two\n");
}

TEST(Cli, YamlConfigChangesTheModel) {
  const std::string c = write_file("c.yaml", "l1d:\n  size: 16K\n  ways: 4\n");
  const std::string s = temp_path("stats.json");
  const Result r = run("script " + kExamples + "vma_basics.scn --config " + c + " --stats " + s);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, slurp(kExamples + "vma_basics.out"));
  std::remove(s.c_str());
}

TEST(Cli, StatsJsonHasEveryComponent) {
  const std::string s = temp_path("stats.json");
  const Result r = run("script " + kExamples + "vma_basics.scn --stats " + s);
  ASSERT_EQ(r.status, 0) << r.err;
  const util::Value v = util::parse_json(slurp(s), s);
  std::remove(s.c_str());
  // 6 loads/stores: a write fault (new frame), a TLB hit, a read fault (zero
  // page), a SIGSEGV (store to the read-only page), a read fault there (zero
  // page), a SIGSEGV (the unmapped page). 6 system calls.
  EXPECT_EQ(v.find("top.cpu")->find("accesses")->as_uint(), 6u);
  EXPECT_EQ(v.find("top.cpu")->find("faults")->as_uint(), 5u);
  EXPECT_EQ(v.find("top.cpu")->find("sigsegv")->as_uint(), 2u);
  EXPECT_EQ(v.find("kernel")->find("syscalls")->as_uint(), 6u);
  EXPECT_EQ(v.find("kernel")->find("zero_page_maps")->as_uint(), 2u);
  EXPECT_EQ(v.find("kernel")->find("anon_pages_allocated")->as_uint(), 1u);
  for (const char* key : {"sim", "top.mmu.l1_itlb", "top.mmu.l1_dtlb", "top.mmu.l2_tlb",
                          "top.mmu.walker", "top.l1d", "top.bus", "top.dram", "kernel"})
    EXPECT_NE(v.find(key), nullptr) << key;
  const util::Value& walker = *v.find("top.mmu.walker");
  // Every walk reads L0 unless the walk cache knew a deeper table.
  const util::Value& wc = *v.find("top.mmu.walker.walk_cache");
  uint64_t skipped = 0;
  for (const char* l : {"L0", "L1", "L2"})
    skipped += wc.find("hits_by_level")->find(l)->as_uint();
  EXPECT_EQ(walker.find("walks")->as_uint(),
            walker.find("descriptor_reads")->find("L0")->as_uint() + skipped);
  EXPECT_EQ(wc.find("lookups")->as_uint(), walker.find("walks")->as_uint());
  EXPECT_NE(walker.find("latency")->find("p99_cycles"), nullptr);
  EXPECT_GT(v.find("sim")->find("cycles")->as_uint(), 0u);
}

TEST(Cli, WalkCacheOffMeansEveryWalkReadsL0) {
  const std::string s = temp_path("nowc.json");
  const Result r =
      run("script " + kExamples + "vma_basics.scn --set mmu.walker.walk_cache.mode=none" +
          " --set mmu.l2_tlb.replacement=tree-plru --stats " + s);
  ASSERT_EQ(r.status, 0) << r.err;
  const util::Value v = util::parse_json(slurp(s), s);
  std::remove(s.c_str());
  const util::Value& walker = *v.find("top.mmu.walker");
  EXPECT_EQ(walker.find("walks")->as_uint(),
            walker.find("descriptor_reads")->find("L0")->as_uint());
  EXPECT_EQ(v.find("top.mmu.walker.walk_cache")->find("lookups")->as_uint(), 0u);
}

TEST(Cli, BadOrganisationKeysAreNamed) {
  Result r = run("script " + kExamples + "vma_basics.scn --set mmu.l1_dtlb.page_sizes=4K,3M");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            "mmusim: config: mmu.l1_dtlb.page_sizes: '3M' is not a page size (4K, 64K, 2M, 1G)\n");
  r = run("script " + kExamples + "vma_basics.scn --set mmu.l2_tlb.replacement=mru");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("mmu.l2_tlb.replacement"), std::string::npos) << r.err;
  r = run("script " + kExamples +
          "vma_basics.scn --set mmu.l1_dtlb.ways=3 --set mmu.l1_dtlb.entries=48" +
          " --set mmu.l1_dtlb.replacement=tree-plru");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "mmusim: config: mmu.l1_dtlb.ways: tree-plru needs a power of two\n");
  r = run("script " + kExamples + "vma_basics.scn --set mmu.walker.walk_cache.L2.ways=3");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(
      r.err,
      "mmusim: config: mmu.walker.walk_cache.L2.ways: entries / ways must be a power of two\n");
}

TEST(Cli, UsageErrorsExitTwo) {
  EXPECT_EQ(run("").status, 2);
  EXPECT_EQ(run("frobnicate").status, 2);
  EXPECT_EQ(run("script").status, 2);
  const Result r = run("run --bogus");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("unknown option '--bogus'"), std::string::npos);
}

TEST(Cli, ConfigReferenceListsEveryKey) {
  const Result r = run("config");
  EXPECT_EQ(r.status, 0);
  for (const char* key :
       {"mmu.l1_dtlb.entries", "mmu.l2_tlb.ways", "l1d.size", "l1i.size", "dram.size",
        "kernel.costs.fault_cycles", "kernel.thp", "kernel.contpte", "kernel.hugetlb_pages_2m",
        "workload.region", "trace.populate", "trace.relocate"})
    EXPECT_NE(r.out.find(key), std::string::npos) << key;
}

TEST(Cli, SmallDefaultWorkloadRunsAndReportsStats) {
  const std::string s = temp_path("run.json");
  const Result r = run("run --quiet --set workload.region=1M --stats " + s);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("top.mmu.l1_dtlb"), std::string::npos);
  const util::Value v = util::parse_json(slurp(s), s);
  std::remove(s.c_str());
  // 1 MB: 16384 lines; phases: 16384 + 8192 + 16384 + 8192 data accesses,
  // one fetch per 4.
  EXPECT_EQ(
      v.find("top.cpu")->find("loads")->as_uint() + v.find("top.cpu")->find("stores")->as_uint(),
      49152u);
  EXPECT_EQ(v.find("top.cpu")->find("fetches")->as_uint(), 12288u);
  EXPECT_EQ(v.find("top.cpu")->find("sigsegv")->as_uint(), 0u);
  // Every data page is touched by the first (write) phase: 256 write faults,
  // plus the code region's 16 pages on first fetch.
  EXPECT_EQ(v.find("kernel")->find("anon_pages_allocated")->as_uint(), 256u);
}

TEST(Cli, TraceReplaysAndReportsPerAccessStats) {
  const std::string t = write_file("t.txt",
                                   "==1== header\nI  00400000,4\n L 00600000,8\n S 00600040,8\n"
                                   " M 00600044,4\nI  00400004,4\n");
  const std::string s = temp_path("trace.json");
  const Result r = run("trace " + t + " --quiet --stats " + s);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_NE(r.out.find("top.l1i"), std::string::npos);
  const util::Value v = util::parse_json(slurp(s), s);
  std::remove(s.c_str());
  EXPECT_EQ(v.find("trace")->find("records")->as_uint(), 5u);
  EXPECT_EQ(v.find("trace")->find("address_space")->as_string(), "touched");
  EXPECT_EQ(v.find("top.l1i")->find("accesses")->as_uint(), 2u);
  EXPECT_EQ(v.find("top.l1i")->find("access_misses")->as_uint(), 1u);
  EXPECT_EQ(v.find("top.l1d")->find("read_accesses")->as_uint(), 2u);  // the load and the modify
  EXPECT_EQ(v.find("top.l1d")->find("write_accesses")->as_uint(), 1u);
  EXPECT_EQ(v.find("top.l1d")->find("access_misses")->as_uint(), 2u);  // two cold lines
  EXPECT_EQ(v.find("top.mmu.l1_dtlb")->find("access_misses")->as_uint(), 1u);
  EXPECT_EQ(v.find("top.cpu")->find("modifies")->as_uint(), 1u);
}

TEST(Cli, MalformedTraceLineNamesFileAndLine) {
  const std::string t = write_file("bad.txt", "I  00400000,4\n L 00600000,8\n L 00600000;8\n");
  const Result r = run("trace " + t);
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.out, "");  // no summary: the run stopped at line 3 (after two records)
  EXPECT_EQ(r.err, t + ":3: malformed address,size '00600000;8'\n");
}

TEST(Cli, SkippedTraceLinesAreCountedAndReported) {
  const std::string t = write_file("skip.txt", "I  00400000,4\noops\n L 00600000,8\n");
  const std::string s = temp_path("skip.json");
  const Result r = run("trace " + t + " --quiet --skip-bad-lines --stats " + s);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "mmusim: " + t + ": skipped 1 malformed lines (first: " + t +
                       ":2: not a lackey record: 'oops')\n");
  const util::Value v = util::parse_json(slurp(s), s);
  std::remove(s.c_str());
  EXPECT_EQ(v.find("trace")->find("bad_lines")->as_uint(), 1u);
  EXPECT_EQ(v.find("trace")->find("records")->as_uint(), 2u);
}

TEST(Cli, TraceUsageAndFileErrors) {
  EXPECT_EQ(run("trace").status, 2);
  const Result r = run("trace /nonexistent/t.txt");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "/nonexistent/t.txt: cannot open: No such file or directory\n");
  const Result m =
      run("trace " + write_file("ok.txt", " L 00600000,8\n") + " --maps /nonexistent/maps --quiet");
  EXPECT_EQ(m.status, 2);
  EXPECT_EQ(m.err, "/nonexistent/maps: cannot open: No such file or directory\n");
}

TEST(Cli, SyntheticPatternsAreSelectedFromConfig) {
  for (const char* pattern : {"sequential", "strided", "uniform", "zipf", "pointer-chase"}) {
    const std::string s = temp_path("pattern.json");
    const Result r = run(std::string("run --quiet --set workload.pattern=") + pattern +
                         " --set workload.region=1M --set workload.accesses=20000" +
                         " --set workload.write_fraction=0.5 --stats " + s);
    ASSERT_EQ(r.status, 0) << pattern << ": " << r.err;
    const util::Value v = util::parse_json(slurp(s), s);
    std::remove(s.c_str());
    const util::Value& cpu = *v.find("top.cpu");
    EXPECT_EQ(cpu.find("loads")->as_uint() + cpu.find("stores")->as_uint(), 20000u) << pattern;
    EXPECT_EQ(cpu.find("fetches")->as_uint(), 5000u) << pattern;  // one per 4 data accesses
    EXPECT_EQ(cpu.find("sigsegv")->as_uint(), 0u) << pattern;
    EXPECT_EQ(v.find("sim")->find("workload")->as_string(), pattern);
  }
  Result r = run("run --quiet --set workload.pattern=zipfian");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("workload.pattern"), std::string::npos) << r.err;
  r = run("run --quiet --set workload.pattern=zipf --set workload.zipf_exponent=0");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "mmusim: config: workload.zipf_exponent: 0 is out of range [0.01, 10]\n");
  r = run("run --quiet --set workload.pattern=pointer-chase --set workload.region=8G");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "mmusim: config: workload.region: a pointer chase covers at most 4 GB\n");
}

TEST(Cli, CachegrindConfigIsValid) {
  const Result r = run("config --config " MMUSIM_SOURCE_DIR "/testbench/configs/cachegrind.yaml");
  EXPECT_EQ(r.status, 0) << r.err;
  // The values the file sets, with the defaults they replace.
  EXPECT_NE(r.out.find("\ntrace.populate = true  (bool, default false)  "), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("\nmmu.l1_dtlb.entries = 64  (uint, [1, 1048576], default 48)  "),
            std::string::npos);
}

}  // namespace
}  // namespace mmusim

namespace mmusim {
namespace {

TEST(Cli, UartOutWritesTheTransmittedBytesAndStatsCountThem) {
  const std::string scn = write_file("uart.scn",
                                     "iomap 0 4K PROT_WRITE MAP_SHARED uart 0\n"
                                     "storen 1 0xfffff7ffe000 0x4f\n"
                                     "storen 1 0xfffff7ffe000 0x4b\n"
                                     "storen 1 0xfffff7ffe000 0x0a\n");
  const std::string uart = temp_path("uart.txt"), stats = temp_path("stats.json");
  const Result r = run("script " + scn + " --uart-out " + uart + " --stats " + stats);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "iomap = 0xfffff7ffe000\nstoren = ok\nstoren = ok\nstoren = ok\n");
  EXPECT_EQ(slurp(uart), "OK\n");
  const std::string s = slurp(stats);
  EXPECT_NE(s.find("\"tx_bytes\": 3"), std::string::npos) << s;
  const Result to_stdout = run("script " + scn + " --uart-out -");
  EXPECT_EQ(to_stdout.out, "iomap = 0xfffff7ffe000\nstoren = ok\nstoren = ok\nstoren = ok\nOK\n");
  const Result bad = run("script " + scn + " --set rom.size=5000");
  EXPECT_EQ(bad.status, 2);
  EXPECT_EQ(bad.err, "mmusim: config: rom.size: must be a non-zero multiple of 4096\n");
  std::remove(scn.c_str());
  std::remove(uart.c_str());
  std::remove(stats.c_str());
}

TEST(Cli, DeviceAddressMapErrorsNameTheKeyAndDisabledDevicesDecodeToNothing) {
  const std::string scn = write_file("dev.scn", "iomap 0 4K PROT_READ MAP_SHARED uart 0\n");
  EXPECT_EQ(run("script " + scn + " --set uart.base=0x40000000").err,
            "mmusim: config: uart.base: [0x40000000, 0x40001000) overlaps dram [0x40000000, "
            "0x140000000)\n");
  EXPECT_EQ(run("script " + scn + " --set rom.size=16M").status, 0);  // ends at sysctrl
  EXPECT_EQ(run("script " + scn + " --set rom.size=17M").err,
            "mmusim: config: rom.base: [0x8000000, 0x9100000) overlaps sysctrl [0x9000000, "
            "0x9001000)\n");
  EXPECT_EQ(run("script " + scn + " --set timer.base=0x9010000").err,
            "mmusim: config: timer.base: [0x9010000, 0x9011000) overlaps uart.base [0x9010000, "
            "0x9011000)\n");
  EXPECT_EQ(run("script " + scn + " --set status.base=0x9030800").err,
            "mmusim: config: status.base: must be 4096-byte aligned\n");
  // A disabled UART is not on the bus: its device file does not exist, and
  // its address is free for another device.
  const Result off = run("script " + scn + " --set uart.enable=false --set timer.base=0x9010000");
  EXPECT_EQ(off.status, 0) << off.err;
  EXPECT_EQ(off.out, "iomap = -ENOENT\n");
  std::remove(scn.c_str());
}

// One store then one load per 4 KB page of a 2 MB-aligned region of
// `size` bytes (MADV_HUGEPAGE), run with the config key `set`.
util::Value page_walk_stats(const std::string& size, const std::string& set) {
  std::string scn = "mmap 0x100000000000 " + size +
                    " PROT_READ|PROT_WRITE MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED\n"
                    "madvise 0x100000000000 " +
                    size + " MADV_HUGEPAGE\n";
  const uint64_t pages = (size == "2M" ? 2u << 20 : 1u << 20) / 4096;
  for (const char* op : {"store", "load"})
    for (uint64_t i = 0; i < pages; ++i)
      scn += std::string(op) + " " + std::to_string(0x100000000000 + i * 4096 + 8) +
             (op[0] == 's' ? " 1\n" : "\n");
  const std::string path = write_file("pages.scn", scn);
  const std::string s = temp_path("pages_stats.json");
  const Result r = run("script " + path + " --set " + set + " --stats " + s);
  EXPECT_EQ(r.status, 0) << r.err;
  util::Value v = util::parse_json(slurp(s), s);
  std::remove(s.c_str());
  std::remove(path.c_str());
  return v;
}

TEST(Cli, ATransparentHugePageCostsOneFaultAndTwoWalksWhere4KPagesCost512And1024) {
  const util::Value huge = page_walk_stats("2M", "kernel.thp=madvise");
  // The first store faults (a walk ending in a translation fault), the kernel
  // maps one 2 MB block, the retry walks once more and fills the L1 DTLB;
  // the 1023 other accesses hit it.
  EXPECT_EQ(huge.find("top.cpu")->find("faults")->as_uint(), 1u);
  EXPECT_EQ(huge.find("top.mmu.walker")->find("walks")->as_uint(), 2u);
  EXPECT_EQ(huge.find("top.mmu.walker")->find("translations_by_page_size")->find("2M")->as_uint(),
            1u);
  EXPECT_EQ(huge.find("top.mmu.l1_dtlb")->find("hits")->as_uint(), 1023u);
  EXPECT_EQ(huge.find("top.mmu.l1_dtlb")->find("misses")->as_uint(), 2u);
  EXPECT_EQ(huge.find("kernel")->find("thp_fault_alloc")->as_uint(), 1u);
  EXPECT_EQ(huge.find("kernel")->find("mapped_pages")->find("2M")->as_uint(), 1u);
  EXPECT_EQ(huge.find("kernel")->find("mapped_pages")->find("4K")->as_uint(), 0u);

  // 4 KB pages: every store faults and walks twice; every access misses the
  // L1 DTLB (the loads find their pages in the L2 TLB, so no more walks).
  const util::Value small = page_walk_stats("2M", "kernel.thp=never");
  EXPECT_EQ(small.find("top.cpu")->find("faults")->as_uint(), 512u);
  EXPECT_EQ(small.find("top.mmu.walker")->find("walks")->as_uint(), 1024u);
  EXPECT_EQ(small.find("top.mmu.walker")->find("translations_by_page_size")->find("4K")->as_uint(),
            512u);
  EXPECT_EQ(small.find("top.mmu.l1_dtlb")->find("hits")->as_uint(), 0u);
  EXPECT_EQ(small.find("top.mmu.l1_dtlb")->find("misses")->as_uint(), 1536u);
  EXPECT_EQ(small.find("kernel")->find("thp_fault_alloc")->as_uint(), 0u);
  EXPECT_EQ(small.find("kernel")->find("mapped_pages")->find("4K")->as_uint(), 512u);
}

TEST(Cli, BadLargePageKeysNameTheKey) {
  const std::string scn = write_file("k.scn",
                                     "mmap 0x100000000000 4K PROT_READ "
                                     "MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED\n");
  Result r = run("script " + scn + " --set kernel.thp=sometimes");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            "mmusim: config: kernel.thp: 'sometimes' is not one of always, madvise, never\n");
  r = run("script " + scn + " --set kernel.contpte=maybe");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "mmusim: config: kernel.contpte: expected true or false, got string 'maybe'\n");
  // 4 GB of DRAM holds 2047 aligned 2 MB pages and 1 MiB for the kernel.
  r = run("script " + scn + " --set kernel.hugetlb_pages_2m=4000");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            "mmusim: config: kernel.hugetlb_pages_2m: 4000 pages of 2 MB do not fit in memory "
            "with 1 MiB left for the kernel (2047 do)\n");
  std::remove(scn.c_str());
}

TEST(Cli, ContiguousHintRunsCostOneFaultAndTwoWalksPer64K) {
  // 1 MB: 16 runs of 16 pages. With kernel.contpte each run's first store
  // faults, maps a folded 64 KB folio and walks twice; the 16 64K entries
  // then serve every other access from the L1 DTLB.
  const util::Value cont = page_walk_stats("1M", "kernel.contpte=true");
  EXPECT_EQ(cont.find("top.cpu")->find("faults")->as_uint(), 16u);
  EXPECT_EQ(cont.find("top.mmu.walker")->find("walks")->as_uint(), 32u);
  EXPECT_EQ(cont.find("top.mmu.walker")->find("translations_by_page_size")->find("64K")->as_uint(),
            16u);
  EXPECT_EQ(cont.find("top.mmu.l1_dtlb")->find("hits")->as_uint(), 496u);
  EXPECT_EQ(cont.find("top.mmu.l1_dtlb")->find("misses")->as_uint(), 32u);
  EXPECT_EQ(cont.find("kernel")->find("mapped_pages")->find("64K")->as_uint(), 16u);
  EXPECT_EQ(cont.find("kernel")->find("mapped_pages")->find("4K")->as_uint(), 0u);
  // Without it: 256 faults, 512 walks, no L1 DTLB hit (48 entries).
  const util::Value plain = page_walk_stats("1M", "kernel.contpte=false");
  EXPECT_EQ(plain.find("top.cpu")->find("faults")->as_uint(), 256u);
  EXPECT_EQ(plain.find("top.mmu.walker")->find("walks")->as_uint(), 512u);
  EXPECT_EQ(plain.find("top.mmu.l1_dtlb")->find("hits")->as_uint(), 0u);
  EXPECT_EQ(plain.find("kernel")->find("mapped_pages")->find("4K")->as_uint(), 256u);
  EXPECT_EQ(plain.find("kernel")->find("mapped_pages")->find("64K")->as_uint(), 0u);
}

}  // namespace
}  // namespace mmusim

namespace mmusim {
namespace {

namespace swapcli {

// A script storing one byte into each of `pages` pages of a fresh mapping
// (`type`: MAP_PRIVATE or MAP_SHARED anonymous memory), then loading them
// all back; `expect` gets the transcript it must print.
std::string pressure_script(int pages, std::string* expect, const char* type = "MAP_PRIVATE") {
  std::ostringstream s, e;
  char line[128];
  s << "mmap 0x100000000000 " << pages * 4 << "K PROT_READ|PROT_WRITE " << type
    << "|MAP_ANONYMOUS|MAP_FIXED\n";
  e << "mmap = 0x100000000000\n";
  for (int i = 0; i < pages; ++i) {
    std::snprintf(line, sizeof line, "store 0x%llx %d\n",
                  0x100000000000ull + static_cast<unsigned long long>(i) * 4096 + i, (i * 7) % 256);
    s << line;
    e << "store = ok\n";
  }
  for (int i = 0; i < pages; ++i) {
    std::snprintf(line, sizeof line, "load 0x%llx\n",
                  0x100000000000ull + static_cast<unsigned long long>(i) * 4096 + i);
    s << line;
    std::snprintf(line, sizeof line, "load = 0x%02x\n", (i * 7) % 256);
    e << line;
  }
  *expect = e.str();
  return s.str();
}

}  // namespace swapcli

TEST(Cli, AsidBitsAndShootdownMechanismAreCheckedNamingTheKey) {
  Result r = run("script " + kExamples + "vma_basics.scn --set mmu.asid_bits=12");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "mmusim: config: mmu.asid_bits: 12 is impossible: must be 8 or 16\n");
  r = run("script " + kExamples + "vma_basics.scn --set kernel.tlb_shootdown=foo");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("kernel.tlb_shootdown: 'foo' is not one of broadcast, ipi"),
            std::string::npos)
      << r.err;
  r = run("script " + kExamples +
          "vma_basics.scn --set mmu.asid_bits=8 --set mmu.tlbi_range=true "
          "--set kernel.tlb_shootdown=ipi");
  EXPECT_EQ(r.status, 0) << r.err;
}

TEST(Cli, PhysMemAndSwapSizesAreCheckedNamingTheKey) {
  Result r = run("script " + kExamples + "vma_basics.scn --phys-mem 512K");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            "mmusim: config: kernel.phys_mem: 524288 is impossible: must be 0 or a multiple of "
            "4096 from 1048576 (the kernel's minimum) up to dram.size (4294967296)\n");
  r = run("script " + kExamples + "vma_basics.scn --swap 100");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            "mmusim: config: kernel.swap: 100 is impossible: must be 0 or a multiple of 4096 (at "
            "least one page)\n");
  r = run("script " + kExamples + "vma_basics.scn --phys-mem 128M --set dram.size=64M");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("kernel.phys_mem: 134217728 is impossible"), std::string::npos) << r.err;
  r = run("run --phys-mem");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--phys-mem needs a value"), std::string::npos) << r.err;
}

// Runs pressure_script(1024 pages, `type`) with 1 MB of memory and 8 MB
// of swap, checks that it prints the expected transcript and nothing on
// stderr, and returns its --stats.
util::Value run_pressure_in_swap(const char* type) {
  std::string expect;
  const std::string scn = write_file("swap.scn", swapcli::pressure_script(1024, &expect, type));
  const std::string s = temp_path("swap.json");
  const Result r = run("script " + scn + " --phys-mem 1M --swap 8M --stats " + s);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, expect);
  EXPECT_EQ(r.err, "");
  util::Value v = util::parse_json(slurp(s), s);
  std::remove(s.c_str());
  return v;
}

TEST(Cli, ScriptWithFourTimesMemoryInSwapReadsEveryByteBack) {
  const util::Value v = run_pressure_in_swap("MAP_PRIVATE");
  const util::Value& k = *v.find("kernel");
  EXPECT_EQ(k.find("pswpout")->as_uint(), 1024u);
  EXPECT_EQ(k.find("pswpin")->as_uint(), 1024u);
  EXPECT_EQ(k.find("pgmajfault")->as_uint(), 1024u);
  EXPECT_EQ(k.find("oom_kills")->as_uint(), 0u);
  const util::Value& b = *v.find("top.blockdev");
  EXPECT_EQ(b.find("reads")->as_uint(), 1024u);
  EXPECT_EQ(b.find("writes")->as_uint(), 1024u);
  EXPECT_EQ(b.find("errors")->as_uint(), 0u);
  EXPECT_EQ(b.find("bytes_read")->as_uint(), 1024u * 4096);
}

TEST(Cli, SharedAnonymousMemoryFourTimesMemoryGoesToSwapAndReadsBack) {
  const util::Value v = run_pressure_in_swap("MAP_SHARED");
  const util::Value& k = *v.find("kernel");
  // Every page is read back once, by a major fault; a page read back is
  // dirty (its slot was freed), so reclaim writes it again: the slots in
  // use at the end are the writes not yet read back.
  EXPECT_EQ(k.find("pswpin")->as_uint(), 1024u);
  EXPECT_EQ(k.find("pgmajfault")->as_uint(), 1024u);
  EXPECT_GT(k.find("pswpout")->as_uint(), 1024u);
  EXPECT_EQ(k.find("pswpout")->as_uint(),
            k.find("pswpin")->as_uint() + k.find("swap_pages")->as_uint());
  EXPECT_EQ(k.find("oom_kills")->as_uint(), 0u);
  EXPECT_EQ(v.find("top.blockdev")->find("reads")->as_uint(), 1024u);
}

TEST(Cli, OomKillIsReportedInTheTranscriptAndOnStderrAndTheRunGoesOn) {
  std::string expect;
  const std::string scn = write_file("oom.scn", swapcli::pressure_script(300, &expect));
  const Result r = run("script " + scn + " --phys-mem 1M");
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string report =
      "Out of memory: Killed process 1 total-vm:1200kB, anon-rss:1004kB, file-rss:0kB, swap:0kB, "
      "pgtables:16kB";
  EXPECT_NE(r.out.find("store = SIGKILL\noom-kill: " + report + "\nstore = SIGSEGV\n"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(r.err, "mmusim: " + report + "\n");
}

// A seeded script whose working set (about 6 MB) is six times a 1 MB
// kernel: private and shared anonymous memory, a shared and a private file
// mapping, forks, threads, switches and exits, mprotect round trips,
// MADV_PAGEOUT / COLD / DONTNEED / MERGEABLE / WIPEONFORK, msync, mremap
// away and back, munmap + mmap, brk; interleaved with the lines of a
// scriptgen script (its own small regions), and ending with a load from
// every page in every task. Nothing in it depends on memory size.
std::string pressure_oracle_script(uint64_t seed, int ops) {
  std::mt19937_64 rng(seed);
  auto pick = [&](uint64_t n) { return rng() % n; };
  constexpr uint64_t kA = 0x180000000000, kAL = 3 << 20, kS = 0x181000000000, kSL = 1 << 20,
                     kF = 0x182000000000, kFL = 1 << 20, kP = 0x183000000000, kPL = 512 << 10,
                     kHeap = 0x555556000000;
  const std::pair<uint64_t, uint64_t> regions[] = {
      {kA, kAL}, {kA, kAL}, {kS, kSL}, {kF, kFL}, {kP, kPL}};
  std::vector<std::string> gen;
  {
    scriptgen::GeneratorOptions g;
    g.seed = seed;
    g.ops = 200;
    std::istringstream in(scriptgen::generate_script(g));
    for (std::string l; std::getline(in, l);)
      if (!l.empty() && l[0] != '#' && l != "maps") gen.push_back(l);
  }
  std::ostringstream o;
  o << std::hex << "file big.bin 0x" << kFL << "\nopen 9 big.bin O_RDWR\nfile priv.bin 0x" << kPL
    << "\nopen 8 priv.bin O_RDWR\n";
  for (uint64_t i = 0; i < kPL; i += 3 * 4096)
    o << "pwrite 8 0x" << i + pick(4096) << " 0x" << pick(256) << "\n";
  o << "mmap 0x" << kA << " 0x" << kAL
    << " PROT_READ|PROT_WRITE MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED\n"
    << "mmap 0x" << kS << " 0x" << kSL
    << " PROT_READ|PROT_WRITE MAP_SHARED|MAP_ANONYMOUS|MAP_FIXED\n"
    << "mmap 0x" << kF << " 0x" << kFL << " PROT_READ|PROT_WRITE MAP_SHARED|MAP_FIXED 9 0\n"
    << "mmap 0x" << kP << " 0x" << kPL << " PROT_READ|PROT_WRITE MAP_PRIVATE|MAP_FIXED 8 0\n";
  std::vector<int> tasks{1};
  int next = 2, cur = 1;
  size_t gi = 0;
  auto page_range = [&](uint64_t max_pages, uint64_t* start, uint64_t* len) {
    const uint64_t pg = pick(kAL / 4096);
    *start = kA + pg * 4096;
    *len = std::min<uint64_t>(1 + pick(max_pages), kAL / 4096 - pg) * 4096;
  };
  for (int n = 0; n < ops; ++n) {
    if (!gen.empty() && pick(10) == 0) {
      o << gen[gi++ % gen.size()] << "\n";
      continue;
    }
    const uint64_t d = pick(1000);
    uint64_t start = 0, len = 0;
    if (d < 4 && tasks.size() > 1) {
      cur = tasks[pick(tasks.size())];
      o << "switch " << std::dec << cur << std::hex << "\n";
    } else if (d < 7 && tasks.size() < 4) {
      o << "fork " << std::dec << next << std::hex << "\n";
      tasks.push_back(next++);
    } else if (d < 8 && tasks.size() > 1) {
      tasks.erase(std::find(tasks.begin(), tasks.end(), cur));
      cur = tasks[0];
      o << "exit\nswitch " << std::dec << cur << std::hex << "\n";
    } else if (d < 12) {
      o << "msync 0x" << kF + pick(kFL / 4096) * 4096 << " 0x" << (1 + pick(16)) * 4096
        << " MS_SYNC\n";
    } else if (d < 16) {
      o << "pread 9 0x" << pick(kFL) << "\n";
    } else if (d < 20) {
      const bool anon = pick(2);
      const uint64_t b = anon ? kA : kS, l = anon ? kAL : kSL;
      // MADV_PAGEOUT, MADV_COLD, MADV_DONTNEED, and on private memory
      // MADV_MERGEABLE, MADV_WIPEONFORK, MADV_KEEPONFORK.
      static const char* const kAdv[] = {"21", "20", "MADV_DONTNEED", "12", "18", "19"};
      o << "madvise 0x" << b + pick(l / 4096) * 4096 << " 0x" << (1 + pick(64)) * 4096 << " "
        << kAdv[pick(anon ? 6 : 3)] << "\n";
    } else if (d < 24) {
      page_range(600, &start, &len);
      o << "mprotect 0x" << start << " 0x" << len << " PROT_READ\nload 0x" << start + pick(len)
        << "\nstore 0x" << start + pick(len) << " 0x11\nmprotect 0x" << start << " 0x" << len
        << " PROT_READ|PROT_WRITE\n";
    } else if (d < 26) {
      page_range(520, &start, &len);
      const uint64_t tmp = 0x190000000000 + pick(16) * 0x200000;
      o << "mremap 0x" << start << " 0x" << len << " 0x" << len << " MREMAP_MAYMOVE|MREMAP_FIXED 0x"
        << tmp << "\nload 0x" << tmp + pick(len) << "\nmremap 0x" << tmp << " 0x" << len << " 0x"
        << len << " MREMAP_MAYMOVE|MREMAP_FIXED 0x" << start << "\n";
    } else if (d < 27) {
      page_range(40, &start, &len);
      o << "munmap 0x" << start << " 0x" << len << "\nmmap 0x" << start << " 0x" << len
        << " PROT_READ|PROT_WRITE MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED\n";
    } else if (d < 28) {
      o << "maps\n";
    } else if (d < 30) {
      o << "brk 0x" << kHeap + pick(64) * 4096 << "\nstore 0x" << kHeap + pick(32 * 4096) << " 0x"
        << pick(256) << "\nload 0x" << kHeap + pick(32 * 4096) << "\n";
    } else if (d < 31 && tasks.size() < 6) {
      o << "thread " << std::dec << next << std::hex << "\n";
      tasks.push_back(next++);
    } else {
      const auto [b, l] = regions[pick(5)];
      static const int kSizes[] = {1, 1, 1, 2, 4, 8};
      const int size = kSizes[pick(6)];
      const uint64_t a = b + pick(l - 8);
      const uint64_t v = size == 8 ? rng() : rng() & ((uint64_t{1} << (8 * size)) - 1);
      const std::string sz = std::to_string(size);
      if (pick(2))
        o << (size > 1 ? "storen " + sz + " 0x" : std::string("store 0x")) << a << " 0x" << v
          << "\n";
      else
        o << (size > 1 ? "loadn " + sz + " 0x" : std::string("load 0x")) << a << "\n";
    }
  }
  for (const int t : tasks) {
    o << "switch " << std::dec << t << std::hex << "\n";
    for (size_t r = 1; r < 5; ++r)
      for (uint64_t pg = 0; pg < regions[r].second; pg += 4096)
        o << "load 0x" << regions[r].first + pg + (pg * 7 + 1) % 4096 << "\n";
    o << "maps\n";
  }
  return o.str();
}

TEST(Cli, GeneratedScriptsPrintTheSameTranscriptInOneMegabyteWithSwapAsWithout) {
  // The strongest integrity oracle: whatever reclaim, swap, THP splits,
  // contpte unfolds and dirty tracking do, a script's transcript (every
  // load, every maps) must not depend on how much memory there is.
  const std::string s = temp_path("oracle.json");
  uint64_t pswpout = 0;
  for (uint64_t seed = 1; seed <= 12; ++seed) {
    for (const std::string cfg :
         {"",
          " --set kernel.thp=always --set kernel.contpte=true --set mmu.walker.hafdbs=true "
          "--set cpu.window=8 --set kernel.file_store=8M"}) {
      const std::string scn = write_file("oracle.scn", pressure_oracle_script(seed, 1500));
      const Result plain = run("script " + scn + cfg);
      const Result tight = run("script " + scn + cfg + " --phys-mem 1M --swap 64M --stats " + s);
      ASSERT_EQ(plain.status, 0) << plain.err;
      ASSERT_EQ(tight.status, 0) << tight.err;
      EXPECT_EQ(tight.out, plain.out) << "seed " << seed << cfg;
      EXPECT_EQ(tight.err, "");
      const util::Value v = util::parse_json(slurp(s), s);
      EXPECT_EQ(v.find("kernel")->find("oom_kills")->as_uint(), 0u);
      pswpout += v.find("kernel")->find("pswpout")->as_uint();
      std::remove(scn.c_str());
    }
  }
  std::remove(s.c_str());
  EXPECT_GT(pswpout, 12000u);  // it really ran under pressure
}

}  // namespace
}  // namespace mmusim

// Configuration, options and provenance (issues 14 and 15).
namespace mmusim::configcli {
namespace {

const char* kTinyScript =
    "mmap 0x100000000000 4K PROT_READ|PROT_WRITE MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED\n"
    "store 0x100000000000 0x11\n"
    "load 0x100000000000\n";

// The lines of `text` that start with one of `prefixes`, in order.
std::string lines_starting(const std::string& text, const std::vector<std::string>& prefixes) {
  std::istringstream in(text);
  std::string line, out;
  while (std::getline(in, line))
    for (const std::string& p : prefixes)
      if (line.rfind(p, 0) == 0) out += line + "\n";
  return out;
}

TEST(CliConfig, VersionNamesProjectVersionAndBuild) {
  const Result r = run("--version");
  EXPECT_EQ(r.status, 0);
  // "mmusim 0.1.0 (2a5b0b9-dirty)"; "unknown" outside a git checkout.
  EXPECT_TRUE(std::regex_match(r.out, std::regex("mmusim [0-9]+\\.[0-9]+\\.[0-9]+ \\(.+\\)\n")))
      << r.out;
  EXPECT_EQ(r.err, "");
}

TEST(CliConfig, StatsCarryTheResolvedConfigVersionAndCommandLine) {
  const std::string c = write_file("prov.yaml", "l1d:\n  size: 16k\nmmu.l1_dtlb.entries: 60\n");
  const std::string f = write_file("prov.scn", kTinyScript);
  const std::string s = temp_path("prov.json");
  const Result r = run("script " + f + " --config " + c + " --set=l1d.ways=4 --stats " + s);
  ASSERT_EQ(r.status, 0) << r.err;
  const util::Value v = util::parse_json(slurp(s), s);
  std::remove(s.c_str());
  const util::Value& sim = *v.find("sim");
  EXPECT_EQ(
      sim.find("version")->as_string() + " (" + sim.find("version_describe")->as_string() + ")\n",
      run("--version").out.substr(7));
  std::vector<std::string> argv;
  for (const util::Value& a : sim.find("command_line")->as_array())
    argv.push_back(a.as_string());
  EXPECT_EQ(argv, (std::vector<std::string>{MMUSIM_BINARY, "script", f, "--config", c,
                                            "--set=l1d.ways=4", "--stats", s}));
  const util::Value& cfg = *v.find("config");
  EXPECT_EQ(cfg.find("l1d")->find("size")->as_uint(), 16384u);
  EXPECT_EQ(cfg.find("l1d")->find("ways")->as_uint(), 4u);
  EXPECT_EQ(cfg.find("mmu")->find("l1_dtlb")->find("entries")->as_uint(), 60u);
  EXPECT_EQ(cfg.find("mmu")->find("l1_dtlb")->find("ways")->as_uint(), 60u);
  EXPECT_EQ(cfg.find("mmu")->find("l2_tlb")->find("replacement")->as_string(), "lru");
  EXPECT_EQ(cfg.find("kernel")->find("thp")->as_string(), "madvise");
}

TEST(CliConfig, ConfigPrintsTheValuesARunWouldUse) {
  const std::string m = write_file("vals2.yaml",
                                   "mmu:\n  l1_itlb: &tlb {entries: 64}\n  l1_dtlb:\n"
                                   "    <<: *tlb\n    replacement: fifo\n"
                                   "  l2_tlb.entries: 512\nl1d: {size: 32k}\n");
  const Result r = run("config --config " + m + " --set l1d.ways=4 --phys-mem 64M");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(lines_starting(r.out,
                           {"mmu.l1_dtlb.entries ", "mmu.l1_dtlb.ways ", "mmu.l1_dtlb.replacement ",
                            "mmu.l2_tlb.entries ", "l1d.size ", "l1d.ways ", "kernel.phys_mem "}),
            "mmu.l1_dtlb.entries = 64  (uint, [1, 1048576], default 48)  entries (unified "
            "organisation)\n"
            "mmu.l1_dtlb.ways = 64  (uint, [1, 1048576], default entries)  associativity; equal "
            "to entries for fully associative\n"
            "mmu.l1_dtlb.replacement = fifo  (enum, lru | tree-plru | fifo | random | srrip, "
            "default lru)  replacement policy\n"
            "mmu.l2_tlb.entries = 512  (uint, [1, 1048576], default 1024)  entries (unified "
            "organisation)\n"
            "l1d.size = 32768  (uint, [64, 1073741824])  capacity in bytes\n"
            "l1d.ways = 4  (uint, [1, 1024], default 8)  associativity\n"
            "kernel.phys_mem = 67108864  (uint, [0, 70368744177664], default 0)  physical memory "
            "the kernel may use for pages and tables (0: all of DRAM; else a multiple of 4096 "
            "from 1M, the kernel's minimum, up to dram.size); --phys-mem\n");
  // An unknown key in a file is named with the file's line.
  const std::string c = write_file("vals.yaml",
                                   "%YAML 1.2\n---\nbase: &tlb {entries: 64}\n"
                                   "mmu:\n  l1_dtlb: *tlb\n");
  const Result u = run("config --config " + c);
  EXPECT_EQ(u.status, 2);
  EXPECT_EQ(u.err, "mmusim: config: " + c + ":3: base: unknown key\n");
}

TEST(CliConfig, UnsetWaysOfAFullyAssociativeTlbFollowEntries) {
  const std::string f = write_file("ways.scn", kTinyScript);
  for (const char* entries : {"60", "16", "24"}) {
    const Result r = run("script " + f + " --set mmu.l1_dtlb.entries=" + entries +
                         " --set mmu.l1_itlb.entries=" + entries);
    EXPECT_EQ(r.status, 0) << entries << ": " << r.err;
  }
  // A set-associative L2 keeps its ways: the error names the key that does not fit.
  const Result l2 = run("script " + f + " --set mmu.l2_tlb.entries=1000");
  EXPECT_EQ(l2.status, 2);
  EXPECT_EQ(l2.err, "mmusim: config: mmu.l2_tlb.ways: entries / ways must be a power of two\n");
}

TEST(CliConfig, UsageErrorIsOneLineWithAHint) {
  Result r = run("run --bogus");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "mmusim: unknown option '--bogus' (mmusim run --help lists the options)\n");
  r = run("frobnicate");
  EXPECT_EQ(r.err, "mmusim: unknown command 'frobnicate' (mmusim --help lists the options)\n");
  r = run("script");
  EXPECT_EQ(r.err, "mmusim: script: no FILE given (mmusim script --help lists the options)\n");
  r = run("run --phys-mem");
  EXPECT_EQ(r.err, "mmusim: --phys-mem needs a value (mmusim run --help lists the options)\n");
  r = run("run --config a.yaml --config b.yaml");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "mmusim: --config given more than once (mmusim run --help lists the options)\n");
  r = run("cosim fly");
  EXPECT_EQ(r.err,
            "mmusim: cosim: 'fly' is not run, script or trace (mmusim cosim --help lists the "
            "options)\n");
  r = run("--set l1d.ways=4 run");
  EXPECT_EQ(r.err,
            "mmusim: option '--set' must come after the command (mmusim run --help lists the "
            "options)\n");
  r = run("run extra");
  EXPECT_EQ(r.err, "mmusim: unexpected argument 'extra' (mmusim run --help lists the options)\n");
  r = run("");
  EXPECT_EQ(r.err, "mmusim: no command given (mmusim --help lists the options)\n");
  EXPECT_EQ(r.status, 2);
}

TEST(CliConfig, EveryCommandRefusesTheOptionsItDoesNotHonour) {
  const std::string f = write_file("refuse.scn", kTinyScript);
  const std::string s = temp_path("refused.json");
  Result r = run("cosim run --stats " + s);
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            "mmusim: --stats is not available under cosim (the lock-step pair keeps no "
            "statistics; run without cosim for them) (mmusim cosim run --help lists the "
            "options)\n");
  EXPECT_FALSE(std::ifstream(s).good());
  for (const std::string& args : std::vector<std::string>{
           "trace " + f + " --uart-out x", "config --stats x", "run --compare", "run --maps x",
           "script " + f + " --relocate", "config --quiet", "run --max-cycles 5",
           "script " + f + " --unchecked", "run --trace x.fst"}) {
    r = run(args);
    EXPECT_EQ(r.status, 2) << args;
    EXPECT_NE(r.err.find("unknown option '--"), std::string::npos) << args << ": " << r.err;
  }
}

TEST(CliConfig, SetEqualsFormAndDottedKeysInFiles) {
  const std::string f = write_file("dotted.scn", kTinyScript);
  const std::string c = write_file("dotted.yaml", "mmu.l2_tlb.entries: 512\n");
  const Result r = run("config --config " + c + " --set=mmu.l2_tlb.ways=8");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(lines_starting(r.out, {"mmu.l2_tlb.entries ", "mmu.l2_tlb.ways "}),
            "mmu.l2_tlb.entries = 512  (uint, [1, 1048576], default 1024)  entries (unified "
            "organisation)\n"
            "mmu.l2_tlb.ways = 8  (uint, [1, 1048576], default 4)  associativity; equal to "
            "entries for fully associative\n");
  // --set after the file wins over its dotted key.
  EXPECT_EQ(run("script " + f + " --config " + c + " --set mmu.l2_tlb.entries=256").status, 0);
  const std::string twice = write_file("twice.yaml",
                                       "mmu:\n  l2_tlb: {entries: 64}\n"
                                       "mmu.l2_tlb.entries: 512\n");
  const Result t = run("config --config " + twice);
  EXPECT_EQ(t.status, 2);
  EXPECT_EQ(t.err, "mmusim: config: " + twice + ":3: mmu.l2_tlb.entries: set twice (first at " +
                       twice + ":2)\n");
}

TEST(CliConfig, SizesTakeKMGInEitherCaseAndTheErrorSaysSo) {
  Result r = run("config --set l1d.size=32k --set dram.size=1g");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(lines_starting(r.out, {"l1d.size "}),
            "l1d.size = 32768  (uint, [64, 1073741824])  capacity in bytes\n");
  r = run("config --set l1d.size=32KB");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            "mmusim: config: l1d.size: expected an unsigned integer or a size (suffix K, M or G), "
            "got string '32KB'\n");
}

// 50,000 '[' in a JSON config, 30,000 in YAML, --set and a sweep spec: a
// clear error (exit 2), never a crash.
TEST(CliConfig, DeepNestingIsABadInputErrorNotACrash) {
  const std::string json = write_file("deep.json", "{\"mmu\": " + std::string(50'000, '['));
  Result r = run("config --config " + json);
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "mmusim: config: " + json +
                       ":1:72: nesting too deep (more than 64 levels of arrays and objects)\n");
  const std::string yaml = write_file("deep.yaml", "mmu: " + std::string(30'000, '{'));
  r = run("config --config " + yaml);
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "mmusim: config: " + yaml +
                       ":1:69: nesting too deep (more than 64 levels of arrays and objects)\n");
  r = run("config --set 'mmu.l1_dtlb.entries=" + std::string(30'000, '[') + "'");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            "mmusim: config: override 'mmu.l1_dtlb.entries':1:33: nesting too deep (more than 64 "
            "levels of arrays and objects)\n");
  const std::string spec = write_file(
      "deep_sweep.yaml", "grid:\n  mmu.l1_dtlb.entries: " + std::string(30'000, '[') + "\n");
  r = run("sweep " + spec);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("nesting too deep"), std::string::npos) << r.err;
}

TEST(CliConfig, WorkloadKeysThatDoNotApplyAreRefused) {
  Result r = run("run --quiet --set workload.accesses=1000");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err,
            "mmusim: config: workload.accesses: does not apply to workload.pattern default-mix "
            "(its four phases follow workload.region); set workload.pattern to use it\n");
  r = run("run --quiet --set workload.pattern=uniform --set workload.stride=64");
  EXPECT_EQ(r.err,
            "mmusim: config: workload.stride: does not apply to workload.pattern uniform (only "
            "to strided)\n");
  const std::string f = write_file("wl.scn", kTinyScript);
  r = run("script " + f + " --set workload.region=1M");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "mmusim: config: workload.region: applies only to mmusim run, not to script\n");
  r = run("run --quiet --set trace.populate=true");
  EXPECT_EQ(r.err, "mmusim: config: trace.populate: applies only to mmusim trace, not to run\n");
  // An empty value means the default: not set.
  EXPECT_EQ(run("run --quiet --set workload.region=64K --set workload.accesses=").status, 0);
}

// Splits "a.{b,c}.d" at the dots outside braces.
std::vector<std::string> stat_parts(const std::string& s) {
  std::vector<std::string> parts(1);
  int depth = 0;
  for (char c : s) {
    depth += c == '{';
    depth -= c == '}';
    if (c == '.' && depth == 0)
      parts.emplace_back();
    else
      parts.back() += c;
  }
  return parts;
}

bool stat_pattern_matches(const std::string& pattern, const std::string& key) {
  const std::vector<std::string> p = stat_parts(pattern), k = stat_parts(key);
  const bool subtree = pattern == "config" || pattern == "sim.command_line";
  if (p.size() > k.size() || (!subtree && p.size() != k.size())) return false;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == "*" || p[i] == k[i]) continue;
    if (p[i].front() != '{') return false;
    const std::string alts = "," + p[i].substr(1, p[i].size() - 2) + ",";
    if (alts.find("," + k[i] + ",") == std::string::npos) return false;
  }
  return true;
}

void stat_leaves(const util::Value& v, const std::string& path, std::vector<std::string>& out) {
  if (!v.is_object()) {
    out.push_back(path);
    return;
  }
  for (const auto& [k, child] : v.as_object())
    stat_leaves(child, path.empty() ? k : path + "." + k, out);
}

// The text between `BEGIN`/`END` markers of a doc (docs/stats.md, docs/config.md).
std::string generated_section(const std::string& doc, const std::string& name) {
  const std::string text = slurp(MMUSIM_SOURCE_DIR "/docs/" + doc);
  const std::string begin = "<!-- BEGIN " + name;
  const size_t b = text.find(begin);
  const size_t e = text.find("<!-- END " + name + " -->");
  if (b == std::string::npos || e == std::string::npos) return "(no " + name + " markers)";
  const size_t start = text.find('\n', b) + 1;
  return text.substr(start, e - start);
}

// docs/config.md's list is what the components declare (mmusim config).
TEST(CliConfig, DocsListIsTheDeclarations) {
  const Result r = run("config");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(generated_section("config.md", "config-reference"), "```\n" + r.out + "```\n")
      << "docs/config.md disagrees with the declarations: regenerate its list with `mmusim config`";
}

// docs/stats.md's table is the registry's: every statistic, unit and meaning.
TEST(CliStats, DocsTableIsTheRegistry) {
  const Result ref = run("stats-reference --markdown");
  ASSERT_EQ(ref.status, 0) << ref.err;
  EXPECT_EQ(generated_section("stats.md", "stats-reference"), ref.out)
      << "docs/stats.md disagrees with the registry: regenerate the table with "
         "`mmusim stats-reference --markdown`";
}

// Every key --stats writes (run, script under memory pressure, trace) has a
// unit and a meaning in `mmusim stats-reference`.
TEST(CliConfig, StatsReferenceDescribesEveryStat) {
  const Result ref = run("stats-reference");
  ASSERT_EQ(ref.status, 0) << ref.err;
  std::vector<std::string> patterns;
  std::istringstream lines(ref.out);
  std::string line;
  while (std::getline(lines, line))
    patterns.push_back(line.substr(0, line.find("  ")));
  EXPECT_GT(patterns.size(), 150u);
  const std::string pressure =
      write_file("pressure.scn",
                 "mmap 0x100000000000 2M PROT_READ|PROT_WRITE MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED\n"
                 "store 0x100000000000 0x11\nstore 0x100000100000 0x22\nload 0x100000000000\n");
  const std::string trace = write_file("ref.trace", "I  00400000,4\n L 00600000,8\n");
  for (const std::string& args : std::vector<std::string>{
           "run --quiet --set workload.region=64K",
           "script " + pressure + " --phys-mem 1M --swap 8M", "trace " + trace + " --quiet"}) {
    const std::string s = temp_path("ref.json");
    const Result r = run(args + " --stats " + s);
    ASSERT_EQ(r.status, 0) << args << ": " << r.err;
    const util::Value v = util::parse_json(slurp(s), s);
    std::remove(s.c_str());
    std::vector<std::string> leaves;
    stat_leaves(v, "", leaves);
    EXPECT_GT(leaves.size(), 200u) << args;
    for (const std::string& key : leaves) {
      bool found = false;
      for (const std::string& p : patterns)
        found |= stat_pattern_matches(p, key);
      EXPECT_TRUE(found) << args << ": " << key << " has no unit and description";
    }
  }
}

}  // namespace
}  // namespace mmusim::configcli
