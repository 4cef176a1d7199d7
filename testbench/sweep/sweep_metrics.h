// Headline figures of one run, computed from its stats JSON (never from log
// text). Names are the CSV columns and the `y` of plots; docs/sweep.md lists
// them with their units.
#pragma once

#include <string>
#include <vector>

#include "model/util/value.h"

namespace mmusim::sweep {

struct Metric {
  std::string name;
  std::string unit;
  std::string description;
};

// Every metric, in CSV column order.
const std::vector<Metric>& metrics();
bool is_metric(const std::string& name);

// Any number in a stats tree by its dotted path, e.g.
// "top.mmu.walker.latency.mean_cycles" (keys may contain dots themselves:
// "top.mmu.l1_dtlb" is one key; the longest matching key wins). NaN when
// absent or not a number; a boolean is 0 or 1. Sweeps can tabulate and plot
// any stat this way, not only the metrics above.
double stat_value(const util::Value& stats, const std::string& path);

// The metrics of one stats tree, in metrics() order. A figure the stats do
// not contain (an older stats file, a structure switched off) is NaN and
// prints as an empty CSV cell.
std::vector<double> compute_metrics(const util::Value& stats);

}  // namespace mmusim::sweep
