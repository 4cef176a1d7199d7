#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "model/util/config_error.h"
#include "testbench/sweep/sweep_runner.h"

namespace mmusim::sweep {

namespace {

std::string self_path() {
  char buf[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) throw std::runtime_error("cannot find the mmusim binary (/proc/self/exe)");
  return std::string(buf, static_cast<size_t>(n));
}

// A whole decimal number >= min, nothing else ("2", not "2x", "-1" or "").
bool parse_count(const std::string& text, long min, long& out) {
  if (text.empty() || text[0] == '-' || text[0] == '+') return false;
  char* end = nullptr;
  errno = 0;
  out = std::strtol(text.c_str(), &end, 10);
  return errno == 0 && end && *end == '\0' && out >= min;
}

// CLI11's message, in the words of mmusim's other commands (testbench/main.cpp).
std::string message(const CLI::App& app, const CLI::ParseError& e) {
  if (dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr) {
    const std::vector<std::string> extra = app.remaining();
    const std::string a = extra.empty() ? "" : extra.front();
    if (!a.empty() && a[0] == '-') return "unknown option '" + a.substr(0, a.find('=')) + "'";
    return "unexpected argument '" + a + "'";
  }
  if (dynamic_cast<const CLI::RequiredError*>(&e) != nullptr) return "no SPEC given";
  const std::string what = e.what();
  if (dynamic_cast<const CLI::ArgumentMismatch*>(&e) != nullptr) {
    // "--progress: 1 required S missing", "-j: 1 required N missing"
    const size_t colon = what.find(':');
    if (colon != std::string::npos && what[0] == '-') {
      std::string name = what.substr(0, colon);
      if (name == "--jobs") name = "-j/--jobs";
      // "--jobs: 1 required N missing", "--jobs: At Most 1 required but received 2"
      if (what.find("missing") != std::string::npos) return name + " needs a value";
      if (what.find("received") != std::string::npos) return name + " given more than once";
    }
  }
  return what;
}

}  // namespace

bool parse_sweep_command_line(int argc, char* argv[], Options& opt, std::string& spec_path) {
  CLI::App app(
      "Runs every point of SPEC (docs/sweep.md) x its workloads, in parallel. A rerun runs only "
      "the tasks whose configuration, workload or simulator changed (or that never finished). "
      "Writes OUTPUT/results.csv and OUTPUT/plots/.",
      "mmusim sweep");
  app.get_formatter()->column_width(26);
  app.footer(
      "Exit status: 0 every task ok, 1 some task failed or did not run, 2 bad input (usage, "
      "the spec, a configuration key), 128+N stopped by signal N.");
  app.add_option("SPEC", spec_path, "the sweep spec (.yaml, .yml or .json)")
      ->required()
      ->type_name("");
  std::string jobs, progress, task;
  app.add_option("-j,--jobs", jobs, "tasks in parallel (default: the spec's jobs, else 1)")
      ->type_name("N");
  app.add_flag("--force", opt.force, "re-run every task, done or not");
  app.add_option("--progress", progress,
                 "while no task finishes for S seconds (default 30), name the running ones")
      ->type_name("S");
  app.add_flag("--slurm", opt.slurm, "submit the pending tasks as a Slurm job array and wait");
  app.add_flag("--quiet", opt.quiet, "no progress on stderr");
  app.add_option("--task", task, "run only task K (what each Slurm array element does)")
      ->type_name("K");
  app.add_option("--key", opt.key, "with --task: the key task K was submitted with")
      ->type_name("KEY");
  try {
    // argv[0] "mmusim", argv[1] "sweep": the rest are the sweep's.
    app.parse(argc - 1, argv + 1);
  } catch (const CLI::CallForHelp&) {
    std::string help = app.help();
    if (help.empty() || help.back() != '\n') help += '\n';  // CLI11 ends the footer without one
    std::fputs(help.c_str(), stdout);
    return false;
  } catch (const CLI::ParseError& e) {
    throw UsageError(message(app, e));
  }
  long n = 0;
  if (app.count("--jobs") > 0) {
    if (!parse_count(jobs, 1, n))
      throw UsageError("-j/--jobs: '" + jobs + "' is not a positive whole number");
    opt.jobs = static_cast<unsigned>(n);
  }
  if (app.count("--progress") > 0) {
    char* end = nullptr;
    const double s = std::strtod(progress.c_str(), &end);
    if (progress.empty() || !end || *end != '\0' || !(s > 0))
      throw UsageError("--progress: '" + progress + "' is not a positive number of seconds");
    opt.progress_seconds = s;
  }
  if (app.count("--task") > 0) {
    if (!parse_count(task, 0, n)) throw UsageError("--task: '" + task + "' is not a task number");
    opt.task = n;
  }
  if (app.count("--key") > 0 && opt.task < 0) throw UsageError("--key needs --task");
  return true;
}

int sweep_main(int argc, char* argv[]) {
  Options opt;
  std::string spec_path;
  try {
    if (!parse_sweep_command_line(argc, argv, opt, spec_path)) return 0;
  } catch (const UsageError& e) {
    std::fprintf(stderr, "mmusim sweep: %s (mmusim sweep --help lists the options)\n", e.what());
    return 2;
  }
  try {
    opt.mmusim = self_path();
    const Spec spec = load_spec(spec_path);
    validate_points(spec);  // every point's config, before anything runs
    return run_sweep(spec, opt);
  } catch (const util::ConfigError& e) {
    std::fprintf(stderr, "mmusim sweep: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mmusim sweep: error: %s\n", e.what());
    return 1;
  }
}

}  // namespace mmusim::sweep
