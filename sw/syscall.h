// The one prologue and epilogue of every system call: the kernel's
// dispatch (Kernel, sw/kernel.cpp) opens a Syscall, runs the subsystem's
// body for the calling process with the call's meter, and closes it with
// done(). No subsystem writes its own.
#pragma once

#include <cstdint>

#include "sw/cost_meter.h"
#include "sw/kernel.h"

namespace mmusim::sw {

struct KernelContext;
struct Process;
class AddressSpaces;
class Reclaim;

class Syscall {
 public:
  // The prologue: the calling process (std::logic_error when none is
  // current), the entry cost, the syscall count, the VMA-operation count at
  // entry.
  Syscall(KernelContext& ctx, AddressSpaces& mm, Reclaim& reclaim);
  Syscall(const Syscall&) = delete;
  Syscall& operator=(const Syscall&) = delete;

  // The epilogue, ending the call with `value`: charges the VMA operations
  // done since entry, then the boundary (kswapd, a pending OOM kill, which
  // may kill the caller: `p` is not used after this) and the direct reclaim
  // since the last boundary.
  SyscallResult done(int64_t value);
  // The epilogue of exit(2), whose caller is gone: the boundary only; value
  // 0, no VMA operations or direct reclaim charged.
  SyscallResult exited();

  Process& p;   // the calling process
  CostMeter m;  // the call's cost

 private:
  KernelContext& m_ctx;
  Reclaim& m_reclaim;
  uint64_t m_vma_ops0;
};

}  // namespace mmusim::sw
