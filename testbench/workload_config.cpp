#include "testbench/workload_config.h"

namespace mmusim {

SyntheticParams read_workload_params(util::ConfigNode& n) {
  const SyntheticParams d;
  const uint64_t region = n.get_uint("region", d.region_bytes, 4096, uint64_t{1} << 40,
                                     "data region of the default workload, bytes");
  SyntheticParams p = SyntheticParams::default_mix(region);
  p.code_bytes = n.get_uint("code", d.code_bytes, 4096, uint64_t{1} << 30,
                            "code region walked by instruction fetches, bytes");
  p.fetch_every = static_cast<unsigned>(n.get_uint(
      "fetch_every", d.fetch_every, 0, 1 << 20, "one fetch per this many data accesses (0: none)"));
  p.seed = n.get_uint("seed", d.seed, 0, UINT64_MAX, "random seed");
  p.validate("workload");
  return p;
}

TraceOptions read_trace_options(util::ConfigNode& n) {
  TraceOptions t;
  t.populate = n.get_bool("populate", false,
                          "trace: give every touched page of the initial address space its own "
                          "frame before the first record (no zero page, no faults there)");
  t.relocate = n.get_bool("relocate", false,
                          "trace: move valgrind's compact layout to a native-like one (as "
                          "--relocate)");
  return t;
}

}  // namespace mmusim
