// End-to-end through the whole platform: CPU port -> MMU -> walker reading
// descriptors the kernel wrote into DRAM -> fault -> kernel -> retry.
#include "system/platform.h"

#include <gtest/gtest.h>

#include <cstring>
#include <functional>

#include "model/util/config_error.h"
#include "sw/mm/address_spaces.h"
#include "tests/model/fn_workload.h"

namespace mmusim {
namespace {

using arch::AccessKind;
using namespace sw::abi;

constexpr uint64_t kVa = 0x1000'0000'0000;

using test::FnWorkload;

// Walks the current tables in DRAM by hand (what the hardware would see).
uint64_t leaf_descriptor(Platform& p, uint64_t va) {
  uint64_t table = p.mmu.ttbr0().value();
  for (int level = 0; level <= 3; ++level) {
    const uint64_t raw =
        p.phys.read64(PhysAddr(table + arch::table_index(VirtAddr(va), level) * 8));
    const arch::Descriptor d(raw);
    if (d.type(level) != arch::DescType::kTable) return raw;
    table = d.output_address().value();
  }
  return 0;
}

TEST(Platform, AGeometryNeedingMoreHostMemoryThanThereIsNamesItsLargestKey) {
  PlatformParams p;
  const HostMemory plenty{uint64_t{1} << 40, "test"};
  EXPECT_NO_THROW(check_host_memory(p, plenty));
  p.mmu.l2_tlb.entries = p.mmu.l2_tlb.ways = 1 << 20;
  EXPECT_NO_THROW(check_host_memory(p, plenty));
  try {
    check_host_memory(p, HostMemory{64 << 20, "a test limit"});
    FAIL() << "no error";
  } catch (const util::ConfigError& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.rfind("mmu.l2_tlb.entries: the TLB's entries need ", 0), 0u) << what;
    EXPECT_NE(what.find("more than the 64.0 MiB this host has (a test limit)"), std::string::npos)
        << what;
  }
  // The default platform needs far less than the smallest limit here.
  EXPECT_NO_THROW(check_host_memory(PlatformParams{}, HostMemory{16 << 20, "test"}));
}

// Each core has its own L1s, L2 and TLBs: 64 cores need 64 times their host memory (the LLC
// once), and a limit one core's share fits in is refused naming the key and cpu.cores.
TEST(Platform, PerCorePartsCountOncePerCoreInTheHostMemoryCheck) {
  PlatformParams p;
  p.l2_enable = true;
  p.llc_enable = true;
  p.mmu.l2_tlb.entries = p.mmu.l2_tlb.ways = 1 << 16;
  const std::vector<HostMemoryPart> one = host_memory_parts(p);
  p.cores = 64;
  const std::vector<HostMemoryPart> many = host_memory_parts(p);
  ASSERT_EQ(one.size(), many.size());
  for (size_t i = 0; i < one.size(); ++i)
    EXPECT_EQ(many[i].bytes, one[i].bytes * (one[i].key == "llc.size" ? 1 : 64)) << one[i].key;
  uint64_t tlb = 0;
  for (const HostMemoryPart& part : one)
    if (part.key == "mmu.l2_tlb.entries") tlb = part.bytes;
  ASSERT_GT(tlb, 0u);
  try {
    check_host_memory(p, HostMemory{tlb * 4, "a test limit"});
    FAIL() << "no error";
  } catch (const util::ConfigError& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.rfind("mmu.l2_tlb.entries: the TLB's entries on each of 64 cores (cpu.cores) "
                         "need ",
                         0),
              0u)
        << what;
  }
}

TEST(Platform, FaultRetryRoundTrip) {
  Platform p("top");
  uint64_t stored_pa = 0;
  FnWorkload w([&](CpuPort& cpu) {
    const sw::SyscallResult r = kernel_of(cpu).mmap(VirtAddr(kVa), 0x4000, kProtRead | kProtWrite,
                                                    kMapPrivate | kMapAnonymous | kMapFixed, -1, 0);
    ASSERT_EQ(r.value, static_cast<int64_t>(kVa));
    cpu.charge(r.cost);

    uint8_t v = 0x5a;
    const Cycles t0 = cpu.now();
    ASSERT_EQ(cpu.access(AccessKind::kWrite, VirtAddr(kVa + 0x10), 1, &v), AccessOutcome::kOk);
    const Cycles first = cpu.now() - t0;
    EXPECT_EQ(cpu.stats().faults, 1u);  // translation fault, handled, retried
    EXPECT_EQ(p.mmu.stats().faults_by_kind[static_cast<int>(arch::FaultKind::kTranslation)], 1u);
    EXPECT_EQ(kernel_of(cpu).stats().page_faults, 1u);
    EXPECT_GT(cpu.stats().kernel_cycles, 0u);

    // The kernel wrote a valid page descriptor; the store landed in its frame.
    const arch::Descriptor leaf(leaf_descriptor(p, kVa));
    ASSERT_EQ(leaf.type(3), arch::DescType::kPage);
    EXPECT_EQ(leaf.ap(), arch::Ap::kRw);
    stored_pa = leaf.output_address().value() + 0x10;
    uint8_t in_dram = 0;
    p.phys.read(PhysAddr(stored_pa), &in_dram, 1);
    EXPECT_EQ(in_dram, 0x5a);

    // Second access: TLB hit, no fault, much faster.
    uint8_t back = 0;
    const Cycles t1 = cpu.now();
    ASSERT_EQ(cpu.access(AccessKind::kRead, VirtAddr(kVa + 0x10), 1, &back), AccessOutcome::kOk);
    const Cycles second = cpu.now() - t1;
    EXPECT_EQ(back, 0x5a);
    EXPECT_EQ(cpu.stats().faults, 1u);
    EXPECT_EQ(p.mmu.l1_dtlb().stats().hits, 1u);
    // L1 DTLB hit + L1D hit, with the defaults.
    EXPECT_EQ(second, Cycles(p.params().mmu.l1_dtlb.hit_latency_cycles +
                             p.params().l1d.hit_latency_cycles));
    EXPECT_GT(first.count(), second.count() + cpu.stats().kernel_cycles - r.cost.cycles.count());
  });
  p.run(w);
  EXPECT_TRUE(p.cpu.finished());
}

TEST(Platform, AccessOutsideAnyVmaIsSigsegvWithoutRetryLoop) {
  Platform p("top");
  FnWorkload w([&](CpuPort& cpu) {
    uint8_t v = 0;
    EXPECT_EQ(cpu.access(AccessKind::kRead, VirtAddr(kVa), 1, &v), AccessOutcome::kSigsegv);
    EXPECT_EQ(cpu.stats().faults, 1u);
    EXPECT_EQ(cpu.stats().sigsegv, 1u);
  });
  p.run(w);
}

TEST(Platform, WriteToReadOnlyMappingIsSigsegvAfterPermissionFault) {
  Platform p("top");
  FnWorkload w([&](CpuPort& cpu) {
    kernel_of(cpu).mmap(VirtAddr(kVa), 0x1000, kProtRead, kMapPrivate | kMapAnonymous | kMapFixed,
                        -1, 0);
    uint8_t v = 1;
    EXPECT_EQ(cpu.access(AccessKind::kRead, VirtAddr(kVa), 1, &v), AccessOutcome::kOk);
    EXPECT_EQ(v, 0);  // zero-fill on demand
    EXPECT_EQ(cpu.access(AccessKind::kWrite, VirtAddr(kVa), 1, &v), AccessOutcome::kSigsegv);
    EXPECT_EQ(p.mmu.stats().faults_by_kind[static_cast<int>(arch::FaultKind::kPermission)], 1u);
  });
  p.run(w);
}

TEST(Platform, UnalignedAccessAcrossPagesTranslatesBothPages) {
  Platform p("top");
  FnWorkload w([&](CpuPort& cpu) {
    kernel_of(cpu).mmap(VirtAddr(kVa), 0x2000, kProtRead | kProtWrite,
                        kMapPrivate | kMapAnonymous | kMapFixed, -1, 0);
    uint8_t in[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    ASSERT_EQ(cpu.access(AccessKind::kWrite, VirtAddr(kVa + 0xffd), 8, in), AccessOutcome::kOk);
    uint8_t out[8] = {};
    ASSERT_EQ(cpu.access(AccessKind::kRead, VirtAddr(kVa + 0xffd), 8, out), AccessOutcome::kOk);
    EXPECT_EQ(0, std::memcmp(in, out, 8));
    EXPECT_EQ(cpu.stats().split_accesses, 2u);
  });
  p.run(w);
}

TEST(Platform, SwitchingProcessesKeepsOtherAsidsTlbEntries) {
  Platform p("top");
  FnWorkload w([&](CpuPort& cpu) {
    sw::Kernel& k = kernel_of(cpu);
    const sw::Pid a = k.mm().spawn();
    const sw::Pid b = k.mm().spawn();
    k.mm().switch_to(a);
    k.mmap(VirtAddr(kVa), 0x1000, kProtRead | kProtWrite, kMapPrivate | kMapAnonymous | kMapFixed,
           -1, 0);
    uint8_t v = 0xa1;
    ASSERT_EQ(cpu.access(AccessKind::kWrite, VirtAddr(kVa), 1, &v), AccessOutcome::kOk);
    k.mm().switch_to(b);
    k.mmap(VirtAddr(kVa), 0x1000, kProtRead | kProtWrite, kMapPrivate | kMapAnonymous | kMapFixed,
           -1, 0);
    v = 0xb2;
    ASSERT_EQ(cpu.access(AccessKind::kWrite, VirtAddr(kVa), 1, &v), AccessOutcome::kOk);
    k.mm().switch_to(a);
    const uint64_t hits = p.mmu.l1_dtlb().stats().hits;
    ASSERT_EQ(cpu.access(AccessKind::kRead, VirtAddr(kVa), 1, &v), AccessOutcome::kOk);
    EXPECT_EQ(v, 0xa1);                                 // A's own data
    EXPECT_EQ(p.mmu.l1_dtlb().stats().hits, hits + 1);  // still cached under A's ASID
  });
  p.run(w);
}

TEST(Platform, StoreToUndecodedPhysicalAddressIsBusError) {
  // A device register block mapped by hand with a descriptor pointing at a
  // hole in the physical map: the bus answers with an address error.
  Platform p("top");
  FnWorkload w([&](CpuPort& cpu) {
    uint8_t v = 0;
    kernel_of(cpu).mmap(VirtAddr(kVa), 0x1000, kProtRead | kProtWrite,
                        kMapPrivate | kMapAnonymous | kMapFixed, -1, 0);
    ASSERT_EQ(cpu.access(AccessKind::kWrite, VirtAddr(kVa), 1, &v), AccessOutcome::kOk);
    // Repoint the leaf at an undecoded physical page, then flush it.
    uint64_t table = p.mmu.ttbr0().value();
    for (int level = 0; level < 3; ++level)
      table = arch::Descriptor(
                  p.phys.read64(PhysAddr(table + arch::table_index(VirtAddr(kVa), level) * 8)))
                  .output_address()
                  .value();
    const PhysAddr slot(table + arch::table_index(VirtAddr(kVa), 3) * 8);
    arch::PageAttrs a = arch::Descriptor(p.phys.read64(slot)).page_attrs();
    p.phys.write64(slot, arch::Descriptor::make_page(PhysAddr(0x2000'0000), a).raw());
    p.mmu.tlbi_va_asid(VirtAddr(kVa), p.mmu.asid());
    EXPECT_EQ(cpu.access(AccessKind::kWrite, VirtAddr(kVa), 1, &v), AccessOutcome::kSigbus);
    EXPECT_EQ(p.bus.stats().decode_errors, 1u);
  });
  p.run(w);
}

// Four loads to cold lines of one mapped page (TLB hits, L1D misses).
Cycles four_cold_loads(unsigned window, unsigned mshrs) {
  PlatformParams pp;
  pp.cpu.window = window;
  pp.l1d.mshrs = mshrs;
  Platform p("top", pp);
  Cycles elapsed;
  FnWorkload w([&](CpuPort& cpu) {
    kernel_of(cpu).mmap(VirtAddr(kVa), 0x1000, kProtRead | kProtWrite,
                        kMapPrivate | kMapAnonymous | kMapFixed, -1, 0);
    uint8_t v = 1;
    ASSERT_EQ(cpu.access(AccessKind::kWrite, VirtAddr(kVa), 1, &v), AccessOutcome::kOk);
    cpu.drain();
    const Cycles start = cpu.now();
    for (uint64_t line = 1; line <= 4; ++line)
      ASSERT_EQ(cpu.access(AccessKind::kRead, VirtAddr(kVa + 64 * line), 1, &v),
                AccessOutcome::kOk);
    cpu.drain();
    elapsed = cpu.now() - start;
  });
  p.run(w);
  return elapsed;
}

// Defaults: L1 DTLB 1, L1D 4, bus 8, DRAM 120: a cold load takes 133 cycles.
TEST(Platform, BlockingCoreSerialisesMisses) {
  EXPECT_EQ(four_cold_loads(1, 8), Cycles(4 * 133));
}

TEST(Platform, WindowOverlapsIndependentMisses) {
  // Issued at cycles 0, 1, 2, 3; each completes 133 cycles later.
  EXPECT_EQ(four_cold_loads(4, 8), Cycles(3 + 133));
}

TEST(Platform, MshrsLimitTheOverlap) {
  // Loads 3 and 4 reach the L1D at cycles 7 and 8 and wait for the MSHRs
  // freed at 133 and 134, then fill (8 + 120): done at 261 and 262.
  EXPECT_EQ(four_cold_loads(4, 2), Cycles(262));
}

TEST(Platform, AccessDuringAWalkOfItsPageWaitsInsteadOfWalkingAgain) {
  PlatformParams pp;
  pp.cpu.window = 4;
  Platform p("top", pp);
  FnWorkload w([&](CpuPort& cpu) {
    kernel_of(cpu).mmap(VirtAddr(kVa), 0x1000, kProtRead | kProtWrite,
                        kMapPrivate | kMapAnonymous | kMapFixed, -1, 0);
    uint8_t v = 1;
    ASSERT_EQ(cpu.access(AccessKind::kWrite, VirtAddr(kVa), 1, &v), AccessOutcome::kOk);
    p.mmu.tlbi_all();  // the tables stay in the L1D; TLBs and walk caches are empty
    cpu.drain();
    const uint64_t walks = p.mmu.walker.stats().walks;
    const Cycles start = cpu.now();
    cpu.access(AccessKind::kRead, VirtAddr(kVa + 64), 1, &v);   // walks
    cpu.access(AccessKind::kRead, VirtAddr(kVa + 128), 1, &v);  // same page, one cycle later
    cpu.drain();
    EXPECT_EQ(p.mmu.walker.stats().walks, walks + 1);
    EXPECT_EQ(p.mmu.stats().hits_under_walk, 1u);
    // First: L1 TLB 1 + L2 TLB 8 + walk (walk cache 1 + 4 x (step 2 + L1D hit 4)) = 34,
    // then a cold line (4 + 8 + 120): 166. The second waits for the walk until
    // 34, then misses on its own line in parallel: also done at 166.
    EXPECT_EQ(cpu.now() - start, Cycles(166));
  });
  p.run(w);
}

TEST(Platform, FetchesUseTheL1iAndDescriptorReadsTheL1d) {
  Platform p("top");
  FnWorkload w([&](CpuPort& cpu) {
    kernel_of(cpu).mmap(VirtAddr(kVa), 0x1000, kProtRead | kProtExec,
                        kMapPrivate | kMapAnonymous | kMapFixed, -1, 0);
    uint8_t insn[4] = {};
    ASSERT_EQ(cpu.access(AccessKind::kFetch, VirtAddr(kVa), 4, insn), AccessOutcome::kOk);
    ASSERT_EQ(cpu.access(AccessKind::kFetch, VirtAddr(kVa + 4), 4, insn), AccessOutcome::kOk);
  });
  p.run(w);
  const CacheStats& i = p.l1i.stats();
  EXPECT_EQ(i.by_requester[static_cast<int>(Requester::kCpu)].misses, 1u);
  EXPECT_EQ(i.by_requester[static_cast<int>(Requester::kCpu)].hits, 1u);
  EXPECT_EQ(i.by_requester[static_cast<int>(Requester::kWalker)].hits +
                i.by_requester[static_cast<int>(Requester::kWalker)].misses,
            0u);
  const CacheStats& d = p.l1d.stats();
  EXPECT_EQ(d.by_requester[static_cast<int>(Requester::kCpu)].hits +
                d.by_requester[static_cast<int>(Requester::kCpu)].misses,
            0u);
  // Two walks (the first faults), four levels each, no walk-cache hits yet
  // on the first: the descriptor reads went to the L1D.
  EXPECT_GT(d.by_requester[static_cast<int>(Requester::kWalker)].misses, 0u);
}

TEST(Platform, PerAccessCountsCountEachAccessOnce) {
  Platform p("top");
  FnWorkload w([&](CpuPort& cpu) {
    kernel_of(cpu).mmap(VirtAddr(kVa), 0x2000, kProtRead | kProtWrite,
                        kMapPrivate | kMapAnonymous | kMapFixed, -1, 0);
    uint8_t v[16] = {};
    // Crosses the page: each page's translation faults once (two L1 DTLB
    // misses each, before and after the fault) and each page's line misses.
    ASSERT_EQ(cpu.access(AccessKind::kWrite, VirtAddr(kVa + 0xffd), 8, v), AccessOutcome::kOk);
    // Crosses two cold lines of a mapped page: TLB hit, two line misses.
    ASSERT_EQ(cpu.access(AccessKind::kRead, VirtAddr(kVa + 0x3c), 8, v), AccessOutcome::kOk);
    // A 16-byte read-modify-write inside a cached line: a read that hits.
    ASSERT_EQ(cpu.modify(VirtAddr(kVa + 0x10), 16, v), AccessOutcome::kOk);
  });
  p.run(w);
  const CpuPortStats& s = p.cpu.stats();
  EXPECT_EQ(s.accesses, 3u);
  EXPECT_EQ(s.stores, 2u);
  EXPECT_EQ(s.modifies, 1u);
  EXPECT_EQ(s.per_write.accesses, 1u);
  EXPECT_EQ(s.per_write.l1_tlb_misses, 1u);
  EXPECT_EQ(s.per_write.l1_cache_misses, 1u);
  EXPECT_EQ(s.per_read.accesses, 2u);
  EXPECT_EQ(s.per_read.l1_tlb_misses, 0u);
  EXPECT_EQ(s.per_read.l1_cache_misses, 1u);
  // The L2 TLB likewise: the write missed it once, its fault retries are not counted.
  EXPECT_EQ(s.per_write.l2_tlb_misses, 1u);
  EXPECT_EQ(s.per_read.l2_tlb_misses, 0u);
  EXPECT_EQ(s.per_fetch.l2_tlb_misses, 0u);
  EXPECT_EQ(p.mmu.l2_tlb().stats().misses, 4u);
  // Raw lookups: 4 L1 DTLB misses, then hits for the read and the modify.
  EXPECT_EQ(p.mmu.l1_dtlb().stats().misses, 4u);
  EXPECT_EQ(p.mmu.l1_dtlb().stats().hits, 2u);
  const CacheRequesterStats& cpu_lines = p.l1d.stats().by_requester[0];
  EXPECT_EQ(cpu_lines.misses, 4u);
  EXPECT_EQ(cpu_lines.hits, 1u);
}

}  // namespace
}  // namespace mmusim
