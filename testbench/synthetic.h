// Seeded synthetic workloads: one process maps a data region (the working
// set) and a code region, then runs phases of data accesses with a
// read/write mix, interleaving instruction fetches that walk the code region.
// Patterns (the offset of access n in the region):
//   sequential     n * size
//   strided        n * stride (modulo the region)
//   uniform        uniformly random bytes
//   zipf           64-byte lines drawn from a Zipf distribution of exponent
//                  zipf_exponent over all lines of the region (rank 1 the
//                  most popular), ranks scattered over the region by a hash
//   pointer-chase  one random cycle through every 64-byte line (Sattolo's
//                  algorithm): each access waits for the one before it, as a
//                  load whose address is the previous load's value would
// The default mix (`mmusim run`) touches a few hundred MB.
//
// Threads (workload.threads = T, design notes 3.9): the process clones T - 1
// threads (clone_thread: one mm, one ASID) and each runs on its own core
// (cores 0..T-1), concurrently in simulated time. Every thread runs every
// phase over the whole, shared, data region: a working set shared by the
// threads is what makes a TLB shootdown cost something on the others. Thread
// t draws from its own random stream (seed + t * golden ratio; thread 0 keeps
// `seed`) and starts sequential and strided phases t/T of the way into the
// region, so the threads do not walk the same lines in lock-step. Thread 0
// maps the regions and clones the others; they start at its next quantum
// boundary (loosely timed, like any cross-core event).
//
// Churn (workload.churn_every = N > 0): after every N data accesses, a
// thread changes the shared address space at a random page run of the data
// region: `munmap` unmaps churn_pages pages and maps them back at once
// (MAP_FIXED: fresh zero pages, the next touch faults); `mprotect` makes them
// read-only and writable again; `mixed` alternates, munmap first. Each
// removes translations, so every other core's TLB is shot down
// (kernel.tlb_shootdown). A kernel call never waits (design notes 3.2), and
// the two calls of one operation are charged together after the second, so
// no other core runs between them and none sees the hole.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <systemc>

#include "model/cpu/cpu_port.h"
#include "model/stats/stats.h"
#include "model/util/value.h"

namespace mmusim {

enum class Pattern : uint8_t { kSequential, kStrided, kRandom, kZipf, kPointerChase };

const char* to_string(Pattern p);

struct Phase {
  std::string name;
  Pattern pattern = Pattern::kSequential;
  uint64_t accesses = 0;
  uint64_t stride_bytes = 64;   // sequential, strided: distance between accesses
  double write_fraction = 0.0;  // share of data accesses that are stores
  unsigned size_bytes = 8;      // bytes per data access (1-64)
  double zipf_exponent = 0.99;  // zipf: popularity of rank k is proportional to k^-exponent
};

// splitmix64: small, fast, good enough to spread accesses uniformly.
struct SplitMix64 {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, bound): the modulo bias is below 2^-40 for bounds < 2^24
  // pages' worth of bytes, far under what any statistic here can resolve.
  uint64_t below(uint64_t bound) { return next() % bound; }
  // Uniform in [0, 1), 53 bits.
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
};

// Zipf over ranks 1..n by rejection-inversion (W. Hörmann, G. Derflinger,
// "Rejection-inversion to generate variates from monotone discrete
// distributions", ACM TOMACS 6(3), 1996): O(1) per sample, no table.
class ZipfSampler {
 public:
  ZipfSampler(uint64_t n, double s);
  uint64_t sample(SplitMix64& rng) const;  // in [1, n]

 private:
  double h(double x) const;
  double h_integral(double x) const;
  double h_integral_inverse(double x) const;
  uint64_t m_n;
  double m_s;
  double m_h_x1, m_h_n, m_cut;
};

constexpr unsigned kMaxThreads = 64;  // as cpu.cores

enum class Churn : uint8_t { kMunmap, kMprotect, kMixed };

const char* to_string(Churn c);

struct SyntheticParams {
  uint64_t region_bytes = uint64_t{256} << 20;  // data region
  uint64_t code_bytes = uint64_t{64} << 10;     // code region walked by fetches
  unsigned fetch_every = 4;  // one 4-byte fetch per this many data accesses (0: none)
  uint64_t seed = 1;
  std::vector<Phase> phases;
  unsigned threads = 1;      // threads of the process, thread t on core t
  uint64_t churn_every = 0;  // one churn operation per this many data accesses per thread (0: none)
  Churn churn = Churn::kMunmap;
  unsigned churn_pages = 1;  // 4 KB pages per churn operation

  // sequential write, random read, sequential read, random read/write over
  // the region: 12 M data accesses and 3 M fetches for 256 MB.
  static SyntheticParams default_mix(uint64_t region_bytes = uint64_t{256} << 20);
  // One phase of `accesses` data accesses with pattern `p` over the region.
  static SyntheticParams single(Pattern p, uint64_t region_bytes, uint64_t accesses,
                                unsigned size_bytes, uint64_t stride_bytes, double write_fraction,
                                double zipf_exponent);
  void validate(const std::string& name) const;
};

// The data-access stream of one phase, without a platform: the offset of
// each access in the region, whether it is a store, and whether it depends
// on the access before it (a pointer chase waits for it).
class PhaseGenerator {
 public:
  PhaseGenerator(const Phase& phase, uint64_t region_bytes, SplitMix64& rng);
  struct Access {
    uint64_t offset = 0;
    bool write = false;
    bool dependent = false;
  };
  Access next();

 private:
  const Phase& m_phase;
  SplitMix64& m_rng;
  uint64_t m_span;       // offsets that keep a whole access inside the region
  uint64_t m_last_line;  // last line such an offset can start in
  uint64_t m_write_threshold;
  ZipfSampler m_zipf;
  std::vector<uint32_t> m_chase;  // pointer chase: the next line of each line
  uint64_t m_offset = 0;
  uint64_t m_n = 0;
};

// The churn a workload's threads did (all threads together). The shootdown
// cycles are the kernel's own (kernel.tlb.shootdown_cycles) accrued inside
// these calls, so cycles / calls is the cost of one call's shootdown.
struct ChurnResult {
  uint64_t munmaps = 0;
  uint64_t mmaps = 0;  // the maps back after each munmap
  uint64_t mprotects = 0;
  uint64_t failed = 0;                     // calls the kernel refused (-errno)
  uint64_t munmap_shootdown_cycles = 0;    // the initiators' waits inside munmap
  uint64_t mprotect_shootdown_cycles = 0;  // ... inside mprotect
  uint64_t munmap_cycles = 0;              // kernel cycles of the munmaps (shootdowns included)
};

struct PhaseResult {
  std::string name;
  uint64_t accesses = 0;
  uint64_t start_cycle = 0;
  uint64_t end_cycle = 0;
  uint64_t signals = 0;
  double host_seconds = 0.0;
};

class SyntheticWorkload : public Workload {
 public:
  explicit SyntheticWorkload(SyntheticParams params);
  ~SyntheticWorkload() override;
  // Thread 0's: maps the regions, clones the other threads, runs its share.
  void run(CpuPort& cpu) override;
  // One workload per core for Hardware::run: this one (thread 0) on core 0,
  // then threads 1..threads-1.
  std::vector<Workload*> per_core();

  // Called at the start of each of thread 0's phases (index, phase), e.g. for progress output.
  std::function<void(size_t, const Phase&)> on_phase;
  // Thread t's phases (thread 0 by default).
  const std::vector<PhaseResult>& results(unsigned thread = 0) const {
    return m_results.at(thread);
  }
  const ChurnResult& churn() const { return m_churn; }
  const SyntheticParams& params() const { return m_params; }
  uint64_t data_base() const { return m_data_base; }
  // Data accesses issued by every thread.
  uint64_t accesses() const;

 private:
  class Thread;
  void run_thread(CpuPort& cpu, unsigned t);
  void churn_once(CpuPort& cpu, SplitMix64& rng, uint64_t& n);
  SyntheticParams m_params;
  std::vector<std::vector<PhaseResult>> m_results;  // per thread
  std::vector<std::unique_ptr<Thread>> m_threads;   // threads 1..threads-1
  ChurnResult m_churn;
  std::vector<uint64_t> m_switch_cycles;  // thread t's switch-in on core t, charged there
  uint64_t m_data_base = 0;
  uint64_t m_code_base = 0;
  bool m_ready = false;         // thread 0 mapped the regions and cloned the threads
  bool m_failed = false;        // ... or failed to: the others return
  size_t m_kills_reported = 0;  // OOM kills already printed
  sc_core::sc_event m_ready_event;
};

// The workload's own report (docs/stats.md, `workload.*`): threads,
// accesses and the churn, with shootdown cycles per munmap. `mmusim run`
// adds it to the stats only with workload.threads > 1 or churn, so that
// every other run's stats stay as they were.
void register_workload_stats(stats::Group& g, const SyntheticWorkload& w);
util::Value workload_stats_value(const SyntheticWorkload& w);

}  // namespace mmusim
