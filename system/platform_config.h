// Reads a PlatformParams from configuration: every key has a default, a
// range and a one-line description (`mmusim config` prints them all; the
// reference is docs/config.md). Unknown keys and out-of-range values are
// util::ConfigError naming the full dotted key.
#pragma once

#include "model/util/config_node.h"
#include "system/platform.h"

namespace mmusim {

// Reads every platform key below `root` (cpu, mmu, l1i, l1d, bus, dram, sysctrl,
// kernel). Leaves other top-level keys (workload) to their readers.
PlatformParams read_platform_params(util::ConfigNode& root);

}  // namespace mmusim
