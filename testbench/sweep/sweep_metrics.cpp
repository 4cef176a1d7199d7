#include "testbench/sweep/sweep_metrics.h"

#include <cmath>
#include <functional>
#include <initializer_list>
#include <limits>

namespace mmusim::sweep {

using util::Value;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// stats["a"]["b"]... as a number, or NaN.
double at(const Value& root, std::initializer_list<const char*> path) {
  const Value* v = &root;
  for (const char* key : path) {
    v = v->find(key);
    if (!v) return kNaN;
  }
  return v->is_number() ? v->as_double() : kNaN;
}

double per_kilo(double count, double accesses) {
  return accesses > 0 ? 1000.0 * count / accesses : kNaN;
}

struct Def {
  Metric metric;
  std::function<double(const Value&)> compute;
};

const std::vector<Def>& defs() {
  static const std::vector<Def> kDefs = [] {
    std::vector<Def> d;
    auto acc = [](const Value& s) { return at(s, {"sim", "accesses"}); };
    d.push_back({{"accesses", "accesses", "accesses the workload issued"}, acc});
    d.push_back({{"cycles", "cycles", "simulated cycles"}, [](const Value& s) {
                   return at(s, {"sim", "cycles"});
                 }});
    d.push_back(
        {{"cycles_per_access", "cycles", "simulated cycles / accesses"}, [acc](const Value& s) {
           return at(s, {"sim", "cycles"}) / acc(s);
         }});
    // TLBs: accesses that missed on their first attempt (the CPU port's
    // per-access count: the lookup of a retry after a fault is not counted).
    for (const char* tlb : {"l1_itlb", "l1_dtlb", "l2_tlb"}) {
      const std::string key = std::string("top.mmu.") + tlb;
      d.push_back({{std::string(tlb) + "_mpka", "misses/1000 accesses",
                    std::string("accesses missing the ") + tlb +
                        " (first attempt; fault retries not counted) per thousand accesses"},
                   [acc, key](const Value& s) {
                     return per_kilo(at(s, {key.c_str(), "access_misses"}), acc(s));
                   }});
    }
    d.push_back({{"walks", "walks", "page-table walks"}, [](const Value& s) {
                   return at(s, {"top.mmu.walker", "walks"});
                 }});
    for (const char* level : {"L0", "L1", "L2", "L3"})
      d.push_back({{std::string("descriptor_reads_") + level, "reads",
                    std::string("descriptor reads at level ") + level},
                   [level](const Value& s) {
                     return at(s, {"top.mmu.walker", "descriptor_reads", level});
                   }});
    for (const char* level : {"L0", "L1", "L2"})
      d.push_back(
          {{std::string("walk_cache_hit_rate_") + level, "ratio",
            std::string("walks that started below ") + level +
                " thanks to the walk cache / walk-cache lookups"},
           [level](const Value& s) {
             const double lookups = at(s, {"top.mmu.walker.walk_cache", "lookups"});
             const double hits = at(s, {"top.mmu.walker.walk_cache", "hits_by_level", level});
             return lookups > 0 ? hits / lookups : kNaN;
           }});
    d.push_back(
        {{"mean_translation_cycles", "cycles", "mean translation latency"}, [](const Value& s) {
           return at(s, {"top.mmu", "translation_latency", "mean_cycles"});
         }});
    d.push_back({{"p99_translation_cycles", "cycles", "99th percentile translation latency"},
                 [](const Value& s) {
                   return at(s, {"top.mmu", "translation_latency", "p99_cycles"});
                 }});
    d.push_back({{"mean_walk_cycles", "cycles", "mean walk latency"}, [](const Value& s) {
                   return at(s, {"top.mmu.walker", "latency", "mean_cycles"});
                 }});
    d.push_back({{"l1d_miss_rate", "ratio", "L1D line misses / line lookups"}, [](const Value& s) {
                   const double h = at(s, {"top.l1d", "hits"}), m = at(s, {"top.l1d", "misses"});
                   return h + m > 0 ? m / (h + m) : kNaN;
                 }});
    d.push_back({{"host_seconds", "s", "host time of the simulation"}, [](const Value& s) {
                   return at(s, {"sim", "host_seconds"});
                 }});
    return d;
  }();
  return kDefs;
}

}  // namespace

const std::vector<Metric>& metrics() {
  static const std::vector<Metric> kMetrics = [] {
    std::vector<Metric> m;
    for (const Def& d : defs())
      m.push_back(d.metric);
    return m;
  }();
  return kMetrics;
}

double stat_value(const Value& stats, const std::string& path) {
  // Keys may hold dots themselves ("top.mmu.l1_dtlb"): try the longest key
  // first at each level.
  const Value* v = &stats;
  std::string rest = path;
  while (!rest.empty()) {
    if (!v->is_object()) return kNaN;
    const Value* next = nullptr;
    size_t end = rest.size();
    while (true) {
      if (const Value* c = v->find(std::string_view(rest).substr(0, end))) {
        next = c;
        rest = end == rest.size() ? "" : rest.substr(end + 1);
        break;
      }
      const size_t dot = end == 0 ? std::string::npos : rest.rfind('.', end - 1);
      if (dot == std::string::npos || dot == 0) break;
      end = dot;
    }
    if (!next) return kNaN;
    v = next;
  }
  if (v->is_bool()) return v->as_bool() ? 1 : 0;
  return v->is_number() ? v->as_double() : kNaN;
}

bool is_metric(const std::string& name) {
  for (const Metric& m : metrics())
    if (m.name == name) return true;
  return false;
}

std::vector<double> compute_metrics(const Value& stats) {
  std::vector<double> out;
  for (const Def& d : defs())
    out.push_back(d.compute(stats));
  return out;
}

}  // namespace mmusim::sweep
