// The kernel layer's statistics (the `kernel` key of --stats), registered
// from sw::Kernel's public stats() struct.
//
// THE ONE PLACE the kernel's counters enter the registry. When the kernel's
// subsystems register their own (each `register_stats(stats::Group&)`, under
// the same names), Platform's constructor (system/platform.cpp) replaces its
// call of register_kernel_stats() with `kernel.register_stats(group)` and
// this file goes.
#pragma once

#include "model/stats/stats.h"
#include "sw/kernel.h"

namespace mmusim {

void register_kernel_stats(stats::Group& g, const sw::Kernel& kernel);

}  // namespace mmusim
