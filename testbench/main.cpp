// mmusim: the command-line front end.
//   mmusim run [options]           the built-in default workload
//   mmusim script FILE [options]   a syscall script; prints its transcript
//   mmusim trace FILE [options]    a valgrind lackey trace (plain, zstd, gzip, xz; - = stdin)
//   mmusim config [options]        every key with the value a run would use
//   mmusim --version
//   mmusim cosim run|script FILE|trace FILE [options]
//                                  the same with the C++ and the RTL MMU in lock-step
// Exit status: 0 success, 1 simulation failure, 2 bad input (usage, config,
// script syntax, malformed trace).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <systemc>
#include <vector>

#include "model/util/config_file.h"
#include "system/platform_config.h"
#include "testbench/script/script_parser.h"
#include "testbench/script_runner.h"
#include "testbench/stats.h"
#include "testbench/sweep/sweep_runner.h"
#include "testbench/synthetic.h"
#include "testbench/trace_workload.h"
#include "testbench/version.h"
#include "testbench/workload_config.h"
#ifdef MMUSIM_HAVE_RTL
#include "model/rtl/cosim_mmu.h"
#endif

namespace mmusim {
namespace {

struct Options {
  std::string command;
  std::string script;  // script or trace FILE
  std::string maps;
  bool relocate = false;
  bool skip_bad_lines = false;
  std::string config;
  std::vector<std::string> overrides;  // KEY=VAL, in command-line order (--set, --phys-mem, --swap)
  std::string stats;
  std::string uart_out;
  bool compare = false;
  bool quiet = false;
  bool cosim = false;  // command is the workload command run under `cosim`
  std::string fst;
  uint64_t max_cycles = 10000;
  bool unchecked = false;
  bool markdown = false;                  // stats-reference, config: docs/*.md's table
  std::vector<std::string> command_line;  // argv, for the stats
};

// A usage error: one line, with the command whose --help lists the options.
struct UsageError : std::runtime_error {
  UsageError(const std::string& what, std::string cmd)
      : std::runtime_error(what), command(std::move(cmd)) {}
  std::string command;  // "run", "cosim script", or "" (top level)
};

std::string version_text() {
  return std::string("mmusim ") + version() + " (" + version_describe() + ")";
}

// The options one command accepts: every subcommand gets only those it
// honours, so anything else is refused as an unknown option.
class CommandLine {
 public:
  explicit CommandLine(Options& o) : m_o(o), m_app("mmusim: an AArch64 MMU simulator", "mmusim") {
    m_app.set_version_flag("--version", version_text(), "print the version and exit");
    m_app.require_subcommand(1);
    m_app.footer(
        "Exit status: 0 success, 1 simulation failure, 2 bad input (usage, configuration, "
        "script syntax, malformed trace).\nmmusim COMMAND --help lists a command's options.");
    m_app.get_formatter()->column_width(26);

    add_workload(m_app, "run",
                 "run a synthetic workload (workload.pattern; default: the default mix)", false);
    add_workload(m_app, "script", "run a syscall script and print its transcript", false);
    add_workload(m_app, "trace",
                 "replay a valgrind lackey trace (--trace-mem=yes; plain, zstd, gzip or xz; FILE - "
                 "reads stdin)",
                 false);
    CLI::App* config = m_app.add_subcommand(
        "config", "print every configuration key with the value a run would use");
    add_config_options(config);
    m_app
        .add_subcommand("stats-reference",
                        "print every statistic --stats writes with its unit and meaning")
        ->add_flag("--markdown", m_o.markdown, "as the Markdown table of docs/stats.md");
    m_app.add_subcommand("sweep", "run a parameter sweep (mmusim sweep --help)");
    CLI::App* cosim = m_app.add_subcommand(
        "cosim",
        "run, script or trace with the C++ and the RTL MMU in lock-step; stops at the first "
        "difference (exit 1), else prints how many accesses it compared");
    cosim->require_subcommand(1);
    add_workload(*cosim, "run", "the synthetic workload in lock-step", true);
    add_workload(*cosim, "script", "a syscall script in lock-step", true);
    add_workload(*cosim, "trace", "a lackey trace in lock-step", true);
  }

  // Fills the options; throws UsageError, or exits 0 for --help and --version.
  void parse(int argc, char* argv[]) {
    try {
      m_app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
      std::fputs(help_of(selected()).c_str(), stdout);
      std::exit(0);
    } catch (const CLI::CallForAllHelp&) {
      std::fputs(help_of(selected()).c_str(), stdout);
      std::exit(0);
    } catch (const CLI::CallForVersion&) {
      std::printf("%s\n", version_text().c_str());
      std::exit(0);
    } catch (const CLI::ParseError& e) {
      throw UsageError(message(e), name_of(selected()));
    }
    CLI::App* sub = selected();
    const std::string name = name_of(sub);
    m_o.cosim = name.rfind("cosim ", 0) == 0;
    m_o.command = sub->get_name();
    // --set, --phys-mem and --swap in the order given: a later one wins.
    std::map<const CLI::Option*, size_t> used;
    for (const CLI::Option* opt : sub->parse_order()) {
      const auto it = m_overrides.find(opt);
      if (it == m_overrides.end()) continue;
      const std::string& v = opt->results().at(used[opt]++);
      m_o.overrides.push_back(it->second.empty() ? v : it->second + "=" + v);
    }
    if (m_o.cosim && !m_stats_refused.empty())
      throw UsageError(
          "--stats is not available under cosim (the lock-step pair keeps no "
          "statistics; run without cosim for them)",
          name);
    if (!m_max_cycles.empty()) {
      char* end = nullptr;
      m_o.max_cycles = std::strtoull(m_max_cycles.c_str(), &end, 10);
      if (*end != '\0' || m_o.max_cycles == 0 || m_max_cycles[0] == '-')
        throw UsageError("--max-cycles: '" + m_max_cycles + "' is not a positive number", name);
    }
  }

 private:
  void add_config_options(CLI::App* s) {
    s->add_option("--config", m_o.config, "platform configuration (.json, .yaml or .yml)")
        ->type_name("FILE");
    CLI::Option* set =
        s->add_option("--set", "override one configuration key (repeatable), e.g. --set l1d.ways=4")
            ->type_name("KEY=VAL")
            ->expected(1)
            ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    m_overrides[set] = "";
    CLI::Option* phys =
        s->add_option("--phys-mem",
                      "memory the kernel may use, e.g. 64M (= --set kernel.phys_mem=SIZE)")
            ->type_name("SIZE")
            ->expected(1)
            ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    m_overrides[phys] = "kernel.phys_mem";
    CLI::Option* swap =
        s->add_option("--swap",
                      "swap space on the block device, e.g. 256M (= --set kernel.swap=SIZE)")
            ->type_name("SIZE")
            ->expected(1)
            ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    m_overrides[swap] = "kernel.swap";
  }

  void add_workload(CLI::App& parent, const std::string& name, const std::string& what,
                    bool cosim) {
    CLI::App* s = parent.add_subcommand(name, what);
    if (name == "script") s->add_option("FILE", m_o.script, "the syscall script")->required();
    if (name == "trace")
      s->add_option("FILE", m_o.script, "the lackey trace (plain, zstd, gzip or xz; - reads stdin)")
          ->required()
          ->type_name("");
    add_config_options(s);
    if (!cosim) {
      s->add_option("--stats", m_o.stats, "write statistics as JSON")->type_name("FILE");
    } else {
      // Refused with a reason rather than as an unknown option.
      s->add_option("--stats", m_stats_refused, "not available under cosim")
          ->type_name("FILE")
          ->group("");
    }
    if (name == "run" || name == "script")
      s->add_option("--uart-out", m_o.uart_out,
                    "write the bytes the UART transmitted to FILE ('-': stdout, after the "
                    "transcript)")
          ->type_name("FILE");
    if (name == "script")
      s->add_flag("--compare", m_o.compare,
                  "print like the Linux replayer (arena-only maps, 'outside')");
    if (name == "trace") {
      s->add_option("--maps", m_o.maps, "initial address space from a /proc/PID/maps snapshot")
          ->type_name("FILE");
      s->add_flag("--relocate", m_o.relocate,
                  "move valgrind's compact layout to a native-like one");
      s->add_flag("--skip-bad-lines", m_o.skip_bad_lines,
                  "count and report malformed lines instead of stopping");
    }
    s->add_flag("--quiet", m_o.quiet, "no progress on stderr");
    if (cosim) {
      s->add_option("--trace", m_o.fst, "FST waveform of the RTL")->type_name("FILE.fst");
      s->add_option("--max-cycles", m_max_cycles,
                    "an RTL operation longer than N cycles stops the run (default 10000)")
          ->type_name("N");
      s->add_flag("--unchecked", m_o.unchecked,
                  "let the mmu.* keys differ from the RTL (checker tests)");
    }
  }

  CLI::App* selected() {
    CLI::App* app = &m_app;
    while (!app->get_subcommands().empty())
      app = app->get_subcommands().front();
    return app;
  }
  static std::string name_of(const CLI::App* app) {
    std::string name;
    for (; app != nullptr && app->get_parent() != nullptr; app = app->get_parent())
      name = app->get_name() + (name.empty() ? "" : " " + name);
    return name;
  }
  std::string help_of(CLI::App* app) { return app->help(); }

  // CLI11's message, in the words of the rest of mmusim's errors.
  std::string message(const CLI::ParseError& e) {
    CLI::App* sub = selected();
    if (dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr) {
      // The first argument left over, and the command level it was left at.
      CLI::App* where = &m_app;
      while (where->remaining().empty() && !where->get_subcommands().empty())
        where = where->get_subcommands().front();
      const std::vector<std::string> extra = where->remaining();
      const std::string a = extra.empty() ? "" : extra.front();
      const bool option = !a.empty() && a[0] == '-';
      const std::string name = option ? a.substr(0, a.find('=')) : a;
      if (where != sub && option) return "option '" + name + "' must come after the command";
      if (sub == &m_app)
        return a.empty() ? "no command given"
               : option  ? "unknown option '" + name + "'"
                         : "unknown command '" + a + "'";
      if (sub->get_name() == "cosim" && !a.empty() && !option)
        return "cosim: '" + a + "' is not run, script or trace";
      if (option) return "unknown option '" + name + "'";
      return "unexpected argument '" + a + "'";
    }
    if (dynamic_cast<const CLI::RequiredError*>(&e) != nullptr) {
      const std::vector<std::string> extra = sub->remaining();
      if (sub == &m_app && !extra.empty() && !extra.front().empty() && extra.front()[0] == '-')
        return "unknown option '" + extra.front().substr(0, extra.front().find('=')) + "'";
      if (sub == &m_app)
        return extra.empty() ? "no command given" : "unknown command '" + extra.front() + "'";
      if (sub->get_name() == "cosim")
        return extra.empty() ? "cosim: no workload command (run, script, trace)"
                             : "cosim: '" + extra.front() + "' is not run, script or trace";
      return name_of(sub) + ": no FILE given";
    }
    if (dynamic_cast<const CLI::ArgumentMismatch*>(&e) != nullptr) {
      // "--phys-mem: 1 required SIZE missing"
      const std::string what = e.what();
      const size_t colon = what.find(':');
      if (colon != std::string::npos && what.rfind("--", 0) == 0) {
        // CLI11 says "... missing" for an option without its value, and
        // names a count ("Expected at most 1 ...") for one given twice.
        if (what.find("missing") != std::string::npos)
          return what.substr(0, colon) + " needs a value";
        return what.substr(0, colon) + " given more than once";
      }
    }
    return e.what();
  }

  Options& m_o;
  CLI::App m_app;
  std::map<const CLI::Option*, std::string> m_overrides;  // option -> the key it sets ("": KEY=VAL)
  std::string m_stats_refused;
  std::string m_max_cycles;
};

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

// The trace options of the config with the command line's trace flags.
TraceOptions with_trace_flags(const Options& o, TraceOptions t) {
  t.path = o.script;
  t.maps_path = o.maps;
  t.relocate |= o.relocate;
  t.skip_bad_lines = o.skip_bad_lines;
  return t;
}

// A script with `cpu` lines runs its lines on the cores they name; one
// without keeps the other cores idle (its results are unchanged).
void run_script(const Options& o, Platform& platform, std::vector<script::ScriptOp> ops) {
  const bool uses_cores = std::any_of(ops.begin(), ops.end(), [](const script::ScriptOp& op) {
    return op.kind == script::OpKind::kCpu;
  });
  CoreDispatcher dispatcher(platform.params().cores);
  ScriptRunner runner(o.script, std::move(ops), std::cout,
                      ScriptRunnerOptions{o.compare, &platform, &dispatcher});
  if (uses_cores)
    platform.run(dispatcher.workloads(runner));
  else
    platform.run(runner);
}

// `mmusim cosim`: the workload on the lock-step pair; the first difference or a stuck RTL is
// reported with exit status 1.
int run_cosim(const Options& o, Platform& platform, std::vector<script::ScriptOp> ops,
              const SyntheticParams& wp, TraceOptions topt) {
#ifdef MMUSIM_HAVE_RTL
  try {
    if (o.command == "trace") {
      TraceWorkload w(with_trace_flags(o, topt));
      platform.run(w.workloads(platform.params().cores));
    } else if (o.command == "script") {
      run_script(o, platform, std::move(ops));
    } else {
      SyntheticWorkload w(wp);
      platform.run(w.per_core());
    }
  } catch (const rtl::CosimMismatch& e) {
    std::cout.flush();
    std::printf("%s\n", e.what());
    return 1;
  } catch (const rtl::RtlStuck& e) {
    std::cout.flush();
    std::printf("%s\n", e.what());
    return 1;
  }
  std::cout.flush();
  // Every core's pair, summed; with several cores, each core's own line first.
  uint64_t compared = 0, operations = 0, cycles = 0;
  double cpp_seconds = 0, rtl_seconds = 0;
  const auto& cores = platform.cores();
  for (const CoreParts* core : cores) {
    const rtl::CosimMmu* c = rtl::cosim_of(core->impl.get());
    if (cores.size() > 1)
      std::printf(
          "cosim: core%u: %llu accesses compared, %llu TLBIs and register writes mirrored\n",
          core->index, static_cast<unsigned long long>(c->compared()),
          static_cast<unsigned long long>(c->operations()));
    compared += c->compared();
    operations += c->operations();
    cycles += c->rtl().impl_stats().cycles;
    cpp_seconds += c->cpp_seconds();
    rtl_seconds += c->rtl_seconds();
  }
  std::printf(
      "cosim: %llu accesses compared, %llu TLBIs and register writes mirrored, no difference "
      "(%llu RTL cycles; host seconds in translation: C++ %.3f, RTL %.3f)\n",
      static_cast<unsigned long long>(compared), static_cast<unsigned long long>(operations),
      static_cast<unsigned long long>(cycles), cpp_seconds, rtl_seconds);
  return 0;
#else
  (void)o, (void)platform, (void)ops, (void)wp, (void)topt;
  return 2;
#endif
}

int run(const Options& o) {
  if (o.command == "stats-reference") {
    std::cout << (o.markdown ? stats_reference_markdown() : stats_reference());
    return 0;
  }
  util::Value cfg = o.config.empty() ? util::Value::object() : util::load_config_file(o.config);
  util::expand_dotted_keys(cfg);  // before the overrides, which set the nested keys
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
  util::ConfigNode root(cfg, /*locate_errors=*/true);
  const PlatformParams pp = read_platform_params(root);
  util::ConfigNode wnode = root.child("workload");
  SyntheticParams wp = read_workload_params(wnode, pp.cores);
  util::ConfigNode tnode = root.child("trace");
  TraceOptions topt = read_trace_options(tnode);

  // The workload and trace sections configure one command each: set for
  // another, they would be silently ignored.
  if (o.command != "config") refuse_unused_sections(root, o.command);

  if (o.command == "config") {
    root.finish();
    std::cout << root.reference();
    return 0;
  }

  std::vector<script::ScriptOp> ops;
  if (o.command == "script") ops = script::parse_script_file(o.script);
  root.finish();

  Platform platform("top", pp);
  if (o.cosim) {
    const int status = run_cosim(o, platform, std::move(ops), wp, topt);
    if (status == 0 && !o.uart_out.empty()) write_uart_output(o.uart_out, platform.uart.output());
    return status;
  }
  RunInfo info;
  info.command = o.command;
  info.version = version();
  info.version_describe = version_describe();
  info.command_line = o.command_line;
  info.config = root.used_values();
  const auto t0 = std::chrono::steady_clock::now();
  TraceStats trace_stats;
  util::Value workload_stats;  // run with threads or churn: the workload's report
  if (o.command == "trace") {
    info.workload = o.script;
    TraceWorkload w(with_trace_flags(o, topt));
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
    // With cpu.cores > 1 each thread of the trace (SCHED lines) replays on its own core.
    platform.run(w.workloads(pp.cores));
    trace_stats = w.stats();
  } else if (o.command == "script") {
    info.workload = o.script;
    run_script(o, platform, std::move(ops));
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
    platform.run(w.per_core());
    if (wp.threads > 1 || wp.churn_every) workload_stats = workload_stats_value(w);
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
  if (!workload_stats.is_null()) stats["workload"] = workload_stats;
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
  o.command_line.assign(argv, argv + argc);
  try {
    CommandLine(o).parse(argc, argv);
  } catch (const UsageError& e) {
    const std::string help =
        e.command.empty() ? "mmusim --help" : "mmusim " + e.command + " --help";
    std::fprintf(stderr, "mmusim: %s (%s lists the options)\n", e.what(), help.c_str());
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
  } catch (const sc_core::sc_report& e) {
    // A model error raised through sc_report (message type mmusim/...): its
    // message without SystemC's "In file: ..." location.
    std::cout.flush();
    std::fprintf(stderr, "mmusim: error: %s: %s\n", e.get_msg_type(), e.get_msg());
    return 1;
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
