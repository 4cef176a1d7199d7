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
//
// Parsing allocates nothing unless the line is malformed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mmusim {

enum class RecordKind : uint8_t { kFetch, kLoad, kStore, kModify, kSyscall, kIgnored };

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
};

// Largest size a record may give (lackey's MAX_DSIZE is 512).
constexpr uint32_t kMaxRecordBytes = 4096;

// Parses one line (without its newline). On a malformed line returns false
// and sets `error` to what is wrong (without FILE:LINE).
bool parse_lackey_line(std::string_view line, TraceRecord& out, std::string& error);

// The common case, in place: if [p, end) starts with a well-formed access
// line ("I  addr,size\n" or " K addr,size\n", K in L S M), fills `out` and
// returns the bytes it takes, newline included; otherwise 0, and the caller
// takes the general path (which also names what is wrong).
inline size_t parse_lackey_access_fast(const char* p, const char* end, TraceRecord& out) {
  struct HexTable {
    uint8_t v[256];
    constexpr HexTable() : v() {
      for (int i = 0; i < 256; ++i)
        v[i] = 255;
      for (int i = 0; i < 10; ++i)
        v['0' + i] = static_cast<uint8_t>(i);
      for (int i = 0; i < 6; ++i)
        v['a' + i] = static_cast<uint8_t>(10 + i);
    }
  };
  static constexpr HexTable kHex;
  if (end - p < 6) return 0;
  RecordKind kind;
  if (p[0] == 'I' && p[1] == ' ' && p[2] == ' ') {
    kind = RecordKind::kFetch;
  } else if (p[0] == ' ' && p[2] == ' ') {
    switch (p[1]) {
      case 'L':
        kind = RecordKind::kLoad;
        break;
      case 'S':
        kind = RecordKind::kStore;
        break;
      case 'M':
        kind = RecordKind::kModify;
        break;
      default:
        return 0;
    }
  } else {
    return 0;
  }
  const char* q = p + 3;
  uint64_t addr = 0;
  const char* digits = q;
  for (; q < end && q - digits <= 16; ++q) {
    const uint8_t v = kHex.v[static_cast<uint8_t>(*q)];
    if (v > 15) break;
    addr = addr << 4 | v;
  }
  if (q == digits || q - digits > 16 || q >= end || *q != ',') return 0;
  ++q;
  uint32_t size = 0;
  digits = q;
  for (; q < end && *q >= '0' && *q <= '9' && q - digits < 5; ++q)
    size = size * 10 + static_cast<uint32_t>(*q - '0');
  if (q == digits || q >= end || *q != '\n' || size == 0 || size > kMaxRecordBytes) return 0;
  out.kind = kind;
  out.addr = addr;
  out.size = size;
  return static_cast<size_t>(q + 1 - p);
}

}  // namespace mmusim
