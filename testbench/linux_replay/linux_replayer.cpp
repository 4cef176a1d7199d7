#include "testbench/linux_replay/linux_replayer.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csetjmp>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "testbench/script/transcript.h"

namespace mmusim::linux_replay {

using script::OpKind;
using script::ScriptError;
using script::ScriptOp;

namespace {

constexpr uint64_t kPageSize = 4096;
// The kernel rejects mmap/munmap/mremap ranges ending above TASK_SIZE before
// touching anything. x86-64 has 47 (or, with LA57, 56) bits of user space;
// ranges ending above this bound need no guard.
constexpr uint64_t kTaskSizeBound = 1ull << 56;
// How far below the stack a fault may still grow it (stack_guard_gap is
// 256 pages; leave room).
constexpr uint64_t kStackGrowthReach = 16ull << 20;

// ---- load/store with SIGSEGV/SIGBUS caught --------------------------------

sigjmp_buf g_access_env;
volatile sig_atomic_t g_access_armed = 0;

extern "C" void on_access_signal(int sig) {
  if (g_access_armed) {
    g_access_armed = 0;
    siglongjmp(g_access_env, sig);
  }
  // A fault of the replayer itself: die of it as usual.
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

void install_access_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_access_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;
  sigaction(SIGSEGV, &sa, nullptr);
  sigaction(SIGBUS, &sa, nullptr);
}

// Reads (or writes) one byte at `addr`. Returns 0, SIGSEGV or SIGBUS.
int access_byte(uint64_t addr, bool write, uint8_t value, uint8_t* read_out) {
  // NOLINTNEXTLINE(performance-no-int-to-ptr): the script's address is the point.
  volatile uint8_t* const p = reinterpret_cast<volatile uint8_t*>(addr);
  const int sig = sigsetjmp(g_access_env, 1);
  if (sig != 0) return sig;
  g_access_armed = 1;
  if (write)
    *p = value;
  else
    *read_out = *p;
  g_access_armed = 0;
  return 0;
}

// ---- /proc/self/maps -------------------------------------------------------

struct HostVma {
  uint64_t start = 0;
  uint64_t end = 0;
  std::string perms;  // "rw-p"
  uint64_t offset = 0;
  std::string path;                    // may be empty; may contain spaces
  std::map<std::string, uint64_t> kb;  // smaps only: "Rss" -> 8 (the "NAME: N kB" lines)
};

// /proc/self/maps, or with `smaps` /proc/self/smaps and each VMA's kB fields.
std::vector<HostVma> read_host_maps(bool smaps = false) {
  const char* file = smaps ? "/proc/self/smaps" : "/proc/self/maps";
  std::ifstream in(file);
  if (!in) throw std::runtime_error(std::string("cannot read ") + file);
  std::vector<HostVma> vmas;
  std::string line;
  while (std::getline(in, line)) {
    HostVma v;
    unsigned long long start = 0, end = 0, offset = 0;
    char perms[8] = {};
    int consumed = 0;
    if (std::sscanf(line.c_str(), "%llx-%llx %7s %llx %*s %*s%n", &start, &end, perms, &offset,
                    &consumed) < 4) {
      const size_t colon = line.find(':');
      unsigned long long value = 0;
      char unit[4] = {};
      if (smaps && !vmas.empty() && colon != std::string::npos) {
        if (std::sscanf(line.c_str() + colon + 1, "%llu %3s", &value, unit) == 2 &&
            std::string(unit) == "kB")
          vmas.back().kb[line.substr(0, colon)] = value;
        continue;
      }
      throw std::runtime_error(std::string("unexpected ") + file + " line '" + line + "'");
    }
    v.start = start;
    v.end = end;
    v.perms = perms;
    v.offset = offset;
    size_t i = static_cast<size_t>(consumed);
    while (i < line.size() && line[i] == ' ')
      ++i;
    v.path = line.substr(i);
    vmas.push_back(std::move(v));
  }
  return vmas;
}

bool outside_arena(const HostVma& v) {
  return v.end <= kArenaStart || v.start >= kArenaEnd;
}

// The script's MAP_GROWSDOWN VMAs at the bottom of the arena may grow below
// it, and a munmap or mprotect may leave such a piece wholly outside: VMAs
// wholly inside this zone (empty when the replayer starts) are the
// script's, not the replayer's.
constexpr uint64_t kBelowArenaZone = 1ull << 30;

bool below_arena_zone(const HostVma& v) {
  return v.start >= kArenaStart - kBelowArenaZone && v.end <= kArenaStart;
}

// Memory of the replayer's own process, which scripts must not touch.
bool replayer_memory(const HostVma& v) {
  return outside_arena(v) && !below_arena_zone(v);
}

bool overlaps(uint64_t a0, uint64_t a1, uint64_t b0, uint64_t b1) {
  return a0 < b1 && b0 < a1;
}

// [addr, addr + PAGE_ALIGN(len)); false when that overflows.
bool page_range(uint64_t addr, uint64_t len, uint64_t& start, uint64_t& end) {
  start = addr & ~(kPageSize - 1);
  if (len > UINT64_MAX - (kPageSize - 1)) return false;
  const uint64_t alen = (len + kPageSize - 1) & ~(kPageSize - 1);
  if (addr > UINT64_MAX - alen) return false;
  end = addr + alen;
  return true;
}

std::string hex(uint64_t v) {
  return script::format_hex_addr(v);
}

int neg_errno() {
  return -errno;
}

}  // namespace

LinuxReplayer::LinuxReplayer(std::string source_name, std::vector<ScriptOp> ops, std::ostream& out)
    : m_source(std::move(source_name)), m_ops(std::move(ops)), m_out(out) {}

LinuxReplayer::~LinuxReplayer() {
  cleanup();
}

void LinuxReplayer::refuse(const ScriptOp& op, const std::string& what) const {
  throw ScriptError(m_source + ":" + std::to_string(op.line) + ": " +
                    std::string(script::op_name(op.kind)) + ": " + what);
}

void LinuxReplayer::check_supported() const {
  for (const ScriptOp& op : m_ops) {
    switch (op.kind) {
      case OpKind::kFile:
      case OpKind::kOpen:
        if (op.name.empty() || op.name == "." || op.name == ".." ||
            op.name.find('/') != std::string::npos || op.name.find('\0') != std::string::npos)
          refuse(op, "NAME '" + op.name + "' must be a plain file name");
        break;
      case OpKind::kClose:
      case OpKind::kTruncate:
      case OpKind::kMmap:
      case OpKind::kMunmap:
      case OpKind::kMprotect:
      case OpKind::kMremap:
      case OpKind::kMadvise:
      case OpKind::kMsync:
      case OpKind::kLoad:
      case OpKind::kStore:
      case OpKind::kPread:
      case OpKind::kPwrite:
      case OpKind::kMaps:
      case OpKind::kSmaps:
        break;
      default:  // simulator extensions, present and future
        refuse(op, "not supported by the Linux replayer");
    }
  }
}

void LinuxReplayer::guard_range(const ScriptOp& op, uint64_t start, uint64_t end) const {
  if (end <= start) return;
  for (const HostVma& v : read_host_maps())
    if (replayer_memory(v) && overlaps(start, end, v.start, v.end))
      refuse(op, "range " + hex(start) + "-" + hex(end) + " reaches the replayer's own memory at " +
                     hex(v.start) + " (scripts compared with Linux stay in the arena)");
}

void LinuxReplayer::guard_access(const ScriptOp& op, uint64_t addr) const {
  if (addr >= kArenaStart && addr < kArenaEnd) return;
  for (const HostVma& v : read_host_maps()) {
    if (!replayer_memory(v)) continue;
    const bool stack = v.path == "[stack]";
    const uint64_t low =
        stack && v.start > kStackGrowthReach ? v.start - kStackGrowthReach : v.start;
    if (addr >= low && addr < v.end)
      refuse(op, "address " + hex(addr) + " is the replayer's own memory" +
                     " (scripts compared with Linux stay in the arena)");
  }
}

int LinuxReplayer::real_fd(uint64_t script_fd) const {
  const auto it = m_fds.find(script_fd);
  return it == m_fds.end() ? -1 : it->second;
}

std::string LinuxReplayer::path_of(const std::string& name) const {
  return m_dir + "/" + name;
}

void LinuxReplayer::run() {
  for (const HostVma& v : read_host_maps()) {
    if (!outside_arena(v))
      throw std::runtime_error("the replayer's process already has memory in the arena at " +
                               hex(v.start));
    if (v.end > kArenaStart - kBelowArenaZone && v.start < kArenaStart)
      throw std::runtime_error(
          "the replayer's process already has memory just below the arena at " + hex(v.start));
  }
  const char* tmp = std::getenv("TMPDIR");
  std::string templ =
      std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/mmusim-replay-XXXXXX";
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr)
    throw std::runtime_error("mkdtemp " + templ + ": " + std::strerror(errno));
  m_dir = buf.data();
  install_access_handlers();
  for (const ScriptOp& op : m_ops)
    execute(op);
  m_out.flush();
  cleanup();
}

void LinuxReplayer::cleanup() {
  for (const auto& [script_fd, fd] : m_fds)
    ::close(fd);
  m_fds.clear();
  if (m_dir.empty()) return;
  // Every file in the directory, whatever created it (open with O_CREAT).
  if (DIR* d = ::opendir(m_dir.c_str())) {
    while (const dirent* e = ::readdir(d)) {
      const std::string n = e->d_name;
      if (n != "." && n != "..") ::unlink(path_of(n).c_str());
    }
    ::closedir(d);
  }
  ::rmdir(m_dir.c_str());
  m_dir.clear();
}

void LinuxReplayer::print_maps(bool smaps) {
  m_out << (smaps ? "smaps:\n" : "maps:\n");
  const std::string prefix = m_dir + "/";
  for (const HostVma& v : read_host_maps(smaps)) {
    if (outside_arena(v)) continue;
    script::MapsEntry e;
    e.start = v.start;
    e.end = v.end;
    e.read = v.perms.size() > 0 && v.perms[0] == 'r';
    e.write = v.perms.size() > 1 && v.perms[1] == 'w';
    e.exec = v.perms.size() > 2 && v.perms[2] == 'x';
    e.shared = v.perms.size() > 3 && v.perms[3] == 's';
    e.offset = v.offset;
    if (v.path.compare(0, prefix.size(), prefix) == 0)
      e.name = v.path.substr(prefix.size());  // the script's NAME (maybe "NAME (deleted)")
    else if (v.path.compare(0, 9, "/dev/zero") == 0 || v.path.compare(0, 5, "/SYSV") == 0 ||
             v.path.compare(0, 11, "[anon_shmem") == 0)
      e.name = "[shared-anon]";
    else
      e.name = v.path;
    m_out << script::format_maps_entry(e) << '\n';
    if (!smaps) continue;
    for (const char* field : script::kSmapsFields) {
      const auto it = v.kb.find(field);
      m_out << script::format_smaps_field(field, it == v.kb.end() ? 0 : it->second) << '\n';
    }
  }
}

void LinuxReplayer::execute(const ScriptOp& op) {
  const std::string name(script::op_name(op.kind));
  auto line = [&](const std::string& result) {
    m_out << script::format_line(name, result) << '\n';
  };
  // A syscall(2) result: -1 with errno, or the value.
  auto status = [&](long r) { line(script::format_status(r == -1 ? neg_errno() : r)); };
  auto address = [&](long r) {
    if (r == -1) {
      line(script::format_errno(neg_errno()));
      return;
    }
    const uint64_t v = static_cast<uint64_t>(r);
    line(v < kArenaStart || v >= kArenaEnd ? "outside" : script::format_addr_result(v));
  };
  uint64_t start = 0, end = 0;
  switch (op.kind) {
    case OpKind::kFile: {
      const int fd =
          ::open(path_of(op.name).c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
      if (fd < 0) {
        line(script::format_errno(neg_errno()));
        break;
      }
      long r = ::ftruncate(fd, static_cast<off_t>(op.arg("SIZE")));
      if (r == -1) r = neg_errno();
      ::close(fd);
      line(script::format_status(r));
      break;
    }
    case OpKind::kOpen: {
      const int mode = op.flags("MODE");
      const int fd = ::open(path_of(op.name).c_str(), mode | O_CLOEXEC, 0644);
      if (fd < 0) {
        line(script::format_errno(neg_errno()));
        break;
      }
      // Reusing a script FD replaces it, as dup2 onto an open descriptor.
      const uint64_t script_fd = op.arg("FD");
      if (const auto it = m_fds.find(script_fd); it != m_fds.end()) ::close(it->second);
      m_fds[script_fd] = fd;
      line("0");
      break;
    }
    case OpKind::kClose: {
      const uint64_t script_fd = op.arg("FD");
      const long r = ::close(real_fd(script_fd));
      status(r);
      m_fds.erase(script_fd);
      break;
    }
    case OpKind::kTruncate:
      status(::ftruncate(real_fd(op.arg("FD")), static_cast<off_t>(op.arg("SIZE"))));
      break;
    case OpKind::kMmap: {
      const uint64_t addr = op.arg("ADDR"), len = op.arg("LEN");
      const int flags = op.flags("FLAGS");
      const int fd = op.has_tail ? real_fd(op.arg("FD")) : -1;
      const uint64_t offset = op.has_tail ? op.arg("OFFSET") : 0;
      if ((flags & MAP_FIXED) != 0 && (flags & MAP_FIXED_NOREPLACE) == 0 &&
          page_range(addr, len, start, end) && end <= kTaskSizeBound)
        guard_range(op, start, end);
      address(::syscall(SYS_mmap, addr, len, op.flags("PROT"), flags, fd, offset));
      break;
    }
    case OpKind::kMunmap: {
      const uint64_t addr = op.arg("ADDR"), len = op.arg("LEN");
      if (page_range(addr, len, start, end) && end <= kTaskSizeBound) guard_range(op, start, end);
      status(::syscall(SYS_munmap, addr, len));
      break;
    }
    case OpKind::kMprotect: {
      const uint64_t addr = op.arg("ADDR"), len = op.arg("LEN");
      // mprotect stops at the first hole: guard the run of VMAs from ADDR.
      if (page_range(addr, len, start, end) && end > start) {
        const std::vector<HostVma> vmas = read_host_maps();
        uint64_t at = start;
        for (const HostVma& v : vmas) {
          if (v.end <= at) continue;
          if (v.start > at || at >= end) break;
          if (outside_arena(v)) guard_range(op, v.start, v.end);
          at = v.end;
        }
      }
      status(::syscall(SYS_mprotect, addr, len, op.flags("PROT")));
      break;
    }
    case OpKind::kMremap: {
      const uint64_t old_addr = op.arg("OLD");
      const uint64_t new_len = op.arg("NEWLEN");
      const int flags = op.flags("FLAGS");
      const uint64_t new_addr = op.has_tail ? op.arg("NEWADDR") : 0;
      if (old_addr < kArenaStart || old_addr >= kArenaEnd) guard_range(op, old_addr, old_addr + 1);
      if ((flags & MREMAP_FIXED) != 0 && page_range(new_addr, new_len, start, end) &&
          end <= kTaskSizeBound)
        guard_range(op, start, end);
      address(::syscall(SYS_mremap, old_addr, op.arg("OLDLEN"), new_len, flags, new_addr));
      break;
    }
    case OpKind::kMadvise: {
      const uint64_t addr = op.arg("ADDR"), len = op.arg("LEN");
      // madvise skips holes: guard the whole range.
      if (page_range(addr, len, start, end)) guard_range(op, start, end);
      status(::syscall(SYS_madvise, addr, len, op.flags("ADVICE")));
      break;
    }
    case OpKind::kMsync:
      status(::syscall(SYS_msync, op.arg("ADDR"), op.arg("LEN"), op.flags("FLAGS")));
      break;
    case OpKind::kLoad: {
      const uint64_t addr = op.arg("ADDR");
      guard_access(op, addr);
      uint8_t byte = 0;
      const int sig = access_byte(addr, false, 0, &byte);
      line(sig == 0 ? script::format_byte(byte) : sig == SIGBUS ? "SIGBUS" : "SIGSEGV");
      break;
    }
    case OpKind::kStore: {
      const uint64_t addr = op.arg("ADDR");
      guard_access(op, addr);
      const int sig = access_byte(addr, true, static_cast<uint8_t>(op.arg("VALUE")), nullptr);
      line(sig == 0 ? "ok" : sig == SIGBUS ? "SIGBUS" : "SIGSEGV");
      break;
    }
    case OpKind::kPread: {
      uint8_t byte = 0;
      const ssize_t r =
          ::pread(real_fd(op.arg("FD")), &byte, 1, static_cast<off_t>(op.arg("OFFSET")));
      if (r < 0)
        line(script::format_errno(neg_errno()));
      else
        line(r == 0 ? "eof" : script::format_byte(byte));
      break;
    }
    case OpKind::kPwrite: {
      const uint8_t byte = static_cast<uint8_t>(op.arg("VALUE"));
      const ssize_t r =
          ::pwrite(real_fd(op.arg("FD")), &byte, 1, static_cast<off_t>(op.arg("OFFSET")));
      line(r < 0 ? script::format_errno(neg_errno()) : "0");
      break;
    }
    case OpKind::kMaps:
      print_maps(false);
      break;
    case OpKind::kSmaps:
      print_maps(true);
      break;
    default:
      refuse(op, "not supported by the Linux replayer");
  }
}

int replay_main(int argc, char* argv[]) {
  constexpr const char* kUsage =
      "usage: mmusim_linux_replay FILE\n"
      "Runs the syscall script FILE on the host Linux kernel with real system calls\n"
      "and prints its transcript (the format of `mmusim script FILE --compare`).\n"
      "Exit status: 0 success, 1 host failure, 2 bad or unsupported script.\n";
  std::string file;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if ((!a.empty() && a[0] == '-') || !file.empty()) {
      std::fprintf(stderr, "mmusim_linux_replay: unexpected argument '%s'\n\n%s", a.c_str(),
                   kUsage);
      return 2;
    }
    file = a;
  }
  if (file.empty()) {
    std::fprintf(stderr, "mmusim_linux_replay: no FILE given\n\n%s", kUsage);
    return 2;
  }
  try {
    LinuxReplayer replayer(file, script::parse_script_file(file), std::cout);
    replayer.check_supported();
    replayer.run();
    return 0;
  } catch (const ScriptError& e) {
    std::cout.flush();
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::cout.flush();
    std::fprintf(stderr, "mmusim_linux_replay: error: %s\n", e.what());
    return 1;
  }
}

}  // namespace mmusim::linux_replay
