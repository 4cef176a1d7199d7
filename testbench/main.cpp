// mmusim: the command-line front end.
//   mmusim run [options]           the built-in default workload
//   mmusim script FILE [options]   a syscall script; prints its transcript
//   mmusim trace FILE [options]    a valgrind lackey trace (plain or zstd)
//   mmusim config [options]        the configuration reference
// Exit status: 0 success, 1 simulation failure, 2 bad input (usage, config,
// script syntax, malformed trace).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "model/platform/platform_config.h"
#include "model/util/config_file.h"
#include "testbench/script/script_parser.h"
#include "testbench/script_runner.h"
#include "testbench/stats.h"
#include "testbench/sweep/sweep_runner.h"
#include "testbench/synthetic.h"
#include "testbench/trace_workload.h"
#include "testbench/workload_config.h"

namespace mmusim {
namespace {

constexpr const char* kUsage =
    "usage: mmusim COMMAND [options]\n"
    "\n"
    "commands:\n"
    "  run             run a synthetic workload (workload.pattern; default: the default mix)\n"
    "  script FILE     run a syscall script and print its transcript\n"
    "  trace FILE      replay a valgrind lackey trace (--trace-mem=yes; plain or zstd)\n"
    "  config          print every configuration key with its default and description\n"
    "  sweep SPEC      run a parameter sweep (mmusim sweep --help)\n"
    "\n"
    "options:\n"
    "  --config FILE   platform configuration (.json, .yaml or .yml)\n"
    "  --set KEY=VAL   override one configuration key (repeatable), e.g. --set l1d.ways=4\n"
    "  --stats FILE    write statistics as JSON\n"
    "  --compare       script: print like the Linux replayer (arena-only maps, 'outside')\n"
    "  --maps FILE     trace: initial address space from a /proc/PID/maps snapshot\n"
    "  --relocate      trace: move valgrind's compact layout to a native-like one\n"
    "  --skip-bad-lines  trace: count and report malformed lines instead of stopping\n"
    "  --quiet         no progress on stderr\n"
    "  -h, --help      this text\n";

struct Options {
  std::string command;
  std::string script;  // script or trace FILE
  std::string maps;
  bool relocate = false;
  bool skip_bad_lines = false;
  std::string config;
  std::vector<std::string> overrides;
  std::string stats;
  bool compare = false;
  bool quiet = false;
};

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

Options parse_args(int argc, char* argv[]) {
  Options o;
  auto value = [&](int& i, const char* flag) -> std::string {
    if (i + 1 >= argc) throw UsageError(std::string(flag) + " needs a value");
    return argv[++i];
  };
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else if (a == "--config") {
      o.config = value(i, "--config");
    } else if (a == "--set") {
      o.overrides.push_back(value(i, "--set"));
    } else if (a == "--stats") {
      o.stats = value(i, "--stats");
    } else if (a == "--compare") {
      o.compare = true;
    } else if (a == "--maps") {
      o.maps = value(i, "--maps");
    } else if (a == "--relocate") {
      o.relocate = true;
    } else if (a == "--skip-bad-lines") {
      o.skip_bad_lines = true;
    } else if (a == "--quiet") {
      o.quiet = true;
    } else if (!a.empty() && a[0] == '-') {
      throw UsageError("unknown option '" + a + "'");
    } else if (o.command.empty()) {
      o.command = a;
    } else if ((o.command == "script" || o.command == "trace") && o.script.empty()) {
      o.script = a;
    } else {
      throw UsageError("unexpected argument '" + a + "'");
    }
  }
  if (o.command.empty()) throw UsageError("no command given");
  if (o.command != "run" && o.command != "script" && o.command != "trace" && o.command != "config")
    throw UsageError("unknown command '" + o.command + "'");
  if ((o.command == "script" || o.command == "trace") && o.script.empty())
    throw UsageError(o.command + ": no FILE given");
  return o;
}

void write_stats_file(const std::string& path, const util::Value& stats) {
  std::ofstream f(path);
  if (!f) throw std::runtime_error(path + ": cannot open for writing");
  f << stats.to_json(2) << '\n';
  if (!f) throw std::runtime_error(path + ": write failed");
}

int run(const Options& o) {
  util::Value cfg = o.config.empty() ? util::Value::object() : util::load_config_file(o.config);
  for (const std::string& kv : o.overrides)
    util::apply_override(cfg, kv);
  util::ConfigNode root(cfg);
  const PlatformParams pp = read_platform_params(root);
  util::ConfigNode wnode = root.child("workload");
  SyntheticParams wp = read_workload_params(wnode);
  util::ConfigNode tnode = root.child("trace");
  TraceOptions topt = read_trace_options(tnode);

  if (o.command == "config") {
    root.finish();
    std::cout << root.reference();
    return 0;
  }

  std::vector<script::ScriptOp> ops;
  if (o.command == "script") ops = script::parse_script_file(o.script);
  root.finish();

  Platform platform("top", pp);
  RunInfo info;
  info.command = o.command;
  const auto t0 = std::chrono::steady_clock::now();
  TraceStats trace_stats;
  if (o.command == "trace") {
    info.workload = o.script;
    topt.path = o.script;
    topt.maps_path = o.maps;
    topt.relocate |= o.relocate;
    topt.skip_bad_lines = o.skip_bad_lines;
    TraceWorkload w(topt);
    if (!o.quiet)
      w.on_progress = [&](const TraceProgress& p) {
        const double s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        std::fprintf(stderr, "[%7.2fs] %s: %.1f M lines (%.0f%% of the file)%s\n", s,
                     p.first_pass ? "scanning" : "replaying", static_cast<double>(p.lines) / 1e6,
                     p.file_size ? 100.0 * static_cast<double>(p.file_offset) /
                                       static_cast<double>(p.file_size)
                                 : 0.0,
                     p.first_pass ? "" : (", " + std::to_string(p.records) + " records").c_str());
      };
    platform.run(w);
    trace_stats = w.stats();
  } else if (o.command == "script") {
    info.workload = o.script;
    ScriptRunner runner(o.script, std::move(ops), std::cout, ScriptRunnerOptions{o.compare});
    platform.run(runner);
  } else {
    info.workload = wp.phases.size() == 1 ? wp.phases[0].name : "default-mix";
    SyntheticWorkload w(wp);
    const auto start = std::chrono::steady_clock::now();
    if (!o.quiet)
      w.on_phase = [&](size_t i, const Phase& ph) {
        const double s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::fprintf(stderr, "[%7.2fs] phase %zu/%zu %s: %llu accesses\n", s, i + 1,
                     wp.phases.size(), ph.name.c_str(),
                     static_cast<unsigned long long>(ph.accesses));
      };
    platform.run(w);
  }
  info.host_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  util::Value stats = collect_stats(platform, info);
  if (o.command == "trace") {
    stats["trace"] = trace_stats_value(trace_stats);
    if (trace_stats.bad_lines)
      std::fprintf(stderr, "mmusim: %s: skipped %llu malformed lines (first: %s)\n",
                   o.script.c_str(), static_cast<unsigned long long>(trace_stats.bad_lines),
                   trace_stats.first_bad_line.c_str());
  }
  if (o.command == "run" || o.command == "trace") std::cout << format_summary(stats);
  if (!o.stats.empty()) write_stats_file(o.stats, stats);
  return 0;
}

}  // namespace
}  // namespace mmusim

int sc_main(int argc, char* argv[]) {
  using namespace mmusim;
  // A sweep runs its points as separate mmusim processes: no SystemC here.
  if (argc > 1 && std::strcmp(argv[1], "sweep") == 0) return sweep::sweep_main(argc, argv);
  Options o;
  try {
    o = parse_args(argc, argv);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "mmusim: %s\n\n%s", e.what(), kUsage);
    return 2;
  }
  try {
    return run(o);
  } catch (const TraceError& e) {
    std::cout.flush();
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  } catch (const script::ScriptError& e) {
    std::cout.flush();
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  } catch (const util::ConfigError& e) {
    std::fprintf(stderr, "mmusim: config: %s\n", e.what());
    return 2;
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "mmusim: config: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::cout.flush();
    std::fprintf(stderr, "mmusim: error: %s\n", e.what());
    return 1;
  }
}

// Our own main (it takes precedence over libsystemc's): silence the SystemC
// banner unless the user asked for it, then elaborate and simulate as usual.
int main(int argc, char* argv[]) {
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", /*overwrite=*/0);
  return sc_core::sc_elab_and_sim(argc, argv);
}
