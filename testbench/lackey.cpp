#include "testbench/lackey.h"

#include <cstring>

#include "testbench/trace_source.h"

namespace mmusim {

namespace {

// 0-15 for hex digits, 255 otherwise.
struct HexTable {
  uint8_t v[256];
  constexpr HexTable() : v() {
    for (int i = 0; i < 256; ++i)
      v[i] = 255;
    for (int i = 0; i < 10; ++i)
      v['0' + i] = static_cast<uint8_t>(i);
    for (int i = 0; i < 6; ++i) {
      v['a' + i] = static_cast<uint8_t>(10 + i);
      v['A' + i] = static_cast<uint8_t>(10 + i);
    }
  }
};
constexpr HexTable kHex;

std::string quoted(std::string_view s) {
  return quote_input(s);
}

// "addr,size" as lackey prints it: hex address without 0x, decimal size.
bool parse_access(std::string_view text, TraceRecord& out, std::string& error) {
  const char* p = text.data();
  const char* end = p + text.size();
  uint64_t addr = 0;
  const char* start = p;
  while (p < end && kHex.v[static_cast<uint8_t>(*p)] != 255) {
    if (p - start == 16) {
      error = "address " + quoted(text) + " is longer than 64 bits";
      return false;
    }
    addr = addr << 4 | kHex.v[static_cast<uint8_t>(*p)];
    ++p;
  }
  if (p == start || p == end || *p != ',') {
    error = "malformed address,size " + quoted(text);
    return false;
  }
  ++p;
  uint64_t size = 0;
  start = p;
  while (p < end && *p >= '0' && *p <= '9' && p - start < 10) {
    size = size * 10 + static_cast<uint64_t>(*p - '0');
    ++p;
  }
  while (p < end && *p == ' ')
    ++p;
  if (p == start || p != end) {
    error = "malformed address,size " + quoted(text);
    return false;
  }
  if (size == 0 || size > kMaxRecordBytes) {
    error = "size " + std::string(text.substr(static_cast<size_t>(start - text.data()))) +
            " is out of range [1, " + std::to_string(kMaxRecordBytes) + "]";
    return false;
  }
  out.addr = addr;
  out.size = static_cast<uint32_t>(size);
  return true;
}

bool consume(std::string_view& s, std::string_view prefix) {
  if (s.substr(0, prefix.size()) != prefix) return false;
  s.remove_prefix(prefix.size());
  return true;
}

// A number as valgrind prints arguments and results: 0x-hex or decimal.
bool parse_number(std::string_view& s, uint64_t& v) {
  v = 0;
  size_t i = 0;
  if (s.size() > 2 && s[0] == '0' && s[1] == 'x') {
    i = 2;
    const size_t first = i;
    while (i < s.size() && kHex.v[static_cast<uint8_t>(s[i])] != 255 && i - first < 16)
      v = v << 4 | kHex.v[static_cast<uint8_t>(s[i++])];
    if (i == first) return false;
  } else {
    const size_t first = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9' && i - first < 20)
      v = v * 10 + static_cast<uint64_t>(s[i++] - '0');
    if (i == first) return false;
  }
  if (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || kHex.v[static_cast<uint8_t>(s[i])] != 255))
    return false;  // too long, or a malformed digit
  s.remove_prefix(i);
  return true;
}

// "Success(0x..)" or "Failure(0x..)" somewhere after "-->".
bool parse_outcome(std::string_view s, SyscallRecord& sys) {
  const size_t arrow = s.find("-->");
  if (arrow == std::string_view::npos) return false;
  s.remove_prefix(arrow + 3);
  for (const char* word : {"Success(", "Failure("}) {
    const size_t at = s.find(word);
    if (at == std::string_view::npos) continue;
    std::string_view v = s.substr(at + std::strlen(word));
    if (!parse_number(v, sys.result) || v.empty() || v[0] != ')') return false;
    sys.success = word[0] == 'S';
    return true;
  }
  if (s.find("[async]") != std::string_view::npos) {
    sys.async_start = true;
    return true;
  }
  return false;
}

size_t count_digits(std::string_view s, size_t from = 0) {
  size_t i = from;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9')
    ++i;
  return i - from;
}

// The length of a "--PID--" prefix followed by at least one space, or 0.
size_t pid_prefix(std::string_view line) {
  if (line.substr(0, 2) != "--") return 0;
  const size_t digits = count_digits(line, 2);
  if (digits == 0 || line.substr(2 + digits, 3) != "-- ") return 0;
  return 2 + digits + 2;
}

// "--PID--   SCHED[tid]: TEXT" (after the "--PID--" prefix of `prefix`
// bytes). Returns false with `error` set when it is malformed.
bool parse_sched(std::string_view line, size_t prefix, SchedRecord& out, std::string& error) {
  std::string_view s = line.substr(prefix);
  while (!s.empty() && s[0] == ' ')
    s.remove_prefix(1);
  const size_t digits = consume(s, "SCHED[") ? count_digits(s) : 0;
  if (digits == 0 || digits > 9 || s.substr(digits, 2) != "]:") {
    error = "malformed SCHED line " + quoted(line);
    return false;
  }
  uint32_t tid = 0;
  for (size_t i = 0; i < digits; ++i)
    tid = tid * 10 + static_cast<uint32_t>(s[i] - '0');
  if (tid == 0) {
    error = "SCHED line with thread id 0: " + quoted(line);
    return false;
  }
  s.remove_prefix(digits + 2);
  while (!s.empty() && s[0] == ' ')
    s.remove_prefix(1);
  out.tid = tid;
  if (consume(s, "acquired lock (")) {
    out.event = s.find("starting new thread") != std::string_view::npos ? SchedEvent::kStart
                                                                        : SchedEvent::kAcquire;
  } else if (consume(s, "releasing lock (")) {
    out.event = SchedEvent::kRelease;
  } else if (consume(s, "release lock in VG_(exit_thread)")) {
    out.event = SchedEvent::kExit;
  } else {
    out.event = SchedEvent::kOther;
  }
  return true;
}

bool parse_syscall(std::string_view line, TraceRecord& out, std::string& error) {
  out.kind = RecordKind::kSyscall;
  out.sys = SyscallRecord{};
  out.tid = 0;
  SyscallRecord& sys = out.sys;
  std::string_view s = line;
  consume(s, "SYSCALL[");
  const size_t close = s.find("](");
  if (close == std::string_view::npos) {
    error = "malformed system-call line";
    return false;
  }
  // "PID,TID": the thread that made the call.
  const size_t comma = s.substr(0, close).find(',');
  if (comma != std::string_view::npos) {
    const size_t digits = count_digits(s, comma + 1);
    if (digits == 0 || digits > 9 || comma + 1 + digits != close) {
      error = "malformed system-call thread id " + quoted(s.substr(0, close));
      return false;
    }
    for (size_t i = comma + 1; i < close; ++i)
      out.tid = out.tid * 10 + static_cast<uint32_t>(s[i] - '0');
  }
  s.remove_prefix(close + 2);
  uint64_t nr = 0;
  if (!parse_number(s, nr) || !consume(s, ") ")) {
    error = "malformed system-call number";
    return false;
  }
  sys.number = static_cast<uint32_t>(nr);
  if (consume(s, "... [async]")) {
    sys.async_end = true;
    if (!parse_outcome(s, sys) || sys.async_start) {
      error = "malformed system-call result";
      return false;
    }
    return true;
  }
  if (!consume(s, "sys_")) {
    out.kind = RecordKind::kIgnored;  // a form this reader does not need
    return true;
  }
  const size_t name_end = s.find(' ');
  const std::string_view name = s.substr(0, name_end);
  static constexpr struct {
    const char* name;
    SyscallOp op;
  } kOps[] = {{"mmap", SyscallOp::kMmap},
              {"munmap", SyscallOp::kMunmap},
              {"brk", SyscallOp::kBrk},
              {"mprotect", SyscallOp::kMprotect},
              {"mremap", SyscallOp::kMremap}};
  for (const auto& o : kOps)
    if (name == o.name) sys.op = o.op;
  if (sys.op == SyscallOp::kOther) return true;  // not one that shapes the address space
  s.remove_prefix(name.size());
  if (!consume(s, " ( ")) {
    error = "sys_" + std::string(name) + ": malformed argument list";
    return false;
  }
  while (!consume(s, ")")) {
    uint64_t v = 0;
    if (sys.nargs == 6 || !parse_number(s, v)) {
      error = "sys_" + std::string(name) + ": malformed argument " + quoted(s);
      return false;
    }
    sys.args[sys.nargs++] = v;
    consume(s, ",");
    consume(s, " ");
  }
  static constexpr unsigned kArgs[] = {0, 6, 2, 1, 3, 4};
  if (sys.nargs < kArgs[static_cast<int>(sys.op)]) {
    error = "sys_" + std::string(name) + ": " + std::to_string(sys.nargs) +
            " arguments, expected " + std::to_string(kArgs[static_cast<int>(sys.op)]);
    return false;
  }
  if (!parse_outcome(s, sys)) {
    error = "sys_" + std::string(name) + ": malformed result";
    return false;
  }
  return true;
}

}  // namespace

bool parse_lackey_line(std::string_view line, TraceRecord& out, std::string& error) {
  if (line.size() >= 3) {
    const char c0 = line[0], c1 = line[1], c2 = line[2];
    if (c0 == 'I' && c1 == ' ' && c2 == ' ') {
      out.kind = RecordKind::kFetch;
      return parse_access(line.substr(3), out, error);
    }
    if (c0 == ' ' && c2 == ' ') {
      switch (c1) {
        case 'L':
          out.kind = RecordKind::kLoad;
          return parse_access(line.substr(3), out, error);
        case 'S':
          out.kind = RecordKind::kStore;
          return parse_access(line.substr(3), out, error);
        case 'M':
          out.kind = RecordKind::kModify;
          return parse_access(line.substr(3), out, error);
        default:
          break;
      }
    }
  }
  if (const size_t prefix = pid_prefix(line)) {
    // valgrind's debug lines; --trace-sched=yes gives SCHED ones.
    std::string_view rest = line.substr(prefix);
    while (!rest.empty() && rest[0] == ' ')
      rest.remove_prefix(1);
    if (rest.substr(0, 5) != "SCHED") {
      out.kind = RecordKind::kIgnored;
      return true;
    }
    out.kind = RecordKind::kSched;
    if (!parse_sched(line, prefix, out.sched, error)) return false;
    out.tid = out.sched.tid;
    return true;
  }
  if (line.empty() || line.substr(0, 2) == "==" || line.substr(0, 2) == "--" ||
      line.substr(0, 2) == "**" || line.substr(0, 5) == " --> ") {
    // valgrind's own messages, and the result line of a system call it does
    // not implement ("SYSCALL[..](334) unimplemented ..." then " --> ...").
    out.kind = RecordKind::kIgnored;
    return true;
  }
  if (line.substr(0, 8) == "SYSCALL[") {
    // A SCHED line may be glued onto the end: "... Success(0x17e0) --6111--   SCHED[1]: ...".
    // (Only after "--PID--": an argument, a path, may hold "SCHED[" too.)
    out.sched = SchedRecord{};
    const size_t at = line.rfind("SCHED[");
    if (at == std::string_view::npos) return parse_syscall(line, out, error);
    // The tail starts at the "--PID--" before "SCHED[" (spaces between).
    size_t tail = std::string_view::npos;
    size_t p = at;
    while (p > 0 && line[p - 1] == ' ')
      --p;
    if (p >= 2 && line.substr(p - 2, 2) == "--") {
      size_t q = p - 2;
      while (q > 0 && line[q - 1] >= '0' && line[q - 1] <= '9')
        --q;
      if (q < p - 2 && q >= 2 && line.substr(q - 2, 2) == "--") tail = q - 2;
    }
    if (tail == std::string_view::npos || (tail > 0 && line[tail - 1] != ' '))
      return parse_syscall(line, out, error);
    SchedRecord sched;
    if (!parse_sched(line.substr(tail), pid_prefix(line.substr(tail)), sched, error)) return false;
    if (!parse_syscall(line.substr(0, tail), out, error)) return false;
    out.sched = sched;
    if (out.kind == RecordKind::kIgnored) {
      out.kind = RecordKind::kSched;
      out.tid = sched.tid;
    }
    return true;
  }
  error = "not a lackey record: " + quoted(line);
  return false;
}

}  // namespace mmusim
