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

// The unit and meaning of every statistic. `pattern` is the full dotted
// key (the top-level key, then the nested ones: "top.mmu.l1_dtlb.hits")
// where a part may be `*` (any one part) or `{a,b}` (one of them).
struct StatDoc {
  std::string pattern;
  const char* unit;  // "cycles", "lines", ...; "" for text and identifiers
  const char* description;
};
const std::vector<StatDoc>& stat_docs();
// The entry describing `full_key` ("top.l1d.by_requester.cpu.hits"), or nullptr.
const StatDoc* find_stat_doc(const std::string& full_key);
// stat_docs() as text, one per line: "top.cpu.faults  [traps]  MMU faults taken ...".
std::string stats_reference();

// A short human-readable summary of the same figures, for `mmusim run`.
std::string format_summary(const util::Value& stats);

}  // namespace mmusim
