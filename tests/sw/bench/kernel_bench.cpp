// Host speed of the kernel layer's hot paths, on hardware stubs:
//  1. anonymous write faults on 1,000,000 fresh pages (handle_fault, as the
//     CPU port enters it on a translation fault);
//  2. 100,000 random mmap/mprotect/munmap calls on a process holding
//     10,000 VMAs.
// Prints host operations per second. Usage: kernel_bench [pages] [calls]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <unordered_map>

#include "sw/kernel.h"
#include "sw/mm/address_spaces.h"

namespace {

using namespace mmusim;
using namespace mmusim::sw;

// Simulated memory that keeps only what the kernel reads back: 8-byte
// stores (descriptors), per page; page contents are not modelled.
class TableMemory : public PhysMemory {
 public:
  void read(PhysAddr pa, void* dst, size_t len) override {
    auto* out = static_cast<uint8_t*>(dst);
    for (size_t i = 0; i < len; ++i)
      out[i] = 0;
    if (len != 8) return;
    auto it = m_pages.find(pa.value() >> 12);
    if (it != m_pages.end()) *static_cast<uint64_t*>(dst) = (*it->second)[(pa.value() & 4095) / 8];
  }
  void write(PhysAddr pa, const void* src, size_t len) override {
    if (len != 8) return;
    auto& page = m_pages[pa.value() >> 12];
    if (!page) page = std::make_unique<std::array<uint64_t, 512>>();
    (*page)[(pa.value() & 4095) / 8] = *static_cast<const uint64_t*>(src);
  }
  void fill(PhysAddr pa, uint8_t, size_t) override {
    auto it = m_pages.find(pa.value() >> 12);
    if (it != m_pages.end()) it->second->fill(0);
  }

 private:
  std::unordered_map<uint64_t, std::unique_ptr<std::array<uint64_t, 512>>> m_pages;
};

class NullMmu : public MmuControl {
 public:
  void tlbi_va_asid(VirtAddr, Asid) override {}
  void tlbi_va_all_asids(VirtAddr) override {}
  void tlbi_asid(Asid) override {}
  void tlbi_all() override {}
  void set_ttbr0(PhysAddr, Asid) override {}
  void set_mair(uint64_t) override {}
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

constexpr uint64_t kBase = 0x1000'0000'0000;
constexpr int kRw = abi::kProtRead | abi::kProtWrite;
constexpr int kAnonFixed = abi::kMapPrivate | abi::kMapAnonymous | abi::kMapFixed;

void bench_faults(uint64_t pages) {
  KernelParams p;
  p.dram_bytes = (pages + pages / 256 + 4096) * 4096;
  TableMemory mem;
  NullMmu mmu;
  Kernel k(p, mem, mmu);
  k.mm().spawn();
  if (k.mmap(VirtAddr(kBase), pages * 4096, kRw, kAnonFixed, -1, 0).value < 0) std::abort();
  const auto t0 = std::chrono::steady_clock::now();
  for (uint64_t i = 0; i < pages; ++i) {
    arch::FaultSyndrome f;
    f.kind = arch::FaultKind::kTranslation;
    f.va = VirtAddr(kBase + i * 4096);
    f.access = arch::AccessKind::kWrite;
    f.el = arch::ExceptionLevel::kEl0;
    f.level = 3;
    if (k.handle_fault(f).outcome != FaultOutcome::kRetry) std::abort();
  }
  const double s = seconds_since(t0);
  std::printf("anon write faults: %llu pages in %.3f s = %.0f faults/s (%llu frames in use)\n",
              static_cast<unsigned long long>(pages), s, static_cast<double>(pages) / s,
              static_cast<unsigned long long>(k.stats().frames_in_use));
}

void bench_syscalls(uint64_t calls) {
  KernelParams p;
  p.dram_bytes = uint64_t{1} << 30;
  TableMemory mem;
  NullMmu mmu;
  Kernel k(p, mem, mmu);
  k.mm().spawn();
  // 10,000 one-page VMAs with one-page holes between them.
  constexpr uint64_t kVmas = 10000;
  for (uint64_t i = 0; i < kVmas; ++i)
    k.mmap(VirtAddr(kBase + i * 0x2000), 0x1000, kRw, kAnonFixed, -1, 0);
  // Four protections keep neighbours from merging, so the VMA count stays
  // near 10,000 (printed at the end).
  const int prots[] = {abi::kProtRead, kRw, abi::kProtRead | abi::kProtExec, kRw | abi::kProtExec};
  uint64_t seed = 42;
  auto rnd = [&]() {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    return seed >> 33;
  };
  uint64_t ok = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (uint64_t i = 0; i < calls; ++i) {
    const uint64_t page = rnd() % (2 * kVmas);
    const uint64_t len = (1 + rnd() % 2) * 0x1000;
    const uint64_t addr = kBase + page * 0x1000;
    int64_t r = 0;
    switch (rnd() % 4) {
      case 0:  // a fixed mapping, replacing what is there
        r = k.mmap(VirtAddr(addr), len, prots[rnd() % 4], kAnonFixed, -1, 0).value;
        break;
      case 1:  // a kernel-chosen address: the top-down gap search
        r = k.mmap(VirtAddr(0), len, abi::kProtRead, abi::kMapPrivate | abi::kMapAnonymous, -1, 0)
                .value;
        if (r > 0) k.munmap(VirtAddr(static_cast<uint64_t>(r)), len);
        break;
      case 2:
        r = k.mprotect(VirtAddr(addr), len, prots[rnd() % 4]).value;
        break;
      default:
        r = k.munmap(VirtAddr(addr), 0x1000).value;
    }
    ok += r >= 0;
  }
  const double s = seconds_since(t0);
  std::printf(
      "mmap/mprotect/munmap: %llu calls in %.3f s = %.0f calls/s (%llu ok, %zu VMAs at the end)\n",
      static_cast<unsigned long long>(calls), s, static_cast<double>(calls) / s,
      static_cast<unsigned long long>(ok), k.mm().maps().size());
}

}  // namespace

int main(int argc, char** argv) {
  const uint64_t pages = argc > 1 ? std::strtoull(argv[1], nullptr, 0) : 1'000'000;
  const uint64_t calls = argc > 2 ? std::strtoull(argv[2], nullptr, 0) : 100'000;
  bench_faults(pages);
  bench_syscalls(calls);
  return 0;
}
