// The lackey trace reader and replayer: line parsing, plain and zstd block
// reading, the address space a trace builds, and the replay through the
// whole platform.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "system/platform.h"
#include "testbench/lackey.h"
#include "testbench/trace_source.h"
#include "testbench/trace_workload.h"

namespace mmusim {
namespace {

std::string temp_path(const std::string& name) {
  return testing::TempDir() + "mmusim_trace_" + std::to_string(::getpid()) + "_" + name;
}

std::string write_file(const std::string& name, const std::string& text) {
  const std::string path = temp_path(name);
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

TraceRecord parse_ok(const std::string& line) {
  TraceRecord r;
  std::string error;
  EXPECT_TRUE(parse_lackey_line(line, r, error)) << line << ": " << error;
  return r;
}

std::string parse_error(const std::string& line) {
  TraceRecord r;
  std::string error;
  EXPECT_FALSE(parse_lackey_line(line, r, error)) << line;
  return error;
}

TEST(Lackey, ParsesEachAccessKind) {
  TraceRecord r = parse_ok("I  0401ab70,3");
  EXPECT_EQ(r.kind, RecordKind::kFetch);
  EXPECT_EQ(r.addr, 0x401ab70u);
  EXPECT_EQ(r.size, 3u);
  r = parse_ok(" L 1fff000708,8");
  EXPECT_EQ(r.kind, RecordKind::kLoad);
  EXPECT_EQ(r.addr, 0x1fff000708u);
  r = parse_ok(" S ffffffffffffffff,512");
  EXPECT_EQ(r.kind, RecordKind::kStore);
  EXPECT_EQ(r.addr, UINT64_MAX);
  EXPECT_EQ(r.size, 512u);
  EXPECT_EQ(parse_ok(" M 10,4").kind, RecordKind::kModify);
  EXPECT_EQ(parse_ok("==7215== Lackey, an example Valgrind tool").kind, RecordKind::kIgnored);
  EXPECT_EQ(parse_ok("--7366-- warning: L3 cache found").kind, RecordKind::kIgnored);
  EXPECT_EQ(parse_ok("").kind, RecordKind::kIgnored);
  EXPECT_EQ(
      parse_ok("SYSCALL[7215,1](334) unimplemented (by the kernel) syscall: 334! (ni_syscall)")
          .kind,
      RecordKind::kIgnored);
  EXPECT_EQ(parse_ok(" --> [pre-fail] Failure(0x26) ").kind, RecordKind::kIgnored);
}

TEST(Lackey, ParsesAddressSpaceSystemCalls) {
  TraceRecord r = parse_ok(
      "SYSCALL[8658,1](9) sys_mmap ( 0x0, 8192, 3, 34, 4294967295, 0 ) --> [pre-success] "
      "Success(0x4835000) ");
  ASSERT_EQ(r.kind, RecordKind::kSyscall);
  EXPECT_EQ(r.sys.op, SyscallOp::kMmap);
  EXPECT_EQ(r.sys.number, 9u);
  EXPECT_EQ(r.sys.nargs, 6u);
  EXPECT_EQ(r.sys.args[1], 8192u);
  EXPECT_EQ(r.sys.args[3], 34u);
  EXPECT_EQ(r.sys.args[4], 4294967295u);
  EXPECT_TRUE(r.sys.success);
  EXPECT_EQ(r.sys.result, 0x4835000u);
  r = parse_ok("SYSCALL[7215,1](10) sys_mprotect ( 0x4bec000, 16384, 1 )[sync] --> Success(0x0) ");
  EXPECT_EQ(r.sys.op, SyscallOp::kMprotect);
  EXPECT_EQ(r.sys.args[0], 0x4bec000u);
  EXPECT_EQ(r.sys.args[2], 1u);
  r = parse_ok("SYSCALL[7215,1](12) sys_brk ( 0x0 ) --> [pre-fail] Failure(0xc)");
  EXPECT_EQ(r.sys.op, SyscallOp::kBrk);
  EXPECT_FALSE(r.sys.success);
  EXPECT_EQ(r.sys.result, 0xcu);
  // Other calls are recognised and left alone; async pairs are split.
  r = parse_ok(
      "SYSCALL[8658,1](257) sys_openat ( 4294967196, 0x4034bb0(/usr/lib/x.so), 524288 ) --> "
      "[async] ... ");
  EXPECT_EQ(r.sys.op, SyscallOp::kOther);
  r = parse_ok("SYSCALL[8658,1](11) sys_munmap ( 0x4000, 4096 ) --> [async] ... ");
  EXPECT_EQ(r.sys.op, SyscallOp::kMunmap);
  EXPECT_TRUE(r.sys.async_start);
  r = parse_ok("SYSCALL[8658,1](11) ... [async] --> Success(0x0)");
  EXPECT_TRUE(r.sys.async_end);
  EXPECT_TRUE(r.sys.success);
  EXPECT_EQ(r.sys.number, 11u);
}

TEST(Lackey, MalformedLinesSayWhatIsWrong) {
  EXPECT_EQ(parse_error("I  0401zb70,3"), "malformed address,size '0401zb70,3'");
  EXPECT_EQ(parse_error(" L 1000"), "malformed address,size '1000'");
  EXPECT_EQ(parse_error(" S 1000,"), "malformed address,size '1000,'");
  EXPECT_EQ(parse_error(" S 1000,8x"), "malformed address,size '1000,8x'");
  EXPECT_EQ(parse_error(" L 1000,0"), "size 0 is out of range [1, 4096]");
  EXPECT_EQ(parse_error(" L 1000,5000"), "size 5000 is out of range [1, 4096]");
  EXPECT_EQ(parse_error(" L 10000000000000000,8"),
            "address '10000000000000000,8' is longer than 64 bits");
  EXPECT_EQ(parse_error(" X 1000,8"), "not a lackey record: ' X 1000,8'");
  EXPECT_EQ(parse_error("hello"), "not a lackey record: 'hello'");
  EXPECT_EQ(parse_error("SYSCALL[1,1](9) sys_mmap ( 0x0, 8192 ) --> Success(0x1000)"),
            "sys_mmap: 2 arguments, expected 6");
  EXPECT_EQ(parse_error("SYSCALL[1,1](11) sys_munmap ( 0x1000, 4096 ) --> Succ"),
            "sys_munmap: malformed result");
  EXPECT_EQ(parse_error("SYSCALL[1,1] sys_brk"), "malformed system-call line");
}

TEST(TraceSource, PlainAndZstdGiveTheSameLines) {
  std::string text;
  for (int i = 0; i < 200000; ++i)
    text += "I  " + std::to_string(0x400000 + i * 4) + ",4\n";
  text += "last line without newline\r";
  const std::string plain = write_file("lines.txt", text);
  ASSERT_EQ(std::system(("zstd -q -f " + plain + " -o " + plain + ".zst").c_str()), 0);
  for (const std::string& path : {plain, plain + ".zst"}) {
    TraceSource src(path);
    EXPECT_EQ(src.compressed(), path != plain);
    std::string_view line;
    uint64_t n = 0;
    std::string last;
    while (src.next_line(line)) {
      ++n;
      last = std::string(line);
    }
    EXPECT_EQ(n, 200001u) << path;
    EXPECT_EQ(src.line_number(), 200001u);
    EXPECT_EQ(last, "last line without newline");
    src.rewind();
    ASSERT_TRUE(src.next_line(line));
    EXPECT_EQ(line, "I  4194304,4");
  }
  std::remove((plain + ".zst").c_str());
  std::remove(plain.c_str());
}

TEST(TraceSource, CorruptAndTruncatedZstdAreErrors) {
  std::string text;
  for (int i = 0; i < 50000; ++i)
    text += " L " + std::to_string(i) + ",8\n";
  const std::string plain = write_file("z.txt", text);
  ASSERT_EQ(std::system(("zstd -q -f " + plain + " -o " + plain + ".zst").c_str()), 0);
  std::string z(1 << 20, '\0');
  std::FILE* f = std::fopen((plain + ".zst").c_str(), "rb");
  ASSERT_NE(f, nullptr);
  z.resize(std::fread(z.data(), 1, z.size(), f));
  std::fclose(f);
  const std::string truncated = write_file("t.zst", z.substr(0, z.size() / 2));
  auto drain = [](const std::string& path) {
    TraceSource src(path);
    std::string_view line;
    while (src.next_line(line)) {
    }
  };
  try {
    drain(truncated);
    FAIL() << "no error";
  } catch (const TraceError& e) {
    EXPECT_EQ(std::string(e.what()), truncated + ": zstd: truncated stream");
  }
  std::string bad = z;
  bad[z.size() / 2] = static_cast<char>(bad[z.size() / 2] ^ 0x5a);
  bad[z.size() / 2 + 1] = static_cast<char>(bad[z.size() / 2 + 1] ^ 0x5a);
  const std::string corrupt = write_file("c.zst", bad);
  EXPECT_THROW(drain(corrupt), TraceError);
  try {
    TraceSource src("/nonexistent/trace.txt");
    FAIL() << "no error";
  } catch (const TraceError& e) {
    EXPECT_EQ(std::string(e.what()),
              "/nonexistent/trace.txt: cannot open: No such file or directory");
  }
  try {
    TraceSource src("/dev/null");
    FAIL() << "no error";
  } catch (const TraceError& e) {
    EXPECT_EQ(std::string(e.what()),
              "/dev/null: not a regular file (a trace is read more than once)");
  }
  for (const std::string& p : {plain, plain + ".zst", truncated, corrupt})
    std::remove(p.c_str());
}

TEST(TraceRelocation, MovesValgrindsRegions) {
  EXPECT_EQ(relocate_valgrind_address(0x108000), 0xaaaa'aab0'8000u);
  EXPECT_EQ(relocate_valgrind_address(0x4000000), 0xff00'0400'0000u);
  EXPECT_EQ(relocate_valgrind_address(0x4835000), 0xff00'0483'5000u);
  EXPECT_EQ(relocate_valgrind_address(0x1fff000708), 0xffff'ff00'0708u);
  EXPECT_EQ(relocate_valgrind_address(0x20'0000'0000), 0x20'0000'0000u);
}

// Replays `text` through a default platform.
struct Replay {
  explicit Replay(const std::string& text, TraceOptions o = {}, PlatformParams pp = {})
      : platform("top", pp) {
    o.path = write_file("replay.txt", text);
    TraceWorkload w(o);
    platform.run(w);
    stats = w.stats();
    std::remove(o.path.c_str());
  }
  Platform platform;
  TraceStats stats;
};

TEST(TraceWorkload, TouchedPagesBecomeVmasWithTheirAccessKinds) {
  Replay r(
      "==1== Lackey\n"
      "I  00400ffe,4\n"  // crosses into 0x401000: code pages 0x400, 0x401
      " L 00600000,8\n"
      " S 00600008,8\n"
      " M 00602010,4\n"
      " L 00603000,8\n"
      "I  00400000,4\n");
  const TraceStats& s = r.stats;
  EXPECT_EQ(s.lines, 7u);
  EXPECT_EQ(s.fetches, 2u);
  EXPECT_EQ(s.loads, 2u);
  EXPECT_EQ(s.stores, 1u);
  EXPECT_EQ(s.modifies, 1u);
  EXPECT_EQ(s.signals, 0u);
  EXPECT_EQ(s.address_space, "touched");
  EXPECT_EQ(s.touched_pages, 5u);
  EXPECT_EQ(s.initial_pages, 5u);
  // r-x 0x400000-0x402000, rw- 0x600000-0x601000, rw- 0x602000, r-- 0x603000.
  EXPECT_EQ(s.initial_vmas, 4u);
  const std::vector<sw::VmaInfo> maps = r.platform.kernel.maps();
  ASSERT_EQ(maps.size(), 4u);
  EXPECT_EQ(maps[0].start, VirtAddr(0x400000));
  EXPECT_EQ(maps[0].end, VirtAddr(0x402000));
  EXPECT_TRUE(maps[0].exec);
  EXPECT_FALSE(maps[0].write);
  EXPECT_TRUE(maps[1].write);
  EXPECT_EQ(maps[2].start, VirtAddr(0x602000));
  EXPECT_FALSE(maps[3].write);
  const CpuPortStats& cpu = r.platform.cpu.stats();
  EXPECT_EQ(cpu.split_accesses, 1u);
  EXPECT_EQ(cpu.per_fetch.accesses, 2u);
  EXPECT_EQ(cpu.per_read.accesses, 3u);  // two loads and the modify
  EXPECT_EQ(cpu.per_write.accesses, 1u);
  // Demand paging: two code pages, a zero-page read of 0x600000 and the
  // copy-on-write fault of the store after it, 0x602000, 0x603000.
  EXPECT_EQ(r.platform.kernel.stats().page_faults, 6u);
  EXPECT_EQ(r.platform.kernel.stats().zero_page_maps, 4u);
}

TEST(TraceWorkload, PopulateGivesEveryPageAFrameBeforeTheFirstRecord) {
  TraceOptions o;
  o.populate = true;
  Replay r("I  00400ffe,4\n L 00600000,8\n S 00600008,8\n L 00603000,8\n", o);
  EXPECT_EQ(r.stats.populated_pages, 4u);
  EXPECT_EQ(r.platform.cpu.stats().faults, 0u);
  EXPECT_EQ(r.platform.kernel.stats().zero_page_maps, 0u);
  EXPECT_EQ(r.platform.kernel.stats().anon_pages_allocated, 4u);
}

TEST(TraceWorkload, SystemCallLinesShapeTheAddressSpace) {
  Replay r(
      "SYSCALL[1,1](12) sys_brk ( 0x0 ) --> [pre-success] Success(0x4035000)\n"
      "SYSCALL[1,1](12) sys_brk ( 0x4056000 ) --> [pre-success] Success(0x4056000)\n"
      " S 04040000,8\n"
      "SYSCALL[1,1](9) sys_mmap ( 0x0, 8192, 3, 34, 4294967295, 0 ) --> [pre-success] "
      "Success(0x4835000)\n"
      " S 04836000,8\n"
      "SYSCALL[1,1](11) sys_munmap ( 0x4835000, 8192 )[sync] --> Success(0x0)\n"
      " L 04836000,8\n"  // unmapped by now: SIGSEGV
      "SYSCALL[1,1](9) sys_mmap ( 0x0, 4096, 1, 2, 3, 0 ) --> [pre-fail] Failure(0xc)\n"
      " L 1ffefff000,8\n");  // the stack: not mapped by any system call
  const TraceStats& s = r.stats;
  EXPECT_EQ(s.address_space, "syscalls+touched");
  EXPECT_EQ(s.syscalls_applied, 4u);  // the failed mmap is not replayed
  EXPECT_EQ(s.syscalls_failed, 0u);
  EXPECT_EQ(s.signals, 1u);
  EXPECT_EQ(s.initial_pages, 1u);  // the stack page
  EXPECT_EQ(r.platform.cpu.stats().sigsegv, 1u);
  const std::vector<sw::VmaInfo> maps = r.platform.kernel.maps();
  ASSERT_EQ(maps.size(), 2u);
  EXPECT_EQ(maps[0].start, VirtAddr(0x4035000));  // the heap, up to the page-rounded break
  EXPECT_EQ(maps[0].end, VirtAddr(0x4056000));
  EXPECT_EQ(maps[1].start, VirtAddr(0x1ffefff000));
}

TEST(TraceWorkload, RelocationMovesAccessesAndSystemCalls) {
  TraceOptions o;
  o.relocate = true;
  Replay r(
      "SYSCALL[1,1](9) sys_mmap ( 0x0, 4096, 3, 34, 4294967295, 0 ) --> [pre-success] "
      "Success(0x4835000)\n"
      " S 04835000,8\nI  00108000,4\n L 1fff000708,8\n",
      o);
  const std::vector<sw::VmaInfo> maps = r.platform.kernel.maps();
  ASSERT_EQ(maps.size(), 3u);
  EXPECT_EQ(maps[0].start, VirtAddr(0xaaaa'aab0'8000));
  EXPECT_EQ(maps[1].start, VirtAddr(0xff00'0483'5000));
  EXPECT_EQ(maps[2].start, VirtAddr(0xffff'ff00'0000));
  EXPECT_EQ(r.stats.signals, 0u);
}

TEST(TraceWorkload, MapsSnapshotIsTheInitialAddressSpace) {
  TraceOptions o;
  o.maps_path = write_file("maps.txt",
                           "00400000-00402000 r-xp 00000000 08:01 1234 /usr/bin/x\n"
                           "00600000-00610000 rw-p 00000000 00:00 0 [heap]\n"
                           "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0 [vsyscall]\n");
  Replay r("I  00400000,4\n S 0060f000,8\n L 00700000,8\n", o);
  EXPECT_EQ(r.stats.address_space, "maps");
  EXPECT_EQ(r.stats.initial_vmas, 2u);
  EXPECT_EQ(r.stats.initial_pages, 18u);
  EXPECT_EQ(r.stats.signals, 1u);  // 0x700000 is outside the snapshot
  std::remove(o.maps_path.c_str());
}

TEST(TraceWorkload, MalformedLineStopsBeforeAnythingRuns) {
  TraceOptions o;
  o.path = write_file("bad.txt", "I  00400000,4\n L 00600000,8\n L 0060zz00,8\n");
  Platform p("top");
  TraceWorkload w(o);
  try {
    p.run(w);
    FAIL() << "no error";
  } catch (const TraceError& e) {
    EXPECT_EQ(std::string(e.what()), o.path + ":3: malformed address,size '0060zz00,8'");
  }
  EXPECT_EQ(p.cpu.stats().accesses, 0u);
  std::remove(o.path.c_str());
}

TEST(TraceWorkload, SkippedBadLinesAreCountedOnce) {
  TraceOptions o;
  o.skip_bad_lines = true;
  Replay r("I  00400000,4\ngarbage\n L 00600000,0\n L 00600000,8\n", o);
  EXPECT_EQ(r.stats.bad_lines, 2u);
  EXPECT_EQ(r.stats.records(), 2u);
  EXPECT_NE(r.stats.first_bad_line.find(":2: not a lackey record: 'garbage'"), std::string::npos)
      << r.stats.first_bad_line;
}

TEST(TraceWorkload, LargeRecordsAreClamped) {
  Replay r(" S 00600000,512\n L 00600ff0,64\n");
  EXPECT_EQ(r.stats.clamped, 1u);
  EXPECT_EQ(r.platform.cpu.stats().split_accesses, 1u);  // 0x600ff0 + 64 crosses the page
  EXPECT_EQ(r.stats.touched_pages, 2u);
}

}  // namespace
}  // namespace mmusim
