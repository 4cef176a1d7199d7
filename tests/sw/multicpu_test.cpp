// The kernel on N CPUs (Linux arm64 semantics, design notes 1.6-1.8, 3.8):
// the ASID allocator of arch/arm64/mm/context.c, a current task per CPU,
// migration, and no stale translation on any CPU after the operation that
// removed it returns, on the N-core fake port (tests/sw/fake_tlb.h).
#include <gtest/gtest.h>

#include "sw/mm/address_spaces.h"
#include "sw/mm/asid.h"
#include "tests/sw/fake_tlb.h"
#include "tests/sw/kernel_fixture.h"

namespace mmusim::sw::test {
namespace {

using ports::TlbiKind;

TEST(Asid, RolloverWith8BitAsidsFlushesEachCpuAtItsNextSwitch) {
  TlbStats st;
  AsidAllocator a(8, 2, st);
  uint64_t mm_a = 0;
  EXPECT_FALSE(a.check_and_switch_context(mm_a, 1));  // first switch-in: allocated
  EXPECT_EQ(mm_a, 0x10001u);
  std::vector<uint64_t> b(254, 0);
  for (uint64_t& id : b)
    EXPECT_FALSE(a.check_and_switch_context(id, 0));
  EXPECT_EQ(b.front(), 0x10002u);
  EXPECT_EQ(b.back(), 0x100ffu);
  // The 256th mm finds no free ASID: generation 2, both CPUs' active ASIDs
  // reserved, only the switching CPU flushes now.
  uint64_t x = 0;
  EXPECT_TRUE(a.check_and_switch_context(x, 0));
  EXPECT_EQ(a.generation(), 0x20000u);
  EXPECT_EQ(x, 0x20002u);  // lowest free: 1 and 255 are reserved
  EXPECT_EQ(a.reserved(0), 0x100ffu);
  EXPECT_EQ(a.reserved(1), 0x10001u);
  EXPECT_FALSE(a.flush_pending(0));
  EXPECT_TRUE(a.flush_pending(1));
  // CPU 0 back to the mm it had reserved: the same number, new generation, no flush.
  EXPECT_FALSE(a.check_and_switch_context(b.back(), 0));
  EXPECT_EQ(b.back(), 0x200ffu);
  // CPU 1's next switch takes the slow path and flushes; its reserved mm keeps ASID 1.
  EXPECT_TRUE(a.check_and_switch_context(mm_a, 1));
  EXPECT_EQ(mm_a, 0x20001u);
  EXPECT_FALSE(a.check_and_switch_context(x, 1));  // fast path now
  EXPECT_EQ(st.asid_rollovers, 1u);
  EXPECT_EQ(st.asid_local_flushes, 2u);
  EXPECT_EQ(st.asid_allocations, 1u + 254 + 1 + 2);
}

TEST(Asid, BadWidthIsRejectedNamingTheField) {
  TlbStats st;
  EXPECT_THROW(AsidAllocator(12, 1, st), std::invalid_argument);
}

KernelParams cpus(unsigned n, TlbShootdown how = TlbShootdown::kBroadcast, unsigned bits = 16) {
  KernelParams p = small_params();
  p.cpus = n;
  p.tlb_shootdown = how;
  p.asid_bits = bits;
  return p;
}

// A kernel on `params.cpus` fake cores, each with a TestCpu that fills its
// core's TLB on every successful access.
class MultiCpu : public ::testing::Test {
 protected:
  explicit MultiCpu(const KernelParams& p = cpus(2))
      : params(p),
        mem(p.dram_base, p.dram_bytes, log),
        fab(p.cpus, log),
        k(p, mem, fab.mmus(), fab) {
    for (auto& c : fab.cores)
      tcpu.push_back(std::make_unique<TestCpu>(k, mem, *c));
    pid = k.mm().spawn();
  }
  // An access on `cpu`; the translation it used is cached there.
  std::optional<uint8_t> load(unsigned cpu, uint64_t va, FaultOutcome* sig = nullptr) {
    k.set_cpu(cpu);
    auto v = tcpu[cpu]->load(va, sig);
    if (v) fab.cores[cpu]->fill(VirtAddr(va), fab.cores[cpu]->current_asid);
    return v;
  }
  FaultOutcome store(unsigned cpu, uint64_t va, uint8_t value) {
    k.set_cpu(cpu);
    const FaultOutcome r = tcpu[cpu]->store(va, value);
    if (r == FaultOutcome::kRetry) fab.cores[cpu]->fill(VirtAddr(va), fab.cores[cpu]->current_asid);
    return r;
  }
  // No core caches `va` of `p`'s mm.
  bool nowhere(Pid p, uint64_t va) {
    for (auto& c : fab.cores)
      if (c->holds(VirtAddr(va), k.mm().asid(p))) return false;
    return true;
  }

  KernelParams params;
  HwLog log;
  FakePhysMemory mem;
  FakeTlbFabric fab;
  Kernel k;
  std::vector<std::unique_ptr<TestCpu>> tcpu;
  Pid pid = 0;
};

TEST_F(MultiCpu, EachCpuHasItsCurrentTaskAndATaskMigrates) {
  EXPECT_EQ(k.mm().current_on(0), pid);
  EXPECT_EQ(k.mm().current_on(1), 0);
  k.set_cpu(1);
  EXPECT_THROW(k.clone_thread(), std::logic_error);  // no task current on CPU 1
  k.mm().switch_to(pid);                             // migrates from CPU 0
  EXPECT_EQ(k.mm().current_on(1), pid);
  EXPECT_EQ(k.mm().current_on(0), 0);
  EXPECT_EQ(fab.cores[1]->current_asid, Asid(1));
  EXPECT_EQ(fab.cores[1]->ttbr0, k.mm().page_table_root(pid));
  EXPECT_THROW(k.set_cpu(2), std::out_of_range);
}

TEST_F(MultiCpu, ThreadsOfOneMmDoNotEnterTheAllocator) {
  ASSERT_GT(k.mmap(VirtAddr(kBase), 0x1000, kRw, kAnonFixed, -1, 0).value, 0);
  const Pid t = k.clone_thread().value;
  k.set_cpu(1);
  k.mm().switch_to(t);  // CPU 1: the mm's first switch-in there (fast path: ASID valid)
  const uint64_t allocations = k.stats().asid_allocations;
  k.set_cpu(0);
  const size_t mark = log.size();
  k.mm().switch_to(t);  // migrates the thread to CPU 0, whose current is the same mm
  EXPECT_EQ(k.stats().asid_allocations, allocations);
  EXPECT_EQ(log.size(), mark);  // switch_mm(prev == next): no TTBR0 write
  EXPECT_EQ(k.mm().asid(t), Asid(1));
}

TEST(Asid, ThreadsOfOneMmDoNotEnterTheAllocator) {
  // The allocator itself: a second switch of the same id on the same CPU is the fast path.
  TlbStats st;
  AsidAllocator a(16, 1, st);
  uint64_t id = 0;
  a.check_and_switch_context(id, 0);
  a.check_and_switch_context(id, 0);
  EXPECT_EQ(st.asid_allocations, 1u);
}

class MultiCpu8Bit : public MultiCpu {
 protected:
  MultiCpu8Bit() : MultiCpu(cpus(2, TlbShootdown::kBroadcast, 8)) {}
};

TEST_F(MultiCpu8Bit, RolloverFlushesLocallyOnTheSwitchingCpuOnly) {
  k.set_cpu(1);
  const Pid a = k.mm().spawn();  // CPU 1 had no task: ASID 2
  EXPECT_EQ(k.mm().asid(a), Asid(2));
  k.set_cpu(0);
  std::vector<Pid> b;
  for (int i = 0; i < 253; ++i) {
    b.push_back(k.mm().spawn());
    k.mm().switch_to(b.back());
  }
  EXPECT_EQ(k.mm().asid(b.back()), Asid(255));
  fab.log.clear();
  const Pid x = k.mm().spawn();
  k.mm().switch_to(x);
  EXPECT_EQ(k.mm().asid(x), Asid(1));  // 2 (CPU 1) and 255 (CPU 0) reserved
  EXPECT_EQ(fab.log, (std::vector<PortEvent>{tlbi_event(0, TlbiKind::kAll, 0, 0, false)}));
  fab.log.clear();
  k.set_cpu(1);
  k.mm().switch_to(b.front());  // CPU 1's next switch: slow path, local flush there
  EXPECT_EQ(fab.log, (std::vector<PortEvent>{tlbi_event(1, TlbiKind::kAll, 0, 0, false)}));
  EXPECT_EQ(k.stats().asid_rollovers, 1u);
}

// ---- No stale translation after return (design notes 3.13), both mechanisms ----

class NoStale : public MultiCpu, public ::testing::WithParamInterface<TlbShootdown> {
 protected:
  NoStale() : MultiCpu(cpus(3, GetParam())) {}
  // The page at kBase, written on CPU 0 by the task `pid`, cached on CPUs
  // 1 and 2 by two of its threads (t[0], t[1]).
  void share_page() {
    ASSERT_GT(k.mmap(VirtAddr(kBase), 0x2000, kRw, kAnonFixed, -1, 0).value, 0);
    ASSERT_EQ(store(0, kBase, 7), FaultOutcome::kRetry);
    t[0] = k.clone_thread().value;
    t[1] = k.clone_thread().value;
    for (unsigned c : {1u, 2u}) {
      k.set_cpu(c);
      k.mm().switch_to(t[c - 1]);
      ASSERT_EQ(load(c, kBase), 7);
      ASSERT_TRUE(fab.cores[c]->holds(VirtAddr(kBase), k.mm().asid(pid)));
    }
    k.set_cpu(0);
  }
  Pid t[2] = {0, 0};
};

TEST_P(NoStale, Munmap) {
  share_page();
  ASSERT_EQ(k.munmap(VirtAddr(kBase), 0x2000).value, 0);
  EXPECT_TRUE(nowhere(pid, kBase));
  FaultOutcome sig = FaultOutcome::kRetry;
  EXPECT_EQ(load(1, kBase, &sig), std::nullopt);
  EXPECT_EQ(sig, FaultOutcome::kSigsegv);
}

TEST_P(NoStale, Mprotect) {
  share_page();
  ASSERT_EQ(k.mprotect(VirtAddr(kBase), 0x1000, abi::kProtRead).value, 0);
  EXPECT_TRUE(nowhere(pid, kBase));
  EXPECT_EQ(store(2, kBase, 1), FaultOutcome::kSigsegv);
}

TEST_P(NoStale, Mremap) {
  share_page();
  const uint64_t to = kBase + 0x100000;
  ASSERT_EQ(k.mremap(VirtAddr(kBase), 0x1000, 0x1000, abi::kMremapMaymove | abi::kMremapFixed,
                     VirtAddr(to))
                .value,
            static_cast<int64_t>(to));
  EXPECT_TRUE(nowhere(pid, kBase));
  EXPECT_EQ(load(1, to), 7);
}

TEST_P(NoStale, MadviseDontneed) {
  share_page();
  ASSERT_EQ(k.madvise(VirtAddr(kBase), 0x1000, abi::kMadvDontneed).value, 0);
  EXPECT_TRUE(nowhere(pid, kBase));
  EXPECT_EQ(load(2, kBase), 0);
}

TEST_P(NoStale, CowAfterFork) {
  share_page();
  const Pid child = k.fork().value;
  ASSERT_GT(child, 0);
  // dup_mmap's flush_tlb_mm: the writable entries are gone everywhere.
  EXPECT_TRUE(nowhere(pid, kBase));
  EXPECT_EQ(store(1, kBase, 9), FaultOutcome::kRetry);  // the thread on CPU 1 copies
  k.set_cpu(2);
  k.mm().switch_to(child);
  EXPECT_EQ(load(2, kBase), 7);
  EXPECT_EQ(load(0, kBase), 9);
}

TEST_P(NoStale, MunmapAfterMigration) {
  share_page();
  k.mm().switch_to(t[0]);  // t[0] migrates from CPU 1 to CPU 0; CPU 1 still caches the page
  EXPECT_EQ(k.mm().current_on(1), 0);
  ASSERT_EQ(k.munmap(VirtAddr(kBase), 0x2000).value, 0);
  EXPECT_TRUE(nowhere(pid, kBase));
}

INSTANTIATE_TEST_SUITE_P(Shootdown, NoStale,
                         ::testing::Values(TlbShootdown::kBroadcast, TlbShootdown::kIpi),
                         [](const auto& info) {
                           return std::string(info.param == TlbShootdown::kIpi ? "Ipi"
                                                                               : "Broadcast");
                         });

}  // namespace
}  // namespace mmusim::sw::test

namespace mmusim::sw::test {
namespace {

// A port that calls back into the kernel while a kernel call is in progress
// (as another core would if a kernel call waited): a logic_error, never a
// second call on half-updated state.
class ReenteringMemory : public FakePhysMemory {
 public:
  using FakePhysMemory::FakePhysMemory;
  void write(PhysAddr pa, const void* src, size_t len) override {
    if (kernel) {
      Kernel* k = kernel;
      kernel = nullptr;
      try {
        k->munmap(VirtAddr(kBase), 0x1000);
      } catch (const std::logic_error& e) {
        error = e.what();
      }
      // Switching the CPU under the call would make it go on as another CPU's.
      try {
        k->set_cpu(0);
      } catch (const std::logic_error& e) {
        set_cpu_error = e.what();
      }
    }
    FakePhysMemory::write(pa, src, len);
  }
  Kernel* kernel = nullptr;
  std::string error;
  std::string set_cpu_error;
};

TEST(KernelGuard, AKernelCallEnteredDuringAnotherIsALogicError) {
  const KernelParams p = small_params();
  HwLog log;
  ReenteringMemory mem(p.dram_base, p.dram_bytes, log);
  RecordingMmu mmu(log);
  Kernel k(p, mem, mmu);
  k.mm().spawn();
  mem.kernel = &k;  // the next descriptor write re-enters
  EXPECT_EQ(k.mmap(VirtAddr(kBase), 0x1000, kRw, kAnonFixed | abi::kMapPopulate, -1, 0).value,
            static_cast<int64_t>(kBase));
  EXPECT_EQ(mem.kernel, nullptr);  // it did write
  EXPECT_EQ(mem.error,
            "kernel: entered while a kernel call is in progress (a kernel call waited, or a port "
            "called back into the kernel)");
  EXPECT_EQ(mem.set_cpu_error, "kernel: set_cpu(0) while a kernel call is in progress");
  // The guard is released after the call: the next call runs.
  k.set_cpu(0);
  EXPECT_EQ(k.munmap(VirtAddr(kBase), 0x1000).value, 0);
}

}  // namespace
}  // namespace mmusim::sw::test
