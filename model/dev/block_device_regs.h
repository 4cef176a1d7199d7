// The block device's register map now lives in the bottom layer (the
// contract the device and the kernel's driver share). This forwarding header
// stays until sw/ includes model/ports/block_device_regs.h itself.
#pragma once

#include "model/ports/block_device_regs.h"
