#include "testbench/trace_workload.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <unordered_map>
#include <vector>

#include "sw/mm/address_spaces.h"
#include "sw/reclaim/reclaim.h"
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
      fail("malformed permissions " + quote_input(perms));
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
      : m_opt(options), m_stats(stats), m_progress(progress), m_src(options.path) {
    m_src.skip_long_lines(options.skip_bad_lines);
  }

  void run(CpuPort& cpu) {
    using HostClock = std::chrono::steady_clock;
    const auto t0 = HostClock::now();
    m_last_report = t0;  // the first report after a second
    if (!m_opt.maps_path.empty()) map_snapshot(cpu);
    replay(cpu);
    finish();
    m_stats.replay_host_seconds = std::chrono::duration<double>(HostClock::now() - t0).count();
  }

 private:
  uint64_t reloc(uint64_t va) const { return m_opt.relocate ? relocate_valgrind_address(va) : va; }

  // The next access or address-space system call; false at the end.
  // Malformed lines throw, or are counted and skipped.
  bool next(TraceRecord& r) {
    std::string_view line;
    for (;;) {
      // Most lines are well-formed accesses: parsed in place.
      if (const size_t n =
              parse_lackey_access_fast(m_src.buffered_begin(), m_src.buffered_end(), r)) {
        m_src.consume_line(n);
        if ((m_src.line_number() & 0xfffff) == 0) report();
        return true;
      }
      if (!m_src.next_line(line)) break;
      if ((m_src.line_number() & 0xfffff) == 0) report();
      if (m_src.line_too_long()) {
        m_error = "line longer than 1 MB";
      } else if (parse_lackey_line(line, r, m_error)) {
        m_error.clear();
      }
      if (!m_error.empty()) {
        const std::string msg =
            m_src.path() + ":" + std::to_string(m_src.line_number()) + ": " + m_error;
        if (!m_opt.skip_bad_lines) throw TraceError(msg);
        if (m_stats.bad_lines++ == 0) m_stats.first_bad_line = msg;
        continue;
      }
      if (r.kind == RecordKind::kIgnored) continue;
      if (r.kind != RecordKind::kSyscall) return true;
      SyscallRecord& sys = r.sys;
      if (sys.async_start) {
        // Bounded: valgrind has one call in flight per thread.
        if (sys.op != SyscallOp::kOther && m_pending.size() < kMaxPending)
          m_pending[sys.number] = sys;
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

  // Every 2^20 lines.
  void report() {
    m_src.release_consumed();
    if (!m_progress) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - m_last_report < std::chrono::seconds(1)) return;
    m_last_report = now;
    TraceProgress p;
    p.lines = m_src.line_number();
    p.records = m_stats.records();
    p.file_offset = m_src.file_offset();
    p.file_size = m_src.file_size();
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

  // The protection a page of the initial image gets when an access of kind
  // `prot` first touches it: data pages read-write, code pages read-execute
  // (one pass cannot know whether a store follows a load; mapping a loaded
  // page read-only and widening it at the store would be an mprotect, and a
  // TLB invalidation, that the program never made).
  static uint8_t initial_prot(int prot) {
    return static_cast<uint8_t>((prot & kProtExec) ? kProtRead | kProtExec
                                                   : kProtRead | kProtWrite);
  }

  // Before an access of `prot` to `va`: a page of the initial image (first
  // touched while no system call of the trace had mapped it) is mapped now,
  // or widened when it lacks `prot`.
  void touch(CpuPort& cpu, uint64_t va, int prot) {
    const uint64_t page = va / kPage;
    Seen& seen = m_seen[page & (kSeen - 1)];
    if (seen.page == page && (seen.prot & prot) == prot) return;
    touch_slow(cpu, va, prot);
    if (seen.page != page) seen = Seen{page, 0};
    seen.prot = static_cast<uint8_t>(seen.prot | prot);
  }

  void touch_slow(CpuPort& cpu, uint64_t va, int prot) {
    // Outside TTBR0 nothing is mapped (the access takes its fault), and
    // nothing is kept: junk addresses must not grow the table.
    if (va >= kVaLimit) return;
    const uint64_t page = va / kPage;
    auto [it, inserted] = m_pages.try_emplace(page, PageState{});
    PageState& st = it->second;
    if (!inserted && (!st.initial || (st.prot & prot) == prot)) return;
    const bool covered = m_syscall_mapped.contains(va);
    if (inserted) st.initial = !covered;
    if (!st.initial || (!inserted && covered)) return;
    uint8_t want = static_cast<uint8_t>(inserted ? initial_prot(prot) : st.prot | prot);
    // Populating (the cachegrind set-up) maps every page read-write-execute:
    // making a code page read-execute after the write-populate, or widening
    // a data page for a fetch later, would be an mprotect whose TLB
    // invalidation drops the page's TLB and walk-cache entries in the middle
    // of the replay, a miss cachegrind does not have.
    if (inserted && m_opt.populate && m_opt.maps_path.empty())
      want = kProtRead | kProtWrite | kProtExec;
    const bool first = inserted;
    st.prot = want;
    const uint64_t start = page * kPage;
    if (!m_opt.maps_path.empty()) {
      // The snapshot mapped it; populating gives it its own frame.
      if (!first || !m_opt.populate) return;
      auto e = std::upper_bound(m_maps.begin(), m_maps.end(), start,
                                [](uint64_t v, const MapsEntry& m) { return v < m.start; });
      if (e == m_maps.begin() || std::prev(e)->end <= start || std::prev(e)->prot == 0) return;
      map_initial(cpu, start, start + kPage, std::prev(e)->prot, false, true);
      return;
    }
    if (first) {
      map_initial(cpu, start, start + kPage, want, false, m_opt.populate);
      return;
    }
    // Widening (a code page stored to, a data page fetched from). The range
    // may have been unmapped by a system call since: then the access
    // faults as it should, and this is no failure of the trace's.
    const sw::SyscallResult r = kernel_of(cpu).mprotect(VirtAddr(start), kPage, want);
    cpu.charge(r.cost);
    if (r.ok()) ++m_stats.widened_pages;
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

  // --maps: the snapshot is the initial address space, mapped before the
  // first record.
  void map_snapshot(CpuPort& cpu) {
    m_maps = read_maps(m_opt.maps_path, m_opt.relocate);
    for (const MapsEntry& e : m_maps) {
      if (e.end > kVaLimit) continue;  // [vsyscall] and other kernel-half entries
      map_initial(cpu, e.start, e.end, e.prot, e.shared, false);
      ++m_stats.initial_vmas;
      m_stats.initial_pages += (e.end - e.start) / kPage;
    }
  }

  // The statistics only the end of the trace knows.
  void finish() {
    m_stats.lines = m_src.line_number();
    m_stats.touched_pages = m_pages.size();
    if (!m_opt.maps_path.empty()) {
      m_stats.address_space = m_saw_syscalls ? "maps+syscalls" : "maps";
      return;
    }
    m_stats.address_space = m_saw_syscalls ? "syscalls+touched" : "touched";
    // The initial image: its pages by address, in runs of one protection.
    std::vector<std::pair<uint64_t, uint8_t>> pages;
    for (const auto& [page, st] : m_pages)
      if (st.initial) pages.emplace_back(page, st.prot);
    std::sort(pages.begin(), pages.end());
    for (size_t i = 0; i < pages.size(); ++i)
      if (i == 0 || pages[i - 1].first + 1 != pages[i].first ||
          pages[i - 1].second != pages[i].second)
        ++m_stats.initial_vmas;
    m_stats.initial_pages = pages.size();
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
        for (const sw::VmaInfo& v : k.mm().maps())
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
    for (Seen& s : m_seen)
      s = Seen{};
    while (next(r)) {
      AccessOutcome o;
      uint32_t size = r.size;
      if (r.kind == RecordKind::kSyscall) {
        track_syscall(r.sys);
        apply_syscall(cpu, r.sys);
        for (Seen& s : m_seen)  // coverage changed: judge pages afresh
          s = Seen{};
        continue;
      }
      if (size > kMaxAccessBytes) {
        size = kMaxAccessBytes;
        ++m_stats.clamped;
      }
      const uint64_t addr = reloc(r.addr);
      const int prot = prot_of(r.kind);
      touch(cpu, addr, prot);
      const uint64_t last = addr + (size - 1);
      if (last > addr && page_down(addr) != page_down(last)) touch(cpu, last, prot);
      const VirtAddr va(addr);
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
        default:
          ++m_stats.modifies;
          o = cpu.modify(va, size, data);
          break;
      }
      if (o != AccessOutcome::kOk) ++m_stats.signals;
      if (o == AccessOutcome::kSigkill) {  // OOM-killed: the traced process is gone
        for (const sw::OomKill& k : kernel_of(cpu).reclaim().oom_kills())
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
  static constexpr size_t kMaxPending = 1024;

  const TraceOptions& m_opt;
  TraceStats& m_stats;
  const std::function<void(const TraceProgress&)>& m_progress;
  TraceSource m_src;
  std::string m_error;
  std::unordered_map<uint32_t, SyscallRecord> m_pending;  // async starts by number
  std::chrono::steady_clock::time_point m_last_report{};
  std::vector<MapsEntry> m_maps;  // --maps, by start address
  // Pages touched so far.
  std::unordered_map<uint64_t, PageState> m_pages;
  Seen m_seen[kSeen];
  RangeSet m_syscall_mapped;
  bool m_saw_syscalls = false;
  bool m_pass_brk_known = false;
  uint64_t m_pass_brk = 0;
  // The replayed break.
  bool m_brk_known = false;
  uint64_t m_brk = 0;
};

TraceWorkload::TraceWorkload(TraceOptions options) : m_options(std::move(options)) {}

void TraceWorkload::run(CpuPort& cpu) {
  Impl impl(m_options, m_stats, on_progress);
  impl.run(cpu);
}

}  // namespace mmusim
