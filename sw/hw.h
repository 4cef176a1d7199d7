// The narrow interfaces through which the kernel layer reaches hardware. They
// live in the bottom layer (model/ports/hw.h), which the hardware model and
// the kernel both depend on; these are their names in the kernel layer.
#pragma once

#include "model/ports/hw.h"
#include "model/ports/tlb_maintenance.h"

namespace mmusim::sw {

using PhysMemory = ports::PhysMemory;
using MmuControl = ports::MmuControl;
using DeviceIo = ports::DeviceIo;

}  // namespace mmusim::sw
