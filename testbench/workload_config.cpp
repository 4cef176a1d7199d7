#include "testbench/workload_config.h"

#include <algorithm>
#include <string>
#include <vector>

namespace mmusim {

SyntheticParams read_workload_params(util::ConfigNode& n) {
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
  static const struct {
    const char* name;
    Pattern p;
  } kPatterns[] = {{"sequential", Pattern::kSequential},
                   {"strided", Pattern::kStrided},
                   {"uniform", Pattern::kRandom},
                   {"zipf", Pattern::kZipf},
                   {"pointer-chase", Pattern::kPointerChase}};
  SyntheticParams p = SyntheticParams::default_mix(region);
  for (const auto& k : kPatterns)
    if (pattern == k.name)
      p = SyntheticParams::single(k.p, region, accesses, size, stride, write_fraction,
                                  zipf_exponent);
  p.code_bytes = n.get_uint("code", d.code_bytes, 4096, uint64_t{1} << 30,
                            "code region walked by instruction fetches, bytes");
  p.fetch_every = static_cast<unsigned>(n.get_uint(
      "fetch_every", d.fetch_every, 0, 1 << 20, "one fetch per this many data accesses (0: none)"));
  p.seed = n.get_uint("seed", d.seed, 0, UINT64_MAX, "random seed");
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
