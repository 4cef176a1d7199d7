// Seeded synthetic workloads: one process maps a data region and a code
// region, then runs phases of sequential or uniformly random accesses with a
// read/write mix, interleaving instruction fetches that walk the code region.
// The default mix (`mmusim run`) touches a few hundred MB.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "model/cpu/cpu_port.h"

namespace mmusim {

enum class Pattern : uint8_t { kSequential, kRandom };

struct Phase {
  std::string name;
  Pattern pattern = Pattern::kSequential;
  uint64_t accesses = 0;
  uint64_t stride_bytes = 64;   // sequential: distance between accesses
  double write_fraction = 0.0;  // share of data accesses that are stores
  unsigned size_bytes = 8;      // bytes per data access
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
  void validate(const std::string& name) const;
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
