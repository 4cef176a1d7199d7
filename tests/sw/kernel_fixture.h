// A kernel on fake hardware with one process, plus helpers that print maps
// the way the script transcript does.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "sw/kernel.h"
#include "tests/sw/fake_hw.h"

namespace mmusim::sw::test {

constexpr uint64_t kBase = 0x1000'0000'0000;  // the spec's comparable range starts here
constexpr int kRw = abi::kProtRead | abi::kProtWrite;
constexpr int kAnon = abi::kMapPrivate | abi::kMapAnonymous;
constexpr int kAnonFixed = kAnon | abi::kMapFixed;
constexpr int64_t kEINVAL = -22, kENOMEM = -12, kEEXIST = -17, kEBADF = -9, kEACCES = -13;

inline KernelParams small_params(uint64_t dram_bytes = 16 << 20) {
  KernelParams p;
  p.dram_bytes = dram_bytes;
  return p;
}

class KernelTest : public ::testing::Test {
 protected:
  explicit KernelTest(const KernelParams& p = small_params())
      : params(p),
        mem(p.dram_base, p.dram_bytes, log),
        mmu(log),
        k(p, mem, mmu),
        cpu(k, mem, mmu),
        pid(k.spawn()) {}

  int64_t mmap(uint64_t addr, uint64_t len, int prot, int flags, uint64_t offset = 0) {
    return k.mmap(VirtAddr(addr), len, prot, flags, -1, offset).value;
  }
  int64_t munmap(uint64_t addr, uint64_t len) { return k.munmap(VirtAddr(addr), len).value; }
  int64_t mprotect(uint64_t addr, uint64_t len, int prot) {
    return k.mprotect(VirtAddr(addr), len, prot).value;
  }

  // The transcript's `maps` lines (shared/spec/syscall-script.md).
  std::vector<std::string> maps() const {
    std::vector<std::string> out;
    for (const VmaInfo& v : k.maps()) {
      char buf[128];
      std::snprintf(buf, sizeof buf, "%llx-%llx %c%c%c%c %08llx",
                    static_cast<unsigned long long>(v.start.value()),
                    static_cast<unsigned long long>(v.end.value()), v.read ? 'r' : '-',
                    v.write ? 'w' : '-', v.exec ? 'x' : '-', v.shared ? 's' : 'p',
                    static_cast<unsigned long long>(v.file_offset));
      out.push_back(v.name.empty() ? std::string(buf) : std::string(buf) + " " + v.name);
    }
    return out;
  }

  Walk walk_va(uint64_t va) { return walk(mem, k.page_table_root(k.current()), VirtAddr(va)); }
  Asid asid() { return k.asid(k.current()); }
  // Events logged since `mark` (an index into log).
  HwLog since(size_t mark) const { return HwLog(log.begin() + static_cast<long>(mark), log.end()); }

  KernelParams params;
  HwLog log;
  FakePhysMemory mem;
  RecordingMmu mmu;
  Kernel k;
  TestCpu cpu;
  Pid pid;
};

}  // namespace mmusim::sw::test
