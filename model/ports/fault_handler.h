// Where the CPU traps: the operating system's side of a synchronous
// exception. The CpuPort (model/cpu) calls handle_fault() for every MMU fault
// of an access; the system assembly (system/) implements it with the kernel
// layer. The bottom layer: plain C++, no SystemC, nothing of sw/.
#pragma once

#include <cstdint>

#include "model/arch/fault.h"
#include "model/arch/types.h"

namespace mmusim::ports {

enum class TrapOutcome : uint8_t {
  kRetry,    // the tables were fixed: the access is retried
  kSigsegv,  // the process gets SIGSEGV
  kSigbus,   // the process gets SIGBUS
  kKilled,   // the process was killed (OOM) while the fault was handled
};

struct TrapResult {
  TrapOutcome outcome = TrapOutcome::kRetry;
  Cycles cost;  // the handler's time, charged to the CPU
};

// Contract: handle_fault() is called from the CPU's thread, once per fault,
// after every older access has completed (precise exceptions). Alignment
// faults and external aborts are reported too (the handler counts and charges
// them); the CPU delivers SIGBUS for them whatever the outcome.
class FaultHandler {
 public:
  virtual ~FaultHandler() = default;
  virtual TrapResult handle_fault(const arch::FaultSyndrome& fault) = 0;
};

}  // namespace mmusim::ports
