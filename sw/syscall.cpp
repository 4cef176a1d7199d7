#include "sw/syscall.h"

#include "sw/kernel_context.h"
#include "sw/mm/address_spaces.h"
#include "sw/reclaim/reclaim.h"

namespace mmusim::sw {

Syscall::Syscall(KernelContext& ctx, AddressSpaces& mm, Reclaim& reclaim)
    : p(mm.cur()), m(ctx.meter()), m_ctx(ctx), m_reclaim(reclaim) {
  m.syscall_entry();
  m_ctx.stats.syscalls++;
  m_vma_ops0 = p.vmas.ops();
}

SyscallResult Syscall::done(int64_t value) {
  m.vma_ops(p.vmas.ops() - m_vma_ops0);
  SyscallResult r{value, m.cost()};
  m_reclaim.boundary();  // may kill the caller (OOM): `p` is not used after this
  r.cost += m_reclaim.take_direct_cost();
  m_ctx.stats.frames_in_use = m_ctx.frames.frames_in_use();
  return r;
}

SyscallResult Syscall::exited() {
  m_reclaim.boundary();
  m_ctx.stats.frames_in_use = m_ctx.frames.frames_in_use();
  return SyscallResult{0, m.cost()};
}

}  // namespace mmusim::sw
