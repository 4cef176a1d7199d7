#include "testbench/trace_workload.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <map>
#include <unordered_map>
#include <vector>

#include <systemc>

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
       const std::function<void(const TraceProgress&)>& progress, unsigned cores = 1)
      : m_opt(options), m_stats(stats), m_progress(progress), m_src(options.path), m_ncores(cores) {
    m_src.skip_long_lines(options.skip_bad_lines);
    if (cores > 1) {
      size_t k = 4;
      while (k < options.queue_entries)
        k <<= 1;
      m_cores.resize(cores);
      for (CoreState& c : m_cores)
        c.ring.resize(k);
      m_qmask = k - 1;
    }
  }

  // One core: the whole trace.
  void run(CpuPort& cpu) {
    using HostClock = std::chrono::steady_clock;
    const auto t0 = HostClock::now();
    m_last_report = t0;  // the first report after a second
    if (!m_opt.maps_path.empty()) map_snapshot(cpu);
    replay(cpu);
    m_stats.fetches = m_counts.n[0];
    m_stats.loads = m_counts.n[1];
    m_stats.stores = m_counts.n[2];
    m_stats.modifies = m_counts.n[3];
    if (!m_stats.threads.empty()) attribute(thread_at(m_cur_thread), m_counts, m_mark);
    finish();
    m_stats.replay_host_seconds = std::chrono::duration<double>(HostClock::now() - t0).count();
  }

  // Core cpu.index() of m_ncores (design in the header and at run_core).
  void run_core(CpuPort& cpu);

 private:
  uint64_t reloc(uint64_t va) const { return m_opt.relocate ? relocate_valgrind_address(va) : va; }

  // Accesses by kind (fetch, load, store, modify).
  struct Counts {
    uint64_t n[4] = {0, 0, 0, 0};
    uint64_t total() const { return n[0] + n[1] + n[2] + n[3]; }
  };

  // The next access, address-space system call or (multi-core) SCHED event;
  // false at the end. Malformed lines throw, or are counted and skipped. On
  // one core a SCHED event (and the one glued onto a system-call line) is
  // consumed here: it only attributes records to threads.
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
      if (r.kind == RecordKind::kSched) {
        if (sched_event(r.sched)) return true;
        continue;
      }
      if (r.kind != RecordKind::kSyscall) return true;
      if (r.sched.event != SchedEvent::kNone) ++m_stats.sched_lines;
      if (!syscall_to_replay(r)) {
        // Not replayed; a SCHED event glued onto it still counts.
        if (r.sched.event == SchedEvent::kNone) continue;
        r.kind = RecordKind::kSched;
        --m_stats.sched_lines;  // counted again
        if (sched_event(r.sched)) return true;
        continue;
      }
      // One core: the glued event after the call (which is no record).
      if (m_ncores == 1 && r.sched.event != SchedEvent::kNone) {
        note_sched(r.sched);
        r.sched = SchedRecord{};
      }
      return true;
    }
    m_pending.clear();
    return false;
  }

  // A SCHED event: true when next() returns it (multi-core).
  bool sched_event(const SchedRecord& s) {
    ++m_stats.sched_lines;
    if (m_ncores > 1) return true;
    note_sched(s);
    return false;
  }

  // Whether a system-call record is one to replay; an async start is kept
  // until its end (by thread and number), which gets its arguments.
  bool syscall_to_replay(TraceRecord& r) {
    SyscallRecord& sys = r.sys;
    const uint64_t key = uint64_t{r.tid} << 32 | sys.number;
    if (sys.async_start) {
      // Bounded: valgrind has one call in flight per thread.
      if (sys.op != SyscallOp::kOther && m_pending.size() < kMaxPending) m_pending[key] = sys;
      return false;
    }
    if (sys.async_end) {
      auto it = m_pending.find(key);
      if (it == m_pending.end()) return false;
      const bool ok = sys.success;
      const uint64_t result = sys.result;
      sys = it->second;
      m_pending.erase(it);
      sys.success = ok;
      sys.result = result;
    }
    return sys.op != SyscallOp::kOther && sys.success;
  }

  // ---- Threads ----
  // The thread stats of `tid`, made at its first appearance (`core`: its
  // core then).
  size_t thread_index(uint32_t tid) {
    auto [it, inserted] = m_thread_of.try_emplace(tid, m_stats.threads.size());
    if (inserted) {
      TraceThreadStats t;
      t.tid = tid;
      t.core = static_cast<unsigned>(it->second % m_ncores);
      m_stats.threads.push_back(t);
    }
    return it->second;
  }
  TraceThreadStats& thread_at(size_t i) { return m_stats.threads[i]; }
  static void attribute(TraceThreadStats& t, const Counts& now, Counts& mark) {
    t.fetches += now.n[0] - mark.n[0];
    t.loads += now.n[1] - mark.n[1];
    t.stores += now.n[2] - mark.n[2];
    t.modifies += now.n[3] - mark.n[3];
    mark = now;
  }

  // One core: the records since the last switch belong to the thread that
  // ran; a start or an acquired lock switches.
  void note_sched(const SchedRecord& s) {
    if (s.event != SchedEvent::kStart && s.event != SchedEvent::kAcquire &&
        s.event != SchedEvent::kExit)
      return;
    if (m_stats.threads.empty()) {
      // Records before the first SCHED line belong to "thread 0".
      if (m_counts.total()) attribute(thread_at(thread_index(0)), m_counts, m_mark);
    } else {
      attribute(thread_at(m_cur_thread), m_counts, m_mark);
    }
    TraceThreadStats& t = thread_at(m_cur_thread = thread_index(s.tid));
    if (s.event == SchedEvent::kStart) ++t.starts;
    if (s.event == SchedEvent::kExit) t.exited = true;
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
    p.records = records_so_far();
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

  // One access record; false when the process was OOM-killed.
  bool access(CpuPort& cpu, Counts& counts, RecordKind kind, uint64_t raw_addr, uint32_t size) {
    if (size > kMaxAccessBytes) {
      size = kMaxAccessBytes;
      ++m_stats.clamped;
    }
    const uint64_t addr = reloc(raw_addr);
    const int prot = prot_of(kind);
    touch(cpu, addr, prot);
    const uint64_t last = addr + (size - 1);
    if (last > addr && page_down(addr) != page_down(last)) touch(cpu, last, prot);
    const VirtAddr va(addr);
    ++counts.n[static_cast<int>(kind)];
    AccessOutcome o;
    switch (kind) {
      case RecordKind::kFetch:
        o = cpu.access(arch::AccessKind::kFetch, va, size, m_data);
        break;
      case RecordKind::kLoad:
        o = cpu.access(arch::AccessKind::kRead, va, size, m_data);
        break;
      case RecordKind::kStore:
        o = cpu.access(arch::AccessKind::kWrite, va, size, m_data);
        break;
      default:
        o = cpu.modify(va, size, m_data);
        break;
    }
    if (o == AccessOutcome::kOk) return true;
    ++m_stats.signals;
    if (o != AccessOutcome::kSigkill) return true;
    // OOM-killed: the traced process is gone.
    for (const sw::OomKill& k : kernel_of(cpu).reclaim().oom_kills())
      std::fprintf(stderr, "mmusim: %s; the trace stops\n", k.describe().c_str());
    return false;
  }

  void replay_syscall(CpuPort& cpu, const SyscallRecord& sys) {
    track_syscall(sys);
    apply_syscall(cpu, sys);
    for (Seen& s : m_seen)  // coverage changed: judge pages afresh
      s = Seen{};
  }

  void replay(CpuPort& cpu) {
    TraceRecord r;
    for (Seen& s : m_seen)
      s = Seen{};
    while (next(r)) {
      if (r.kind == RecordKind::kSyscall) {
        replay_syscall(cpu, r.sys);
        continue;
      }
      if (!access(cpu, m_counts, r.kind, r.addr, r.size)) return;
    }
  }

  uint64_t records_so_far() const {
    uint64_t n = m_counts.total();
    for (const CoreState& c : m_cores)
      n += c.counts.total();
    return n;
  }

  // ---- Several cores ----
  //
  // The reader (fill) is run by a core whose queue is empty. It places
  // what it read into the queues in trace order (m_out holds what it read
  // but could not place yet) and reads on until a queue is full or the
  // trace ends; a full queue stops it until that queue has drained to half
  // (the core draining it wakes the others). An address-space system call
  // puts a barrier entry into every queue; the core of the thread that made
  // it applies it when every core has reached its entry (so has consumed
  // every record before it), and the others wait there until it is applied.
  //
  // Why no core waits forever. A core waits only (a) for records, when its
  // queue is empty and the reader is stopped at a full queue Q, or (b) at a
  // barrier entry. Take the earliest barrier B any core waits at. Every
  // core has passed the barriers before B (each was applied, so each core
  // reached it and may go on). A core that has not reached B is not at a
  // barrier, so it is in (a) or running; in (a) its queue is empty, so B is
  // not in it yet: the reader stopped at a full queue Q before placing B
  // there. Q's core has a full queue, so it is not in (a), and it has not
  // reached B (B is not in Q yet): it is running, drains Q to half and wakes
  // the reader. Without any barrier waited at, a full Q's core is running
  // the same way. And the reader never waits itself: a core that needs
  // records runs it, and waits only when it stopped at a full queue. So
  // some core always runs; the trace is finite, so the run ends.
  enum Op : uint8_t { kOpSwitch = 4, kOpStart, kOpExit, kOpBarrier };  // below: RecordKind
  struct Entry {
    uint64_t arg = 0;  // an access's address, a marker's thread index
    uint32_t size = 0;
    uint8_t op = 0;
  };
  static constexpr size_t kNone = SIZE_MAX;
  struct CoreState {
    std::vector<Entry> ring;
    uint64_t head = 0, tail = 0;   // entries taken, entries placed
    bool space_wanted = false;     // the reader stopped here: wake it at half
    size_t pushed_thread = kNone;  // reader: the thread of the entries placed last
    size_t thread = kNone;         // the thread whose task runs on this core
    Counts counts, mark;           // accesses; what is attributed to threads
    uint64_t barriers = 0;         // barrier entries taken
    size_t size() const { return static_cast<size_t>(tail - head); }
  };
  struct Out {
    unsigned core;
    Entry e;
  };
  struct Barrier {
    SyscallRecord sys;
    unsigned core;  // its thread's
  };
  struct Task {
    sw::Pid pid = 0;  // 0: none (not started, or exited)
    bool ran = false;
  };

  void wake() {
    if (m_waiters) m_changed.notify(sc_core::SC_ZERO_TIME);
  }
  // Waits (in simulated time, from the core's own) until `ready`.
  template <class Ready>
  void wait_until(CpuPort& cpu, Ready ready) {
    if (ready()) return;
    cpu.sync();
    while (!ready()) {  // no yield between this test and the wait
      ++m_waiters;
      sc_core::wait(m_changed);
      --m_waiters;
    }
  }
  bool reader_free() const {
    return m_out.empty() || m_cores[m_out.front().core].size() <= (m_qmask + 1) / 2;
  }

  void fill() {
    bool placed = false;
    for (;;) {
      while (!m_out.empty()) {
        CoreState& q = m_cores[m_out.front().core];
        if (q.size() > m_qmask) {
          q.space_wanted = true;
          if (placed) wake();
          return;
        }
        q.ring[q.tail++ & m_qmask] = m_out.front().e;
        m_out.pop_front();
        placed = true;
      }
      TraceRecord r;
      if (!next(r)) break;
      demux(r);
    }
    m_eof = true;
    wake();
  }

  size_t running_thread() {
    if (m_running == kNone) m_running = thread_index(0);  // records before any SCHED line
    return m_running;
  }
  unsigned core_of(size_t t) const { return m_stats.threads[t].core; }
  void to_thread(unsigned c, size_t t) {
    CoreState& q = m_cores[c];
    if (q.pushed_thread == t) return;
    q.pushed_thread = t;
    m_out.push_back({c, {t, 0, kOpSwitch}});
  }

  void demux(const TraceRecord& r) {
    if (r.kind == RecordKind::kSched) {
      demux_sched(r.sched);
      return;
    }
    if (r.kind == RecordKind::kSyscall) {
      const size_t t = r.tid ? thread_index(r.tid) : running_thread();
      const unsigned c = core_of(t);
      to_thread(c, t);
      m_barriers.push_back({r.sys, c});
      for (unsigned i = 0; i < m_ncores; ++i)
        m_out.push_back({i, {0, 0, kOpBarrier}});
      if (r.sched.event != SchedEvent::kNone) demux_sched(r.sched);
      return;
    }
    const size_t t = running_thread();
    const unsigned c = core_of(t);
    CoreState& q = m_cores[c];
    const Entry e{r.addr, r.size, static_cast<uint8_t>(r.kind)};
    if (m_out.empty() && q.pushed_thread == t && q.size() <= m_qmask) {
      q.ring[q.tail++ & m_qmask] = e;  // the common case: straight into its queue
      return;
    }
    to_thread(c, t);
    m_out.push_back({c, e});
  }

  void demux_sched(const SchedRecord& s) {
    const size_t t = thread_index(s.tid);  // a core at its first appearance
    const unsigned c = core_of(t);
    switch (s.event) {
      case SchedEvent::kStart:
        ++thread_at(t).starts;
        m_running = t;
        m_cores[c].pushed_thread = t;
        m_out.push_back({c, {t, 0, kOpStart}});
        break;
      case SchedEvent::kAcquire:
        m_running = t;
        break;
      case SchedEvent::kExit:
        thread_at(t).exited = true;
        to_thread(c, t);
        m_cores[c].pushed_thread = kNone;
        m_out.push_back({c, {t, 0, kOpExit}});
        break;
      default:
        break;
    }
  }

  // The thread that ran on the core stops (its records and time so far).
  void leave(CpuPort& cpu, CoreState& me) {
    if (me.thread == kNone) return;
    TraceThreadStats& ts = thread_at(me.thread);
    attribute(ts, me.counts, me.mark);
    ts.last_cycle = cpu.now().count();
    me.thread = kNone;
  }

  // Thread `t` runs on this core from here: its task is made (first task of
  // the process, or clone_thread) or switched to.
  void run_thread(CpuPort& cpu, CoreState& me, size_t t) {
    leave(cpu, me);
    me.thread = t;
    if (m_tasks.size() < m_stats.threads.size()) m_tasks.resize(m_stats.threads.size());
    Task& task = m_tasks[t];
    sw::Kernel& k = kernel_of(cpu);
    sw::AddressSpaces& mm = k.mm();
    if (task.pid == 0) {
      task.pid = create_task(cpu, t);
    } else if (mm.current() != task.pid) {
      cpu.charge(mm.switch_to(task.pid));
    }
    if (!task.ran) {
      task.ran = true;
      thread_at(t).first_cycle = cpu.now().count();
    }
  }

  sw::Pid create_task(CpuPort& cpu, size_t t) {
    sw::Kernel& k = kernel_of(cpu);
    sw::AddressSpaces& mm = k.mm();
    const unsigned c = cpu.index();
    if (!m_root_used) {  // the first thread is the process's first task
      m_root_used = true;
      if (mm.current() != m_root_pid) cpu.charge(mm.switch_to(m_root_pid));
      return m_root_pid;
    }
    // clone() runs on a core where a task of the process is current.
    unsigned from = mm.current() ? c : m_ncores;
    for (unsigned i = 0; i < m_ncores && from == m_ncores; ++i)
      if (mm.current_on(i)) from = i;
    if (from == m_ncores) {
      // None is: the first task never exits (the thread-group leader stays).
      cpu.charge(mm.switch_to(m_root_pid));
      from = c;
    }
    k.set_cpu(from);
    const sw::SyscallResult r = k.clone_thread();
    k.set_cpu(c);
    cpu.charge(r.cost);
    if (!r.ok())
      throw TraceError(m_opt.path + ": thread " + std::to_string(thread_at(t).tid) +
                       ": clone_thread failed (" + std::to_string(r.value) + ")");
    const sw::Pid pid = static_cast<sw::Pid>(r.value);
    cpu.charge(mm.switch_to(pid));
    return pid;
  }

  // Thread `t` ended: its task exits, unless it is the first task (the
  // thread-group leader stays until the process ends, as in Linux).
  void end_thread(CpuPort& cpu, CoreState& me, size_t t) {
    leave(cpu, me);
    if (m_tasks.size() < m_stats.threads.size()) m_tasks.resize(m_stats.threads.size());
    Task& task = m_tasks[t];
    if (task.pid == 0 || task.pid == m_root_pid) return;
    sw::Kernel& k = kernel_of(cpu);
    if (k.mm().current() != task.pid) cpu.charge(k.mm().switch_to(task.pid));
    cpu.charge(k.exit().cost);
    task.pid = 0;
  }

  void barrier(CpuPort& cpu, CoreState& me) {
    const uint64_t seq = me.barriers++;
    if (++m_arrived == m_ncores) wake();
    if (m_barriers.front().core != cpu.index()) {
      wait_until(cpu, [&] { return m_applied > seq || m_stop; });
      return;
    }
    wait_until(cpu, [&] { return m_arrived == m_ncores || m_stop; });
    if (m_stop) return;
    const SyscallRecord sys = m_barriers.front().sys;
    replay_syscall(cpu, sys);
    ++m_stats.barriers;
    m_arrived = 0;
    m_barriers.pop_front();
    ++m_applied;
    wake();
  }

  void finish_core(CpuPort& cpu, CoreState& me) {
    leave(cpu, me);
    if (++m_done < m_ncores) return;
    Counts total;
    for (const CoreState& c : m_cores)
      for (int i = 0; i < 4; ++i)
        total.n[i] += c.counts.n[i];
    m_stats.fetches = total.n[0];
    m_stats.loads = total.n[1];
    m_stats.stores = total.n[2];
    m_stats.modifies = total.n[3];
    finish();
    m_stats.replay_host_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - m_t0).count();
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
  std::unordered_map<uint64_t, SyscallRecord> m_pending;  // async starts by tid and number
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
  uint8_t m_data[kMaxAccessBytes] = {};
  // Threads: stats index by tid; one core: the running one and its counts.
  std::unordered_map<uint32_t, size_t> m_thread_of;
  size_t m_cur_thread = 0;
  Counts m_counts, m_mark;
  // Several cores.
  unsigned m_ncores = 1;
  std::vector<CoreState> m_cores;
  size_t m_qmask = 0;  // queue entries - 1
  std::deque<Out> m_out;
  bool m_eof = false;
  size_t m_running = kNone;        // the thread of the last acquired lock
  std::deque<Barrier> m_barriers;  // placed, not applied yet
  unsigned m_arrived = 0;          // cores at the first of them
  uint64_t m_applied = 0;          // barriers applied
  std::vector<Task> m_tasks;       // by thread index
  sw::Pid m_root_pid = 0;
  bool m_root_used = false;
  sc_core::sc_event m_changed;  // a queue, the reader or a barrier changed
  unsigned m_waiters = 0;
  bool m_started = false, m_stop = false;
  unsigned m_done = 0;
  std::chrono::steady_clock::time_point m_t0{};
};

void TraceWorkload::Impl::run_core(CpuPort& cpu) {
  const unsigned c = cpu.index();
  CoreState& me = m_cores.at(c);
  try {
    if (c == 0) {
      m_t0 = std::chrono::steady_clock::now();
      m_last_report = m_t0;
      for (Seen& s : m_seen)
        s = Seen{};
      m_root_pid = kernel_of(cpu).mm().current();
      if (!m_opt.maps_path.empty()) map_snapshot(cpu);
      m_started = true;
      wake();
    } else {
      wait_until(cpu, [&] { return m_started || m_stop; });
    }
    while (!m_stop) {
      if (me.size() == 0) {
        if (!m_eof && reader_free()) fill();
        if (me.size()) continue;
        if (m_eof) break;
        wait_until(cpu, [&] { return me.size() || m_eof || reader_free() || m_stop; });
        continue;
      }
      const Entry e = me.ring[me.head++ & m_qmask];
      if (me.space_wanted && me.size() <= (m_qmask + 1) / 2) {
        me.space_wanted = false;
        wake();
      }
      switch (e.op) {
        case kOpSwitch:
        case kOpStart:
          run_thread(cpu, me, e.arg);
          break;
        case kOpExit:
          end_thread(cpu, me, e.arg);
          break;
        case kOpBarrier:
          barrier(cpu, me);
          break;
        default:
          if (!access(cpu, me.counts, static_cast<RecordKind>(e.op), e.arg, e.size)) {
            m_stop = true;  // OOM-killed: every core stops
            wake();
          }
          break;
      }
    }
  } catch (...) {
    m_stop = true;  // the others stop too (the error is the run's)
    wake();
    finish_core(cpu, me);
    throw;
  }
  finish_core(cpu, me);
}

class TraceWorkload::CoreWorkload : public Workload {
 public:
  explicit CoreWorkload(TraceWorkload& owner) : m_owner(owner) {}
  void run(CpuPort& cpu) override {
    if (!m_owner.m_impl)
      m_owner.m_impl = std::make_unique<Impl>(m_owner.m_options, m_owner.m_stats,
                                              m_owner.on_progress, m_owner.m_cores);
    m_owner.m_impl->run_core(cpu);
  }

 private:
  TraceWorkload& m_owner;
};

TraceWorkload::TraceWorkload(TraceOptions options) : m_options(std::move(options)) {}
TraceWorkload::~TraceWorkload() = default;

void TraceWorkload::run(CpuPort& cpu) {
  Impl impl(m_options, m_stats, on_progress);
  impl.run(cpu);
}

std::vector<Workload*> TraceWorkload::workloads(unsigned cores) {
  if (cores <= 1) return {this};
  m_cores = cores;
  std::vector<Workload*> out;
  for (unsigned c = 0; c < cores; ++c) {
    m_core_workloads.push_back(std::make_unique<CoreWorkload>(*this));
    out.push_back(m_core_workloads.back().get());
  }
  return out;
}

}  // namespace mmusim
