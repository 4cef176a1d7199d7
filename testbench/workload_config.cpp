#include "testbench/workload_config.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "model/util/enum_names.h"

namespace mmusim {

namespace {

// The single patterns (workload.pattern other than default-mix).
constexpr util::EnumNames<Pattern, 5> kPatternNames{{{Pattern::kSequential, "sequential"},
                                                     {Pattern::kStrided, "strided"},
                                                     {Pattern::kRandom, "uniform"},
                                                     {Pattern::kZipf, "zipf"},
                                                     {Pattern::kPointerChase, "pointer-chase"}}};

constexpr util::EnumNames<Churn, 3> kChurnNames{
    {{Churn::kMunmap, "munmap"}, {Churn::kMprotect, "mprotect"}, {Churn::kMixed, "mixed"}}};

}  // namespace

SyntheticParams read_workload_params(util::ConfigNode& n, unsigned cores) {
  const SyntheticParams d;
  const std::string pattern =
      n.get_enum("pattern", "default-mix",
                 {"default-mix", "sequential", "strided", "uniform", "zipf", "pointer-chase"},
                 "default-mix (sequential and random phases) or one pattern over the region (see "
                 "testbench/synthetic.h)");
  const uint64_t region = n.get_uint("region", d.region_bytes, 4096, uint64_t{1} << 40,
                                     "data region (the working set), bytes");
  const Phase dp;
  const uint64_t accesses = n.get_uint("accesses", 1'000'000, 1, uint64_t{1} << 40,
                                       "pattern: data accesses (default-mix: from the region)");
  const unsigned size = static_cast<unsigned>(
      n.get_uint("size", dp.size_bytes, 1, kMaxAccessBytes, "pattern: bytes per data access"));
  const uint64_t stride = n.get_uint("stride", 4096, 1, uint64_t{1} << 40,
                                     "strided: bytes between consecutive accesses");
  const double write_fraction = n.get_double("write_fraction", 0.25, 0.0, 1.0,
                                             "pattern: share of data accesses that are stores");
  const double zipf_exponent = n.get_double("zipf_exponent", dp.zipf_exponent, 0.01, 10.0,
                                            "zipf: popularity of rank k is proportional to k^-s");
  SyntheticParams p = SyntheticParams::default_mix(region);
  if (const std::optional<Pattern> single = util::from_name(kPatternNames, pattern))
    p = SyntheticParams::single(*single, region, accesses, size, stride, write_fraction,
                                zipf_exponent);
  p.code_bytes = n.get_uint("code", d.code_bytes, 4096, uint64_t{1} << 30,
                            "code region walked by instruction fetches, bytes");
  p.fetch_every = static_cast<unsigned>(n.get_uint(
      "fetch_every", d.fetch_every, 0, 1 << 20, "one fetch per this many data accesses (0: none)"));
  p.seed = n.get_uint("seed", d.seed, 0, UINT64_MAX, "random seed");
  p.threads = static_cast<unsigned>(n.get_uint(
      "threads", d.threads, 0, kMaxThreads,
      "threads of the process (clone), thread t on core t, at most cpu.cores (0: one "
      "per core); each runs the pattern over the shared region (testbench/synthetic.h)"));
  if (p.threads == 0) p.threads = cores;
  if (p.threads > cores)
    n.fail("threads", std::to_string(p.threads) + " threads need as many cores (cpu.cores is " +
                          std::to_string(cores) + ")");
  p.churn_every = n.get_uint("churn_every", d.churn_every, 0, uint64_t{1} << 40,
                             "one churn operation (workload.churn) per this many data accesses "
                             "of each thread (0: none)");
  const std::string churn =
      n.get_enum("churn", to_string(d.churn), {"munmap", "mprotect", "mixed"},
                 "churn operation on a random page run of the data region: munmap (and map back), "
                 "mprotect (read-only, then writable again), or mixed (alternating)");
  p.churn = util::from_name(kChurnNames, churn).value_or(d.churn);
  p.churn_pages = static_cast<unsigned>(
      n.get_uint("churn_pages", d.churn_pages, 1, 1 << 18, "pages (4 KB) per churn operation"));
  for (const char* key : {"churn", "churn_pages"})
    if (n.has(key) && p.churn_every == 0) n.fail(key, "applies only with workload.churn_every > 0");
  // A key the chosen pattern does not use is refused rather than ignored.
  static const struct {
    const char* key;
    std::vector<std::string> patterns;  // those it applies to
  } kApplies[] = {
      {"accesses", {"sequential", "strided", "uniform", "zipf", "pointer-chase"}},
      {"size", {"sequential", "strided", "uniform", "zipf", "pointer-chase"}},
      {"write_fraction", {"sequential", "strided", "uniform", "zipf", "pointer-chase"}},
      {"stride", {"strided"}},
      {"zipf_exponent", {"zipf"}},
  };
  for (const auto& a : kApplies) {
    if (!n.has(a.key) ||
        std::find(a.patterns.begin(), a.patterns.end(), pattern) != a.patterns.end())
      continue;
    if (pattern == "default-mix")
      n.fail(a.key,
             "does not apply to workload.pattern default-mix (its four phases follow "
             "workload.region); set workload.pattern to use it");
    n.fail(a.key, "does not apply to workload.pattern " + pattern + " (only to " +
                      (a.patterns.size() == 1 ? a.patterns[0] : "the single patterns") + ")");
  }
  p.validate("workload");
  return p;
}

TraceOptions read_trace_options(util::ConfigNode& n) {
  TraceOptions t;
  t.populate = n.get_bool("populate", false,
                          "trace: give every touched page of the initial address space its own "
                          "frame when it is mapped (no zero page, no faults there)");
  t.relocate = n.get_bool("relocate", false,
                          "trace: move valgrind's compact layout to a native-like one (as "
                          "--relocate)");
  return t;
}

void refuse_unused_sections(const util::ConfigNode& root, const std::string& command) {
  static const struct {
    const char* section;
    const char* command;
  } kSections[] = {{"workload", "run"}, {"trace", "trace"}};
  for (const auto& sec : kSections) {
    if (command == sec.command || !root.has(sec.section)) continue;
    const util::ConfigNode n = root.child(sec.section);
    const std::string prefix = std::string(sec.section) + ".";
    for (const util::ParamDoc& d : root.documented())
      if (d.path.rfind(prefix, 0) == 0 && n.has(d.path.substr(prefix.size())))
        n.fail(d.path.substr(prefix.size()),
               std::string("applies only to mmusim ") + sec.command + ", not to " + command);
  }
}

}  // namespace mmusim
