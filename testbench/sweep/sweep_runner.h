// Runs a sweep: every (point, workload) task is one `mmusim` process with
// the point's config, so SystemC elaborates afresh each time.
//
// Results are keyed (sweep_key.h) on a hash of the task's full resolved
// configuration, its workload (file contents included) and the simulator:
// OUTPUT/points/KEY.stats.json. A rerun runs only the tasks whose key has
// no result, so after any change to the spec, a workload file or mmusim
// exactly what changed runs again; results whose key is no longer in the
// spec are deleted; --force re-runs everything.
//
// A result appears atomically or not at all: the child writes
// KEY.stats.json.partial.PID (its stderr to KEY.err.partial.PID) and the
// sweep renames it once the child exited with status 0. Children die with
// the sweep (PR_SET_PDEATHSIG), and SIGINT/SIGTERM/SIGHUP stop the running
// children, delete their partial files, write the CSV of what is done and
// exit 128+signal; the same command resumes. One sweep at a time per
// output folder (a lock on OUTPUT/.lock).
//
// A failed task keeps its stderr in KEY.err and is reported in the CSV;
// the others run on. At the end: OUTPUT/results.csv and OUTPUT/plots/*.svg.
// With --slurm the pending tasks are submitted as one Slurm job array
// (sbatch --wait), each element running `mmusim sweep SPEC --task K --key
// KEY` (an element whose key no longer matches refuses to run), and the
// results are merged the same way; an interrupted --slurm sweep cancels
// the job (scancel).
#pragma once

#include <stdexcept>
#include <string>

#include "testbench/sweep/sweep_spec.h"

namespace mmusim::sweep {

struct Options {
  std::string mmusim;  // the mmusim binary to run points with
  unsigned jobs = 0;   // 0: the spec's
  bool quiet = false;
  bool slurm = false;
  bool force = false;  // re-run every task, done or not
  // While no task finishes for this long, a line names the running ones.
  double progress_seconds = 30;
  long task = -1;   // >= 0: run only this task (a Slurm array element)
  std::string key;  // with task: the key it was submitted with
};

// Returns the exit status: 0 when every task succeeded, 1 when some failed,
// 2 when a stats path of the spec is not a number in any task's stats, 128+N when
// stopped by signal N.
int run_sweep(const Spec& spec, const Options& options);

// A command-line error: one line, e.g. "unknown option '--jbos'".
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Parses `mmusim sweep ARGS...` (argv[0] is mmusim, argv[1] "sweep") with
// CLI11 as mmusim's other commands: `-j N`, `-jN`, `--jobs N`, `--jobs=N`,
// `--force`, `--progress S`, `--slurm`, `--quiet`, `--task K`, `--key KEY`.
// Returns false when it printed --help; throws UsageError.
bool parse_sweep_command_line(int argc, char* argv[], Options& opt, std::string& spec_path);

// `mmusim sweep SPEC [options]`: parses arguments, loads and validates the
// spec, runs it. Exit status 2 for bad input: a usage error is one line
// ending "(mmusim sweep --help lists the options)".
int sweep_main(int argc, char* argv[]);

}  // namespace mmusim::sweep
