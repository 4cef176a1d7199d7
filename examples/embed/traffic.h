// The example's initiator: a traffic generator standing in for a CPU model of the platform's own.
// It speaks plain TLM-2.0 (generic payloads without any mmusim extension, blocking transport), so
// the Mmu takes each access as a data access at EL0 with the current ASID. An access the Mmu
// refuses comes back with an error response; the generator then reads the syndrome from the Mmu,
// as a CPU reads FAR_EL1 and ESR_EL1 when it takes the exception, and asks its software (the
// FaultHandler given to it) whether to retry.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <systemc>
#include <tlm>
#include <utility>
#include <vector>

#include <mmusim/model/mmu/mmu.h>

struct Access {
  bool write = false;
  uint64_t va = 0;
  uint8_t value = 0;  // the byte a write stores
};

class TrafficGenerator : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<TrafficGenerator> socket;

  // The generator's software: called with the syndrome of a refused access; true to retry it.
  using FaultHandler = std::function<bool(const mmusim::MmuFault&)>;
  // Where the physical address of the last access can be read (AddressMonitor).
  using PhysicalAddress = std::function<uint64_t()>;

  SC_HAS_PROCESS(TrafficGenerator);
  TrafficGenerator(sc_core::sc_module_name name, std::vector<Access> program,
                   const mmusim::Mmu& mmu, FaultHandler on_fault, PhysicalAddress last_pa)
      : sc_core::sc_module(name),
        socket("socket"),
        m_program(std::move(program)),
        m_mmu(mmu),
        m_on_fault(std::move(on_fault)),
        m_last_pa(std::move(last_pa)) {
    SC_THREAD(run);
  }

  unsigned completed() const { return m_completed; }
  unsigned refused() const { return m_refused; }

 private:
  void run() {
    for (const Access& a : m_program) {
      uint8_t data = a.value;
      while (!transport(a, data)) {
        const mmusim::MmuFault fault = m_mmu.last_fault();
        std::printf("  fault: %s\n", describe(fault).c_str());
        if (!m_on_fault(fault)) break;
      }
    }
  }

  // One access; false when it was refused.
  bool transport(const Access& a, uint8_t& data) {
    tlm::tlm_generic_payload trans;
    trans.set_command(a.write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    trans.set_address(a.va);
    trans.set_data_ptr(&data);
    trans.set_data_length(1);
    trans.set_streaming_width(1);
    trans.set_byte_enable_ptr(nullptr);
    trans.set_dmi_allowed(false);
    trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    socket->b_transport(trans, delay);
    wait(delay);  // a loosely-timed initiator could keep it as local time instead
    const bool ok = trans.is_response_ok();
    std::printf("%-5s VA 0x%012llx", a.write ? "write" : "read", ull(a.va));
    if (ok) {
      std::printf(" -> PA 0x%012llx  %s 0x%02x\n", ull(m_last_pa()), a.write ? "stored" : "loaded",
                  data);
      ++m_completed;
    } else {
      std::printf(": %s\n", trans.get_response_string().c_str());
      ++m_refused;
    }
    return ok;
  }

  static std::string describe(const mmusim::MmuFault& f) {
    char text[160];
    std::snprintf(text, sizeof text, "%s fault, level %d, %s at VA 0x%llx, ESR_EL1 0x%llx",
                  std::string(mmusim::arch::to_string(f.kind)).c_str(), f.level,
                  f.write ? "write" : "read", ull(f.va.value()), ull(f.esr));
    return text;
  }
  static unsigned long long ull(uint64_t v) { return v; }

  std::vector<Access> m_program;
  const mmusim::Mmu& m_mmu;
  FaultHandler m_on_fault;
  PhysicalAddress m_last_pa;
  unsigned m_completed = 0;
  unsigned m_refused = 0;
};
