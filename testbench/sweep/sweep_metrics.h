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

// The metrics of one stats tree, in metrics() order. A figure the stats do
// not contain (an older stats file, a structure switched off) is NaN and
// prints as an empty CSV cell.
std::vector<double> compute_metrics(const util::Value& stats);

}  // namespace mmusim::sweep
