// The line format of valgrind's lackey tool (`valgrind --tool=lackey
// --trace-mem=yes`, valgrind 3.19), optionally interleaved with the core's
// `--trace-syscalls=yes` lines:
//
//   I  0401ab70,3          instruction fetch: address (hex), size (decimal)
//    L 1fff000708,8        load
//    S 1fff000708,8        store
//    M 1fff000708,8        modify: a load and a store of one location by one
//                          instruction (counted as one access)
//   SYSCALL[7215,1](9) sys_mmap ( 0x0, 8192, 3, 34, 4294967295, 0 ) --> [pre-success]
//     Success(0x4835000)  (on one line)
//   SYSCALL[7215,1](10) sys_mprotect ( 0x4bec000, 16384, 1 )[sync] --> Success(0x0)
//   SYSCALL[7215,1](257) sys_openat ( ... ) --> [async] ...
//   SYSCALL[7215,1](257) ... [async] --> Success(0x4)
//   SYSCALL[7215,1](334) unimplemented (by the kernel) syscall: 334! (ni_syscall)
//    --> [pre-fail] Failure(0x26)
//   ==7215== ...           valgrind's own messages (header, summary)
//   --7215--   SCHED[2]:  acquired lock (thread_wrapper(starting new thread))
//                          `--trace-sched=yes`: the thread (valgrind's tid)
//                          that owns the records up to the next acquired
//                          lock; the same text may follow a SYSCALL line's
//                          result on that line (valgrind prints no newline
//                          before it)
//
// Parsing allocates nothing unless the line is malformed.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace mmusim {

enum class RecordKind : uint8_t { kFetch, kLoad, kStore, kModify, kSyscall, kSched, kIgnored };

// What a `SCHED[tid]: ...` line says (valgrind's scheduler, --trace-sched=yes):
//   kStart    "acquired lock (thread_wrapper(starting new thread))": the
//             thread's first run (a new thread, even on a tid seen before)
//   kAcquire  any other "acquired lock (...)": the thread runs from here
//   kRelease  "releasing lock (...) -> STATE": it stops running
//   kExit     "release lock in VG_(exit_thread)": the thread ended
//   kOther    any other well-formed SCHED line ("entering VG_(scheduler)", ...)
enum class SchedEvent : uint8_t { kNone, kStart, kAcquire, kRelease, kExit, kOther };

struct SchedRecord {
  SchedEvent event = SchedEvent::kNone;
  uint32_t tid = 0;
};

// The system calls that shape the address space; every other one is kOther.
enum class SyscallOp : uint8_t { kOther, kMmap, kMunmap, kBrk, kMprotect, kMremap };

struct SyscallRecord {
  SyscallOp op = SyscallOp::kOther;
  uint32_t number = 0;  // the host's system-call number, as printed
  uint64_t args[6] = {0, 0, 0, 0, 0, 0};
  unsigned nargs = 0;
  // An "[async] ..." start line has its arguments but no result yet; the
  // matching "... [async] -->" line has the result but no name or arguments.
  bool async_start = false;
  bool async_end = false;
  bool success = false;
  uint64_t result = 0;  // the return value, or the errno of a failure
};

struct TraceRecord {
  RecordKind kind = RecordKind::kIgnored;
  uint64_t addr = 0;
  uint32_t size = 0;
  SyscallRecord sys;  // kSyscall only
  // kSyscall: the tid of SYSCALL[pid,tid]. kSched: the event (with its
  // tid). kSyscall: a SCHED event glued onto the end of the line
  // (event kNone when there is none); it comes after the system call.
  uint32_t tid = 0;
  SchedRecord sched;
};

// Largest size a record may give (lackey's MAX_DSIZE is 512).
constexpr uint32_t kMaxRecordBytes = 4096;

// Parses one line (without its newline). On a malformed line returns false
// and sets `error` to what is wrong (without FILE:LINE).
bool parse_lackey_line(std::string_view line, TraceRecord& out, std::string& error);

namespace lackey_detail {

constexpr uint64_t kOnes = 0x0101010101010101, kHigh = 0x8080808080808080;

// Eight characters at once (little-endian): `valid` has 0x80 in each byte
// that is a lowercase hex digit, `nibbles` each byte's digit value (garbage
// where not valid). Bytes below 0x80 never carry into their neighbour; a
// byte at or above it is not valid and may disturb only the bytes after it,
// which the caller ignores (it wants the leading run of digits).
struct HexWord {
  uint64_t valid, nibbles;
};
inline HexWord hex_word(uint64_t x) {
  const uint64_t digit = (x + (0x80 - '0') * kOnes) & ~(x + (0x7f - '9') * kOnes);
  const uint64_t alpha = (x + (0x80 - 'a') * kOnes) & ~(x + (0x7f - 'f') * kOnes);
  const uint64_t not_high = ~x & kHigh;
  return {(digit | alpha) & not_high, (x & 0x0f0f0f0f0f0f0f0f) + ((alpha & not_high) >> 7) * 9};
}
// The number whose 8 hex digits are the bytes of `n`, the first byte the
// most significant.
inline uint64_t combine_hex8(uint64_t n) {
  n = ((n << 4) | (n >> 8)) & 0x00ff00ff00ff00ff;
  n = ((n << 8) | (n >> 16)) & 0x0000ffff0000ffff;
  return ((n << 16) | (n >> 32)) & 0xffffffff;
}
inline uint64_t load8(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
// Leading bytes of a `valid` mask that are valid (0-8).
inline unsigned leading_valid(uint64_t valid) {
  const uint64_t invalid = ~valid & kHigh;
  return invalid ? static_cast<unsigned>(__builtin_ctzll(invalid)) / 8 : 8;
}
// The record kind by the line's second byte (' ' for "I  "), kIgnored for none.
struct KindTable {
  RecordKind v[256];
  constexpr KindTable() : v() {
    for (auto& k : v)
      k = RecordKind::kIgnored;
    v[' '] = RecordKind::kFetch;
    v['L'] = RecordKind::kLoad;
    v['S'] = RecordKind::kStore;
    v['M'] = RecordKind::kModify;
  }
};
inline constexpr KindTable kKinds{};

}  // namespace lackey_detail

// The common case, in place: if [p, end) starts with a well-formed access
// line ("I  addr,size\n" or " K addr,size\n", K in L S M, the address in
// lowercase hex as lackey prints it), fills `out` and returns the bytes it
// takes, newline included; otherwise 0, and the caller takes the general
// path (which also names what is wrong). With 40 bytes left it reads the
// address eight characters at a time (no per-digit loop, whose exit
// mispredicts as addresses alternate between 8 and 10 digits); the general
// parser checks it (tests/testbench/trace_test.cpp,
// Lackey.FastParserAgreesWithTheGeneralOne). A fully branch-free variant
// (address and size by SWAR, the length by conditional moves) measured
// slower in the replay: it makes each line's end wait for the whole parse.
inline size_t parse_lackey_access_fast(const char* p, const char* end, TraceRecord& out) {
  using namespace lackey_detail;
  if (end - p < 6) return 0;
  const RecordKind kind = kKinds.v[static_cast<uint8_t>(p[1])];
  const char first = p[1] == ' ' ? 'I' : ' ';
  if ((kind == RecordKind::kIgnored) | (p[0] != first) | (p[2] != ' ')) return 0;
  const char* q = p + 3;
  uint64_t addr = 0;
  uint32_t size = 0;
  if (end - p >= 40) {
    const HexWord a = hex_word(load8(q)), b = hex_word(load8(q + 8));
    unsigned n = leading_valid(a.valid);  // address digits
    if (n < 8) {
      if (n == 0) return 0;
      addr = combine_hex8(a.nibbles << (8 * (8 - n)));
    } else {
      n += leading_valid(b.valid);
      if (n == 8) {
        addr = combine_hex8(a.nibbles);
      } else {
        // The last eight digits, and the n - 8 before them.
        const uint64_t lo = combine_hex8(hex_word(load8(q + n - 8)).nibbles);
        const uint64_t hi = combine_hex8(n == 16 ? a.nibbles : a.nibbles << (8 * (16 - n)));
        addr = hi << 32 | lo;
      }
    }
    if (q[n] != ',') return 0;
    q += n + 1;
    // At most 5 digits and the newline: within the 40 bytes.
    const char* digits = q;
    for (; *q >= '0' && *q <= '9' && q - digits < 5; ++q)
      size = size * 10 + static_cast<uint32_t>(*q - '0');
    if (q == digits || *q != '\n') return 0;
  } else {
    static constexpr struct HexTable {
      uint8_t v[256];
      constexpr HexTable() : v() {
        for (int i = 0; i < 256; ++i)
          v[i] = 255;
        for (int i = 0; i < 10; ++i)
          v['0' + i] = static_cast<uint8_t>(i);
        for (int i = 0; i < 6; ++i)
          v['a' + i] = static_cast<uint8_t>(10 + i);
      }
    } kHex;
    const char* digits = q;
    for (; q < end && q - digits <= 16; ++q) {
      const uint8_t v = kHex.v[static_cast<uint8_t>(*q)];
      if (v > 15) break;
      addr = addr << 4 | v;
    }
    if (q == digits || q - digits > 16 || q >= end || *q != ',') return 0;
    ++q;
    digits = q;
    for (; q < end && *q >= '0' && *q <= '9' && q - digits < 5; ++q)
      size = size * 10 + static_cast<uint32_t>(*q - '0');
    if (q == digits || q >= end || *q != '\n') return 0;
  }
  if ((size == 0) | (size > kMaxRecordBytes)) return 0;
  out.kind = kind;
  out.addr = addr;
  out.size = size;
  return static_cast<size_t>(q + 1 - p);
}

}  // namespace mmusim
