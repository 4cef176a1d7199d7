// The platform's memory: a TLM-2.0 target of the example's own, RAM at [base, base + size). It
// holds the page tables (PageTables writes them through its backdoor) and the data.
//
// It serves blocking transport (with a fixed latency) and debug transport. mmusim's Cache needs
// both: its timing comes from the line fills and write-backs it sends with b_transport, and it
// moves the bytes of every access with transport_dbg, so memory behind it always holds the data.
#pragma once

#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <systemc>
#include <tlm>
#include <vector>

class Memory : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<Memory> socket;

  Memory(sc_core::sc_module_name name, uint64_t base, uint64_t size, sc_core::sc_time latency)
      : sc_core::sc_module(name),
        socket("socket"),
        m_base(base),
        m_bytes(size),
        m_latency(latency) {
    socket.register_b_transport(this, &Memory::b_transport);
    socket.register_transport_dbg(this, &Memory::transport_dbg);
  }

  uint64_t base() const { return m_base; }
  uint64_t end() const { return m_base + m_bytes.size(); }

  // The backdoor of the software side (the page-table builder): no time, no transaction.
  void write64(uint64_t pa, uint64_t value) {
    std::memcpy(m_bytes.data() + backdoor_offset(pa), &value, 8);
  }
  uint64_t read64(uint64_t pa) const {
    uint64_t value;
    std::memcpy(&value, m_bytes.data() + backdoor_offset(pa), 8);
    return value;
  }

  uint64_t transactions() const { return m_transactions; }  // b_transport calls served

 private:
  // The bytes [pa, pa + len), or nullptr when they are not all RAM.
  uint8_t* at(uint64_t pa, uint64_t len) {
    if (pa < m_base || len > m_bytes.size() || pa - m_base > m_bytes.size() - len) return nullptr;
    return m_bytes.data() + (pa - m_base);
  }
  uint64_t backdoor_offset(uint64_t pa) const {
    if (pa < m_base || pa - m_base > m_bytes.size() - 8)
      throw std::out_of_range(std::string(name()) + ": backdoor access outside RAM at 0x" +
                              to_hex(pa));
    return pa - m_base;
  }
  static std::string to_hex(uint64_t v) {
    char text[17];
    std::snprintf(text, sizeof text, "%llx", static_cast<unsigned long long>(v));
    return text;
  }

  // Copies the payload's bytes; false (and an address error) outside RAM.
  bool copy(tlm::tlm_generic_payload& trans) {
    uint8_t* bytes = at(trans.get_address(), trans.get_data_length());
    if (!bytes || trans.get_byte_enable_ptr()) {
      trans.set_response_status(bytes ? tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE
                                      : tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return false;
    }
    if (trans.is_read())
      std::memcpy(trans.get_data_ptr(), bytes, trans.get_data_length());
    else if (trans.is_write())
      std::memcpy(bytes, trans.get_data_ptr(), trans.get_data_length());
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
    return true;
  }

  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
    ++m_transactions;
    if (copy(trans)) delay += m_latency;
  }

  unsigned int transport_dbg(tlm::tlm_generic_payload& trans) {
    return copy(trans) ? trans.get_data_length() : 0;
  }

  uint64_t m_base;
  std::vector<uint8_t> m_bytes;
  sc_core::sc_time m_latency;
  uint64_t m_transactions = 0;
};
