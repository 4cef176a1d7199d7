// A kernel on fake hardware with one process, plus helpers that print maps
// the way the script transcript does.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "sw/kernel.h"
#include "sw/mm/address_spaces.h"
#include "tests/sw/fake_hw.h"

namespace mmusim::sw::test {

constexpr uint64_t kBase = 0x1000'0000'0000;  // the spec's comparable range starts here
constexpr int kRw = abi::kProtRead | abi::kProtWrite;
constexpr int kAnon = abi::kMapPrivate | abi::kMapAnonymous;
constexpr int kAnonFixed = kAnon | abi::kMapFixed;
constexpr int64_t kEINVAL = -22, kENOMEM = -12, kEEXIST = -17, kEBADF = -9, kEACCES = -13,
                  kENOENT = -2, kEBUSY = -16, kEOVERFLOW = -75, kEFBIG = -27, kEAGAIN = -11,
                  kEPERM = -1;
constexpr int kShared = abi::kMapShared;
constexpr int kPrivate = abi::kMapPrivate;

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
        pid(k.mm().spawn()) {}

  int64_t mmap(uint64_t addr, uint64_t len, int prot, int flags, uint64_t offset = 0) {
    return k.mmap(VirtAddr(addr), len, prot, flags, -1, offset).value;
  }
  int64_t munmap(uint64_t addr, uint64_t len) { return k.munmap(VirtAddr(addr), len).value; }
  int64_t mmap_fd(uint64_t addr, uint64_t len, int prot, int flags, int fd, uint64_t offset) {
    return k.mmap(VirtAddr(addr), len, prot, flags, fd, offset).value;
  }
  int64_t msync(uint64_t addr, uint64_t len, int flags) {
    return k.msync(VirtAddr(addr), len, flags).value;
  }
  // pread as the transcript prints it: the byte, -1 at EOF, or -errno - 1000.
  int pread(int fd, uint64_t offset) {
    uint8_t b = 0;
    const int64_t r = k.pread(fd, offset, &b).value;
    return r == 1 ? b : r == 0 ? -1 : static_cast<int>(r) - 1000;
  }
  int64_t pwrite(int fd, uint64_t offset, uint8_t v) { return k.pwrite(fd, offset, v).value; }
  // A file of `size` bytes opened as `fd` with `mode`.
  void make_file(const std::string& name, uint64_t size, int fd, int mode = abi::kORdwr) {
    ASSERT_EQ(k.create_file(name, size).value, 0);
    ASSERT_EQ(k.open(fd, name, mode).value, 0);
  }
  // A load as the transcript prints it: the byte, or -1 SIGSEGV, -2 SIGBUS.
  int load(uint64_t va) {
    FaultOutcome sig = FaultOutcome::kRetry;
    const auto v = cpu.load(va, &sig);
    if (v) return *v;
    return sig == FaultOutcome::kSigsegv ? -1 : -2;
  }
  int store(uint64_t va, uint8_t value) {
    const FaultOutcome o = cpu.store(va, value);
    return o == FaultOutcome::kRetry ? 0 : o == FaultOutcome::kSigsegv ? -1 : -2;
  }
  int64_t mprotect(uint64_t addr, uint64_t len, int prot) {
    return k.mprotect(VirtAddr(addr), len, prot).value;
  }

  // The transcript's `maps` lines (docs/syscall-script.md).
  std::vector<std::string> maps() const {
    std::vector<std::string> out;
    for (const VmaInfo& v : k.mm().maps()) {
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

  Walk walk_va(uint64_t va) {
    return walk(mem, k.mm().page_table_root(k.mm().current()), VirtAddr(va));
  }
  Asid asid() { return k.mm().asid(k.mm().current()); }
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
