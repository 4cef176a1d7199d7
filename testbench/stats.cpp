#include "testbench/stats.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "model/stats/dump.h"
#include "testbench/synthetic.h"

namespace mmusim {

using util::Value;

namespace {

// The run (`sim`): what ran, and its time. sim.command_line and config are
// added to the JSON as they are (an array, a tree).
void register_sim_stats(stats::Group& g, const Hardware& p, const RunInfo& run) {
  // With cpu.cores > 1: every core's accesses, and the latest core's time.
  const auto accesses = [&p] {
    uint64_t n = 0;
    for (const CoreParts* c : p.cores())
      n += c->cpu.stats().accesses;
    return n;
  };
  g.add_text(
      "command", [&run] { return run.command; },
      "the mmusim command that ran (run, script, trace)");
  g.add_text(
      "workload", [&run] { return run.workload; },
      "default-mix, the synthetic pattern, or the script or trace path");
  g.add(
      "cycles",
      [&p] {
        uint64_t t = 0;
        for (const CoreParts* c : p.cores())
          t = std::max<uint64_t>(t, c->cpu.now().count());
        return t;
      },
      "cycles", "simulated time at the end of the run (the latest core's)");
  g.add_real(
      "cpu_frequency_mhz", [&p] { return p.clock.frequency_mhz(); }, "MHz",
      "core clock (cpu.frequency_mhz): cycles to time");
  g.add_real(
      "host_seconds", [&run] { return run.host_seconds; }, "s",
      "host wall-clock time of the simulation (elaboration excluded)");
  g.add("accesses", accesses, "accesses",
        "accesses the workload issued on every core (a page-crossing access counts once)");
  g.add_real(
      "accesses_per_host_second",
      [&run, accesses] {
        return run.host_seconds > 0 ? static_cast<double>(accesses()) / run.host_seconds : 0.0;
      },
      "accesses/s", "accesses / host_seconds");
  if (!run.version.empty()) {
    g.add_text(
        "version", [&run] { return run.version; },
        "version of the mmusim that produced these stats (project(VERSION))");
    g.add_text(
        "version_describe", [&run] { return run.version_describe; },
        "git describe --always --dirty of its source when it was built ('unknown' outside git)");
  }
}

void register_trace_stats(stats::Group& g, const TraceStats& t) {
  g.add("lines", t.lines, "lines", "lines read");
  g.add(
      "records", [&t] { return t.records(); }, "records", "records replayed as accesses");
  g.add("fetches", t.fetches, "records", "I records (instruction fetches)");
  g.add("loads", t.loads, "records", "L records (loads)");
  g.add("stores", t.stores, "records", "S records (stores)");
  g.add("modifies", t.modifies, "records", "M records (read-modify-writes)");
  g.add("clamped", t.clamped, "records",
        "larger than 64 bytes (x87/SSE state saves): simulated as their first 64 bytes, as "
        "cachegrind does");
  g.add("signals", t.signals, "records", "accesses that ended in SIGSEGV or SIGBUS");
  g.add("syscalls_applied", t.syscalls_applied, "calls",
        "mmap/munmap/brk/mprotect/mremap lines replayed");
  g.add("syscalls_failed", t.syscalls_failed, "calls",
        "system-call lines the kernel layer refused");
  g.add("bad_lines", t.bad_lines, "lines", "malformed lines skipped with --skip-bad-lines");
  g.add("sched_lines", t.sched_lines, "lines",
        "SCHED events read (valgrind --trace-sched=yes), glued ones included");
  g.add("barriers", t.barriers, "calls",
        "cpu.cores > 1: address-space system calls applied once every core reached them");
  g.add_text(
      "address_space", [&t] { return t.address_space; },
      "where the initial address space came from: touched, syscalls+touched, maps, "
      "maps+syscalls");
  g.add("initial_vmas", t.initial_vmas, "VMAs",
        "VMAs of the initial image (pages no system call of the trace mapped), mapped at first "
        "touch");
  g.add("initial_pages", t.initial_pages, "pages", "pages in the initial image's VMAs");
  g.add("populated_pages", t.populated_pages, "pages",
        "given their own frame when mapped (trace.populate)");
  g.add("widened_pages", t.widened_pages, "pages",
        "initial-image pages whose protection a later access widened (mprotect)");
  g.add("touched_pages", t.touched_pages, "pages", "distinct pages below 2^48 the trace touches");
  g.add_real(
      "replay_host_seconds", [&t] { return t.replay_host_seconds; }, "s",
      "host time of reading, parsing and replaying the trace (one pass)");
}

}  // namespace

Value collect_stats(const Platform& p, const RunInfo& run) {
  Value root = Value::object();
  stats::Group sim("sim");
  register_sim_stats(sim, p, run);
  stats::add_to(root, sim);
  if (!run.command_line.empty()) {
    Value& argv = root["sim"]["command_line"] = Value::array();
    for (const std::string& a : run.command_line)
      argv.push_back(a);
  }
  stats::add_to(root, p.stats_root());
  if (!run.config.is_null()) root["config"] = run.config;
  return root;
}

Value trace_stats_value(const TraceStats& t) {
  stats::Group g("trace");
  register_trace_stats(g, t);
  Value v = *stats::to_value(g).find("trace");
  // The trace's threads (SCHED lines), by first appearance.
  if (!t.threads.empty()) {
    Value& threads = v["threads"] = Value::array();
    for (const TraceThreadStats& th : t.threads) {
      Value o = Value::object();
      o["tid"] = Value(uint64_t{th.tid});
      o["core"] = Value(uint64_t{th.core});
      o["records"] = Value(th.records());
      o["fetches"] = Value(th.fetches);
      o["loads"] = Value(th.loads);
      o["stores"] = Value(th.stores);
      o["modifies"] = Value(th.modifies);
      o["first_cycle"] = Value(th.first_cycle);
      o["last_cycle"] = Value(th.last_cycle);
      o["starts"] = Value(th.starts);
      o["exited"] = Value(th.exited);
      threads.push_back(std::move(o));
    }
  }
  return v;
}

std::vector<stats::Reference> stat_reference() {
  std::vector<stats::Reference> refs;
  const auto add = [&refs](const stats::Group& g) {
    for (stats::Reference& r : stats::reference(g))
      refs.push_back(std::move(r));
  };
  // Built with the defaults: every statistic of the default platform (and
  // the kernel), the run's, the trace replayer's, and those of an MMU
  // implementation other than the C++ one (mmu.impl rtl or cosim), with
  // the optional L2 and LLC enabled (top.l2, top.llc).
  PlatformParams params;
  params.l2_enable = params.llc_enable = true;
  Platform platform("top", params);
  const RunInfo run{"run", "default-mix", 0.0, "0", "describe", {}, {}};
  stats::Group sim("sim");
  register_sim_stats(sim, platform, run);
  add(sim);
  refs.push_back({"sim.command_line", "", "the command line, one element per argument"});
  refs.push_back(
      {"config", "", "every configuration key with the value the run used (mmusim config)"});
  add(platform.stats_root());
  stats::Group top("top");
  register_mmu_impl_stats(
      top.component("mmu_impl"), [] { return MmuImplStats{}; }, "rtl");
  add(top);
  const TraceStats trace_stats;
  stats::Group trace("trace");
  register_trace_stats(trace, trace_stats);
  add(trace);
  // mmusim run with workload.threads > 1 or churn (testbench/synthetic.h).
  const SyntheticWorkload synthetic(SyntheticParams::default_mix());
  stats::Group workload("workload");
  register_workload_stats(workload, synthetic);
  add(workload);
  return refs;
}

std::string stats_reference() {
  return stats::reference_text(stat_reference());
}

std::string stats_reference_markdown() {
  return stats::reference_markdown(stat_reference());
}

std::string format_summary(const Value& s) {
  auto u = [&](const Value& v, const char* key) {
    return v.find(key) ? v.find(key)->as_uint() : 0;
  };
  auto d = [&](const Value& v, const char* key) {
    return v.find(key) ? v.find(key)->as_double() : 0.0;
  };
  std::string out;
  char line[256];
  const Value& sim = *s.find("sim");
  std::snprintf(line, sizeof line,
                "simulated %" PRIu64 " accesses in %" PRIu64
                " cycles; host %.3f s (%.2f M accesses/s)\n",
                u(sim, "accesses"), u(sim, "cycles"), d(sim, "host_seconds"),
                d(sim, "accesses_per_host_second") / 1e6);
  out += line;
  for (const auto& [name, v] : s.as_object()) {
    if (v.find("impl")) {  // mmu.impl other than cpp (the top.mmu.* lines are then idle)
      std::snprintf(line, sizeof line,
                    "  %-22s %s: L1 hits %" PRIu64 "  L2 hits %" PRIu64 "  walks %" PRIu64
                    "  faults %" PRIu64 "  cycles %" PRIu64 "\n",
                    name.c_str(), v.find("impl")->as_string().c_str(), u(v, "l1_hits"),
                    u(v, "l2_hits"), u(v, "walks"), u(v, "faults"), u(v, "cycles"));
      out += line;
    } else if (v.find("miss_rate")) {
      std::snprintf(line, sizeof line,
                    "  %-22s hits %12" PRIu64 "  misses %10" PRIu64 "  (%.3f%%)\n", name.c_str(),
                    u(v, "hits"), u(v, "misses"), 100.0 * d(v, "miss_rate"));
      out += line;
    } else if (v.find("walks")) {
      const Value& lat = *v.find("latency");
      std::snprintf(line, sizeof line,
                    "  %-22s walks %11" PRIu64 "  mean %.1f cycles  p99 %" PRIu64 " cycles\n",
                    name.c_str(), u(v, "walks"), d(lat, "mean_cycles"), u(lat, "p99_cycles"));
      out += line;
    } else if (v.find("writebacks")) {
      std::snprintf(line, sizeof line,
                    "  %-22s hits %12" PRIu64 "  misses %10" PRIu64 "  writebacks %" PRIu64 "\n",
                    name.c_str(), u(v, "hits"), u(v, "misses"), u(v, "writebacks"));
      out += line;
    }
  }
  const Value& k = *s.find("kernel");
  std::snprintf(line, sizeof line,
                "  kernel: %" PRIu64 " syscalls, %" PRIu64 " page faults, %" PRIu64
                " frames in use, %" PRIu64 " table pages\n",
                u(k, "syscalls"), u(k, "page_faults"), u(k, "frames_in_use"),
                u(k, "page_table_pages"));
  out += line;
  if (u(k, "pswpout") || u(k, "pgmajfault") || u(k, "oom_kills")) {  // memory pressure
    std::snprintf(line, sizeof line,
                  "  memory pressure: %" PRIu64 " major faults, pswpin %" PRIu64
                  ", pswpout %" PRIu64 ", pgsteal %" PRIu64 ", %" PRIu64 " OOM kills\n",
                  u(k, "pgmajfault"), u(k, "pswpin"), u(k, "pswpout"),
                  u(k, "pgsteal_kswapd") + u(k, "pgsteal_direct"), u(k, "oom_kills"));
    out += line;
  }
  return out;
}

}  // namespace mmusim
