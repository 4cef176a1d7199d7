// A fixed-bucket latency histogram: `buckets` of `bucket_width` cycles, the
// last one open-ended. Plain counters; percentiles are derived at the end.
// A sample is bucketed without a division instruction (model/sim/divider.h).
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "model/sim/divider.h"

namespace mmusim {

class Histogram {
 public:
  Histogram(uint64_t bucket_width, unsigned buckets)
      : m_width(bucket_width), m_per_bucket(bucket_width), m_counts(buckets, 0) {}

  void add(uint64_t value) {
    const uint64_t b = std::min<uint64_t>(m_per_bucket(value), m_counts.size() - 1);
    ++m_counts[b];
    ++m_samples;
    m_sum += value;
    m_max = std::max(m_max, value);
    m_min = std::min(m_min, value);
  }

  uint64_t samples() const { return m_samples; }
  uint64_t sum() const { return m_sum; }
  uint64_t max() const { return m_max; }
  uint64_t min() const { return m_samples ? m_min : 0; }
  double mean() const { return m_samples ? static_cast<double>(m_sum) / m_samples : 0.0; }
  uint64_t bucket_width() const { return m_width; }
  const std::vector<uint64_t>& counts() const { return m_counts; }

  // Upper bound of the bucket holding the p-th percentile (0 < p <= 100);
  // exact to one bucket width, capped at the observed maximum.
  uint64_t percentile(double p) const {
    if (m_samples == 0) return 0;
    const double target = p / 100.0 * static_cast<double>(m_samples);
    uint64_t seen = 0;
    for (size_t i = 0; i < m_counts.size(); ++i) {
      seen += m_counts[i];
      if (static_cast<double>(seen) >= target) return std::min(m_max, (i + 1) * m_width - 1);
    }
    return m_max;
  }

 private:
  uint64_t m_width;
  DivideBy m_per_bucket;
  std::vector<uint64_t> m_counts;
  uint64_t m_samples = 0;
  uint64_t m_sum = 0;
  uint64_t m_max = 0;
  uint64_t m_min = ~uint64_t{0};
};

}  // namespace mmusim
