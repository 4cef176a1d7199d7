// Registers a Histogram's derived figures and its non-empty buckets in a
// statistics group (model/stats/stats.h).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "model/sim/histogram.h"
#include "model/stats/stats.h"

namespace mmusim {

// `g` gets samples, mean/min/max/p50/p99 (in cycles), bucket_width_cycles and
// buckets ("lower bound": count, non-empty only); `samples_what` describes
// what one sample is ("walks measured").
inline void register_histogram(stats::Group& g, const Histogram& h,
                               const std::string& samples_what) {
  g.add(
      "samples", [&h] { return h.samples(); }, "samples", samples_what);
  g.add_real(
      "mean_cycles", [&h] { return h.mean(); }, "cycles", "mean latency");
  g.add(
      "min_cycles", [&h] { return h.min(); }, "cycles", "smallest latency");
  g.add(
      "max_cycles", [&h] { return h.max(); }, "cycles", "largest latency");
  g.add(
      "p50_cycles", [&h] { return h.percentile(50); }, "cycles",
      "median (upper bound of its bucket)");
  g.add(
      "p99_cycles", [&h] { return h.percentile(99); }, "cycles",
      "99th percentile (upper bound of its bucket)");
  g.add(
      "bucket_width_cycles", [&h] { return h.bucket_width(); }, "cycles", "width of a bucket");
  g.add_map(
      "buckets",
      [&h] {
        std::vector<std::pair<std::string, uint64_t>> out;
        for (size_t i = 0; i < h.counts().size(); ++i)
          if (h.counts()[i]) out.emplace_back(std::to_string(i * h.bucket_width()), h.counts()[i]);
        return out;
      },
      "samples", "samples in the bucket starting at that many cycles (non-empty only)");
}

}  // namespace mmusim
