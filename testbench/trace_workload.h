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
#pragma once

#include <cstdint>
#include <functional>
#include <string>

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
  void run(CpuPort& cpu) override;

  const TraceStats& stats() const { return m_stats; }
  // Called about once a second of host time.
  std::function<void(const TraceProgress&)> on_progress;

 private:
  class Impl;
  TraceOptions m_options;
  TraceStats m_stats;
};

}  // namespace mmusim
