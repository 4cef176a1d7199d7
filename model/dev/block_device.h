// The block device on the bus: a RegisterBlock whose registers forward to
// the plain-C++ BlockDeviceCore (block_device_core.h, the one device model),
// and a DMA initiator socket that reaches DRAM through the bus. Register map
// in block_device_regs.h.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>

#include "model/dev/block_device_core.h"
#include "model/dev/register_block.h"

namespace mmusim {

class BlockDevice : public RegisterBlock, private DmaPort {
 public:
  tlm_utils::simple_initiator_socket<BlockDevice> dma;  // bind to the bus

  BlockDevice(sc_core::sc_module_name name, const BlockDeviceParams& params,
              uint64_t reg_latency_cycles, const Clock& clock);

  BlockDeviceCore& core() { return m_core; }
  const BlockDeviceCore& core() const { return m_core; }

 private:
  bool dma_read(uint64_t pa, void* dst, uint64_t len) override;
  bool dma_write(uint64_t pa, const void* src, uint64_t len) override;
  bool transfer(tlm::tlm_command cmd, uint64_t pa, void* data, uint64_t len);

  BlockDeviceCore m_core;
  // Reused for every DMA burst (one at a time): a payload's construction
  // allocates its extension array.
  tlm::tlm_generic_payload m_dma_trans;
};

}  // namespace mmusim
