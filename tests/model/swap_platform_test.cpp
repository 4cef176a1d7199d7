// Swap through the whole platform: the kernel drives the block device on
// the bus through its registers, the device DMAs through the bus into DRAM,
// evictions shoot down the TLB, and the walker's FEAT_HAFDBS mode sets the
// access flag and dirty state itself.
#include <gtest/gtest.h>

#include <array>
#include <functional>

#include "sw/mm/address_spaces.h"
#include "system/platform.h"
#include "tests/model/fn_workload.h"

namespace mmusim {
namespace {

using arch::AccessKind;
using namespace sw::abi;

constexpr uint64_t kVa = 0x1000'0000'0000;

using test::FnWorkload;

PlatformParams swap_params(bool hafdbs) {
  PlatformParams p;
  p.dram.size_bytes = 64 << 20;
  p.kernel.phys_mem_bytes = 4 << 20;
  p.kernel.swap_bytes = 1 << 20;
  p.mmu.walker.hafdbs = hafdbs;
  return p;
}

// One private anonymous read/write page at kVa.
void map_page(sw::Kernel& k) {
  ASSERT_GT(k.mmap(VirtAddr(kVa), 0x1000, kProtRead | kProtWrite,
                   kMapPrivate | kMapAnonymous | kMapFixed, -1, 0)
                .value,
            0);
}

uint8_t load(CpuPort& cpu, uint64_t va) {
  uint8_t v = 0;
  EXPECT_EQ(cpu.access(AccessKind::kRead, VirtAddr(va), 1, &v), AccessOutcome::kOk);
  return v;
}
void store(CpuPort& cpu, uint64_t va, uint8_t v) {
  EXPECT_EQ(cpu.access(AccessKind::kWrite, VirtAddr(va), 1, &v), AccessOutcome::kOk);
}

TEST(SwapPlatform, EvictionShootsDownTheTlbSoAReusedFrameIsNeverSeenThroughIt) {
  Platform p("top", swap_params(false));
  FnWorkload w([&](CpuPort& cpu) {
    sw::Kernel& k = kernel_of(cpu);
    ASSERT_EQ(k.mmap(VirtAddr(kVa), 0x2000, kProtRead | kProtWrite,
                     kMapPrivate | kMapAnonymous | kMapFixed, -1, 0)
                  .value,
              static_cast<int64_t>(kVa));
    store(cpu, kVa, 0xab);
    EXPECT_EQ(load(cpu, kVa), 0xab);  // the translation is in the TLB now
    const uint64_t hits0 = p.mmu.l1_dtlb().stats().hits;
    EXPECT_GT(hits0, 0u);
    const uint64_t regs0 = p.devio.accesses();
    ASSERT_EQ(k.madvise(VirtAddr(kVa), 0x1000, kMadvPageout).value, 0);
    // 7 register accesses per page, each a real bus transaction, and the
    // probe of ID and CAPACITY at the first use.
    EXPECT_EQ(p.devio.accesses() - regs0, 9u);
    EXPECT_EQ(p.blockdev.core().stats().writes, 1u);
    EXPECT_EQ(p.blockdev.stats().writes, 4u);
    EXPECT_EQ(p.blockdev.stats().reads, 5u);
    // The freed frame is the next one handed out: the second page gets it.
    store(cpu, kVa + 0x1000, 0xcd);
    // Through a stale TLB entry this load would read 0xcd from the reused
    // frame; it must fault, swap the page in and read 0xab.
    const uint64_t faults0 = k.stats().page_faults;
    EXPECT_EQ(load(cpu, kVa), 0xab);
    EXPECT_EQ(k.stats().page_faults, faults0 + 1);
    EXPECT_EQ(k.stats().pswpin, 1u);
    EXPECT_EQ(k.stats().pgmajfault, 1u);
    EXPECT_EQ(p.blockdev.core().stats().reads, 1u);
    EXPECT_EQ(load(cpu, kVa + 0x1000), 0xcd);
  });
  p.run(w);
}

// Pages a page out and back (read: writable-clean), ages it with
// MADV_COLD, then reads and writes it; returns {kernel AF faults, kernel
// dirty faults, walker AF updates, walker dirty updates}.
std::array<uint64_t, 4> age_and_dirty(bool hafdbs) {
  Platform p("top", swap_params(hafdbs));
  std::array<uint64_t, 4> out{};
  FnWorkload w([&](CpuPort& cpu) {
    sw::Kernel& k = kernel_of(cpu);
    map_page(k);
    store(cpu, kVa, 0x42);
    ASSERT_EQ(k.madvise(VirtAddr(kVa), 0x1000, kMadvPageout).value, 0);
    EXPECT_EQ(load(cpu, kVa), 0x42);                                  // swap-in: writable-clean
    ASSERT_EQ(k.madvise(VirtAddr(kVa), 0x1000, kMadvCold).value, 0);  // AF cleared + TLBI
    EXPECT_EQ(load(cpu, kVa), 0x42);
    store(cpu, kVa, 0x43);
    // Dirty now: the next pageout writes it again, and it comes back right.
    ASSERT_EQ(k.madvise(VirtAddr(kVa), 0x1000, kMadvPageout).value, 0);
    EXPECT_EQ(k.stats().pswpout, 2u);
    EXPECT_EQ(load(cpu, kVa), 0x43);
    out = {k.stats().access_flag_faults, k.stats().dirty_faults, p.mmu.walker.stats().hw_af_updates,
           p.mmu.walker.stats().hw_dirty_updates};
  });
  p.run(w);
  return out;
}

TEST(SwapPlatform, SoftwareAccessAndDirtyTrackingTakesFaults) {
  const auto r = age_and_dirty(false);
  EXPECT_EQ(r[0], 1u);  // the load after MADV_COLD
  EXPECT_EQ(r[1], 1u);  // the store to the writable-clean entry
  EXPECT_EQ(r[2], 0u);
  EXPECT_EQ(r[3], 0u);
}

TEST(SwapPlatform, HardwareAccessAndDirtyTrackingUpdatesDescriptors) {
  const auto r = age_and_dirty(true);
  EXPECT_EQ(r[0], 0u);
  EXPECT_EQ(r[1], 0u);
  EXPECT_EQ(r[2], 1u);  // the walker set AF on the load after MADV_COLD
  // The store hit the entry the load cached read-only: the MMU walked again
  // and the walker cleared AP[2] (DBM) without a fault.
  EXPECT_EQ(r[3], 1u);
}

TEST(SwapPlatform, HardwareDirtyUpdateOnAWalk) {
  Platform p("top", swap_params(true));
  FnWorkload w([&](CpuPort& cpu) {
    sw::Kernel& k = kernel_of(cpu);
    map_page(k);
    store(cpu, kVa, 0x42);
    ASSERT_EQ(k.madvise(VirtAddr(kVa), 0x1000, kMadvPageout).value, 0);
    EXPECT_EQ(load(cpu, kVa), 0x42);  // writable-clean, TLB holds it read-only
    ASSERT_EQ(k.madvise(VirtAddr(kVa), 0x1000, kMadvCold).value, 0);  // TLBI: next access walks
    store(cpu, kVa, 0x44);  // the walk sets AF and clears AP[2]: no fault
    EXPECT_EQ(p.mmu.walker.stats().hw_dirty_updates, 1u);
    EXPECT_EQ(p.mmu.walker.stats().hw_af_updates, 1u);
    EXPECT_EQ(k.stats().dirty_faults, 0u);
    EXPECT_EQ(k.stats().access_flag_faults, 0u);
    ASSERT_EQ(k.madvise(VirtAddr(kVa), 0x1000, kMadvPageout).value, 0);
    EXPECT_EQ(k.stats().pswpout, 2u);  // the kernel read the dirt from the descriptor
    EXPECT_EQ(load(cpu, kVa), 0x44);
  });
  p.run(w);
}

}  // namespace
}  // namespace mmusim

namespace mmusim {
namespace {

// Random loads and stores over four times memory, in two processes that
// share pages after fork, on the full platform (TLBs, walk caches, L1D):
// every load returns the last value that process stored; with cpu.window 4
// (or more) so that accesses overlap.
struct RandomRun {
  bool hafdbs = false;
  unsigned window = 4;
  sw::ThpPolicy thp = sw::ThpPolicy::kMadvise;
  bool contpte = false;
  uint64_t seed = 12345;
};

void random_accesses_over_four_times_memory(const RandomRun& rr) {
  const bool hafdbs = rr.hafdbs;
  PlatformParams pp = swap_params(hafdbs);
  pp.kernel.phys_mem_bytes = 1 << 20;
  pp.kernel.swap_bytes = 16 << 20;
  pp.cpu.window = rr.window;
  pp.kernel.thp = rr.thp;
  pp.kernel.contpte = rr.contpte;
  Platform p("top", pp);
  FnWorkload w([&](CpuPort& cpu) {
    sw::Kernel& k = kernel_of(cpu);
    constexpr uint64_t kPages = 1024;  // 4 MiB
    ASSERT_GT(k.mmap(VirtAddr(kVa), kPages * 4096, kProtRead | kProtWrite,
                     kMapPrivate | kMapAnonymous | kMapFixed, -1, 0)
                  .value,
              0);
    std::vector<std::vector<uint8_t>> shadow(2, std::vector<uint8_t>(kPages * 8, 0));
    uint64_t rng = rr.seed;
    auto next = [&] {
      rng ^= rng << 13;
      rng ^= rng >> 7;
      rng ^= rng << 17;
      return rng;
    };
    sw::Pid pids[2] = {k.mm().current(), 0};
    int who = 0;
    uint64_t checked = 0;
    for (int n = 0; n < 40000; ++n) {
      if (n == 10000) {  // fork: the child starts with the parent's bytes
        const sw::SyscallResult f = k.fork();
        ASSERT_GT(f.value, 0);
        cpu.charge(f.cost);
        pids[1] = static_cast<sw::Pid>(f.value);
        shadow[1] = shadow[0];
      }
      if (pids[1] && next() % 64 == 0) {
        who ^= 1;
        cpu.charge(k.mm().switch_to(pids[who]));
      }
      const uint64_t page = next() % kPages, slot = next() % 8;
      const uint64_t va = kVa + page * 4096 + slot * 512;
      if (next() % 2) {
        const uint8_t v = static_cast<uint8_t>(next());
        store(cpu, va, v);
        shadow[who][page * 8 + slot] = v;
      } else {
        ASSERT_EQ(load(cpu, va), shadow[who][page * 8 + slot]) << "access " << n;
        checked++;
      }
    }
    EXPECT_GT(checked, 15000u);
    EXPECT_GT(k.stats().pswpout, 1000u);
    EXPECT_GT(k.stats().pswpin, 1000u);
    EXPECT_EQ(k.stats().oom_kills, 0u);
    if (hafdbs) {  // the walker did the tracking: no access-flag or dirty faults
      EXPECT_EQ(k.stats().access_flag_faults, 0u);
      EXPECT_EQ(k.stats().dirty_faults, 0u);
      EXPECT_GT(p.mmu.walker.stats().hw_af_updates, 0u);
    } else {
      EXPECT_GT(k.stats().access_flag_faults, 0u);
      EXPECT_EQ(p.mmu.walker.stats().hw_af_updates, 0u);
    }
  });
  p.run(w);
}

TEST(SwapPlatform, RandomAccessesOverFourTimesMemoryReadBackWithTlbsAndCaches) {
  random_accesses_over_four_times_memory(RandomRun{});
}

TEST(SwapPlatform, RandomAccessesOverFourTimesMemoryReadBackWithHardwareAccessAndDirty) {
  RandomRun rr;
  rr.hafdbs = true;
  random_accesses_over_four_times_memory(rr);
}

// kernel.contpte folios are on the LRU and aged like 4 KB pages (a run is
// unfolded before its pages are aged or reclaimed): the walker (HAFDBS) or
// access-flag faults see the accesses again; THP always and a window of 8.
TEST(SwapPlatform, RandomAccessesWithContpteAndThpReadBackWithSoftwareTracking) {
  RandomRun rr;
  rr.window = 8;
  rr.thp = sw::ThpPolicy::kAlways;
  rr.contpte = true;
  rr.seed = 7919;
  random_accesses_over_four_times_memory(rr);
}

TEST(SwapPlatform, RandomAccessesWithContpteAndThpReadBackWithHardwareAccessAndDirty) {
  RandomRun rr;
  rr.hafdbs = true;
  rr.window = 8;
  rr.thp = sw::ThpPolicy::kAlways;
  rr.contpte = true;
  rr.seed = 7919;
  random_accesses_over_four_times_memory(rr);
}

}  // namespace
}  // namespace mmusim
