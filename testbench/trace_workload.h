// Replays a valgrind lackey trace (testbench/lackey.h) as the workload of one
// simulated process: every record is an access through the CPU port, so
// faults populate the tables as demand paging would.
//
// One pass: the trace is read, parsed and replayed as it streams in (a pipe
// or stdin works; memory does not grow with the trace's length). A
// malformed line therefore stops the run (TraceError) after the records
// before it were simulated; the caller must not report that run's
// statistics as a result.
//
// The address space.
// - The trace's own mmap/munmap/brk/mprotect/mremap lines (from
//   `valgrind --trace-syscalls=yes`) are applied when they occur, as
//   anonymous mappings of the same range and protection (the trace carries
//   no file contents; file and shared file mappings become private
//   anonymous memory).
// - A page first touched while no such mapping covers it (with no
//   system-call lines: every touched page; with them: valgrind's initial
//   image, the executable, the loader and the stack) is mapped just before
//   that access, one page at a time (the kernel merges neighbours of equal
//   protection): read-execute for a fetch, read-write for a load, store or
//   modify. A later access that needs more (a store to a code page, a fetch
//   from a data page) widens the page with mprotect (`widened_pages`).
// - Or, with `maps_path`, the initial address space is a /proc/PID/maps
//   snapshot, mapped before the first record, instead of the touched pages.
// `populate` gives every touched page of the initial image its own frame
// when it is mapped, read-write-execute (no zero page, no copy-on-write, no
// faults and no mprotect, so no TLB invalidation, there during the replay;
// with `maps_path` the snapshot's protection): physical addresses are then
// a fixed one-to-one image of virtual ones, which is what cachegrind's
// virtually indexed and tagged caches assume.
//
// `relocate` moves valgrind's compact amd64 layout to a native-like AArch64
// one (see relocate_valgrind_address).
//
// Threads (`valgrind --trace-sched=yes`): a record belongs to the thread of
// the last `SCHED[tid]:  acquired lock` line.
// - On one core (workloads(1), or run() directly) the SCHED lines only
//   attribute records to threads (TraceStats::threads): the replay is that
//   of the same trace without them.
// - On N > 1 cores (workloads(N)) each thread replays on its own core,
//   concurrently in simulated time: tids take cores in order of first
//   appearance in the trace, modulo N (threads that share a core are
//   switched on it, switch_to). The first thread is the process's first
//   task (pid 1, on core 0); a thread's start (`thread_wrapper(starting new
//   thread)`, or its first record) makes a task with clone_thread() (the mm
//   shared); its exit (`release lock in VG_(exit_thread)`) ends the task,
//   except the process's last one. One reader demultiplexes the records
//   into per-core queues of TraceOptions::queue_entries each (run by whichever core needs
//   records; memory bounded whatever the trace's length), and each core
//   drains its own. An address-space system call is a barrier: its core
//   applies it once every core has consumed the records before it, and no
//   core runs past it before then (trace_workload.cpp explains why this
//   cannot deadlock). Cores wait (for records, or at a barrier) in
//   simulated time: valgrind runs one thread at a time, so threads overlap
//   only as far as the queues reach past a thread switch.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "model/cpu/cpu_port.h"
#include "testbench/lackey.h"
#include "testbench/trace_source.h"

namespace mmusim {

struct TraceOptions {
  std::string path;
  std::string maps_path;  // initial address space from this snapshot
  bool relocate = false;
  bool populate = false;
  bool skip_bad_lines = false;  // count malformed lines instead of stopping
  // Multi-core: entries per core queue (rounded up to a power of two, at
  // least 4); tests make it small to exercise the waits.
  size_t queue_entries = size_t{1} << 16;
};

// One thread of the trace (SCHED lines): its records and where they ran.
struct TraceThreadStats {
  uint32_t tid = 0;  // valgrind's; 0 for records before any SCHED line
  unsigned core = 0;
  uint64_t fetches = 0, loads = 0, stores = 0, modifies = 0;
  // The simulated span of its records on its core (cycles; multi-core only,
  // else 0): from its first record's issue to the last one's.
  uint64_t first_cycle = 0, last_cycle = 0;
  uint64_t starts = 0;  // `starting new thread` events
  bool exited = false;  // `release lock in VG_(exit_thread)` seen
  uint64_t records() const { return fetches + loads + stores + modifies; }
};

struct TraceStats {
  uint64_t lines = 0;
  uint64_t fetches = 0, loads = 0, stores = 0, modifies = 0;
  uint64_t clamped = 0;  // records larger than kMaxAccessBytes, simulated as their first bytes
  uint64_t signals = 0;  // records that ended in SIGSEGV or SIGBUS
  uint64_t syscalls_applied = 0;  // address-space system calls replayed
  uint64_t syscalls_failed = 0;   // ... that the kernel layer refused (the replay goes on)
  uint64_t bad_lines = 0;         // malformed lines skipped (skip_bad_lines)
  std::string first_bad_line;     // "FILE:LINE: what", for the report
  // The initial image (runs of one protection, as they stand at the end),
  // or the --maps snapshot's VMAs.
  uint64_t initial_vmas = 0;
  uint64_t initial_pages = 0;        // pages in them
  uint64_t populated_pages = 0;      // given their own frame when mapped (populate)
  uint64_t widened_pages = 0;        // initial-image pages whose protection a later access widened
  uint64_t touched_pages = 0;        // distinct pages below 2^48 the trace touches
  std::string address_space;         // "touched", "syscalls+touched", "maps", "maps+syscalls"
  double replay_host_seconds = 0.0;  // reading, parsing and replaying the trace
  uint64_t sched_lines = 0;          // SCHED events read (glued ones included)
  uint64_t barriers = 0;             // multi-core: system calls every core waited for
  // By first appearance; empty without SCHED lines.
  std::vector<TraceThreadStats> threads;
  uint64_t records() const { return fetches + loads + stores + modifies; }
};

struct TraceProgress {
  uint64_t lines = 0;
  uint64_t records = 0;
  uint64_t file_offset = 0, file_size = 0;  // file_size 0: unknown (a pipe)
};

// valgrind 3.19 on amd64 places the executable below 64 MB (0x108000 for a
// PIE), the loader, brk heap and mmap area upwards from 0x4000000, and the
// stack below 0x2000000000. Relocated (2 MB-aligned offsets, so alignments
// up to 2 MB are kept):
//   [0, 0x4000000)                 + 0xaaaa_aaa0_0000   (Linux arm64 PIE base)
//   [0x4000000, 0x10_0000_0000)    + 0xff00_0000_0000   (libraries and heap, high)
//   [0x10_0000_0000, 0x20_0000_0000) + 0xffe0_0000_0000 (stack, ending at 2^48)
// Anything higher is left where it is.
uint64_t relocate_valgrind_address(uint64_t va);

class TraceWorkload : public Workload {
 public:
  explicit TraceWorkload(TraceOptions options);
  ~TraceWorkload() override;
  // Replays the whole trace on `cpu` (one core).
  void run(CpuPort& cpu) override;
  // The workloads for Hardware::run on `cores` cores: {this} for one; for
  // more, one per core sharing one reader (see above). Call once.
  std::vector<Workload*> workloads(unsigned cores);

  const TraceStats& stats() const { return m_stats; }
  // Called about once a second of host time.
  std::function<void(const TraceProgress&)> on_progress;

 private:
  class Impl;
  class CoreWorkload;
  TraceOptions m_options;
  TraceStats m_stats;
  unsigned m_cores = 1;
  std::unique_ptr<Impl> m_impl;  // multi-core: made by the first core to run
  std::vector<std::unique_ptr<CoreWorkload>> m_core_workloads;
};

}  // namespace mmusim
