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
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "model/cpu/cpu_port.h"

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

struct SyntheticParams {
  uint64_t region_bytes = uint64_t{256} << 20;  // data region
  uint64_t code_bytes = uint64_t{64} << 10;     // code region walked by fetches
  unsigned fetch_every = 4;  // one 4-byte fetch per this many data accesses (0: none)
  uint64_t seed = 1;
  std::vector<Phase> phases;

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
  void run(CpuPort& cpu) override;

  // Called at the start of each phase (index, phase), e.g. for progress output.
  std::function<void(size_t, const Phase&)> on_phase;
  const std::vector<PhaseResult>& results() const { return m_results; }
  uint64_t data_base() const { return m_data_base; }

 private:
  SyntheticParams m_params;
  std::vector<PhaseResult> m_results;
  uint64_t m_data_base = 0;
};

}  // namespace mmusim
