// The --stats JSON: the statistics registry of the platform (model/stats:
// every component's and the kernel's statistics, registered once where they
// live) dumped as one tree keyed by hierarchical name ("top.mmu.l1_dtlb"),
// with the run's `sim` and `config`. The sweep tool reads this, never log
// text. Names, units and meanings: `mmusim stats-reference`, docs/stats.md.
#pragma once

#include <string>
#include <vector>

#include "model/stats/dump.h"
#include "model/util/value.h"
#include "system/platform.h"
#include "testbench/trace_workload.h"

namespace mmusim {

// What produced the run, written with its stats.
struct RunInfo {
  std::string command;   // "run", "script"
  std::string workload;  // "default-mix", the script path, ...
  double host_seconds = 0.0;
  std::string version;                    // "0.1.0" (sim.version; omitted when empty)
  std::string version_describe;           // git describe of the build (sim.version_describe)
  std::vector<std::string> command_line;  // argv (sim.command_line; omitted when empty)
  util::Value config;                     // every configuration key's value used (config)
};

util::Value collect_stats(const Platform& platform, const RunInfo& run);

// The trace replayer's counters (the `trace` key).
util::Value trace_stats_value(const TraceStats& t);

// Every statistic --stats writes, with its unit and meaning, from the
// registry (model/stats): one line per key ("top.cpu.faults  [traps]  MMU
// faults taken ..."; a key ending in `*` is any one part), and the same as
// the Markdown table of docs/stats.md.
std::vector<stats::Reference> stat_reference();
std::string stats_reference();
std::string stats_reference_markdown();

// A short human-readable summary of the same figures, for `mmusim run`.
std::string format_summary(const util::Value& stats);

}  // namespace mmusim
