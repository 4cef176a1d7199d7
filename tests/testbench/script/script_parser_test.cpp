#include "testbench/script/script_parser.h"

#include <gtest/gtest.h>

#include <string>

namespace mmusim::script {
namespace {

const std::string kExamples = std::string(MMUSIM_SOURCE_DIR) + "/docs/examples/";

// Parses one line as "t.scn" and returns its only op.
ScriptOp parse_one(std::string_view line) {
  const auto ops = parse_script(line, "t.scn");
  EXPECT_EQ(ops.size(), 1u);
  return ops.at(0);
}

// The exact what() of the ScriptError thrown for `text`, or "" if none.
std::string error_of(std::string_view text) {
  try {
    parse_script(text, "t.scn");
  } catch (const ScriptError& e) {
    return e.what();
  }
  return "";
}

void expect_args(const ScriptOp& op, std::initializer_list<uint64_t> args) {
  size_t i = 0;
  for (uint64_t a : args) {
    EXPECT_EQ(op.arg(i), a) << "line " << op.line << " arg " << i;
    ++i;
  }
  for (; i < kMaxArgs; ++i)
    EXPECT_EQ(op.arg(i), 0u) << "line " << op.line << " arg " << i;
}

TEST(ScriptExamples, ParsesVmaBasicsExactly) {
  const auto ops = parse_script_file(kExamples + "vma_basics.scn");
  ASSERT_EQ(ops.size(), 16u);
  EXPECT_EQ(ops[0].kind, OpKind::kMmap);
  EXPECT_EQ(ops[0].line, 3);
  expect_args(ops[0], {0x100000000000, 0xc000, 0x3, 0x32});
  EXPECT_FALSE(ops[0].has_tail);
  EXPECT_FALSE(ops[0].has("FD"));
  EXPECT_EQ(ops[1].kind, OpKind::kStore);
  expect_args(ops[1], {0x100000000008, 0x5a});
  EXPECT_EQ(ops[2].kind, OpKind::kLoad);
  expect_args(ops[2], {0x100000000008});
  EXPECT_EQ(ops[3].kind, OpKind::kLoad);
  expect_args(ops[3], {0x100000007000});
  EXPECT_EQ(ops[4].kind, OpKind::kMprotect);
  expect_args(ops[4], {0x100000003000, 0x2000, 0x1});
  EXPECT_EQ(ops[5].kind, OpKind::kMaps);
  expect_args(ops[5], {});
  EXPECT_EQ(ops[6].kind, OpKind::kStore);
  expect_args(ops[6], {0x100000003000, 7});
  EXPECT_EQ(ops[7].kind, OpKind::kLoad);
  expect_args(ops[7], {0x100000003000});
  EXPECT_EQ(ops[8].kind, OpKind::kMprotect);
  expect_args(ops[8], {0x100000003000, 0x2000, 0x3});
  EXPECT_EQ(ops[9].kind, OpKind::kMaps);
  EXPECT_EQ(ops[10].kind, OpKind::kMunmap);
  expect_args(ops[10], {0x100000006000, 0x1000});
  EXPECT_EQ(ops[11].kind, OpKind::kMaps);
  EXPECT_EQ(ops[12].kind, OpKind::kLoad);
  expect_args(ops[12], {0x100000006000});
  EXPECT_EQ(ops[13].kind, OpKind::kMunmap);
  expect_args(ops[13], {0x100000000001, 0x1000});
  EXPECT_EQ(ops[14].kind, OpKind::kMunmap);
  expect_args(ops[14], {0x100000000000, 0xc000});
  EXPECT_EQ(ops[15].kind, OpKind::kMaps);
  EXPECT_EQ(ops[15].line, 18);
}

TEST(ScriptExamples, ParsesFileMappingsExactly) {
  const auto ops = parse_script_file(kExamples + "file_mappings.scn");
  ASSERT_EQ(ops.size(), 20u);
  EXPECT_EQ(ops[0].kind, OpKind::kFile);
  EXPECT_EQ(ops[0].line, 3);
  EXPECT_EQ(ops[0].name, "data.bin");
  expect_args(ops[0], {0, 10000});
  EXPECT_EQ(ops[1].kind, OpKind::kOpen);
  EXPECT_EQ(ops[1].name, "data.bin");
  expect_args(ops[1], {3, 0, 2});
  EXPECT_EQ(ops[1].flags("MODE"), 2);
  EXPECT_EQ(ops[2].kind, OpKind::kMmap);
  expect_args(ops[2], {0x100000000000, 0x3000, 0x3, 0x11, 3, 0});
  EXPECT_TRUE(ops[2].has_tail);
  EXPECT_TRUE(ops[2].has("FD"));
  EXPECT_TRUE(ops[2].has("OFFSET"));
  EXPECT_EQ(ops[3].kind, OpKind::kMmap);
  expect_args(ops[3], {0x100000010000, 0x2000, 0x3, 0x12, 3, 0x1000});
  EXPECT_EQ(ops[4].kind, OpKind::kMaps);
  EXPECT_EQ(ops[5].kind, OpKind::kStore);
  expect_args(ops[5], {0x100000001010, 0x11});
  EXPECT_EQ(ops[6].kind, OpKind::kPread);
  expect_args(ops[6], {3, 0x1010});
  EXPECT_EQ(ops[7].kind, OpKind::kLoad);
  expect_args(ops[7], {0x100000010010});
  EXPECT_EQ(ops[8].kind, OpKind::kStore);
  expect_args(ops[8], {0x100000010020, 0x22});
  EXPECT_EQ(ops[9].kind, OpKind::kPread);
  expect_args(ops[9], {3, 0x1020});
  EXPECT_EQ(ops[10].kind, OpKind::kLoad);
  EXPECT_EQ(ops[11].kind, OpKind::kPwrite);
  expect_args(ops[11], {3, 0x1030, 0x33});
  EXPECT_EQ(ops[12].kind, OpKind::kLoad);
  EXPECT_EQ(ops[13].kind, OpKind::kMsync);
  expect_args(ops[13], {0x100000000000, 0x3000, 0x4});
  EXPECT_EQ(ops[14].kind, OpKind::kTruncate);
  expect_args(ops[14], {3, 4096});
  EXPECT_EQ(ops[15].kind, OpKind::kLoad);
  EXPECT_EQ(ops[16].kind, OpKind::kLoad);
  EXPECT_EQ(ops[17].kind, OpKind::kPread);
  expect_args(ops[17], {3, 5000});
  EXPECT_EQ(ops[18].kind, OpKind::kClose);
  expect_args(ops[18], {3});
  EXPECT_EQ(ops[19].kind, OpKind::kMaps);
  EXPECT_EQ(ops[19].line, 22);
}

TEST(ScriptFile, MissingFileNamesThePath) {
  try {
    parse_script_file("/nonexistent/x.scn");
    FAIL() << "no error";
  } catch (const ScriptError& e) {
    EXPECT_STREQ(e.what(), "/nonexistent/x.scn: cannot open script");
  }
}

TEST(ScriptLexing, CommentsAndBlankLinesAreSkippedButCounted) {
  const auto ops = parse_script("# header\n\n   \nmaps # trailing\n\t\nstats#x\n", "t.scn");
  ASSERT_EQ(ops.size(), 2u);
  EXPECT_EQ(ops[0].kind, OpKind::kMaps);
  EXPECT_EQ(ops[0].line, 4);
  EXPECT_EQ(ops[1].kind, OpKind::kStats);
  EXPECT_EQ(ops[1].line, 6);
}

TEST(ScriptLexing, AcceptsTabsAndCrlf) {
  const auto ops = parse_script("munmap\t0x1000  4K\r\nmaps\r\n", "t.scn");
  ASSERT_EQ(ops.size(), 2u);
  expect_args(ops[0], {0x1000, 0x1000});
}

TEST(ScriptLexing, EmptyScriptHasNoOps) {
  EXPECT_TRUE(parse_script("", "t.scn").empty());
}

TEST(ScriptNumbers, DecimalHexAndSizeSuffixes) {
  EXPECT_EQ(parse_one("munmap 4096 1K").arg("LEN"), 1024u);
  EXPECT_EQ(parse_one("munmap 0xABCdef 3M").arg("ADDR"), 0xabcdefu);
  EXPECT_EQ(parse_one("munmap 0 3M").arg("LEN"), 3u << 20);
  EXPECT_EQ(parse_one("munmap 0 2G").arg("LEN"), 2ull << 30);
  EXPECT_EQ(parse_one("munmap 0 0x10K").arg("LEN"), 0x4000u);
  EXPECT_EQ(parse_one("munmap 0xffffffffffffffff 0").arg("ADDR"), UINT64_MAX);
  EXPECT_EQ(parse_one("munmap 0 17179869183G").arg("LEN"), 17179869183ull << 30);
}

TEST(ScriptNumbers, ParseHelpersReportWhatIsWrong) {
  uint64_t v = 0;
  std::string what;
  EXPECT_TRUE(parse_number("18446744073709551615", v, what));
  EXPECT_EQ(v, UINT64_MAX);
  EXPECT_FALSE(parse_number("18446744073709551616", v, what));
  EXPECT_EQ(what, "number '18446744073709551616' does not fit in 64 bits");
  EXPECT_FALSE(parse_number("4K", v, what));
  EXPECT_EQ(what, "malformed number '4K'");
  EXPECT_FALSE(parse_size("K", v, what));
  EXPECT_EQ(what, "malformed number 'K'");
  EXPECT_FALSE(parse_size("4k", v, what));
  EXPECT_EQ(what, "malformed number '4k'");
  EXPECT_FALSE(parse_number("-1", v, what));
  EXPECT_FALSE(parse_number("0x", v, what));
  EXPECT_FALSE(parse_number("", v, what));
}

TEST(ScriptFlags, JoinsWordsWithBar) {
  const ScriptOp op = parse_one(
      "mmap 0 4K PROT_READ|PROT_WRITE|PROT_EXEC "
      "MAP_SHARED|MAP_FIXED|MAP_ANONYMOUS|MAP_GROWSDOWN|MAP_LOCKED|MAP_NORESERVE|"
      "MAP_POPULATE|MAP_FIXED_NOREPLACE");
  EXPECT_EQ(op.flags("PROT"), 7);
  EXPECT_EQ(op.flags("FLAGS"), 0x1 | 0x10 | 0x20 | 0x100 | 0x2000 | 0x4000 | 0x8000 | 0x100000);
  EXPECT_EQ(parse_one("mmap 0 2M PROT_READ MAP_PRIVATE|MAP_ANONYMOUS|MAP_HUGETLB|MAP_HUGE_2MB")
                .flags("FLAGS"),
            0x2 | 0x20 | 0x40000 | (21 << 26));
  EXPECT_EQ(parse_one("mmap 0 1G PROT_READ MAP_PRIVATE|MAP_HUGETLB|MAP_HUGE_1GB").flags("FLAGS"),
            0x2 | 0x40000 | (30 << 26));
  EXPECT_EQ(parse_one("mmap 0 4K PROT_NONE MAP_PRIVATE").flags("PROT"), 0);
  EXPECT_EQ(parse_one("mmap 0 4K 0 MAP_PRIVATE").flags("PROT"), 0);
}

TEST(ScriptFlags, EveryFamilyHasLinuxValues) {
  EXPECT_EQ(parse_one("mremap 0 4K 8K MREMAP_MAYMOVE").flags("FLAGS"), 1);
  EXPECT_EQ(parse_one("mremap 0 4K 8K MREMAP_MAYMOVE|MREMAP_FIXED|MREMAP_DONTUNMAP 0x5000")
                .flags("FLAGS"),
            7);
  const std::pair<const char*, int> advice[] = {
      {"MADV_NORMAL", 0},   {"MADV_RANDOM", 1},    {"MADV_SEQUENTIAL", 2}, {"MADV_WILLNEED", 3},
      {"MADV_DONTNEED", 4}, {"MADV_FREE", 8},      {"MADV_REMOVE", 9},     {"MADV_DONTFORK", 10},
      {"MADV_DOFORK", 11},  {"MADV_HUGEPAGE", 14}, {"MADV_NOHUGEPAGE", 15}};
  for (const auto& [word, value] : advice)
    EXPECT_EQ(parse_one(std::string("madvise 0 4K ") + word).flags("ADVICE"), value) << word;
  EXPECT_EQ(parse_one("msync 0 4K MS_ASYNC|MS_INVALIDATE").flags("FLAGS"), 3);
  EXPECT_EQ(parse_one("msync 0 4K MS_SYNC").flags("FLAGS"), 4);
  EXPECT_EQ(parse_one("open 3 f O_RDONLY").flags("MODE"), 0);
  EXPECT_EQ(parse_one("open 3 f O_WRONLY").flags("MODE"), 1);
  EXPECT_EQ(parse_one("open 3 f O_RDWR").flags("MODE"), 2);
}

TEST(ScriptFlags, AcceptsNumericFlagValues) {
  EXPECT_EQ(parse_one("mprotect 0 4K 0x8").flags("PROT"), 8);
  EXPECT_EQ(parse_one("mprotect 0 4K PROT_READ|0x10").flags("PROT"), 0x11);
  EXPECT_EQ(parse_one("madvise 0 4K 100").flags("ADVICE"), 100);
}

TEST(ScriptOps, OptionalTailsAndExtensions) {
  const ScriptOp remap = parse_one("mremap 0x1000 4K 8K MREMAP_MAYMOVE|MREMAP_FIXED 0x9000");
  EXPECT_EQ(remap.kind, OpKind::kMremap);
  expect_args(remap, {0x1000, 0x1000, 0x2000, 3, 0x9000});
  EXPECT_TRUE(remap.has("NEWADDR"));
  EXPECT_TRUE(remap.has("OLD"));
  EXPECT_FALSE(parse_one("mremap 0x1000 4K 8K 0").has("NEWADDR"));

  const ScriptOp fetch = parse_one("fetch 0x400000");
  EXPECT_EQ(fetch.kind, OpKind::kFetch);
  expect_args(fetch, {0x400000});

  const ScriptOp loadn = parse_one("loadn 8 0x1003");
  EXPECT_EQ(loadn.kind, OpKind::kLoadN);
  expect_args(loadn, {8, 0x1003});

  const ScriptOp storen = parse_one("storen 2 0x1fff 0xbeef");
  EXPECT_EQ(storen.kind, OpKind::kStoreN);
  expect_args(storen, {2, 0x1fff, 0xbeef});
  EXPECT_EQ(parse_one("storen 8 0 0xffffffffffffffff").arg("VALUE"), UINT64_MAX);

  EXPECT_EQ(parse_one("stats").kind, OpKind::kStats);
  const ScriptOp close = parse_one("close 3");
  EXPECT_EQ(close.kind, OpKind::kClose);
  expect_args(close, {3});
  const ScriptOp trunc = parse_one("truncate 3 8K");
  EXPECT_EQ(trunc.kind, OpKind::kTruncate);
  expect_args(trunc, {3, 0x2000});
  EXPECT_EQ(parse_one("store 0 0xff").arg("VALUE"), 0xffu);
}

TEST(ScriptOps, SpecTableIsInKindOrderWithNames) {
  const auto& specs = op_specs();
  ASSERT_EQ(specs.size(), 29u);
  for (size_t i = 0; i < specs.size(); ++i)
    EXPECT_EQ(static_cast<size_t>(specs[i].kind), i);
  EXPECT_EQ(op_name(OpKind::kMmap), "mmap");
  EXPECT_EQ(op_name(OpKind::kStoreN), "storen");
  EXPECT_EQ(op_name(OpKind::kCpu), "cpu");
  EXPECT_EQ(op_spec(OpKind::kMmap).first_optional, 4u);
  EXPECT_EQ(op_spec(OpKind::kMunmap).first_optional, 2u);
}

TEST(ScriptOps, IomapTakesADeviceAndAnOptionalMemoryType) {
  const ScriptOp a = parse_one("iomap 0 4K PROT_READ|PROT_WRITE MAP_SHARED uart 0");
  EXPECT_EQ(a.kind, OpKind::kIomap);
  EXPECT_EQ(a.name, "uart");
  EXPECT_EQ(a.arg("LEN"), 4096u);
  EXPECT_EQ(a.arg("PROT"), 3u);
  EXPECT_FALSE(a.has_tail);
  const ScriptOp b =
      parse_one("iomap 0 4K PROT_READ MAP_SHARED timer 0 MT_DEVICE_nGnRnE|MT_ONFAULT");
  EXPECT_TRUE(b.has_tail);
  EXPECT_EQ(b.arg("MEMTYPE"), 0x103u);
  EXPECT_EQ(parse_one("iomap 0 4K PROT_READ MAP_SHARED rom 0 MT_NORMAL_WT").arg("MEMTYPE"), 7u);
  EXPECT_EQ(parse_one("uart").kind, OpKind::kUart);
  EXPECT_EQ(error_of("iomap 0 4K PROT_READ MAP_SHARED uart 0 MT_NORMAL|MT_DEVICE_GRE"),
            "t.scn:1: iomap: MEMTYPE 'MT_NORMAL|MT_DEVICE_GRE' must name one memory type "
            "(MT_NORMAL ... MT_DEVICE_GRE), optionally |MT_ONFAULT");
  EXPECT_EQ(error_of("iomap 0 4K PROT_READ MAP_SHARED uart 0 MT_ONFAULT"),
            "t.scn:1: iomap: MEMTYPE 'MT_ONFAULT' must name one memory type "
            "(MT_NORMAL ... MT_DEVICE_GRE), optionally |MT_ONFAULT");
  EXPECT_EQ(error_of("iomap 0 4K PROT_READ MAP_SHARED uart 0 MT_CACHED"),
            "t.scn:1: iomap: unknown flag 'MT_CACHED' in MEMTYPE");
  EXPECT_EQ(error_of("iomap 0 4K PROT_READ MAP_SHARED uart"),
            "t.scn:1: iomap: missing argument OFFSET");
}

TEST(ScriptOps, ProcessExtensions) {
  EXPECT_EQ(parse_one("spawn 2").arg("PID"), 2u);
  EXPECT_EQ(parse_one("fork 7").arg("CHILD"), 7u);
  EXPECT_EQ(parse_one("switch 1").arg("PID"), 1u);
  EXPECT_EQ(parse_one("thread 3").arg("TID"), 3u);
  EXPECT_EQ(parse_one("exit").kind, OpKind::kExit);
  EXPECT_EQ(parse_one("brk 0x1000").arg("ADDR"), 0x1000u);
  EXPECT_EQ(parse_one("smaps").kind, OpKind::kSmaps);
  EXPECT_THROW(parse_one("spawn 0"), ScriptError);
  EXPECT_THROW(parse_one("fork"), ScriptError);
  EXPECT_THROW(parse_one("exit 1"), ScriptError);
  EXPECT_EQ(parse_one("madvise 0 4K MADV_HWPOISON").arg("ADVICE"), 100u);
  EXPECT_EQ(parse_one("madvise 0 4K MADV_MERGEABLE").arg("ADVICE"), 12u);
}

TEST(ScriptOps, CpuTakesAnyCoreNumberTheRunnerChecks) {
  EXPECT_EQ(parse_one("cpu 0").kind, OpKind::kCpu);
  EXPECT_EQ(parse_one("cpu 63").arg("N"), 63u);
  EXPECT_EQ(parse_one("cpu 1000").arg("N"), 1000u);  // beyond cpu.cores: -EINVAL when run
  EXPECT_EQ(error_of("cpu 2147483648"),
            "t.scn:1: cpu: N '2147483648' is out of range [0, 2147483647]");
  EXPECT_EQ(error_of("cpu"), "t.scn:1: cpu: missing argument N");
}

TEST(ScriptOps, AskingForAnArgumentTheOpLacksIsAProgrammingError) {
  EXPECT_THROW(parse_one("maps").arg("ADDR"), std::logic_error);
}

struct ErrorCase {
  const char* text;
  const char* message;
};

class ScriptErrors : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ScriptErrors, ReportsFileLineAndWhatIsWrong) {
  EXPECT_EQ(error_of(GetParam().text), GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Messages, ScriptErrors,
    ::testing::Values(
        ErrorCase{"\n\nmmapp 0 4K", "t.scn:3: unknown operation 'mmapp'"},
        ErrorCase{"\n\n\nmmap 0x1g 4K PROT_READ MAP_PRIVATE",
                  "t.scn:4: mmap: malformed number '0x1g'"},
        ErrorCase{"\n\n\n\nmmap 0x1000", "t.scn:5: mmap: missing argument LEN"},
        ErrorCase{"\n\n\n\n\nmunmap 0 4K 5", "t.scn:6: munmap: too many arguments"},
        ErrorCase{"\n\n\n\n\n\nmmap 0 4K MAP_FOO MAP_PRIVATE",
                  "t.scn:7: mmap: unknown flag 'MAP_FOO' in PROT"},
        ErrorCase{"mmap 0 4K PROT_READ PROT_READ",
                  "t.scn:1: mmap: unknown flag 'PROT_READ' in FLAGS"},
        ErrorCase{"mmap 0 4K PROT_READ| MAP_PRIVATE",
                  "t.scn:1: mmap: malformed flags 'PROT_READ|' in PROT"},
        ErrorCase{"mmap 0 4K prot_read MAP_PRIVATE",
                  "t.scn:1: mmap: unknown flag 'prot_read' in PROT"},
        ErrorCase{"mmap 0 4K PROT_READ MAP_SHARED 3", "t.scn:1: mmap: missing argument OFFSET"},
        ErrorCase{"mmap 0 4K PROT_READ MAP_SHARED 3 0 7", "t.scn:1: mmap: too many arguments"},
        ErrorCase{"mmap 0 4K PROT_READ", "t.scn:1: mmap: missing argument FLAGS"},
        ErrorCase{"mmap 0 4K PROT_READ MAP_SHARED -1 0", "t.scn:1: mmap: malformed number '-1'"},
        ErrorCase{"mmap 0 4K PROT_READ MAP_SHARED 2147483648 0",
                  "t.scn:1: mmap: FD '2147483648' is out of range [0, 2147483647]"},
        ErrorCase{"mremap 0 4K", "t.scn:1: mremap: missing argument NEWLEN"},
        ErrorCase{"madvise 0 4K MADV_FREE|MADV_REMOVE",
                  "t.scn:1: madvise: ADVICE takes one MADV value, not 'MADV_FREE|MADV_REMOVE'"},
        ErrorCase{"open 3 f O_RDWR|O_WRONLY",
                  "t.scn:1: open: MODE takes one O value, not 'O_RDWR|O_WRONLY'"},
        ErrorCase{"open 3 f", "t.scn:1: open: missing argument MODE"},
        ErrorCase{"mprotect 0 4K 0x80000000",
                  "t.scn:1: mprotect: PROT '0x80000000' is out of range [0, 2147483647]"},
        ErrorCase{"store 0x1000 0x100", "t.scn:1: store: VALUE '0x100' is out of range [0, 255]"},
        ErrorCase{"pwrite 3 0 256", "t.scn:1: pwrite: VALUE '256' is out of range [0, 255]"},
        ErrorCase{"storen 9 0 0", "t.scn:1: storen: SIZE '9' is out of range [1, 8]"},
        ErrorCase{"loadn 0 0x1000", "t.scn:1: loadn: SIZE '0' is out of range [1, 8]"},
        ErrorCase{"storen 2 0 0x10000", "t.scn:1: storen: VALUE '0x10000' does not fit in 2 bytes"},
        ErrorCase{"storen 1 0 256", "t.scn:1: storen: VALUE '256' does not fit in 1 byte"},
        ErrorCase{"load 0x10000000000000000",
                  "t.scn:1: load: number '0x10000000000000000' does not fit in 64 bits"},
        ErrorCase{"load 18446744073709551616",
                  "t.scn:1: load: number '18446744073709551616' does not fit in 64 bits"},
        ErrorCase{"munmap 0 17179869184G",
                  "t.scn:1: munmap: number '17179869184G' does not fit in 64 bits"},
        ErrorCase{"load 4K", "t.scn:1: load: malformed number '4K'"},
        ErrorCase{"munmap 0 4k", "t.scn:1: munmap: malformed number '4k'"},
        ErrorCase{"maps now", "t.scn:1: maps: too many arguments"},
        ErrorCase{"stats 1", "t.scn:1: stats: too many arguments"},
        ErrorCase{"file data.bin", "t.scn:1: file: missing argument SIZE"},
        ErrorCase{"maps\nload\n", "t.scn:2: load: missing argument ADDR"},
        ErrorCase{"Load 0", "t.scn:1: unknown operation 'Load'"}));

}  // namespace
}  // namespace mmusim::script
