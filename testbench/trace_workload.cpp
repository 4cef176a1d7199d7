#include "testbench/trace_workload.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <unordered_map>
#include <vector>

#include "system/platform.h"

namespace mmusim {

namespace {

using sw::abi::kMapAnonymous;
using sw::abi::kMapFixed;
using sw::abi::kMapPopulate;
using sw::abi::kMapPrivate;
using sw::abi::kMapShared;
using sw::abi::kProtExec;
using sw::abi::kProtRead;
using sw::abi::kProtWrite;

constexpr uint64_t kPage = arch::kPageSize;
constexpr uint64_t kVaLimit = uint64_t{1} << 48;  // TTBR0 range
constexpr int kProtMask = kProtRead | kProtWrite | kProtExec;

uint64_t page_down(uint64_t a) {
  return a & ~(kPage - 1);
}
uint64_t page_up(uint64_t a) {
  return a > UINT64_MAX - (kPage - 1) ? page_down(UINT64_MAX) : page_down(a + kPage - 1);
}

int prot_of(RecordKind k) {
  switch (k) {
    case RecordKind::kFetch:
      return kProtRead | kProtExec;
    case RecordKind::kStore:
    case RecordKind::kModify:
      return kProtRead | kProtWrite;
    default:
      return kProtRead;
  }
}

// Disjoint [start, end) ranges, for the pages system calls have mapped.
class RangeSet {
 public:
  void add(uint64_t start, uint64_t end) {
    if (start >= end) return;
    remove(start, end);
    auto next = m_ranges.lower_bound(start);
    if (next != m_ranges.begin()) {
      auto prev = std::prev(next);
      if (prev->second == start) {
        start = prev->first;
        m_ranges.erase(prev);
      }
    }
    if (next != m_ranges.end() && next->first == end) {
      end = next->second;
      m_ranges.erase(next);
    }
    m_ranges[start] = end;
  }
  void remove(uint64_t start, uint64_t end) {
    if (start >= end) return;
    auto it = m_ranges.lower_bound(start);
    if (it != m_ranges.begin()) --it;
    while (it != m_ranges.end() && it->first < end) {
      const uint64_t s = it->first, e = it->second;
      if (e <= start) {
        ++it;
        continue;
      }
      it = m_ranges.erase(it);
      if (s < start) m_ranges[s] = start;
      if (e > end) m_ranges[end] = e;
    }
  }
  bool contains(uint64_t a) const {
    auto it = m_ranges.upper_bound(a);
    if (it == m_ranges.begin()) return false;
    return a < std::prev(it)->second;
  }
  bool empty() const { return m_ranges.empty(); }

 private:
  std::map<uint64_t, uint64_t> m_ranges;
};

struct MapsEntry {
  uint64_t start = 0, end = 0;
  int prot = 0;
  bool shared = false;
};

// /proc/PID/maps: "start-end perms offset dev inode [path]".
std::vector<MapsEntry> read_maps(const std::string& path, bool relocate) {
  TraceSource src(path);
  std::vector<MapsEntry> out;
  std::string_view line;
  auto fail = [&](const std::string& what) {
    throw TraceError(path + ":" + std::to_string(src.line_number()) + ": " + what);
  };
  auto hex = [&](std::string_view& s, uint64_t& v) {
    size_t i = 0;
    v = 0;
    for (; i < s.size() && i < 16; ++i) {
      const char c = s[i];
      const int d = c >= '0' && c <= '9'   ? c - '0'
                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                           : -1;
      if (d < 0) break;
      v = v << 4 | static_cast<uint64_t>(d);
    }
    s.remove_prefix(i);
    return i > 0;
  };
  while (src.next_line(line)) {
    if (line.empty()) continue;
    MapsEntry e;
    std::string_view s = line;
    if (!hex(s, e.start) || s.empty() || s[0] != '-') fail("malformed address range");
    s.remove_prefix(1);
    if (!hex(s, e.end) || s.size() < 5 || s[0] != ' ') fail("malformed address range");
    if (e.end <= e.start || e.start % kPage || e.end % kPage)
      fail("address range is empty or not page-aligned");
    const std::string_view perms = s.substr(1, 4);
    if ((perms[0] != 'r' && perms[0] != '-') || (perms[1] != 'w' && perms[1] != '-') ||
        (perms[2] != 'x' && perms[2] != '-') || (perms[3] != 'p' && perms[3] != 's'))
      fail("malformed permissions '" + std::string(perms) + "'");
    e.prot = (perms[0] == 'r' ? kProtRead : 0) | (perms[1] == 'w' ? kProtWrite : 0) |
             (perms[2] == 'x' ? kProtExec : 0);
    e.shared = perms[3] == 's';
    if (relocate) {
      e.end = relocate_valgrind_address(e.end - 1) + 1;
      e.start = relocate_valgrind_address(e.start);
    }
    out.push_back(e);
  }
  std::sort(out.begin(), out.end(),
            [](const MapsEntry& a, const MapsEntry& b) { return a.start < b.start; });
  return out;
}

}  // namespace

uint64_t relocate_valgrind_address(uint64_t va) {
  if (va < 0x400'0000) return va + 0xaaaa'aaa0'0000;
  if (va < 0x10'0000'0000) return va + 0xff00'0000'0000;
  if (va < 0x20'0000'0000) return va + 0xffe0'0000'0000;
  return va;
}

class TraceWorkload::Impl {
 public:
  Impl(const TraceOptions& options, TraceStats& stats,
       const std::function<void(const TraceProgress&)>& progress)
      : m_opt(options), m_stats(stats), m_progress(progress), m_src(options.path) {}

  void run(CpuPort& cpu) {
    using HostClock = std::chrono::steady_clock;
    const auto t0 = HostClock::now();
    m_last_report = t0;  // the first report after a second
    first_pass();
    const auto t1 = HostClock::now();
    m_stats.first_pass_host_seconds = std::chrono::duration<double>(t1 - t0).count();
    m_src.rewind();
    build_initial(cpu);
    replay(cpu);
    m_stats.replay_host_seconds = std::chrono::duration<double>(HostClock::now() - t1).count();
  }

 private:
  uint64_t reloc(uint64_t va) const { return m_opt.relocate ? relocate_valgrind_address(va) : va; }

  // The next access or address-space system call; false at the end.
  // Malformed lines throw, or are counted in the first pass and skipped.
  bool next(TraceRecord& r, bool first) {
    std::string_view line;
    for (;;) {
      // Most lines are well-formed accesses: parsed in place.
      if (const size_t n =
              parse_lackey_access_fast(m_src.buffered_begin(), m_src.buffered_end(), r)) {
        m_src.consume_line(n);
        if ((m_src.line_number() & 0xfffff) == 0) report(first);
        return true;
      }
      if (!m_src.next_line(line)) break;
      if ((m_src.line_number() & 0xfffff) == 0) report(first);
      if (!parse_lackey_line(line, r, m_error)) {
        const std::string msg =
            m_src.path() + ":" + std::to_string(m_src.line_number()) + ": " + m_error;
        if (!m_opt.skip_bad_lines) throw TraceError(msg);
        if (first) {
          if (m_stats.bad_lines++ == 0) m_stats.first_bad_line = msg;
        }
        continue;
      }
      if (r.kind == RecordKind::kIgnored) continue;
      if (r.kind != RecordKind::kSyscall) return true;
      SyscallRecord& sys = r.sys;
      if (sys.async_start) {
        if (sys.op != SyscallOp::kOther) m_pending[sys.number] = sys;
        continue;
      }
      if (sys.async_end) {
        auto it = m_pending.find(sys.number);
        if (it == m_pending.end()) continue;
        const bool ok = sys.success;
        const uint64_t result = sys.result;
        sys = it->second;
        m_pending.erase(it);
        sys.success = ok;
        sys.result = result;
      }
      if (sys.op == SyscallOp::kOther || !sys.success) continue;
      return true;
    }
    m_pending.clear();
    return false;
  }

  void report(bool first) {
    if (!m_progress) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - m_last_report < std::chrono::seconds(1)) return;
    m_last_report = now;
    TraceProgress p;
    p.lines = m_src.line_number();
    p.records = first ? 0 : m_stats.records();
    p.file_offset = m_src.file_offset();
    p.file_size = m_src.file_size();
    p.first_pass = first;
    m_progress(p);
  }

  // Tracks which ranges the trace's system calls have mapped so far.
  void track_syscall(const SyscallRecord& sys) {
    m_saw_syscalls = true;
    switch (sys.op) {
      case SyscallOp::kMmap:
        m_syscall_mapped.add(reloc(sys.result), page_up(reloc(sys.result) + sys.args[1]));
        break;
      case SyscallOp::kMunmap:
        m_syscall_mapped.remove(reloc(sys.args[0]), page_up(reloc(sys.args[0]) + sys.args[1]));
        break;
      case SyscallOp::kMremap:
        m_syscall_mapped.remove(reloc(sys.args[0]), page_up(reloc(sys.args[0]) + sys.args[1]));
        m_syscall_mapped.add(reloc(sys.result), page_up(reloc(sys.result) + sys.args[2]));
        break;
      case SyscallOp::kBrk: {
        const uint64_t brk = reloc(sys.result);
        if (!m_pass_brk_known) {
          m_pass_brk_known = true;
        } else if (brk > m_pass_brk) {
          m_syscall_mapped.add(page_up(m_pass_brk), page_up(brk));
        } else {
          m_syscall_mapped.remove(page_up(brk), page_up(m_pass_brk));
        }
        m_pass_brk = brk;
        break;
      }
      default:
        break;
    }
  }

  void touch(uint64_t va, int prot) {
    const uint64_t page = va / kPage;
    Seen& seen = m_seen[page & (kSeen - 1)];
    if (seen.page == page && (seen.prot & prot) == prot) return;
    auto [it, inserted] = m_pages.try_emplace(page, PageState{});
    if (inserted) it->second.initial = !m_syscall_mapped.contains(va);
    if (it->second.initial && (inserted || !m_syscall_mapped.contains(va)))
      it->second.prot = static_cast<uint8_t>(it->second.prot | prot);
    if (seen.page != page) seen = Seen{page, 0};
    seen.prot = static_cast<uint8_t>(seen.prot | prot);
  }

  void first_pass() {
    TraceRecord r;
    for (Seen& s : m_seen)
      s = Seen{};
    while (next(r, true)) {
      if (r.kind == RecordKind::kSyscall) {
        track_syscall(r.sys);
        for (Seen& s : m_seen)  // coverage changed: judge pages afresh
          s = Seen{};
        continue;
      }
      const uint64_t va = reloc(r.addr);
      const uint32_t size = std::min<uint32_t>(r.size, kMaxAccessBytes);
      const int prot = prot_of(r.kind);
      touch(va, prot);
      if (page_down(va) != page_down(va + size - 1)) touch(va + size - 1, prot);
    }
    m_stats.lines = m_src.line_number();
    m_stats.touched_pages = m_pages.size();
  }

  bool mapped_ok(CpuPort& cpu, const sw::SyscallResult& r) {
    cpu.charge(r.cost);
    if (!r.ok()) ++m_stats.syscalls_failed;
    return r.ok();
  }

  // Maps [start, end) with `prot`, giving it frames first when populating.
  void map_initial(CpuPort& cpu, uint64_t start, uint64_t end, int prot, bool shared,
                   bool populate) {
    sw::Kernel& k = kernel_of(cpu);
    const int type = shared ? kMapShared : kMapPrivate;
    if (!populate || prot == 0) {
      mapped_ok(
          cpu, k.mmap(VirtAddr(start), end - start, prot, type | kMapAnonymous | kMapFixed, -1, 0));
      return;
    }
    // A write-populated private mapping, then the real protection: every page
    // gets its own frame (a read-populated one would map the zero page).
    if (!mapped_ok(cpu, k.mmap(VirtAddr(start), end - start, prot | kProtWrite,
                               kMapPrivate | kMapAnonymous | kMapFixed | kMapPopulate, -1, 0)))
      return;
    m_stats.populated_pages += (end - start) / kPage;
    if (!(prot & kProtWrite)) mapped_ok(cpu, k.mprotect(VirtAddr(start), end - start, prot));
  }

  void build_initial(CpuPort& cpu) {
    // Initial touched pages, by address, in runs of one protection.
    std::vector<std::pair<uint64_t, uint8_t>> pages;
    for (const auto& [page, st] : m_pages)
      if (st.initial && page * kPage < kVaLimit) pages.emplace_back(page, st.prot);
    std::sort(pages.begin(), pages.end());
    struct Run {
      uint64_t start, end;
      int prot;
    };
    std::vector<Run> runs;
    for (const auto& [page, prot] : pages) {
      if (!runs.empty() && runs.back().end == page * kPage && runs.back().prot == prot)
        runs.back().end += kPage;
      else
        runs.push_back({page * kPage, page * kPage + kPage, prot});
    }

    if (m_opt.maps_path.empty()) {
      m_stats.address_space = m_saw_syscalls ? "syscalls+touched" : "touched";
      for (const Run& run : runs) {
        map_initial(cpu, run.start, run.end, run.prot, false, m_opt.populate);
        m_stats.initial_pages += (run.end - run.start) / kPage;
      }
      // Runs of different protection next to each other are one VMA each.
      for (size_t i = 0; i < runs.size(); ++i)
        if (i == 0 || runs[i - 1].end != runs[i].start || runs[i - 1].prot != runs[i].prot)
          ++m_stats.initial_vmas;
      return;
    }

    m_stats.address_space = m_saw_syscalls ? "maps+syscalls" : "maps";
    const std::vector<MapsEntry> maps = read_maps(m_opt.maps_path, m_opt.relocate);
    for (const MapsEntry& e : maps) {
      if (e.end > kVaLimit) continue;  // [vsyscall] and other kernel-half entries
      map_initial(cpu, e.start, e.end, e.prot, e.shared, false);
      ++m_stats.initial_vmas;
      m_stats.initial_pages += (e.end - e.start) / kPage;
    }
    if (!m_opt.populate) return;
    // Populate the touched pages inside the snapshot's VMAs, with their protection.
    for (const Run& run : runs) {
      for (uint64_t a = run.start; a < run.end;) {
        auto it = std::upper_bound(maps.begin(), maps.end(), a,
                                   [](uint64_t v, const MapsEntry& e) { return v < e.start; });
        if (it == maps.begin() || std::prev(it)->end <= a) {
          a += kPage;
          continue;
        }
        const MapsEntry& e = *std::prev(it);
        const uint64_t end = std::min(run.end, e.end);
        if (e.prot) map_initial(cpu, a, end, e.prot, false, true);
        a = end;
      }
    }
  }

  void apply_syscall(CpuPort& cpu, const SyscallRecord& sys) {
    sw::Kernel& k = kernel_of(cpu);
    ++m_stats.syscalls_applied;
    switch (sys.op) {
      case SyscallOp::kMmap: {
        const uint64_t addr = reloc(sys.result);
        const int prot = static_cast<int>(sys.args[2]) & kProtMask;
        const int flags = static_cast<int>(sys.args[3]);
        // MAP_SHARED (1) or MAP_SHARED_VALIDATE (3), anonymous: shared memory.
        const bool shared = (flags & 0x1) && (flags & kMapAnonymous);
        mapped_ok(cpu,
                  k.mmap(VirtAddr(addr), sys.args[1], prot,
                         (shared ? kMapShared : kMapPrivate) | kMapAnonymous | kMapFixed, -1, 0));
        break;
      }
      case SyscallOp::kMunmap:
        mapped_ok(cpu, k.munmap(VirtAddr(reloc(sys.args[0])), sys.args[1]));
        break;
      case SyscallOp::kMprotect:
        mapped_ok(cpu, k.mprotect(VirtAddr(reloc(sys.args[0])), sys.args[1],
                                  static_cast<int>(sys.args[2]) & kProtMask));
        break;
      case SyscallOp::kBrk: {
        // The heap is anonymous read-write memory between the first break
        // and the current one.
        const uint64_t brk = reloc(sys.result);
        if (!m_brk_known) {
          m_brk_known = true;
        } else if (page_up(brk) > page_up(m_brk)) {
          mapped_ok(cpu,
                    k.mmap(VirtAddr(page_up(m_brk)), page_up(brk) - page_up(m_brk),
                           kProtRead | kProtWrite, kMapPrivate | kMapAnonymous | kMapFixed, -1, 0));
        } else if (page_up(brk) < page_up(m_brk)) {
          mapped_ok(cpu, k.munmap(VirtAddr(page_up(brk)), page_up(m_brk) - page_up(brk)));
        }
        m_brk = brk;
        break;
      }
      case SyscallOp::kMremap: {
        const uint64_t old_addr = reloc(sys.args[0]);
        const uint64_t to = reloc(sys.result);
        const sw::SyscallResult r =
            to == old_addr
                ? k.mremap(VirtAddr(old_addr), sys.args[1], sys.args[2], 0, VirtAddr(0))
                : k.mremap(VirtAddr(old_addr), sys.args[1], sys.args[2],
                           sw::abi::kMremapMaymove | sw::abi::kMremapFixed, VirtAddr(to));
        cpu.charge(r.cost);
        if (r.ok()) break;
        // Our layout could not do what valgrind's did: move it by hand.
        int prot = kProtRead | kProtWrite;
        for (const sw::VmaInfo& v : k.maps())
          if (v.start.value() <= old_addr && old_addr < v.end.value())
            prot = (v.read ? kProtRead : 0) | (v.write ? kProtWrite : 0) | (v.exec ? kProtExec : 0);
        mapped_ok(cpu, k.munmap(VirtAddr(old_addr), sys.args[1]));
        mapped_ok(cpu, k.mmap(VirtAddr(to), sys.args[2], prot,
                              kMapPrivate | kMapAnonymous | kMapFixed, -1, 0));
        break;
      }
      case SyscallOp::kOther:
        break;
    }
  }

  void replay(CpuPort& cpu) {
    TraceRecord r;
    uint8_t data[kMaxAccessBytes] = {};
    while (next(r, false)) {
      AccessOutcome o;
      uint32_t size = r.size;
      if (size > kMaxAccessBytes) {
        size = kMaxAccessBytes;
        ++m_stats.clamped;
      }
      const VirtAddr va(reloc(r.addr));
      switch (r.kind) {
        case RecordKind::kFetch:
          ++m_stats.fetches;
          o = cpu.access(arch::AccessKind::kFetch, va, size, data);
          break;
        case RecordKind::kLoad:
          ++m_stats.loads;
          o = cpu.access(arch::AccessKind::kRead, va, size, data);
          break;
        case RecordKind::kStore:
          ++m_stats.stores;
          o = cpu.access(arch::AccessKind::kWrite, va, size, data);
          break;
        case RecordKind::kModify:
          ++m_stats.modifies;
          o = cpu.modify(va, size, data);
          break;
        default:
          apply_syscall(cpu, r.sys);
          continue;
      }
      if (o != AccessOutcome::kOk) ++m_stats.signals;
      if (o == AccessOutcome::kSigkill) {  // OOM-killed: the traced process is gone
        for (const sw::OomKill& k : kernel_of(cpu).oom_kills())
          std::fprintf(stderr, "mmusim: %s; the trace stops\n", k.describe().c_str());
        return;
      }
    }
  }

  struct PageState {
    uint8_t prot = 0;
    bool initial = false;  // first touched while no system call had mapped it
  };
  struct Seen {
    uint64_t page = UINT64_MAX;
    uint8_t prot = 0;
  };
  static constexpr size_t kSeen = 256;

  const TraceOptions& m_opt;
  TraceStats& m_stats;
  const std::function<void(const TraceProgress&)>& m_progress;
  TraceSource m_src;
  std::string m_error;
  std::unordered_map<uint32_t, SyscallRecord> m_pending;  // async starts by number
  std::chrono::steady_clock::time_point m_last_report{};
  // First pass.
  std::unordered_map<uint64_t, PageState> m_pages;
  Seen m_seen[kSeen];
  RangeSet m_syscall_mapped;
  bool m_saw_syscalls = false;
  bool m_pass_brk_known = false;
  uint64_t m_pass_brk = 0;
  // Replay.
  bool m_brk_known = false;
  uint64_t m_brk = 0;
};

TraceWorkload::TraceWorkload(TraceOptions options) : m_options(std::move(options)) {}

void TraceWorkload::run(CpuPort& cpu) {
  Impl impl(m_options, m_stats, on_progress);
  impl.run(cpu);
}

}  // namespace mmusim
