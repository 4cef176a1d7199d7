#include <unistd.h>

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

constexpr const char* kUsage =
    "usage: mmusim sweep SPEC [-j N] [--force] [--slurm] [--progress S] [--quiet]\n"
    "  runs every point of SPEC (docs/sweep.md) x its workloads, in parallel;\n"
    "  a rerun runs only the tasks whose configuration, workload or simulator\n"
    "  changed (or that never finished); writes results.csv and plots/\n"
    "  -j N       tasks in parallel (default: the spec's jobs, else 1)\n"
    "  --force    re-run every task\n"
    "  --progress S  while no task finishes for S seconds (default 30), name the running ones\n"
    "  --slurm    submit the pending tasks as a Slurm job array and wait\n"
    "  --task K [--key KEY]  run only task K (what each Slurm array element does)\n";

std::string self_path() {
  char buf[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) throw std::runtime_error("cannot find the mmusim binary (/proc/self/exe)");
  return std::string(buf, static_cast<size_t>(n));
}

bool parse_count(const char* text, long& out) {
  char* end = nullptr;
  errno = 0;
  out = std::strtol(text, &end, 10);
  return errno == 0 && end && *end == '\0' && out >= 0;
}

}  // namespace

int sweep_main(int argc, char* argv[]) {
  Options opt;
  std::string spec_path;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    long n = 0;
    if ((a == "-j" || a == "--task") && i + 1 < argc) {
      if (!parse_count(argv[++i], n) || (a == "-j" && n == 0)) {
        std::fprintf(stderr, "mmusim sweep: %s: '%s' is not a valid count\n", a.c_str(), argv[i]);
        return 2;
      }
      if (a == "-j")
        opt.jobs = static_cast<unsigned>(n);
      else
        opt.task = n;
    } else if (a == "--progress" && i + 1 < argc) {
      char* end = nullptr;
      const double s = std::strtod(argv[++i], &end);
      if (!end || *end != '\0' || !(s > 0)) {
        std::fprintf(stderr, "mmusim sweep: --progress: '%s' is not a positive number of seconds\n",
                     argv[i]);
        return 2;
      }
      opt.progress_seconds = s;
    } else if (a == "--key" && i + 1 < argc) {
      opt.key = argv[++i];
    } else if (a == "--force") {
      opt.force = true;
    } else if (a == "--slurm") {
      opt.slurm = true;
    } else if (a == "--quiet") {
      opt.quiet = true;
    } else if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (!a.empty() && a[0] != '-' && spec_path.empty()) {
      spec_path = a;
    } else {
      std::fprintf(stderr, "mmusim sweep: unexpected argument '%s'\n%s", a.c_str(), kUsage);
      return 2;
    }
  }
  if (spec_path.empty()) {
    std::fprintf(stderr, "mmusim sweep: no SPEC given\n%s", kUsage);
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
