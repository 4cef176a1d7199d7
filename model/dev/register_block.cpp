#include "model/dev/register_block.h"

#include <cstring>

#include "model/sim/report.h"

namespace mmusim {

Register::Register(std::string name, uint64_t offset, unsigned width_bytes, uint64_t reset,
                   RegAccess access)
    : m_name(std::move(name)),
      m_offset(offset),
      m_width(width_bytes),
      m_reset(reset),
      m_access(access),
      m_value(reset) {}

uint64_t Register::bus_read() {
  ++m_reads;
  return (m_on_read ? m_on_read(m_value) : m_value) & mask();
}

void Register::bus_write(uint64_t v) {
  ++m_writes;
  v &= mask();
  m_value = (m_on_write ? m_on_write(v, m_value) : v) & mask();
}

RegisterBlock::RegisterBlock(sc_core::sc_module_name name, uint64_t size_bytes,
                             uint64_t latency_cycles, const Clock& clock)
    : sc_module(name),
      socket("socket"),
      m_clock(clock),
      m_size(size_bytes),
      m_latency(clock.to_time(Cycles(latency_cycles))) {
  socket.register_b_transport(this, &RegisterBlock::b_transport);
  socket.register_transport_dbg(this, &RegisterBlock::transport_dbg);
}

Register& RegisterBlock::add(const std::string& reg_name, uint64_t offset, unsigned width,
                             uint64_t reset, RegAccess access) {
  const std::string where = std::string(name()) + "." + reg_name;
  if (width != 1 && width != 2 && width != 4 && width != 8)
    MMUSIM_REPORT_ERROR(report::kDevice, where + ": register width must be 1, 2, 4 or 8 bytes");
  if (offset % width != 0)
    MMUSIM_REPORT_ERROR(report::kDevice, where + ": offset not aligned to width");
  if (offset + width > m_size)
    MMUSIM_REPORT_ERROR(report::kDevice, where + ": register past the block");
  for (const auto& r : m_regs)
    if (offset < r->offset() + r->width() && r->offset() < offset + width)
      MMUSIM_REPORT_ERROR(report::kDevice, where + ": overlaps register " + r->name());
  m_regs.push_back(std::make_unique<Register>(reg_name, offset, width, reset, access));
  return *m_regs.back();
}

Register* RegisterBlock::find(uint64_t offset) {
  for (auto& r : m_regs)
    if (r->offset() == offset) return r.get();
  return nullptr;
}

Register& RegisterBlock::reg(const std::string& reg_name) {
  for (auto& r : m_regs)
    if (r->name() == reg_name) return *r;
  MMUSIM_REPORT_ERROR(report::kDevice, std::string(name()) + ": no register " + reg_name);
}

void RegisterBlock::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  m_access_cycle = m_clock.at(delay);
  delay += m_latency;
  Register* r = find(trans.get_address());
  const unsigned len = trans.get_data_length();
  if (!r || len != r->width() || trans.get_byte_enable_ptr() != nullptr) {
    ++m_stats.errors;
    trans.set_response_status(r ? tlm::TLM_BURST_ERROR_RESPONSE : tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  uint64_t v = 0;
  if (trans.is_read()) {
    if (r->access() == RegAccess::kWriteOnly) {
      ++m_stats.errors;
      trans.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
      return;
    }
    ++m_stats.reads;
    v = r->bus_read();
    std::memcpy(trans.get_data_ptr(), &v, len);
  } else if (trans.is_write()) {
    if (r->access() == RegAccess::kReadOnly) {
      ++m_stats.errors;
      trans.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
      return;
    }
    ++m_stats.writes;
    std::memcpy(&v, trans.get_data_ptr(), len);
    r->bus_write(v);
  }
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

unsigned int RegisterBlock::transport_dbg(tlm::tlm_generic_payload& trans) {
  Register* r = find(trans.get_address());
  if (!r || !trans.is_read() || trans.get_data_length() != r->width()) return 0;
  const uint64_t v = r->peek();
  std::memcpy(trans.get_data_ptr(), &v, r->width());
  return r->width();
}

void RegisterBlock::register_stats(stats::Group& g) const {
  g.add("reads", m_stats.reads, "accesses", "register reads from the bus");
  g.add("writes", m_stats.writes, "accesses", "register writes from the bus");
  g.add("errors", m_stats.errors, "accesses", "register accesses refused");
}

}  // namespace mmusim
