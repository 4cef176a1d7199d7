// The lackey trace reader and replayer: line parsing, plain and zstd block
// reading, the address space a trace builds, and the replay through the
// whole platform.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "sw/mm/address_spaces.h"
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

TEST(Lackey, ParsesSchedLinesAndTheirEvents) {
  TraceRecord r =
      parse_ok("--5875--   SCHED[1]:  acquired lock (thread_wrapper(starting new thread))");
  EXPECT_EQ(r.kind, RecordKind::kSched);
  EXPECT_EQ(r.sched.event, SchedEvent::kStart);
  EXPECT_EQ(r.sched.tid, 1u);
  EXPECT_EQ(r.tid, 1u);
  r = parse_ok("--5875--   SCHED[12]:  acquired lock (VG_(client_syscall)[async])");
  EXPECT_EQ(r.sched.event, SchedEvent::kAcquire);
  EXPECT_EQ(r.sched.tid, 12u);
  r = parse_ok("--5875--   SCHED[1]: releasing lock (VG_(client_syscall)[async]) -> VgTs_WaitSys");
  EXPECT_EQ(r.sched.event, SchedEvent::kRelease);
  r = parse_ok("--5875--   SCHED[2]: release lock in VG_(exit_thread)");
  EXPECT_EQ(r.sched.event, SchedEvent::kExit);
  EXPECT_EQ(r.sched.tid, 2u);
  r = parse_ok("--5875--   SCHED[2]: entering VG_(scheduler)");
  EXPECT_EQ(r.kind, RecordKind::kSched);
  EXPECT_EQ(r.sched.event, SchedEvent::kOther);
  EXPECT_EQ(parse_ok("--5875-- Reading syms from /usr/bin/ls").kind, RecordKind::kIgnored);
  EXPECT_EQ(parse_ok("--5875--").kind, RecordKind::kIgnored);
  // A SYSCALL line keeps its thread, and a SCHED line glued onto its end.
  r = parse_ok(
      "SYSCALL[6111,1](56) sys_clone ( 3d0f00, 0x522bf70, 0x522c990, 0x522c990, 0x522c6c0 ) --> "
      "[pre-success] Success(0x17e0) --6111--   SCHED[1]: releasing lock (VG_(vg_yield)) -> "
      "VgTs_Yielding");
  EXPECT_EQ(r.kind, RecordKind::kSyscall);
  EXPECT_EQ(r.sys.op, SyscallOp::kOther);
  EXPECT_EQ(r.tid, 1u);
  EXPECT_EQ(r.sched.event, SchedEvent::kRelease);
  EXPECT_EQ(r.sched.tid, 1u);
  r = parse_ok(
      "SYSCALL[7215,3](9) sys_mmap ( 0x0, 8192, 3, 34, 4294967295, 0 ) --> [pre-success] "
      "Success(0x4835000) --7215--   SCHED[3]:  acquired lock (VG_(vg_yield))");
  EXPECT_EQ(r.sys.op, SyscallOp::kMmap);
  EXPECT_EQ(r.sys.result, 0x4835000u);
  EXPECT_TRUE(r.sys.success);
  EXPECT_EQ(r.tid, 3u);
  EXPECT_EQ(r.sched.event, SchedEvent::kAcquire);
  EXPECT_EQ(r.sched.tid, 3u);
  r = parse_ok("SYSCALL[7215,4](11) sys_munmap ( 0x4835000, 8192 ) --> [pre-success] Success(0x0)");
  EXPECT_EQ(r.tid, 4u);
  EXPECT_EQ(r.sched.event, SchedEvent::kNone);
  // "SCHED[" in an argument is no SCHED text.
  r = parse_ok(
      "SYSCALL[7215,2](257) sys_openat ( -100, 0x1ffefff3a0(/tmp/SCHED[1]: x), 0 ) --> "
      "[pre-success] Success(0x3)");
  EXPECT_EQ(r.kind, RecordKind::kSyscall);
  EXPECT_EQ(r.tid, 2u);
  EXPECT_EQ(r.sched.event, SchedEvent::kNone);
  // A line this reader does not replay still gives its SCHED event.
  r = parse_ok(
      "SYSCALL[6111,3](60) exit( 0 ) --> [pre-success] Success(0x0) --6111--   SCHED[3]: release "
      "lock in VG_(exit_thread)");
  EXPECT_EQ(r.kind, RecordKind::kSched);
  EXPECT_EQ(r.sched.event, SchedEvent::kExit);
  EXPECT_EQ(r.sched.tid, 3u);
}

TEST(Lackey, MalformedSchedLinesSayWhatIsWrong) {
  EXPECT_EQ(parse_error("--5875--   SCHED[x]: acquired lock"),
            "malformed SCHED line '--5875--   SCHED[x]: acquired lock'");
  EXPECT_EQ(parse_error("--5875--   SCHED[3] entering"),
            "malformed SCHED line '--5875--   SCHED[3] entering'");
  EXPECT_EQ(parse_error("--5875--   SCHED 3: x"), "malformed SCHED line '--5875--   SCHED 3: x'");
  EXPECT_EQ(parse_error("--5875--   SCHED[0]: entering"),
            "SCHED line with thread id 0: '--5875--   SCHED[0]: entering'");
  EXPECT_EQ(parse_error("--5875--   SCHED[1234567890]: x"),
            "malformed SCHED line '--5875--   SCHED[1234567890]: x'");
  EXPECT_EQ(parse_error("SYSCALL[1,x](12) sys_brk ( 0x0 ) --> Success(0x1000)"),
            "malformed system-call thread id '1,x'");
  EXPECT_EQ(parse_error("SYSCALL[1,1](12) sys_brk ( 0x0 ) --> Success(0x1000) --1--   SCHED[]: x"),
            "malformed SCHED line '--1--   SCHED[]: x'");
}

TEST(Lackey, FastParserAgreesWithTheGeneralOne) {
  std::mt19937_64 rng(12345);
  const char* const kPrefixes[] = {"I  ", " L ", " S ", " M ", " X ", "I L"};
  const std::string kJunk = std::string("0123456789abcdefABCDEF,g \n\x80\xff\0", 30);
  auto pick = [&](const std::string& from) { return from[rng() % from.size()]; };
  uint64_t accepted = 0;
  for (int i = 0; i < 300000; ++i) {
    // A well-formed line, then maybe a mutation, then what follows it in
    // the buffer (the fast path reads ahead 24 bytes when it can).
    const bool good_prefix = rng() % 8 != 0;
    std::string line = kPrefixes[good_prefix ? rng() % 4 : 4 + rng() % 2];
    const unsigned digits = 1 + static_cast<unsigned>(rng() % 16);
    uint64_t addr = 0;
    for (unsigned d = 0; d < digits; ++d) {
      const unsigned v = static_cast<unsigned>(rng() % 16);
      addr = addr << 4 | v;
      line += "0123456789abcdef"[v];
    }
    const uint32_t size = 1 + static_cast<uint32_t>(rng() % kMaxRecordBytes);
    line += "," + std::to_string(size) + "\n";
    const bool replaced = rng() % 3 == 0, inserted = rng() % 4 == 0;
    if (replaced) line[rng() % line.size()] = pick(kJunk);
    if (inserted) line.insert(3 + rng() % (line.size() - 3), 1, pick(kJunk));
    std::string buffer = line;
    for (size_t pad = rng() % 64; pad > 0; --pad)
      buffer += pick(kJunk);
    TraceRecord fast;
    const size_t n = parse_lackey_access_fast(buffer.data(), buffer.data() + buffer.size(), fast);
    if (!replaced && !inserted && good_prefix) {
      ASSERT_EQ(n, line.size()) << line;
      EXPECT_EQ(fast.addr, addr) << line;
      EXPECT_EQ(fast.size, size) << line;
    }
    if (n == 0) continue;
    ++accepted;
    ASSERT_EQ(buffer[n - 1], '\n');
    TraceRecord general;
    std::string error;
    ASSERT_TRUE(parse_lackey_line(std::string_view(buffer.data(), n - 1), general, error))
        << buffer.substr(0, n) << ": " << error;
    EXPECT_EQ(fast.kind, general.kind) << buffer.substr(0, n);
    EXPECT_EQ(fast.addr, general.addr) << buffer.substr(0, n);
    EXPECT_EQ(fast.size, general.size) << buffer.substr(0, n);
  }
  EXPECT_GT(accepted, 100000u);
}

TEST(Lackey, MalformedInputIsQuotedPrintableAndBounded) {
  // What a gzipped trace read as text would start with.
  EXPECT_EQ(
      parse_error(std::string("\x1f\x8b\x08\x08\x9a\x1b\x5c\x65\x00\x03trace.txt\x00\xb5", 21)),
      "not a lackey record: "
      "'\\x1f\\x8b\\x08\\x08\\x9a\\x1b\\x5ce\\x00\\x03trace.txt\\x00\\xb5'");
  EXPECT_EQ(parse_error(std::string(" L 1000\0,8", 10)), "malformed address,size '1000\\x00,8'");
  EXPECT_EQ(parse_error(std::string(" L 1000,8\0", 10)), "malformed address,size '1000,8\\x00'");
  EXPECT_EQ(parse_error(std::string(1000, 'z')),
            "not a lackey record: '" + std::string(40, 'z') + "'...");
  EXPECT_EQ(parse_error(" S 1000," + std::string(100000, '9')),
            "malformed address,size '1000," + std::string(35, '9') + "'...");
  EXPECT_EQ(parse_error(" S 1000,4294967296"), "size 4294967296 is out of range [1, 4096]");
  EXPECT_EQ(parse_error(" S 1000,99999999999"), "malformed address,size '1000,99999999999'");
  EXPECT_EQ(parse_error(" S " + std::string(100, 'f') + ",8"),
            "address '" + std::string(40, 'f') + "'... is longer than 64 bits");
  EXPECT_EQ(parse_error("SYSCALL[1,1](9) sys_mmap ( 0x0, \x01\x02 ) --> Success(0x1000)"),
            "sys_mmap: malformed argument '\\x01\\x02 ) --> Success(0x1000)'");
  EXPECT_EQ(parse_error("SYSCALL[1,1](99999999999999999999999) sys_brk ( 0x0 ) --> Success(0x0)"),
            "malformed system-call number");
  // Every message is printable ASCII and short, whatever the line.
  std::string junk;
  for (int i = 0; i < 4096; ++i)
    junk += static_cast<char>((i * 131 + 7) & 0xff);
  for (size_t at = 0; at + 200 < junk.size(); at += 97) {
    for (const char* prefix :
         {"", "I  ", " L ", "SYSCALL[1,1](9) sys_mmap ( ", "SYSCALL[1,1](9) "}) {
      TraceRecord r;
      std::string error;
      const std::string line = prefix + junk.substr(at, 200);
      if (parse_lackey_line(line, r, error)) continue;
      EXPECT_LE(error.size(), 200u) << error;
      for (const char c : error)
        ASSERT_TRUE(c >= 0x20 && c < 0x7f) << error;
    }
  }
}

std::string read_bytes(const std::string& path) {
  std::string out;
  if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
    char buf[65536];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;)
      out.append(buf, n);
    std::fclose(f);
  }
  return out;
}

int sh(const std::string& cmd) {
  const int st = std::system(cmd.c_str());
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

// Every line of `path`, and the error that ended the reading ("" at the end).
std::pair<std::vector<std::string>, std::string> drain(const std::string& path) {
  std::vector<std::string> lines;
  try {
    TraceSource src(path);
    std::string_view line;
    while (src.next_line(line))
      lines.emplace_back(line);
  } catch (const TraceError& e) {
    return {lines, e.what()};
  }
  return {lines, ""};
}

std::string source_error(const std::string& path) {
  return drain(path).second;
}

TEST(TraceSource, EveryFormatGivesTheSameLines) {
  std::string text;
  for (int i = 0; i < 200000; ++i)
    text += "I  " + std::to_string(0x400000 + i * 4) + ",4\n";
  text += "last line without newline\r";
  const std::string plain = write_file("lines.txt", text);
  ASSERT_EQ(sh("zstd -q -f " + plain + " -o " + plain + ".zst"), 0);
  ASSERT_EQ(sh("gzip -c " + plain + " > " + plain + ".gz"), 0);
  ASSERT_EQ(sh("xz -c -T1 " + plain + " > " + plain + ".xz"), 0);
  // Concatenated gzip members and xz streams are one text.
  const std::string half = write_file("half.txt", text.substr(0, 2000000));
  const std::string rest = write_file("rest.txt", text.substr(2000000));
  ASSERT_EQ(
      sh("gzip -c " + half + " > " + plain + ".2.gz && gzip -c " + rest + " >> " + plain + ".2.gz"),
      0);
  ASSERT_EQ(
      sh("xz -c " + half + " > " + plain + ".2.xz && xz -c " + rest + " >> " + plain + ".2.xz"), 0);
  // Zero padding after a gzip member (a tape block) is ignored, as by gzip(1).
  ASSERT_EQ(
      sh("cp " + plain + ".gz " + plain + ".3.gz && head -c 512 /dev/zero >> " + plain + ".3.gz"),
      0);
  const std::pair<std::string, TraceSource::Format> inputs[] = {
      {plain, TraceSource::Format::kPlain},          {plain + ".zst", TraceSource::Format::kZstd},
      {plain + ".gz", TraceSource::Format::kGzip},   {plain + ".2.gz", TraceSource::Format::kGzip},
      {plain + ".3.gz", TraceSource::Format::kGzip}, {plain + ".xz", TraceSource::Format::kXz},
      {plain + ".2.xz", TraceSource::Format::kXz}};
  for (const auto& [path, format] : inputs) {
    SCOPED_TRACE(path);
    TraceSource src(path);
    EXPECT_EQ(src.format(), format);
    std::string_view line;
    uint64_t n = 0;
    std::string first, last;
    while (src.next_line(line)) {
      if (++n == 1) first = std::string(line);
      last = std::string(line);
    }
    EXPECT_EQ(n, 200001u);
    EXPECT_EQ(src.line_number(), 200001u);
    EXPECT_EQ(first, "I  4194304,4");
    EXPECT_EQ(last, "last line without newline");
    EXPECT_FALSE(src.next_line(line));
  }
  for (const auto& [path, format] : inputs)
    std::remove(path.c_str());
  std::remove(half.c_str());
  std::remove(rest.c_str());
}

// Reads `bytes` through a pipe on stdin ("-"), as `cat FILE | mmusim trace -` would.
std::pair<std::vector<std::string>, std::string> drain_stdin(const std::string& bytes) {
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::write(fds[1], bytes.data() + done, bytes.size() - done);
      if (n <= 0) _exit(1);
      done += static_cast<size_t>(n);
    }
    _exit(0);
  }
  ::close(fds[1]);
  const int saved = ::dup(STDIN_FILENO);
  ::dup2(fds[0], STDIN_FILENO);
  ::close(fds[0]);
  auto result = drain("-");
  ::dup2(saved, STDIN_FILENO);
  ::close(saved);
  int st = 0;
  ::waitpid(pid, &st, 0);
  return result;
}

TEST(TraceSource, ReadsAPipeOnStdin) {
  std::string text;
  for (int i = 0; i < 300000; ++i)
    text += " L " + std::to_string(i) + ",8\n";
  const std::string plain = write_file("pipe.txt", text);
  ASSERT_EQ(sh("zstd -q -f " + plain + " -o " + plain + ".zst"), 0);
  ASSERT_EQ(sh("gzip -c " + plain + " > " + plain + ".gz"), 0);
  ASSERT_EQ(sh("xz -c -T1 " + plain + " > " + plain + ".xz"), 0);
  for (const std::string& path : {plain, plain + ".zst", plain + ".gz", plain + ".xz"}) {
    SCOPED_TRACE(path);
    const auto [lines, error] = drain_stdin(read_bytes(path));
    EXPECT_EQ(error, "");
    ASSERT_EQ(lines.size(), 300000u);
    EXPECT_EQ(lines[0], " L 0,8");
    EXPECT_EQ(lines.back(), " L 299999,8");
    std::remove(path.c_str());
  }
  // A few bytes only (fewer than the format check reads), and nothing.
  EXPECT_EQ(drain_stdin("I").first, std::vector<std::string>{"I"});
  EXPECT_EQ(drain_stdin("").first.size(), 0u);
}

TEST(TraceSource, CorruptAndTruncatedStreamsAreErrors) {
  std::string text;
  for (int i = 0; i < 50000; ++i)
    text += " L " + std::to_string(i) + ",8\n";
  const std::string plain = write_file("z.txt", text);
  ASSERT_EQ(sh("zstd -q -f " + plain + " -o " + plain + ".zst"), 0);
  ASSERT_EQ(sh("gzip -c " + plain + " > " + plain + ".gz"), 0);
  ASSERT_EQ(sh("xz -c -T1 " + plain + " > " + plain + ".xz"), 0);
  std::vector<std::string> made;
  for (const char* ext : {"zst", "gz", "xz"}) {
    SCOPED_TRACE(ext);
    const std::string name = ext == std::string("zst")  ? "zstd"
                             : ext == std::string("gz") ? "gzip"
                                                        : "xz";
    const std::string z = read_bytes(plain + "." + ext);
    ASSERT_GT(z.size(), 100u);
    // Cut anywhere: in the header, in the middle, just before the end.
    for (const size_t cut : {size_t{6}, z.size() / 2, z.size() - 1}) {
      const std::string t = write_file("t" + std::to_string(cut) + "." + ext, z.substr(0, cut));
      made.push_back(t);
      EXPECT_EQ(source_error(t), t + ": " + name + ": truncated stream") << cut;
    }
    std::string bad = z;
    for (size_t i = z.size() / 2; i < z.size() / 2 + 8; ++i)
      bad[i] = static_cast<char>(bad[i] ^ 0x5a);
    const std::string corrupt = write_file(std::string("c.") + ext, bad);
    made.push_back(corrupt);
    // What is wrong depends on where the flipped bytes land (a checksum, a
    // block): the decoder's words.
    const std::string e = source_error(corrupt);
    EXPECT_EQ(e.rfind(corrupt + ": " + name + ": ", 0), 0u) << e;
    // Junk after a complete stream: read as the start of another.
    const std::string junk = write_file(std::string("j.") + ext, z + "trailing junk\n");
    made.push_back(junk);
    const char* const junk_error = name == "zstd"   ? "Unknown frame descriptor"
                                   : name == "gzip" ? "incorrect header check"
                                                    : "corrupt stream";
    EXPECT_EQ(source_error(junk), junk + ": " + name + ": " + junk_error);
  }
  EXPECT_EQ(source_error(write_file("bz", "BZh91AY&SY\x01\x02")),
            temp_path("bz") +
                ": bzip2-compressed input; traces are read as plain text, zstd, gzip or xz");
  EXPECT_EQ(
      source_error(write_file("lz4", std::string("\x04\x22\x4d\x18\x64\x40", 6))),
      temp_path("lz4") + ": lz4-compressed input; traces are read as plain text, zstd, gzip or xz");
  EXPECT_EQ(source_error("/nonexistent/trace.txt"),
            "/nonexistent/trace.txt: cannot open: No such file or directory");
  EXPECT_EQ(source_error("/"), "/: is a directory");
  // Not a regular file: read as a stream.
  EXPECT_EQ(drain("/dev/null"), std::make_pair(std::vector<std::string>{}, std::string()));
  for (const std::string& p : made)
    std::remove(p.c_str());
  for (const std::string& p :
       {plain, plain + ".zst", plain + ".gz", plain + ".xz", temp_path("bz"), temp_path("lz4")})
    std::remove(p.c_str());
}

TEST(TraceSource, LongLinesAndBinaryJunkAreBoundedErrors) {
  // A line of 1 MB is read; a longer one is an error, plain or compressed.
  const std::string mb(TraceSource::kMaxLineBytes, 'x');
  const std::string ok = write_file("long_ok.txt", "a\n" + mb + "\nb\n");
  const auto [lines, error] = drain(ok);
  EXPECT_EQ(error, "");
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[1].size(), mb.size());
  const std::string too_long = write_file("long.txt", "a\n" + mb + "x\nb\n");
  EXPECT_EQ(source_error(too_long), too_long + ":2: line longer than 1 MB");
  ASSERT_EQ(sh("gzip -c " + too_long + " > " + too_long + ".gz"), 0);
  EXPECT_EQ(source_error(too_long + ".gz"), too_long + ".gz:2: line longer than 1 MB");
  // 64 MB of zeros without a newline, gzip-compressed to 64 KB: stops at 1 MB.
  ASSERT_EQ(sh("head -c 64M /dev/zero | gzip -c > " + too_long + ".z.gz"), 0);
  EXPECT_EQ(source_error(too_long + ".z.gz"), too_long + ".z.gz:1: line longer than 1 MB");
  // Skipped instead: read to their end without being kept, as one line.
  for (const std::string& path : {too_long, too_long + ".gz", too_long + ".z.gz"}) {
    SCOPED_TRACE(path);
    TraceSource src(path);
    src.skip_long_lines(true);
    std::vector<std::pair<std::string, bool>> got;
    std::string_view line;
    while (src.next_line(line))
      got.emplace_back(std::string(line), src.line_too_long());
    if (path == too_long + ".z.gz") {  // one line, without a newline
      EXPECT_EQ(got, (std::vector<std::pair<std::string, bool>>{{"", true}}));
    } else {
      EXPECT_EQ(
          got, (std::vector<std::pair<std::string, bool>>{{"a", false}, {"", true}, {"b", false}}));
      EXPECT_EQ(src.line_number(), 3u);
    }
  }
  EXPECT_EQ(quote_input("ab'c\\\n\t\x7f\x80\xff"), "'ab\\x27c\\x5c\\x0a\\x09\\x7f\\x80\\xff'");
  EXPECT_EQ(quote_input(std::string("a\0b", 3)), "'a\\x00b'");
  EXPECT_EQ(quote_input(std::string(50, 'y')), "'" + std::string(40, 'y') + "'...");
  for (const std::string& p : {ok, too_long, too_long + ".gz", too_long + ".z.gz"})
    std::remove(p.c_str());
}

// A few lines of every kind, as a seed for mutations.
std::string seed_trace() {
  std::string text = "==1== Lackey\n";
  for (int i = 0; i < 2000; ++i) {
    text += "I  " + std::to_string(0x400000 + (i * 4) % 8192) + ",4\n";
    text += (i % 3 ? " L 1ffefff" : " S 04835") + std::to_string(100 + i % 800) + ",8\n";
    if (i % 500 == 0)
      text +=
          "SYSCALL[1,1](9) sys_mmap ( 0x0, 8192, 3, 34, 4294967295, 0 ) --> [pre-success] "
          "Success(0x4835000)\n"
          "SYSCALL[1,1](11) sys_munmap ( 0x4835000, 4096 ) --> [async] ... \n"
          "SYSCALL[1,1](11) ... [async] --> Success(0x0)\n";
  }
  return text;
}

// Flips, overwrites, cuts, inserts and erases bytes.
std::string mutate(std::string d, std::mt19937_64& rng) {
  for (int m = 1 + static_cast<int>(rng() % 4); m > 0; --m) {
    switch (rng() % 5) {
      case 0:
        d.resize(rng() % (d.size() + 1));
        break;
      case 1:
        if (!d.empty()) d[rng() % d.size()] ^= static_cast<char>(1 << (rng() % 8));
        break;
      case 2:
        if (!d.empty()) d[rng() % d.size()] = static_cast<char>(rng());
        break;
      case 3:
        d.insert(rng() % (d.size() + 1), std::string(rng() % 64, static_cast<char>(rng())));
        break;
      default:
        if (d.size() > 10) {
          const size_t at = rng() % d.size();
          d.erase(at, rng() % (d.size() - at));
        }
        break;
    }
  }
  return d;
}

TEST(TraceSource, MutatedStreamsEndOrFailCleanly) {
  // What a fuzzer would try: every format, mutated. Each input ends or
  // throws a TraceError naming the file; messages are printable.
  const std::string plain = write_file("seed.txt", seed_trace());
  ASSERT_EQ(sh("zstd -q -f " + plain + " -o " + plain + ".zst"), 0);
  ASSERT_EQ(sh("gzip -c " + plain + " > " + plain + ".gz"), 0);
  ASSERT_EQ(sh("xz -c -T1 " + plain + " > " + plain + ".xz"), 0);
  const std::string seeds[] = {read_bytes(plain), read_bytes(plain + ".zst"),
                               read_bytes(plain + ".gz"), read_bytes(plain + ".xz")};
  std::mt19937_64 rng(7);
  const std::string path = temp_path("mutated");
  unsigned errors = 0;
  for (int i = 0; i < 400; ++i) {
    write_file("mutated", mutate(seeds[i % 4], rng));
    const auto [lines, error] = drain(path);
    if (error.empty()) continue;
    ++errors;
    EXPECT_EQ(error.rfind(path + ": ", 0), 0u) << error;
    EXPECT_LE(error.size(), path.size() + 80) << error;
    for (const char c : error)
      ASSERT_TRUE(c >= 0x20 && c < 0x7f) << error;
  }
  EXPECT_GT(errors, 50u);
  for (const std::string& p : {plain, plain + ".zst", plain + ".gz", plain + ".xz", path})
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
  // r-x 0x400000-0x402000, rw- 0x600000-0x601000, rw- 0x602000-0x604000
  // (the page only loaded is read-write too: one pass cannot know at the
  // load that no store follows).
  EXPECT_EQ(s.initial_vmas, 3u);
  EXPECT_EQ(s.widened_pages, 0u);
  const std::vector<sw::VmaInfo> maps = r.platform.kernel.mm().maps();
  ASSERT_EQ(maps.size(), 3u);
  EXPECT_EQ(maps[0].start, VirtAddr(0x400000));
  EXPECT_EQ(maps[0].end, VirtAddr(0x402000));
  EXPECT_TRUE(maps[0].exec);
  EXPECT_FALSE(maps[0].write);
  EXPECT_TRUE(maps[1].write);
  EXPECT_FALSE(maps[1].exec);
  EXPECT_EQ(maps[2].start, VirtAddr(0x602000));
  EXPECT_EQ(maps[2].end, VirtAddr(0x604000));
  EXPECT_TRUE(maps[2].write);
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

TEST(TraceWorkload, PopulateGivesEveryPageAFrameWhenItIsMapped) {
  TraceOptions o;
  o.populate = true;
  // A fetch from a data page and a store to a code page need no widening:
  // every page is read-write-execute, nothing is invalidated mid-replay.
  Replay r(
      "I  00400ffe,4\n L 00600000,8\n S 00600008,8\n L 00603000,8\nI  00603010,4\n"
      " S 00400000,4\n",
      o);
  EXPECT_EQ(r.stats.populated_pages, 4u);
  EXPECT_EQ(r.stats.widened_pages, 0u);
  EXPECT_EQ(r.stats.signals, 0u);
  EXPECT_EQ(r.stats.initial_vmas, 3u);  // 0x400000-0x402000, 0x600000, 0x603000
  EXPECT_EQ(r.platform.cpu.stats().faults, 0u);
  EXPECT_EQ(r.platform.kernel.stats().zero_page_maps, 0u);
  EXPECT_EQ(r.platform.kernel.stats().anon_pages_allocated, 4u);
  EXPECT_EQ(r.platform.kernel.stats().tlb_invalidations, 0u);
}

TEST(TraceWorkload, AnAccessThatNeedsMoreWidensThePage) {
  // A fetch from a data page and a store to a code page: mprotect to rwx
  // before the access, no signal.
  Replay r(" L 00600000,8\nI  00600010,4\nI  00400000,4\n S 00400008,8\nI  00400004,4\n");
  EXPECT_EQ(r.stats.widened_pages, 2u);
  EXPECT_EQ(r.stats.signals, 0u);
  EXPECT_EQ(r.stats.initial_vmas, 2u);
  const std::vector<sw::VmaInfo> maps = r.platform.kernel.mm().maps();
  ASSERT_EQ(maps.size(), 2u);
  for (const sw::VmaInfo& v : maps)
    EXPECT_TRUE(v.read && v.write && v.exec);
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
  const std::vector<sw::VmaInfo> maps = r.platform.kernel.mm().maps();
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
  const std::vector<sw::VmaInfo> maps = r.platform.kernel.mm().maps();
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

// Replays `text` from the file `name` on `p`: what it throws ("no error" if nothing).
std::string replay_error(Platform& p, const std::string& name, const std::string& text,
                         std::string* path) {
  TraceOptions o;
  o.path = *path = write_file(name, text);
  TraceWorkload w(o);
  std::string error = "no error";
  try {
    p.run(w);
  } catch (const TraceError& e) {
    error = e.what();
  }
  std::remove(o.path.c_str());
  return error;
}

TEST(TraceWorkload, MalformedLineStopsTheReplayWhereItIs) {
  // One pass: the records before the bad line have been simulated.
  Platform p("top");
  std::string path;
  const std::string error = replay_error(
      p, "bad.txt", "I  00400000,4\n L 00600000,8\n L 0060zz00,8\n L 00600000,8\n", &path);
  EXPECT_EQ(error, path + ":3: malformed address,size '0060zz00,8'");
  EXPECT_EQ(p.cpu.stats().accesses, 2u);
}

TEST(TraceWorkload, TheCommandFailsWithoutAResultOnAMalformedLine) {
  // A gzipped trace with binary junk in the middle: exit status 2, the
  // error names the line, quotes it printably, and no statistics are
  // written or printed as if the run had completed.
  std::string text;
  for (int i = 0; i < 1000; ++i)
    text += " L " + std::to_string(0x600000 + i * 8) + ",8\n";
  text += std::string("\x01\xfe\x00junk", 7) + "\n L 00600000,8\n";
  const std::string path = write_file("bad_cli.txt", text);
  ASSERT_EQ(sh("gzip -c " + path + " > " + path + ".gz"), 0);
  const std::string stats = temp_path("bad_cli.json"), out = temp_path("bad_cli.out"),
                    err = temp_path("bad_cli.err");
  for (const std::string& input : {path + ".gz", "- < " + path + ".gz"}) {
    SCOPED_TRACE(input);
    std::remove(stats.c_str());
    EXPECT_EQ(sh("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 " MMUSIM_BINARY " trace " + input +
                 " --quiet --stats " + stats + " >" + out + " 2>" + err),
              2);
    const std::string name = input[0] == '-' ? "-" : path + ".gz";
    EXPECT_EQ(read_bytes(err), name + ":1001: not a lackey record: '\\x01\\xfe\\x00junk'\n");
    EXPECT_EQ(read_bytes(out), "");
    EXPECT_FALSE(std::ifstream(stats).good());
  }
  for (const std::string& p : {path, path + ".gz", stats, out, err})
    std::remove(p.c_str());
}

TEST(TraceWorkload, AStreamOnStdinGivesTheSameStatsAsTheFile) {
  std::string text;
  for (int i = 0; i < 20000; ++i) {
    text += "I  " + std::to_string(0x400000 + (i % 3000) * 4) + ",4\n";
    text += (i % 3 ? " L " : " S ") + std::to_string(0x600000 + (i * 40) % 300000) + ",8\n";
  }
  const std::string path = write_file("stdin.txt", text);
  ASSERT_EQ(sh("xz -c -T1 " + path + " > " + path + ".xz"), 0);
  const std::string a = temp_path("a.json"), b = temp_path("b.json");
  const std::string run = "SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 " MMUSIM_BINARY " trace ";
  ASSERT_EQ(sh(run + path + " --quiet --stats " + a + " >/dev/null"), 0);
  ASSERT_EQ(sh("cat " + path + ".xz | " + run + "- --quiet --stats " + b + " >/dev/null"), 0);
  // Equal but for host times.
  auto strip = [](std::string json) {
    std::string out;
    std::istringstream in(json);
    for (std::string line; std::getline(in, line);)
      if (line.find("host") == std::string::npos && line.find("seconds") == std::string::npos &&
          line.find("\"workload\"") == std::string::npos)
        out += line + "\n";
    // The command lines differ (a path, '-'): drop sim.command_line's array.
    const size_t from = out.find("    \"command_line\": [");
    const size_t to = out.find("    ]\n", from);
    if (from != std::string::npos && to != std::string::npos) out.erase(from, to + 6 - from);
    return out;
  };
  const std::string sa = strip(read_bytes(a)), sb = strip(read_bytes(b));
  EXPECT_GT(sa.size(), 1000u);
  EXPECT_EQ(sa, sb);
  for (const std::string& p : {path, path + ".xz", a, b})
    std::remove(p.c_str());
}

TEST(TraceWorkload, HugeAddressesSizesAndSystemCallsAreNoCrash) {
  TraceOptions o;
  o.skip_bad_lines = true;
  Replay r(
      " L ffffffffffffffff,8\n"     // wraps around the top of the address space
      " S fffffffffffff000,4096\n"  // clamped to 64 bytes
      "I  0000fffffffffffc,8\n"     // crosses 2^48
      " M 0000ffffffffffff,4096\n"
      " L 0,8\n"        // page 0: mmap_min_addr refuses it
      " L 1000,4097\n"  // bad: too large
      "SYSCALL[1,1](9) sys_mmap ( 0x0, 18446744073709551615, 3, 34, 4294967295, 0 ) --> "
      "[pre-success] Success(0xfffffffffffff000)\n"
      "SYSCALL[1,1](11) sys_munmap ( 0xfffffffffffff000, 18446744073709551615 ) --> "
      "Success(0x0)\n"
      "SYSCALL[1,1](25) sys_mremap ( 0x10000, 18446744073709551615, 18446744073709551615, 3, "
      "0x0 ) --> Success(0x7000000000)\n"
      "SYSCALL[1,1](12) sys_brk ( 0x0 ) --> Success(0x10000)\n"
      "SYSCALL[1,1](12) sys_brk ( 0x0 ) --> Success(0xfffffffffffff000)\n"
      "SYSCALL[1,1](12) sys_brk ( 0x0 ) --> Success(0x10000)\n"
      " S 00600000,8\n",
      o);
  EXPECT_EQ(r.stats.bad_lines, 1u);
  EXPECT_EQ(r.stats.records(), 6u);
  EXPECT_EQ(r.stats.touched_pages, 3u);  // 0xffff_ffff_f000 (below 2^48), 0, 0x600000
  EXPECT_EQ(r.stats.signals, 5u);        // all but the last
  EXPECT_EQ(r.stats.syscalls_applied, 6u);
}
TEST(TraceWorkload, MutatedTracesRunOrStopWithATraceError) {
  // Mutated plain and gzipped traces replayed through the whole platform,
  // each in a child process (SystemC elaborates once per process): it ends
  // normally or with a TraceError, within a time limit, and never crashes.
#ifdef __SANITIZE_ADDRESS__
  // A SystemC platform run in a forked child makes ASan misread the stack
  // it unwinds (SystemC switches stacks; ASan warns "false positive error
  // reports may follow" and then reports one in sigaltstack). Under ASan the
  // trace fuzz target (tests/fuzz, one mmusim process per input) covers this.
  GTEST_SKIP() << "forks a SystemC platform, which ASan misreads (see the trace fuzz target)";
#endif
  const std::string seed = seed_trace();
  std::mt19937_64 rng(11);
  int stopped = 0, completed = 0;
  for (int i = 0; i < 40; ++i) {
    const std::string path = write_file("mutated_" + std::to_string(i), mutate(seed, rng));
    if (i % 2) {
      ASSERT_EQ(sh("gzip -f " + path + " && mv " + path + ".gz " + path), 0);
    }
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::alarm(60);
      try {
        TraceOptions o;
        o.path = path;
        o.skip_bad_lines = i % 4 >= 2;
        o.populate = i % 8 >= 4;
        Platform p("top");
        TraceWorkload w(o);
        p.run(w);
        _exit(w.stats().records() > 0 ? 0 : 4);
      } catch (const TraceError&) {
        _exit(2);
      } catch (...) {
        _exit(3);
      }
    }
    int st = 0;
    ASSERT_EQ(::waitpid(pid, &st, 0), pid);
    ASSERT_TRUE(WIFEXITED(st)) << "input " << i << " (" << path << "): signal " << WTERMSIG(st);
    ASSERT_TRUE(WEXITSTATUS(st) == 0 || WEXITSTATUS(st) == 2 || WEXITSTATUS(st) == 4)
        << "input " << i << ": status " << WEXITSTATUS(st);
    stopped += WEXITSTATUS(st) == 2;
    completed += WEXITSTATUS(st) == 0;
    std::remove(path.c_str());
  }
  EXPECT_GT(stopped, 5);
  EXPECT_GT(completed, 5);
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

TEST(TraceWorkload, SkippedBadLinesIncludeOverlongOnes) {
  TraceOptions o;
  o.skip_bad_lines = true;
  Replay r("I  00400000,4\n" + std::string(3 << 20, '\x01') + "\n L 00600000,8\n", o);
  EXPECT_EQ(r.stats.bad_lines, 1u);
  EXPECT_EQ(r.stats.records(), 2u);
  EXPECT_EQ(r.stats.lines, 3u);
  EXPECT_NE(r.stats.first_bad_line.find(":2: line longer than 1 MB"), std::string::npos)
      << r.stats.first_bad_line;
}

TEST(TraceWorkload, LargeRecordsAreClamped) {
  Replay r(" S 00600000,512\n L 00600ff0,64\n");
  EXPECT_EQ(r.stats.clamped, 1u);
  EXPECT_EQ(r.platform.cpu.stats().split_accesses, 1u);  // 0x600ff0 + 64 crosses the page
  EXPECT_EQ(r.stats.touched_pages, 2u);
}

TEST(TraceWorkload, MalformedSchedLineStopsTheReplayNamingFileAndLine) {
  Platform p("top");
  std::string path;
  const std::string error =
      replay_error(p, "bad_sched.txt",
                   "--9--   SCHED[1]:  acquired lock (thread_wrapper(starting new thread))\n"
                   " L 00600000,8\n--9--   SCHED[one]: entering VG_(scheduler)\n L 00600000,8\n",
                   &path);
  EXPECT_EQ(error, path + ":3: malformed SCHED line '--9--   SCHED[one]: entering VG_(schedul'...");
  EXPECT_EQ(p.cpu.stats().accesses, 1u);
}

// ---- Threads (SCHED lines) ----

std::string sched(unsigned tid, const std::string& what) {
  return "--77--   SCHED[" + std::to_string(tid) + "]: " + what + "\n";
}
std::string start(unsigned tid) {
  return sched(tid, " acquired lock (thread_wrapper(starting new thread))") +
         sched(tid, "entering VG_(scheduler)");
}
std::string acquire(unsigned tid) {
  return sched(tid, " acquired lock (VG_(vg_yield))");
}
std::string release(unsigned tid) {
  return sched(tid, "releasing lock (VG_(vg_yield)) -> VgTs_Yielding");
}
std::string exit_thread(unsigned tid) {
  return sched(tid, "exiting VG_(scheduler)") + sched(tid, "release lock in VG_(exit_thread)");
}
std::string records(const char* kind, uint64_t base, int n) {
  std::string out;
  char line[64];
  for (int i = 0; i < n; ++i) {
    std::snprintf(line, sizeof line, "%s %llx,8\n", kind,
                  static_cast<unsigned long long>(base + static_cast<uint64_t>(i % 64) * 8));
    out += line;
  }
  return out;
}

// Replays `text` on `cores` cores, one workload per core.
struct ThreadedReplay {
  ThreadedReplay(const std::string& text, unsigned cores, TraceOptions o = {})
      : platform("top", params(cores)) {
    o.path = write_file("threads.txt", text);
    TraceWorkload w(o);
    platform.run(w.workloads(cores));
    stats = w.stats();
    std::remove(o.path.c_str());
  }
  static PlatformParams params(unsigned cores) {
    PlatformParams pp;
    pp.cores = cores;
    return pp;
  }
  const TraceThreadStats& thread(uint32_t tid) const {
    for (const TraceThreadStats& t : stats.threads)
      if (t.tid == tid) return t;
    throw std::out_of_range("no thread " + std::to_string(tid));
  }
  Platform platform;
  TraceStats stats;
};

// Three threads: 1 and 2 alternate, 3 runs and exits between them, 2 exits.
std::string three_threads() {
  return start(1) + records(" L", 0x10000000, 100) + records("I ", 0x400000, 20) + release(1) +
         start(2) + records(" S", 0x10100000, 50) + release(2) + start(3) +
         records(" L", 0x10200000, 30) + exit_thread(3) + acquire(1) +
         records(" M", 0x10000000, 10) + release(1) + acquire(2) + records(" L", 0x10100000, 5) +
         exit_thread(2) + acquire(1) + records(" L", 0x10000000, 1);
}

// Each thread's records in three_threads().
void expect_three_threads_records(const ThreadedReplay& r) {
  EXPECT_EQ(r.thread(1).loads, 101u);
  EXPECT_EQ(r.thread(1).fetches, 20u);
  EXPECT_EQ(r.thread(1).modifies, 10u);
  EXPECT_EQ(r.thread(1).stores, 0u);
  EXPECT_EQ(r.thread(2).stores, 50u);
  EXPECT_EQ(r.thread(2).loads, 5u);
  EXPECT_EQ(r.thread(3).loads, 30u);
  EXPECT_EQ(r.thread(3).records(), 30u);
}

TEST(TraceWorkload, OneCoreAttributesRecordsToThreadsAndReplaysThemInOrder) {
  ThreadedReplay r(three_threads(), 1);
  ASSERT_EQ(r.stats.threads.size(), 3u);
  EXPECT_EQ(r.stats.threads[0].tid, 1u);
  EXPECT_EQ(r.stats.threads[1].tid, 2u);
  EXPECT_EQ(r.stats.threads[2].tid, 3u);
  expect_three_threads_records(r);
  for (const TraceThreadStats& t : r.stats.threads) {
    EXPECT_EQ(t.core, 0u);
    EXPECT_EQ(t.starts, 1u);
    EXPECT_EQ(t.exited, t.tid != 1);
  }
  EXPECT_EQ(r.stats.sched_lines, 16u);
  EXPECT_EQ(r.stats.records(), 216u);
  // One task, one core: the SCHED lines change nothing.
  EXPECT_EQ(r.platform.kernel.mm().current(), 1);
  EXPECT_FALSE(r.platform.kernel.mm().exists(2));
  EXPECT_EQ(r.platform.cpu.stats().loads, 136u);
}

// tid -> core in order of first appearance, modulo cores: 1 -> 0, 2 -> 1, 3 -> 0 on two cores.
TEST(TraceWorkload, TwoCoresReplayEachThreadOnItsCoreInItsOwnTask) {
  ThreadedReplay r(three_threads(), 2);
  EXPECT_EQ(r.thread(1).core, 0u);
  EXPECT_EQ(r.thread(2).core, 1u);
  EXPECT_EQ(r.thread(3).core, 0u);
  expect_three_threads_records(r);
  const CpuPortStats& c0 = r.platform.core(0).cpu.stats();
  const CpuPortStats& c1 = r.platform.core(1).cpu.stats();
  EXPECT_EQ(c0.loads, 131u);
  EXPECT_EQ(c0.fetches, 20u);
  EXPECT_EQ(c0.modifies, 10u);
  EXPECT_EQ(c0.stores, 10u);  // the modifies
  EXPECT_EQ(c1.loads, 5u);
  EXPECT_EQ(c1.stores, 50u);
  EXPECT_EQ(c1.fetches, 0u);
  EXPECT_EQ(r.stats.signals, 0u);
  // Threads 2 and 3 were clone_thread()s of pid 1 (pids 2, 3) and exited;
  // pid 1, the first task, runs on core 0 at the end, core 1 is idle.
  const sw::AddressSpaces& mm = r.platform.kernel.mm();
  EXPECT_EQ(mm.current_on(0), 1);
  EXPECT_EQ(mm.current_on(1), 0);
  EXPECT_FALSE(mm.exists(2));
  EXPECT_FALSE(mm.exists(3));
}

TEST(TraceWorkload, FourCoresGiveTheThirdThreadItsOwnCore) {
  ThreadedReplay r(three_threads(), 4);
  EXPECT_EQ(r.thread(3).core, 2u);
  EXPECT_EQ(r.platform.core(0).cpu.stats().loads, 101u);
  EXPECT_EQ(r.platform.core(1).cpu.stats().loads, 5u);
  EXPECT_EQ(r.platform.core(2).cpu.stats().loads, 30u);
  EXPECT_EQ(r.platform.core(3).cpu.stats().accesses, 0u);
}

// Thread 2 unmaps what thread 1 reads. The barrier holds core 0 until the
// munmap is applied: its 200 loads before it succeed, its 3 after it fault.
TEST(TraceWorkload, AnUnmapIsABarrierOrderedWithEveryCoresRecords) {
  const std::string mmap =
      "SYSCALL[77,1](9) sys_mmap ( 0x0, 8192, 3, 34, 4294967295, 0 ) --> [pre-success] "
      "Success(0x50000000)\n";
  const std::string munmap =
      "SYSCALL[77,2](11) sys_munmap ( 0x50000000, 8192 ) --> [pre-success] Success(0x0)\n";
  ThreadedReplay r(start(1) + mmap + records(" L", 0x50000000, 200) + release(1) + start(2) +
                       records(" L", 0x50001000, 10) + munmap + release(2) + acquire(1) +
                       records(" L", 0x50000000, 3),
                   2);
  EXPECT_EQ(r.stats.syscalls_applied, 2u);
  EXPECT_EQ(r.stats.barriers, 2u);
  EXPECT_EQ(r.stats.signals, 3u);
  EXPECT_EQ(r.platform.core(0).cpu.stats().sigsegv, 3u);
  EXPECT_EQ(r.platform.core(1).cpu.stats().sigsegv, 0u);
}

// Very uneven threads on three cores through queues of four entries, with
// barriers between: every record is replayed on its thread's core, and
// nothing waits forever (a stuck core would be an error of run()).
TEST(TraceWorkload, UnevenThreadsThroughTinyQueuesAllFinish) {
  std::mt19937_64 rng(11);
  std::string text;
  uint64_t loads[6] = {}, stores[6] = {};
  const unsigned weight[6] = {0, 4000, 3, 900, 1, 60};  // records per turn, by tid
  unsigned mmaps = 0;
  for (unsigned tid = 1; tid <= 5; ++tid) {
    text += start(tid);
    text += records(" L", 0x20000000 + tid * 0x100000, 1);
    ++loads[tid];
    text += release(tid);
  }
  for (int turn = 0; turn < 60; ++turn) {
    const unsigned tid = 1 + static_cast<unsigned>(rng() % 5);
    text += acquire(tid);
    const int n = 1 + static_cast<int>(rng() % weight[tid]);
    text += records(turn % 2 ? " L" : " S", 0x20000000 + tid * 0x100000, n);
    (turn % 2 ? loads : stores)[tid] += static_cast<uint64_t>(n);
    if (rng() % 3 == 0) {
      const uint64_t at = 0x60000000 + uint64_t{mmaps++} * 0x10000;
      char line[200];
      std::snprintf(line, sizeof line,
                    "SYSCALL[77,%u](9) sys_mmap ( 0x0, 4096, 3, 34, 4294967295, 0 ) --> "
                    "[pre-success] Success(0x%llx)\n",
                    tid, static_cast<unsigned long long>(at));
      text += line;
    }
    text += release(tid);
  }
  TraceOptions o;
  o.queue_entries = 4;
  ThreadedReplay r(text, 3, o);
  EXPECT_EQ(r.stats.syscalls_applied, mmaps);
  EXPECT_EQ(r.stats.barriers, mmaps);
  uint64_t core_loads[3] = {}, core_stores[3] = {};
  for (unsigned tid = 1; tid <= 5; ++tid) {
    SCOPED_TRACE(tid);
    const TraceThreadStats& t = r.thread(tid);
    EXPECT_EQ(t.core, (tid - 1) % 3);
    EXPECT_EQ(t.loads, loads[tid]);
    EXPECT_EQ(t.stores, stores[tid]);
    core_loads[t.core] += loads[tid];
    core_stores[t.core] += stores[tid];
  }
  for (unsigned c = 0; c < 3; ++c) {
    SCOPED_TRACE(c);
    EXPECT_EQ(r.platform.core(c).cpu.stats().loads, core_loads[c]);
    EXPECT_EQ(r.platform.core(c).cpu.stats().stores, core_stores[c]);
  }
  EXPECT_EQ(r.stats.signals, 0u);
}

// With one core a trace with SCHED lines (glued ones too) gives what the
// same trace without them gives.
TEST(TraceWorkload, OneCoreResultsEqualThoseWithoutTheSchedLines) {
  std::string with, without;
  auto both = [&](const std::string& s) {
    with += s;
    without += s;
  };
  std::mt19937_64 rng(5);
  for (int turn = 0; turn < 40; ++turn) {
    const unsigned tid = 1 + static_cast<unsigned>(rng() % 3);
    with += turn < 3 ? start(tid) : acquire(tid);
    both(records(rng() % 2 ? " L" : " S", 0x30000000 + (rng() % 8) * 0x1000, 1 + rng() % 500));
    both(records("I ", 0x400000 + (rng() % 4) * 0x1000, 1 + rng() % 200));
    if (turn % 5 == 2) {
      const std::string call = "SYSCALL[77," + std::to_string(tid) +
                               "](11) sys_munmap ( 0x30000000, 4096 ) --> [pre-success] "
                               "Success(0x0)";
      with += call + " --77--   SCHED[" + std::to_string(tid) +
              "]: releasing lock (VG_(vg_yield)) -> VgTs_Yielding\n";
      without += call + "\n";
    } else {
      with += release(tid);
    }
  }
  const std::string a_trace = write_file("with.txt", with),
                    b_trace = write_file("without.txt", without);
  const std::string a = temp_path("with.json"), b = temp_path("without.json");
  const std::string run = "SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 " MMUSIM_BINARY " trace ";
  ASSERT_EQ(sh(run + a_trace + " --quiet --stats " + a + " >/dev/null"), 0);
  ASSERT_EQ(sh(run + b_trace + " --quiet --stats " + b + " >/dev/null"), 0);
  // Equal but for host times, the input (its name, lines and SCHED lines).
  auto strip = [](std::string json) {
    std::string out;
    std::istringstream in(json);
    bool threads = false;
    for (std::string line; std::getline(in, line);) {
      if (line.find("\"threads\": [") != std::string::npos) threads = true;
      if (!threads && line.find("host") == std::string::npos &&
          line.find("seconds") == std::string::npos &&
          line.find("\"workload\"") == std::string::npos &&
          line.find("\"lines\"") == std::string::npos &&
          line.find("sched_lines") == std::string::npos)
        out += line + "\n";
      if (threads && line.rfind("    ]", 0) == 0) threads = false;
    }
    const size_t from = out.find("    \"command_line\": [");
    const size_t to = out.find("    ]\n", from);
    if (from != std::string::npos && to != std::string::npos) out.erase(from, to + 6 - from);
    return out;
  };
  const std::string ja = read_bytes(a);
  EXPECT_NE(ja.find("\"sched_lines\": 83"), std::string::npos);
  EXPECT_NE(ja.find("\"threads\": ["), std::string::npos);
  const std::string sa = strip(ja), sb = strip(read_bytes(b));
  EXPECT_GT(sa.size(), 1000u);
  EXPECT_NE(sa.find("\"syscalls_applied\": 8"), std::string::npos);
  EXPECT_EQ(sa, sb);
  for (const std::string& p : {a_trace, b_trace, a, b})
    std::remove(p.c_str());
}

}  // namespace
}  // namespace mmusim
