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
//   plots:
//     - {x: mmu.l1_dtlb.entries, y: [l1_dtlb_mpka, l2_tlb_mpka]}
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
  std::vector<std::string> y;  // metric names (sweep_metrics.h)
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

}  // namespace mmusim::sweep
