// Reads a PlatformParams from configuration. Each hardware component
// declares its own keys (default, range, description) next to its
// definition (its params' read(), gathered by HardwareParams::read); the
// kernel layer's keys are declared here, in the assembly, since sw/ does not
// spell configuration keys. `mmusim config` prints them all, docs/config.md
// is that listing. Unknown keys and out-of-range values are
// util::ConfigError naming the full dotted key.
#pragma once

#include "model/util/config_node.h"
#include "system/platform.h"

namespace mmusim {

// The kernel's keys below `kernel` (kernel.*), from `defaults`; `dram_bytes`
// bounds kernel.phys_mem.
sw::KernelParams read_kernel_params(const util::ConfigNode& kernel,
                                    const sw::KernelParams& defaults, uint64_t dram_bytes);

// Reads every platform key below `root` (the hardware's, then kernel.*) and
// validates the result. Leaves other top-level keys (workload) to their readers.
PlatformParams read_platform_params(util::ConfigNode& root);

}  // namespace mmusim
