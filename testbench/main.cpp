// mmusim: the command-line front end.
//   mmusim run [options]           the built-in default workload
//   mmusim script FILE [options]   a syscall script; prints its transcript
//   mmusim trace FILE [options]    a valgrind lackey trace (plain, zstd, gzip, xz; - = stdin)
//   mmusim config [options]        the configuration reference
//   mmusim cosim run|script FILE|trace FILE [options]
//                                  the same with the C++ and the RTL MMU in lock-step
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
#ifdef MMUSIM_HAVE_RTL
#include "model/rtl/cosim_mmu.h"
#endif

namespace mmusim {
namespace {

constexpr const char* kUsage =
    "usage: mmusim COMMAND [options]\n"
    "\n"
    "commands:\n"
    "  run             run a synthetic workload (workload.pattern; default: the default mix)\n"
    "  script FILE     run a syscall script and print its transcript\n"
    "  trace FILE      replay a valgrind lackey trace (--trace-mem=yes; plain, zstd, gzip or\n"
    "                  xz; FILE - reads stdin)\n"
    "  config          print every configuration key with its default and description\n"
    "  sweep SPEC      run a parameter sweep (mmusim sweep --help)\n"
    "  cosim run|script FILE|trace FILE\n"
    "                  the same with the C++ and the RTL MMU in lock-step; stops at the first\n"
    "                  difference (exit 1), else prints how many accesses it compared\n"
    "\n"
    "options:\n"
    "  --config FILE   platform configuration (.json, .yaml or .yml)\n"
    "  --set KEY=VAL   override one configuration key (repeatable), e.g. --set l1d.ways=4\n"
    "  --stats FILE    write statistics as JSON\n"
    "  --phys-mem SIZE memory the kernel may use, e.g. 64M (= --set kernel.phys_mem=SIZE)\n"
    "  --swap SIZE     swap space on the block device, e.g. 256M (= --set kernel.swap=SIZE)\n"
    "  --compare       script: print like the Linux replayer (arena-only maps, 'outside')\n"
    "  --uart-out FILE run/script: write the bytes the UART transmitted to FILE ('-': stdout,\n"
    "                  after the transcript)\n"
    "  --maps FILE     trace: initial address space from a /proc/PID/maps snapshot\n"
    "  --relocate      trace: move valgrind's compact layout to a native-like one\n"
    "  --skip-bad-lines  trace: count and report malformed lines instead of stopping\n"
    "  --quiet         no progress on stderr\n"
    "  --trace FILE.fst  cosim: FST waveform of the RTL\n"
    "  --max-cycles N  cosim: an RTL operation longer than N cycles stops the run (default 10000)\n"
    "  --unchecked     cosim: let the mmu.* keys differ from the RTL (checker tests)\n"
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
  std::string uart_out;
  bool compare = false;
  bool quiet = false;
  bool cosim = false;  // command is the workload command run under `cosim`
  std::string fst;
  uint64_t max_cycles = 10000;
  bool unchecked = false;
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
    } else if (a == "--uart-out") {
      o.uart_out = value(i, "--uart-out");
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
    } else if (a == "--trace") {
      o.fst = value(i, "--trace");
    } else if (a == "--max-cycles") {
      const std::string v = value(i, "--max-cycles");
      char* end = nullptr;
      o.max_cycles = std::strtoull(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || o.max_cycles == 0)
        throw UsageError("--max-cycles: '" + v + "' is not a positive number");
    } else if (a == "--phys-mem") {
      o.overrides.push_back("kernel.phys_mem=" + value(i, "--phys-mem"));
    } else if (a == "--swap") {
      o.overrides.push_back("kernel.swap=" + value(i, "--swap"));
    } else if (a == "--unchecked") {
      o.unchecked = true;
    } else if (a.size() > 1 && a[0] == '-') {  // "-": a trace on stdin
      throw UsageError("unknown option '" + a + "'");
    } else if (o.command.empty()) {
      o.command = a;
    } else if (o.command == "cosim" && !o.cosim) {
      o.cosim = true;
      o.command = a;
      if (a != "run" && a != "script" && a != "trace")
        throw UsageError("cosim: '" + a + "' is not run, script or trace");
    } else if ((o.command == "script" || o.command == "trace") && o.script.empty()) {
      o.script = a;
    } else {
      throw UsageError("unexpected argument '" + a + "'");
    }
  }
  if (o.command.empty()) throw UsageError("no command given");
  if (o.command == "cosim") throw UsageError("cosim: no workload command (run, script, trace)");
  if (!o.cosim && (!o.fst.empty() || o.unchecked))
    throw UsageError("--trace and --unchecked are cosim options");
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

// The UART's transmitted bytes, as they are ('-': stdout).
void write_uart_output(const std::string& path, const std::string& bytes) {
  if (path == "-") {
    std::cout << bytes;
    std::cout.flush();
    return;
  }
  std::ofstream f(path, std::ios::binary);
  f << bytes;
  if (!f) throw std::runtime_error(path + ": write failed");
}

// `mmusim cosim`: the workload on the lock-step pair; the first difference or a stuck RTL is
// reported with exit status 1.
int run_cosim(const Options& o, Platform& platform, std::vector<script::ScriptOp> ops,
              const SyntheticParams& wp, TraceOptions topt) {
#ifdef MMUSIM_HAVE_RTL
  rtl::CosimMmu* cosim = rtl::cosim_of(platform.mmu_impl.get());
  try {
    if (o.command == "trace") {
      topt.path = o.script;
      topt.maps_path = o.maps;
      topt.relocate |= o.relocate;
      topt.skip_bad_lines = o.skip_bad_lines;
      TraceWorkload w(topt);
      platform.run(w);
    } else if (o.command == "script") {
      ScriptRunner runner(o.script, std::move(ops), std::cout,
                          ScriptRunnerOptions{o.compare, &platform});
      platform.run(runner);
    } else {
      SyntheticWorkload w(wp);
      platform.run(w);
    }
  } catch (const rtl::CosimMismatch& e) {
    std::cout.flush();
    std::printf("%s\n", e.what());
    return 1;
  } catch (const rtl::RtlStuck& e) {
    std::cout.flush();
    std::printf("cosim: access %llu: %s\n", static_cast<unsigned long long>(cosim->compared()),
                e.what());
    return 1;
  }
  std::cout.flush();
  std::printf(
      "cosim: %llu accesses compared, %llu TLBIs and register writes mirrored, no difference "
      "(%llu RTL cycles; host seconds in translation: C++ %.3f, RTL %.3f)\n",
      static_cast<unsigned long long>(cosim->compared()),
      static_cast<unsigned long long>(cosim->operations()),
      static_cast<unsigned long long>(cosim->rtl().impl_stats().cycles), cosim->cpp_seconds(),
      cosim->rtl_seconds());
  return 0;
#else
  (void)o, (void)platform, (void)ops, (void)wp, (void)topt;
  return 2;
#endif
}

int run(const Options& o) {
  util::Value cfg = o.config.empty() ? util::Value::object() : util::load_config_file(o.config);
  for (const std::string& kv : o.overrides)
    util::apply_override(cfg, kv);
  if (o.cosim) {
#ifdef MMUSIM_HAVE_RTL
    util::apply_override(cfg, "mmu.impl=cosim");
    rtl::CosimOptions co;
    co.cycle_limit = o.max_cycles;
    co.trace_path = o.fst;
    co.check_config = !o.unchecked;
    rtl::set_cosim_options(co);
#else
    throw std::runtime_error(
        "cosim: this mmusim is built without the RTL (MMUSIM_BUILD_RTL=OFF "
        "or no Verilator)");
#endif
  }
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
  if (o.cosim) return run_cosim(o, platform, std::move(ops), wp, topt);
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
        const std::string where =
            p.file_size
                ? ", " +
                      std::to_string(static_cast<int>(100.0 * static_cast<double>(p.file_offset) /
                                                      static_cast<double>(p.file_size))) +
                      "% of the file"
                : "";
        std::fprintf(stderr, "[%7.2fs] replaying: %.1f M lines, %llu records%s\n", s,
                     static_cast<double>(p.lines) / 1e6, static_cast<unsigned long long>(p.records),
                     where.c_str());
      };
    platform.run(w);
    trace_stats = w.stats();
  } else if (o.command == "script") {
    info.workload = o.script;
    ScriptRunner runner(o.script, std::move(ops), std::cout,
                        ScriptRunnerOptions{o.compare, &platform});
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
  if (!o.uart_out.empty()) write_uart_output(o.uart_out, platform.uart.output());
  return 0;
}

}  // namespace
}  // namespace mmusim

int sc_main(int argc, char* argv[]) {
  using namespace mmusim;
#ifdef MMUSIM_HAVE_RTL
  rtl::register_rtl_mmu_impls();
#endif
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
