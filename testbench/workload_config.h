// Reads the built-in workload's parameters (the `workload` config section)
// and the trace replayer's (the `trace` section).
#pragma once

#include <string>

#include "model/util/config_node.h"
#include "testbench/synthetic.h"
#include "testbench/trace_workload.h"

namespace mmusim {

// `cores`: cpu.cores of the same configuration (workload.threads may not exceed it).
SyntheticParams read_workload_params(util::ConfigNode& node, unsigned cores);
// The options a config file can set (populate, relocate); the command line
// sets the file names and may add --relocate.
TraceOptions read_trace_options(util::ConfigNode& node);

// After both sections were read from `root`: throws ConfigError
// "workload.region: applies only to mmusim run, not to script" for a key set
// in a section `command` ("run", "script", "trace") does not use (workload
// for all but run, trace for all but trace): set, it would be ignored.
void refuse_unused_sections(const util::ConfigNode& root, const std::string& command);

}  // namespace mmusim
