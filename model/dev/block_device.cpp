#include "model/dev/block_device.h"

namespace mmusim {

using namespace blk;

BlockDevice::BlockDevice(sc_core::sc_module_name name, const BlockDeviceParams& params,
                         uint64_t reg_latency_cycles, const Clock& clock)
    : RegisterBlock(name, kRegBlockSize, reg_latency_cycles, clock),
      dma("dma"),
      m_core(params, *this) {
  struct Def {
    const char* name;
    uint64_t offset;
    RegAccess access;
  };
  const Def defs[] = {
      {"ID", kRegId, RegAccess::kReadOnly},
      {"CAPACITY", kRegCapacity, RegAccess::kReadOnly},
      {"SECTOR", kRegSector, RegAccess::kReadWrite},
      {"DMA_ADDR", kRegDmaAddr, RegAccess::kReadWrite},
      {"LENGTH", kRegLength, RegAccess::kReadWrite},
      {"COMMAND", kRegCommand, RegAccess::kWriteOnly},
      {"STATUS", kRegStatus, RegAccess::kReadOnly},
      {"IRQ_STATUS", kRegIrqStatus, RegAccess::kReadOnly},
      {"LAST_CYCLES", kRegLastCycles, RegAccess::kReadOnly},
      {"COMPLETED", kRegCompleted, RegAccess::kReadOnly},
  };
  for (const Def& d : defs) {
    Register& r = add(d.name, d.offset, 8, m_core.reg_peek(d.offset), d.access);
    const uint64_t off = d.offset;
    // The core holds the state; the stored value mirrors it for debug reads.
    r.on_read([this, off, &r](uint64_t) {
      const uint64_t v = m_core.reg_read(off);
      r.set(m_core.reg_peek(off));
      return v;
    });
    r.on_write([this, off](uint64_t written, uint64_t) {
      m_core.reg_write(off, written);
      return m_core.reg_peek(off);
    });
  }
}

bool BlockDevice::transfer(tlm::tlm_command cmd, uint64_t pa, void* data, uint64_t len) {
  tlm::tlm_generic_payload& t = m_dma_trans;
  t.set_command(cmd);
  t.set_address(pa);
  t.set_data_ptr(static_cast<unsigned char*>(data));
  t.set_data_length(static_cast<unsigned>(len));
  t.set_streaming_width(static_cast<unsigned>(len));
  t.set_byte_enable_ptr(nullptr);
  t.set_dmi_allowed(false);
  t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  // The transfer's time is the device latency (LAST_CYCLES), charged by the
  // driver; the bus and DRAM delay of the burst is part of it.
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  dma->b_transport(t, delay);
  return t.is_response_ok();
}

bool BlockDevice::dma_read(uint64_t pa, void* dst, uint64_t len) {
  return transfer(tlm::TLM_READ_COMMAND, pa, dst, len);
}

bool BlockDevice::dma_write(uint64_t pa, const void* src, uint64_t len) {
  return transfer(tlm::TLM_WRITE_COMMAND, pa, const_cast<void*>(src), len);
}

}  // namespace mmusim
