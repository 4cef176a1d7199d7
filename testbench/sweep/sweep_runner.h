// Runs a sweep: every (point, workload) task is one `mmusim` process with
// the point's config, so SystemC elaborates afresh each time. Tasks run in
// parallel (-j); each writes OUTPUT/points/TASK.stats.json atomically, so a
// rerun of an interrupted sweep skips the tasks already done. A task that
// fails keeps its stderr in TASK.err, is reported in the CSV and does not
// stop the others. At the end: OUTPUT/results.csv and OUTPUT/plots/*.svg.
// With --slurm the pending tasks are submitted as one Slurm job array
// (sbatch --wait), each array element running `mmusim sweep SPEC --task K`,
// and the results are merged the same way.
#pragma once

#include <string>

#include "testbench/sweep/sweep_spec.h"

namespace mmusim::sweep {

struct Options {
  std::string mmusim;  // the mmusim binary to run points with
  unsigned jobs = 0;   // 0: the spec's
  bool quiet = false;
  bool slurm = false;
  long task = -1;  // >= 0: run only this task (a Slurm array element)
};

// Returns the exit status: 0 when every task succeeded, 1 when some failed.
int run_sweep(const Spec& spec, const Options& options);

// `mmusim sweep SPEC [options]`: parses arguments, loads and validates the
// spec, runs it. Exit status 2 for bad input.
int sweep_main(int argc, char* argv[]);

}  // namespace mmusim::sweep
