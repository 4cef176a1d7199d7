// A private anonymous read-write mapping at a fixed address, made by the
// kernel the CPU traps into, its cost charged to that CPU.
#pragma once

#include <gtest/gtest.h>

#include "system/platform.h"

namespace mmusim::test {

inline void map_rw(CpuPort& cpu, uint64_t va, uint64_t bytes) {
  using namespace sw::abi;
  const sw::SyscallResult r = kernel_of(cpu).mmap(VirtAddr(va), bytes, kProtRead | kProtWrite,
                                                  kMapPrivate | kMapAnonymous | kMapFixed, -1, 0);
  ASSERT_EQ(r.value, static_cast<int64_t>(va));
  cpu.charge(r.cost);
}

}  // namespace mmusim::test
