// mmusim_bench: host speed of the whole platform, end to end (CPU port ->
// MMU -> L1I/L1D -> bus -> DRAM, kernel faults included where they happen).
// The `trace` scenario replays a valgrind lackey trace (--trace FILE, or one
// it makes of sqlite3 or sort with valgrind; plain, zstd, gzip or xz, "-"
// for stdin) with the default config; its time includes reading,
// decompressing and parsing the trace (one pass, interleaved with the replay).
// Each scenario runs in a forked child, as SystemC elaborates once per
// process. Prints host accesses per second, simulated cycles per access and
// heap allocations per access for the measured phase. The swap-* scenarios
// (working set twice memory, with swap) also print the mean simulated
// major-fault latency at three device read latencies.
//
// --targets: the host-speed targets side by side, in one run. A lackey trace
// of a real program (--trace FILE, or `xz -1` compressing text, recorded with
// valgrind and zstd-compressed) is replayed by (a) the baseline, a minimal
// cachegrind-rule I1/D1 replayer (testbench/replay_baseline.h: the same
// reader and parser, the I1/D1 geometry of the configuration, LRU, no TLB)
// and (b) `mmusim trace` with --config (default
// testbench/configs/cachegrind.yaml), alternately, --rounds times (default
// 3), each run in a child process; then the tlb-hit scenario as many times.
// Prints every run, the medians, the ratio (b)/(a) and the targets: (b) at
// least 0.9x (a) and 12 M accesses/s, tlb-hit at least 25 M accesses/s. Both
// replays must find the same I1 and D1 misses (else exit 1).
//
// --cores: aggregate host accesses per second (every core's accesses, data
// and fetches, over the host time of the run) of the default workload
// (`mmusim run`: the default mix over 256 MB, 64 MB with --quick) with
// cpu.cores = workload.threads = 1, 2, 4 and 8, interleaved, --rounds times
// (default 3), each run in a child process. Prints every run, the medians,
// each one's ratio to the 1-core median and the target (issue #11): the
// 4-core aggregate at least 0.8x the 1-core one.
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <new>
#include <string>
#include <vector>

#include "model/util/config_file.h"
#include "system/platform.h"
#include "system/platform_config.h"
#include "testbench/replay_baseline.h"
#include "testbench/synthetic.h"
#include "testbench/trace_workload.h"
#include "testbench/workload_config.h"

namespace {
std::atomic<uint64_t> g_allocations{0};
char g_last_rate[32];  // M accesses/s of the last scenario run, for --targets
}  // namespace

void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

namespace mmusim {
namespace {

struct Scenario {
  const char* name;
  const char* what;
  SyntheticParams params;
  // Memory pressure: kernel.phys_mem, kernel.swap, blockdev.read_latency_ns (0: none).
  uint64_t phys_mem = 0, swap = 0, read_latency_ns = 0;
};

std::vector<Scenario> scenarios(uint64_t scale) {
  std::vector<Scenario> out;
  {
    // 16 KB of data: 4 pages, all in the L1 DTLB and the L1D after warm-up.
    SyntheticParams p;
    p.region_bytes = 16 << 10;
    p.fetch_every = 0;
    p.phases = {{"warm-up", Pattern::kSequential, 2048, 8, 1.0, 8},
                {"measured", Pattern::kSequential, 20'000'000 * scale / 4, 8, 0.25, 8}};
    out.push_back({"tlb-hit", "sequential 8 B loads/stores over 16 KB (TLB and L1 hits)", p});
  }
  {
    // 1 GB, every page touched once, then uniform random loads.
    SyntheticParams p;
    p.region_bytes = uint64_t{1} << 30;
    p.fetch_every = 0;
    p.phases = {{"populate", Pattern::kSequential, p.region_bytes / 4096, 4096, 1.0, 8},
                {"measured", Pattern::kRandom, 5'000'000 * scale / 4, 0, 0.0, 8}};
    out.push_back({"random-1g", "uniform random 8 B loads over 1 GB (TLB and cache misses)", p});
  }
  // Swap-heavy: a 64 MB working set in 32 MB of memory, uniform random
  // loads and stores (25%), at three device read latencies.
  for (const auto& [name, ns] : {std::pair<const char*, uint64_t>{"swap-5us", 5'000},
                                 {"swap-25us", 25'000},
                                 {"swap-100us", 100'000}}) {
    SyntheticParams p;
    p.region_bytes = uint64_t{64} << 20;
    p.fetch_every = 0;
    p.phases = {{"populate", Pattern::kSequential, p.region_bytes / 4096, 4096, 1.0, 8},
                {"measured", Pattern::kRandom, 400'000 * scale / 4, 0, 0.25, 8}};
    out.push_back({name,
                   "uniform random 8 B loads/stores (25%) over 64 MB in 32 MB of memory with swap",
                   p, uint64_t{32} << 20, uint64_t{256} << 20, ns});
  }
  return out;
}

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// A lackey trace of a small real program, made with valgrind.
std::string make_trace(const std::string& dir) {
  const bool sqlite = std::system("command -v sqlite3 >/dev/null 2>&1") == 0;
  std::string cmd = "mkdir -p " + dir + " && cd " + dir + " && ";
  if (sqlite) {
    cmd +=
        "printf 'create table t(a,b);\\ninsert into t values(1,2),(3,4);\\n"
        "select * from t order by b desc;\\n' > q.sql && valgrind --tool=lackey "
        "--trace-mem=yes --log-file=trace.txt sqlite3 :memory: < q.sql >/dev/null 2>&1";
  } else {
    cmd +=
        "seq 1000 | tac > in.txt && valgrind --tool=lackey "
        "--trace-mem=yes --log-file=trace.txt sort in.txt >/dev/null 2>&1";
  }
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("could not make a trace: " + cmd);
  return dir + "/trace.txt";
}

int run_trace(const std::string& path) {
  Platform platform("top", PlatformParams{});
  TraceOptions o;
  o.path = path;
  TraceWorkload w(o);
  const uint64_t allocs_before = g_allocations.load();
  const auto t0 = std::chrono::steady_clock::now();
  const double cpu0 = cpu_seconds();
  platform.run(w);
  const double host = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = cpu_seconds() - cpu0;
  const uint64_t allocs = g_allocations.load() - allocs_before;
  const uint64_t accesses = platform.cpu.stats().accesses;
  // On a shared machine the CPU time is the steadier measure.
  std::printf(
      "%-10s %12llu %9.3f %10.2f %10.2f %10.4f   lackey trace %s (%llu lines, one pass; "
      "%.3f s CPU: %.2f M acc/s)\n",
      "trace", static_cast<unsigned long long>(accesses), host,
      static_cast<double>(accesses) / host / 1e6,
      static_cast<double>(platform.cpu.now().count()) / static_cast<double>(accesses),
      static_cast<double>(allocs) / static_cast<double>(accesses), path.c_str(),
      static_cast<unsigned long long>(w.stats().lines), cpu,
      static_cast<double>(accesses) / cpu / 1e6);
  std::fflush(stdout);
  return 0;
}

// Runs `f` in a child process and returns what it returned (empty if it failed).
template <class F>
std::string in_child(F f) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
  std::fflush(stdout);
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    int rc = 0;
    try {
      const std::string out = f();
      if (write(fds[1], out.data(), out.size()) != static_cast<ssize_t>(out.size())) rc = 1;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s\n", e.what());
      rc = 1;
    }
    close(fds[1]);
    _exit(rc);
  }
  close(fds[1]);
  std::string out;
  char buf[256];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;)
    out.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int st = 0;
  waitpid(pid, &st, 0);
  return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? out : std::string();
}

// A trace of `xz -1` compressing 20 000 lines of text, its first `lines`
// lines, zstd-compressed.
std::string make_xz_trace(const std::string& dir, uint64_t lines) {
  const std::string cmd =
      "mkdir -p " + dir + " && cd " + dir +
      " && seq 1 20000 > in.txt && valgrind --tool=lackey --trace-mem=yes --log-file=full.lk "
      "xz -1 -c in.txt >/dev/null 2>&1 && head -n " +
      std::to_string(lines) + " full.lk | zstd -q -3 -o trace.lk.zst && rm -f full.lk";
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("could not make a trace: " + cmd);
  return dir + "/trace.lk.zst";
}

struct ReplayRun {
  uint64_t accesses = 0, i1_misses = 0, d1_misses = 0;
  double seconds = 0.0;
  double rate() const { return static_cast<double>(accesses) / seconds / 1e6; }
};

std::string format_run(uint64_t accesses, uint64_t i1, uint64_t d1, double seconds) {
  char buf[128];
  std::snprintf(buf, sizeof buf, "%llu %llu %llu %.9f", static_cast<unsigned long long>(accesses),
                static_cast<unsigned long long>(i1), static_cast<unsigned long long>(d1), seconds);
  return buf;
}

ReplayRun parse_run(const std::string& s) {
  ReplayRun r;
  unsigned long long a = 0, i = 0, d = 0;
  if (std::sscanf(s.c_str(), "%llu %llu %llu %lf", &a, &i, &d, &r.seconds) != 4 || r.seconds <= 0.0)
    throw std::runtime_error("a benchmark run failed");
  r.accesses = a, r.i1_misses = i, r.d1_misses = d;
  return r;
}

// `mmusim trace TRACE --config CONFIG`, timed from building the platform to the end of the replay.
std::string run_mmusim_trace(const std::string& trace, const std::string& config) {
  util::Value cfg = util::load_config_file(config);
  util::expand_dotted_keys(cfg);
  util::ConfigNode root(cfg, /*locate_errors=*/true);
  const PlatformParams pp = read_platform_params(root);
  util::ConfigNode tnode = root.child("trace");
  TraceOptions topt = read_trace_options(tnode);
  root.finish();
  topt.path = trace;
  const auto t0 = std::chrono::steady_clock::now();
  Platform platform("top", pp);
  TraceWorkload w(topt);
  platform.run(w);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const CpuPortStats& c = platform.cpu.stats();
  return format_run(c.accesses, c.per_fetch.l1_cache_misses,
                    c.per_read.l1_cache_misses + c.per_write.l1_cache_misses, s);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

int run_scenario(const Scenario& s);

int run_targets(std::string trace, const std::string& config, unsigned rounds, uint64_t scale) {
  // The I1/D1 geometry of the configuration, for the baseline.
  util::Value cfg = util::load_config_file(config);
  util::expand_dotted_keys(cfg);
  util::ConfigNode root(cfg, true);
  const PlatformParams pp = read_platform_params(root);
  if (pp.l1i.size_bytes != pp.l1d.size_bytes || pp.l1i.ways != pp.l1d.ways ||
      pp.l1i.line_bytes != pp.l1d.line_bytes)
    throw std::runtime_error(config + ": the baseline needs the same I1 and D1 geometry");
  const std::string dir = "/tmp/mmusim_bench_" + std::to_string(::getpid());
  const bool made = trace.empty();
  if (made) trace = make_xz_trace(dir, 20'000'000 * scale / 4);
  std::printf("trace %s, config %s; %u rounds, each run in a child process\n", trace.c_str(),
              config.c_str(), rounds);
  std::vector<double> base, sim, tlb;
  ReplayRun b, m;
  for (unsigned r = 0; r < rounds; ++r) {
    b = parse_run(in_child([&] {
      const bench::BaselineResult x =
          bench::replay_baseline(trace, pp.l1d.size_bytes, pp.l1d.ways, pp.l1d.line_bytes);
      return format_run(x.accesses, x.i1_misses, x.d1_misses, x.host_seconds);
    }));
    m = parse_run(in_child([&] { return run_mmusim_trace(trace, config); }));
    base.push_back(b.rate());
    sim.push_back(m.rate());
    std::printf("round %u: baseline %7.2f M acc/s (%.3f s)   mmusim trace %7.2f M acc/s (%.3f s)\n",
                r + 1, b.rate(), b.seconds, m.rate(), m.seconds);
    std::fflush(stdout);
  }
  const Scenario tlb_hit = scenarios(scale).front();
  for (unsigned r = 0; r < rounds; ++r) {
    const std::string out = in_child([&] {
      run_scenario(tlb_hit);
      return std::string(g_last_rate);
    });
    tlb.push_back(std::atof(out.c_str()));
  }
  if (made && std::system(("rm -rf " + dir).c_str()) != 0)
    std::fprintf(stderr, "could not remove %s\n", dir.c_str());
  const bool same =
      b.accesses == m.accesses && b.i1_misses == m.i1_misses && b.d1_misses == m.d1_misses;
  std::printf(
      "accesses %llu; I1 misses %llu (baseline) %llu (mmusim), D1 misses %llu %llu: %s\n",
      static_cast<unsigned long long>(m.accesses), static_cast<unsigned long long>(b.i1_misses),
      static_cast<unsigned long long>(m.i1_misses), static_cast<unsigned long long>(b.d1_misses),
      static_cast<unsigned long long>(m.d1_misses), same ? "the same" : "DIFFERENT");
  const double mb = median(base), ms = median(sim), mt = median(tlb);
  std::printf(
      "median of %u: baseline %.2f M acc/s, mmusim trace %.2f M acc/s, ratio %.3f; "
      "tlb-hit %.2f M acc/s\n",
      rounds, mb, ms, ms / mb, mt);
  std::printf(
      "targets: trace/baseline >= 0.9: %s; trace >= 12 M acc/s: %s; tlb-hit >= 25 M "
      "acc/s: %s\n",
      ms / mb >= 0.9 ? "met" : "NOT met", ms >= 12.0 ? "met" : "NOT met",
      mt >= 25.0 ? "met" : "NOT met");
  return same ? 0 : 1;
}

// The default workload on `cores` cores, one thread each: "accesses wall_s cpu_s".
std::string run_cores(unsigned cores, uint64_t scale) {
  PlatformParams pp;
  pp.cores = cores;
  SyntheticParams sp =
      SyntheticParams::default_mix(scale == 1 ? uint64_t{64} << 20 : uint64_t{256} << 20);
  sp.threads = cores;
  Platform platform("top", pp);
  SyntheticWorkload w(sp);
  const auto t0 = std::chrono::steady_clock::now();
  const double cpu0 = cpu_seconds();
  platform.run(w.per_core());
  const double host = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = cpu_seconds() - cpu0;
  uint64_t accesses = 0;
  for (const CoreParts* c : platform.cores())
    accesses += c->cpu.stats().accesses;
  char buf[128];
  std::snprintf(buf, sizeof buf, "%llu %.9f %.9f", static_cast<unsigned long long>(accesses), host,
                cpu);
  return buf;
}

int run_cores_bench(unsigned rounds, uint64_t scale) {
  const unsigned counts[] = {1, 2, 4, 8};
  std::printf(
      "default workload (default mix over %s, threads = cores); %u rounds, interleaved, each run "
      "in a child process; M acc/s = every core's accesses / host seconds (wall; CPU)\n",
      scale == 1 ? "64 MB" : "256 MB", rounds);
  std::vector<double> wall[4], cpu[4];
  for (unsigned r = 0; r < rounds; ++r)
    for (unsigned i = 0; i < 4; ++i) {
      const std::string out = in_child([&] { return run_cores(counts[i], scale); });
      unsigned long long a = 0;
      double w = 0, c = 0;
      if (std::sscanf(out.c_str(), "%llu %lf %lf", &a, &w, &c) != 3 || w <= 0 || c <= 0)
        throw std::runtime_error(std::to_string(counts[i]) + " cores: the run failed");
      wall[i].push_back(static_cast<double>(a) / w / 1e6);
      cpu[i].push_back(static_cast<double>(a) / c / 1e6);
      std::printf("round %u: %u cores %12llu accesses %8.3f s  %7.2f M acc/s (CPU %7.2f)\n", r + 1,
                  counts[i], a, w, wall[i].back(), cpu[i].back());
      std::fflush(stdout);
    }
  const double one = median(wall[0]), one_cpu = median(cpu[0]);
  for (unsigned i = 0; i < 4; ++i)
    std::printf("median: %u cores %7.2f M acc/s (%.3fx 1 core); CPU %7.2f M acc/s (%.3fx)\n",
                counts[i], median(wall[i]), median(wall[i]) / one, median(cpu[i]),
                median(cpu[i]) / one_cpu);
  std::printf("target: 4-core aggregate >= 0.8x 1-core: %s (wall %.3fx, CPU %.3fx)\n",
              median(wall[2]) / one >= 0.8 ? "met" : "NOT met", median(wall[2]) / one,
              median(cpu[2]) / one_cpu);
  return 0;
}

int run_scenario(const Scenario& s) {
  PlatformParams pp;
  pp.dram.size_bytes = uint64_t{4} << 30;
  pp.kernel.phys_mem_bytes = s.phys_mem;
  pp.kernel.swap_bytes = s.swap;
  if (s.read_latency_ns) pp.blockdev_read_latency_ns = s.read_latency_ns;
  Platform platform("top", pp);
  SyntheticWorkload w(s.params);
  uint64_t allocs_before = 0, accesses_before = 0, majors_before = 0, major_cycles_before = 0;
  w.on_phase = [&](size_t i, const Phase&) {
    if (i + 1 == s.params.phases.size()) {
      allocs_before = g_allocations.load();
      accesses_before = platform.cpu.stats().accesses;
      majors_before = platform.kernel.stats().pgmajfault;
      major_cycles_before = platform.kernel.stats().major_fault_cycles;
    }
  };
  platform.run(w);
  const uint64_t allocs = g_allocations.load() - allocs_before;
  const PhaseResult& r = w.results().back();
  const uint64_t accesses = platform.cpu.stats().accesses - accesses_before;
  std::snprintf(g_last_rate, sizeof g_last_rate, "%.6f",
                static_cast<double>(accesses) / r.host_seconds / 1e6);
  std::printf("%-10s %12llu %9.3f %10.2f %10.2f %10.4f   %s\n", s.name,
              static_cast<unsigned long long>(accesses), r.host_seconds,
              static_cast<double>(accesses) / r.host_seconds / 1e6,
              static_cast<double>(r.end_cycle - r.start_cycle) / static_cast<double>(accesses),
              static_cast<double>(allocs) / static_cast<double>(accesses), s.what);
  if (s.swap) {
    const sw::KernelStats& k = platform.kernel.stats();
    const uint64_t majors = k.pgmajfault - majors_before;
    const double mean = majors ? static_cast<double>(k.major_fault_cycles - major_cycles_before) /
                                     static_cast<double>(majors)
                               : 0.0;
    std::printf(
        "           device read latency %llu ns: %llu major faults in the measured phase, mean "
        "simulated major-fault latency %.0f cycles (%.1f us at %.0f MHz); pswpin %llu pswpout "
        "%llu\n",
        static_cast<unsigned long long>(s.read_latency_ns), static_cast<unsigned long long>(majors),
        mean, mean / pp.cpu_frequency_mhz, pp.cpu_frequency_mhz,
        static_cast<unsigned long long>(k.pswpin), static_cast<unsigned long long>(k.pswpout));
  }
  std::fflush(stdout);
  return 0;
}

}  // namespace
}  // namespace mmusim

int sc_main(int argc, char* argv[]) {
  uint64_t scale = 4;  // 4 = full size; --quick divides the work by 4
  std::string only;
  std::string trace;
  bool targets = false;
  bool cores = false;
  unsigned rounds = 3;
  std::string config = MMUSIM_SOURCE_DIR "/testbench/configs/cachegrind.yaml";
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--quick"))
      scale = 1;
    else if (!std::strcmp(argv[i], "--scenario") && i + 1 < argc)
      only = argv[++i];
    else if (!std::strcmp(argv[i], "--trace") && i + 1 < argc)
      trace = argv[++i];
    else if (!std::strcmp(argv[i], "--targets"))
      targets = true;
    else if (!std::strcmp(argv[i], "--cores"))
      cores = true;
    else if (!std::strcmp(argv[i], "--config") && i + 1 < argc)
      config = argv[++i];
    else if (!std::strcmp(argv[i], "--rounds") && i + 1 < argc && std::atoi(argv[i + 1]) > 0)
      rounds = static_cast<unsigned>(std::atoi(argv[++i]));
    else {
      std::fprintf(stderr,
                   "usage: mmusim_bench [--quick] [--scenario "
                   "tlb-hit|random-1g|swap-5us|swap-25us|swap-100us|trace] "
                   "[--trace FILE]\n"
                   "       mmusim_bench --targets [--quick] [--trace FILE] [--config FILE] "
                   "[--rounds N]\n"
                   "       mmusim_bench --cores [--quick] [--rounds N]\n");
      return 2;
    }
  }
  if (cores) {
    try {
      return mmusim::run_cores_bench(rounds, scale);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "mmusim_bench: %s\n", e.what());
      return 1;
    }
  }
  if (targets) {
    try {
      return mmusim::run_targets(trace, config, rounds, scale);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "mmusim_bench: %s\n", e.what());
      return 1;
    }
  }
  std::printf("%-10s %12s %9s %10s %10s %10s\n", "scenario", "accesses", "host_s", "M_acc/s",
              "cyc/acc", "allocs/acc");
  std::fflush(stdout);
  int status = 0;
  for (const auto& s : mmusim::scenarios(scale)) {
    if (!only.empty() && only != s.name) continue;
    const pid_t pid = fork();
    if (pid == 0) {
      try {
        _exit(mmusim::run_scenario(s));
      } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: %s\n", s.name, e.what());
        _exit(1);
      }
    }
    int st = 0;
    waitpid(pid, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) status = 1;
  }
  if (only.empty() || only == "trace") {
    const pid_t pid = fork();
    if (pid == 0) {
      try {
        const std::string dir = "/tmp/mmusim_bench_" + std::to_string(::getpid());
        const std::string path = trace.empty() ? mmusim::make_trace(dir) : trace;
        const int rc = mmusim::run_trace(path);
        if (trace.empty() && std::system(("rm -rf " + dir).c_str()) != 0)
          std::fprintf(stderr, "trace: could not remove %s\n", dir.c_str());
        _exit(rc);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "trace: %s\n", e.what());
        _exit(1);
      }
    }
    int st = 0;
    waitpid(pid, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) status = 1;
  }
  return status;
}

// Our own main (it takes precedence over libsystemc's): silence the SystemC
// banner unless the user asked for it, then elaborate and simulate as usual.
int main(int argc, char* argv[]) {
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", /*overwrite=*/0);
  return sc_core::sc_elab_and_sim(argc, argv);
}
