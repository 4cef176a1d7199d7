// Reads the built-in workload's parameters (the `workload` config section)
// and the trace replayer's (the `trace` section).
#pragma once

#include "model/util/config_node.h"
#include "testbench/synthetic.h"
#include "testbench/trace_workload.h"

namespace mmusim {

SyntheticParams read_workload_params(util::ConfigNode& node);
// The options a config file can set (populate, relocate); the command line
// sets the file names and may add --relocate.
TraceOptions read_trace_options(util::ConfigNode& node);

}  // namespace mmusim
