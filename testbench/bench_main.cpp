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

#include "model/platform/platform.h"
#include "testbench/synthetic.h"
#include "testbench/trace_workload.h"

namespace {
std::atomic<uint64_t> g_allocations{0};
}

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
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--quick"))
      scale = 1;
    else if (!std::strcmp(argv[i], "--scenario") && i + 1 < argc)
      only = argv[++i];
    else if (!std::strcmp(argv[i], "--trace") && i + 1 < argc)
      trace = argv[++i];
    else {
      std::fprintf(stderr,
                   "usage: mmusim_bench [--quick] [--scenario "
                   "tlb-hit|random-1g|swap-5us|swap-25us|swap-100us|trace] "
                   "[--trace FILE]\n");
      return 2;
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
