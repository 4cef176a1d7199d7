// mmusim: the command-line front end.
//   mmusim run [options]           the built-in default workload
//   mmusim script FILE [options]   a syscall script; prints its transcript
//   mmusim config [options]        the configuration reference
// Exit status: 0 success, 1 simulation failure, 2 bad input (usage, config,
// script syntax).
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
#include "testbench/workload_config.h"

namespace mmusim {
namespace {

constexpr const char* kUsage =
    "usage: mmusim COMMAND [options]\n"
    "\n"
    "commands:\n"
    "  run             run the built-in default workload (sequential and random phases)\n"
    "  script FILE     run a syscall script and print its transcript\n"
    "  config          print every configuration key with its default and description\n"
    "  sweep SPEC      run a parameter sweep (mmusim sweep --help)\n"
    "\n"
    "options:\n"
    "  --config FILE   platform configuration (.json, .yaml or .yml)\n"
    "  --set KEY=VAL   override one configuration key (repeatable), e.g. --set l1d.ways=4\n"
    "  --stats FILE    write statistics as JSON\n"
    "  --compare       script: print like the Linux replayer (arena-only maps, 'outside')\n"
    "  --quiet         no progress on stderr\n"
    "  -h, --help      this text\n";

struct Options {
  std::string command;
  std::string script;
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
    } else if (a == "--quiet") {
      o.quiet = true;
    } else if (!a.empty() && a[0] == '-') {
      throw UsageError("unknown option '" + a + "'");
    } else if (o.command.empty()) {
      o.command = a;
    } else if (o.command == "script" && o.script.empty()) {
      o.script = a;
    } else {
      throw UsageError("unexpected argument '" + a + "'");
    }
  }
  if (o.command.empty()) throw UsageError("no command given");
  if (o.command != "run" && o.command != "script" && o.command != "config")
    throw UsageError("unknown command '" + o.command + "'");
  if (o.command == "script" && o.script.empty()) throw UsageError("script: no FILE given");
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
  if (o.command == "script") {
    info.workload = o.script;
    ScriptRunner runner(o.script, std::move(ops), std::cout, ScriptRunnerOptions{o.compare});
    runner.check_supported();
    platform.run(runner);
  } else {
    info.workload = "default-mix";
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
  const util::Value stats = collect_stats(platform, info);
  if (o.command == "run") std::cout << format_summary(stats);
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
