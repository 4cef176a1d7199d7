#include "model/mem/rom.h"

#include <cstdio>

#include "model/sim/latency.h"
#include "model/sim/report.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace mmusim {

void RomParams::validate(const std::string& name) const {
  if (!enable) return;
  if (size_bytes == 0 || size_bytes % 4096 != 0)
    throw std::invalid_argument(name + ".size: must be a non-zero multiple of 4096");
  if (base % 4096 != 0) throw std::invalid_argument(name + ".base: must be 4096-byte aligned");
  if (base + size_bytes < base)
    throw std::invalid_argument(name + ".base: the ROM wraps around the address space");
  if (file.empty()) return;
  std::ifstream f(file, std::ios::binary | std::ios::ate);
  if (!f) throw std::invalid_argument(name + ".file: cannot read '" + file + "'");
  const auto bytes = static_cast<uint64_t>(f.tellg());
  if (bytes > size_bytes)
    throw std::invalid_argument(name + ".file: '" + file + "' (" + std::to_string(bytes) +
                                " bytes) is larger than " + name + ".size (" +
                                std::to_string(size_bytes) + ")");
}

Rom::Rom(sc_core::sc_module_name name, const RomParams& params, const Clock& clock)
    : sc_module(name),
      socket("socket"),
      m_params(params),
      m_size(params.enable ? params.size_bytes : 0),
      m_latency(clock.to_time(Cycles(params.latency_cycles))) {
  MMUSIM_CHECK_PARAMS(report::kRom, params.validate(std::string(this->name())));
  if (params.enable && !params.file.empty()) {
    std::ifstream f(params.file, std::ios::binary);
    f.seekg(0, std::ios::end);
    const auto size = static_cast<uint64_t>(f.tellg());
    if (!f || size > m_size)  // changed since validate()
      MMUSIM_REPORT_ERROR(report::kRom,
                          std::string(this->name()) + ".file: error reading '" + params.file + "'");
    m_bytes.resize(size);
    f.seekg(0);
    f.read(reinterpret_cast<char*>(m_bytes.data()), static_cast<std::streamsize>(size));
    if (!f)
      MMUSIM_REPORT_ERROR(report::kRom,
                          std::string(this->name()) + ".file: error reading '" + params.file + "'");
  }
  socket.register_b_transport(this, &Rom::b_transport);
  socket.register_transport_dbg(this, &Rom::transport_dbg);
}

bool Rom::in_range(const tlm::tlm_generic_payload& trans) const {
  const uint64_t a = trans.get_address();
  const uint64_t len = trans.get_data_length();
  return a < m_size && len <= m_size - a && trans.get_byte_enable_ptr() == nullptr;
}

void Rom::copy_out(uint64_t offset, unsigned char* dst, uint64_t len) const {
  const uint64_t held =
      offset < m_bytes.size() ? std::min<uint64_t>(len, m_bytes.size() - offset) : 0;
  if (held) std::memcpy(dst, &m_bytes[offset], held);
  std::memset(dst + held, 0, len - held);
}

void Rom::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  delay += m_latency;
  if (!in_range(trans)) {
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  if (trans.is_write()) {
    ++m_stats.write_errors;
    trans.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
    return;
  }
  copy_out(trans.get_address(), trans.get_data_ptr(), trans.get_data_length());
  ++m_stats.reads;
  m_stats.bytes_read += trans.get_data_length();
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

unsigned int Rom::transport_dbg(tlm::tlm_generic_payload& trans) {
  if (!in_range(trans) || !trans.is_read()) return 0;
  copy_out(trans.get_address(), trans.get_data_ptr(), trans.get_data_length());
  return trans.get_data_length();
}

void Rom::register_stats(stats::Group& g) const {
  g.add("reads", m_stats.reads, "accesses", "timed ROM reads");
  g.add("bytes_read", m_stats.bytes_read, "bytes", "bytes those reads returned");
  g.add("write_errors", m_stats.write_errors, "accesses", "writes refused (bus errors)");
}

RomParams RomParams::read(const util::ConfigNode& n, const RomParams& d) {
  RomParams p = d;
  char base[32];
  std::snprintf(base, sizeof base, "0x%llx", static_cast<unsigned long long>(d.base));
  p.enable = n.get_bool("enable", d.enable, "map the ROM on the bus");
  p.base = n.get_uint(
      "base", d.base, 0, (1ull << 48) - 4096,
      "physical base address of the ROM (4 KB aligned; default " + std::string(base) + ")");
  p.size_bytes =
      n.get_uint("size", d.size_bytes, 4096, 1ull << 32, "ROM size in bytes (a multiple of 4 KB)");
  p.latency_cycles =
      n.get_uint("latency_cycles", d.latency_cycles, 0, kMaxLatencyCycles, "per read transaction");
  p.file =
      n.get_string("file", d.file, "file whose bytes fill the ROM from offset 0 (empty: all zero)");
  return p;
}

}  // namespace mmusim
