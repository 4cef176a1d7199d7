// A sweep: points (configurations) x workloads, from a spec file.
//
//   output: tlb.out              # directory (default: the spec's name + ".out")
//   jobs: 2                      # parallel points (-j overrides)
//   base: {cpu: {window: 4}}     # config every point starts from
//   grid:                        # cartesian product, axes in file order
//     mmu.l1_dtlb.entries: [16, 32, 64]
//     mmu.l1_dtlb.ways: [4]
//   # or points: [{mmu.l1_dtlb.entries: 16}, {mmu.l1_dtlb.entries: 64, mmu.l1_dtlb.ways: 8}]
//   workloads:
//     - {name: mix, command: run, config: {workload.region: 16M}}
//     - {name: vma, command: script, file: vma_basics.scn}
//   plots:                       # y: metrics or any stats path
//     - {x: mmu.l1_dtlb.entries, y: [l1_dtlb_mpka, top.mmu.walker.latency.p99_cycles]}
//   columns: [kernel.page_faults]  # more stats for the CSV
//
// Reference: docs/sweep.md.
#pragma once

#include <string>
#include <vector>

#include "model/util/value.h"

namespace mmusim::sweep {

struct Workload {
  std::string name;
  std::string command;  // run | script | trace
  std::string file;     // script or trace file (resolved against the spec's folder)
  util::Value config = util::Value::object();  // dotted keys -> values
};

struct Plot {
  std::string x;               // a parameter key
  std::vector<std::string> y;  // metric names (sweep_metrics.h) or stats paths
};

// One point: the parameter values that vary (dotted key -> value text).
struct Point {
  std::vector<std::pair<std::string, util::Value>> params;
};

struct Spec {
  std::string path;  // the spec file
  std::string output_dir;
  unsigned jobs = 1;
  util::Value base = util::Value::object();
  std::vector<std::string> param_keys;  // columns, in order
  std::vector<Point> points;
  std::vector<Workload> workloads;
  std::vector<Plot> plots;
  // Stats paths (docs/stats.md) tabulated after the metrics: the spec's
  // `columns`, then every plot `y` that is not a metric.
  std::vector<std::string> stat_columns;
};

// Reads and checks the spec's shape; throws util::ConfigError naming the
// file and key. Config keys themselves are checked by validate_points().
Spec load_spec(const std::string& path);

// The full config of one run: base, then the point's values, then the
// workload's config.
util::Value point_config(const Spec& spec, const Point& point, const Workload& workload);

// Reads every (point, workload) config through the platform's and the
// workload's readers, so that an unknown key or an impossible combination
// is reported before any point runs: "point 3 (mix): mmu.l1_dtlb.ways: ...".
void validate_points(const Spec& spec);

// A point as people read it: its parameters that vary across the sweep,
// with short keys ("l1_dtlb.entries=64 l1_dtlb.ways=4"); every parameter
// when none varies; "base" for a sweep without parameters.
std::string point_label(const Spec& spec, size_t point);

// "mmu.l2_tlb.entries" -> "l2_tlb.entries": enough to tell axes apart.
std::string short_key(const std::string& key);

// A parameter value as text: strings bare, anything else as JSON.
std::string value_text(const util::Value& v);

}  // namespace mmusim::sweep
