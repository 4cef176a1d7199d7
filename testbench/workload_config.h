// Reads the built-in workload's parameters (the `workload` config section).
#pragma once

#include "model/util/config_node.h"
#include "testbench/synthetic.h"

namespace mmusim {

SyntheticParams read_workload_params(util::ConfigNode& node);

}  // namespace mmusim
