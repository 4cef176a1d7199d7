// Collects every component's counters into one tree keyed by hierarchical
// name ("top.mmu.l1_dtlb"), with derived figures computed once at the end.
// Written as JSON by --stats; the sweep tool reads this, never log text.
// Stat names and units: docs/stats.md.
#pragma once

#include <string>
#include <vector>

#include "model/platform/platform.h"
#include "model/util/value.h"
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

// A short human-readable summary of the same figures, for `mmusim run`.
std::string format_summary(const util::Value& stats);

}  // namespace mmusim
