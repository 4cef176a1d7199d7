// Swap, reclaim and the OOM killer on fake hardware, with the block device
// core driven through its registers (tests/sw/swap_hw.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "model/ports/block_device_regs.h"
#include "sw/mm/address_spaces.h"
#include "sw/reclaim/reclaim.h"
#include "tests/sw/kernel_fixture.h"
#include "tests/sw/swap_hw.h"

namespace mmusim::sw::test {
namespace {

using namespace blk;

// ---- the device core ----

struct CoreRig {
  HwLog log;
  FakePhysMemory mem{PhysAddr(0x4000'0000), 1 << 20, log};
  FakeDma dma{mem};
  BlockDeviceCore dev{BlockDeviceParams{64 * 1024, 100, 700}, dma};
};

TEST(BlockDeviceCore, CommandRunsOnceAndIrqStatusClearsOnRead) {
  CoreRig r;
  EXPECT_EQ(r.dev.reg_read(kRegId), kBlkId);
  EXPECT_EQ(r.dev.reg_read(kRegCapacity), 128u);
  EXPECT_EQ(r.dev.reg_read(kRegStatus), kStatusIdle);
  r.dev.reg_write(kRegSector, 8);
  r.dev.reg_write(kRegDmaAddr, 0x4000'1000);
  r.dev.reg_write(kRegLength, 4096);
  r.dev.reg_write(kRegCommand, kCmdWrite);
  EXPECT_EQ(r.dev.stats().writes, 1u);  // one write of COMMAND: one command
  EXPECT_EQ(r.dev.reg_read(kRegCompleted), 1u);
  EXPECT_EQ(r.dev.reg_read(kRegLastCycles), 700u);
  EXPECT_EQ(r.dev.reg_read(kRegIrqStatus), 1u);
  EXPECT_EQ(r.dev.reg_read(kRegIrqStatus), 0u);  // read-to-clear
  // Reading the other registers has no side effect.
  EXPECT_EQ(r.dev.reg_read(kRegStatus), kStatusOk);
  EXPECT_EQ(r.dev.reg_read(kRegStatus), kStatusOk);
  EXPECT_EQ(r.dev.stats().writes, 1u);
  EXPECT_EQ(r.dev.stats().reads, 0u);
  r.dev.reg_write(kRegCommand, kCmdRead);
  r.dev.reg_write(kRegCommand, kCmdRead);
  EXPECT_EQ(r.dev.stats().reads, 2u);
  EXPECT_EQ(r.dev.reg_read(kRegIrqStatus), 2u);
  EXPECT_EQ(r.dev.reg_read(kRegLastCycles), 100u);
}

TEST(BlockDeviceCore, DmaMovesBytesBothWaysAndBadCommandsFail) {
  CoreRig r;
  for (uint64_t i = 0; i < 4096; ++i) {
    const uint8_t v = static_cast<uint8_t>(i * 7 + 3);
    r.mem.write(PhysAddr(0x4000'2000 + i), &v, 1);
  }
  r.dev.reg_write(kRegSector, 16);
  r.dev.reg_write(kRegDmaAddr, 0x4000'2000);
  r.dev.reg_write(kRegLength, 4096);
  r.dev.reg_write(kRegCommand, kCmdWrite);
  ASSERT_EQ(r.dev.reg_read(kRegStatus), kStatusOk);
  EXPECT_EQ(r.dev.byte_at(16 * 512 + 5), static_cast<uint8_t>(5 * 7 + 3));
  r.dev.reg_write(kRegDmaAddr, 0x4000'5000);
  r.dev.reg_write(kRegCommand, kCmdRead);
  ASSERT_EQ(r.dev.reg_read(kRegStatus), kStatusOk);
  for (uint64_t i = 0; i < 4096; ++i)
    ASSERT_EQ(r.mem.byte(PhysAddr(0x4000'5000 + i)), static_cast<uint8_t>(i * 7 + 3)) << i;
  // Past the end, a bad length, an unknown command, a DMA address outside DRAM.
  r.dev.reg_write(kRegSector, 127);
  r.dev.reg_write(kRegCommand, kCmdRead);
  EXPECT_EQ(r.dev.reg_read(kRegStatus), kStatusError);
  r.dev.reg_write(kRegSector, 0);
  r.dev.reg_write(kRegLength, 100);
  r.dev.reg_write(kRegCommand, kCmdRead);
  EXPECT_EQ(r.dev.reg_read(kRegStatus), kStatusError);
  r.dev.reg_write(kRegLength, 512);
  r.dev.reg_write(kRegCommand, 9);
  EXPECT_EQ(r.dev.reg_read(kRegStatus), kStatusError);
  r.dev.reg_write(kRegDmaAddr, 0x1000);
  r.dev.reg_write(kRegCommand, kCmdRead);
  EXPECT_EQ(r.dev.reg_read(kRegStatus), kStatusError);
  EXPECT_EQ(r.dev.stats().errors, 4u);
  EXPECT_EQ(r.dev.reg_read(kRegLastCycles), 0u);
}

// ---- the kernel ----

constexpr int kPageout = abi::kMadvPageout;

size_t count_tlbi(const HwLog& log, uint64_t va, uint16_t asid) {
  return static_cast<size_t>(
      std::count(log.begin(), log.end(), HwEvent{HwEvent::Kind::kTlbiVaAsid, va, 0, asid}));
}

TEST(Swap, PageoutWritesThePageAndAMajorFaultReadsItBack) {
  SwapRig r(4 << 20, 1 << 20);
  const Pid pid = r.k.mm().spawn();
  ASSERT_EQ(r.k.mmap(VirtAddr(kBase), 0x2000, kRw, kAnonFixed, -1, 0).value,
            static_cast<int64_t>(kBase));
  ASSERT_EQ(r.cpu.store(kBase + 1, 0x11), FaultOutcome::kRetry);
  ASSERT_EQ(r.cpu.store(kBase + 4095, 0x22), FaultOutcome::kRetry);
  const uint64_t dev_reads0 = r.io.reads, dev_writes0 = r.io.writes;
  r.log.clear();
  ASSERT_EQ(r.k.madvise(VirtAddr(kBase), 0x2000, kPageout).value, 0);
  EXPECT_EQ(r.k.stats().pswpout, 1u);
  EXPECT_EQ(r.k.stats().swap_pages, 1u);
  EXPECT_EQ(r.dev.stats().writes, 1u);
  // The driver: SECTOR, DMA_ADDR, LENGTH, COMMAND written; IRQ_STATUS,
  // STATUS, LAST_CYCLES read: each once per page; the first use of swap
  // probes ID and CAPACITY too.
  EXPECT_EQ(r.io.writes - dev_writes0, 4u);
  EXPECT_EQ(r.io.reads - dev_reads0, 5u);
  // TLBI VAE1 (VA + ASID) once, removing the translation before the page
  // went (PAGEOUT does not clear the access flag first, Linux 6.18).
  EXPECT_EQ(count_tlbi(r.log, kBase, r.k.mm().asid(pid).value()), 1u);
  EXPECT_EQ(walk(r.mem, r.k.mm().page_table_root(pid), VirtAddr(kBase)).fault,
            arch::FaultKind::kTranslation);
  const auto smaps = r.k.mm().smaps();
  ASSERT_EQ(smaps.size(), 1u);
  EXPECT_EQ(smaps[0].swap_kb, 4u);
  EXPECT_EQ(smaps[0].swap_pss_kb, 4u);
  EXPECT_EQ(smaps[0].rss_kb, 0u);
  // The read back: a major fault charged with the device's read time.
  const TestCpu::Result res = r.cpu.access(VirtAddr(kBase + 1), arch::AccessKind::kRead);
  ASSERT_EQ(res.outcome, FaultOutcome::kRetry);
  EXPECT_EQ(res.faults, 1);
  EXPECT_GE(res.cost.cycles.count(), 50'000u);
  EXPECT_LT(res.cost.cycles.count(), 60'000u);
  EXPECT_EQ(r.k.stats().pswpin, 1u);
  EXPECT_EQ(r.k.stats().pgmajfault, 1u);
  EXPECT_EQ(r.cpu.load(kBase + 1), 0x11);
  EXPECT_EQ(r.cpu.load(kBase + 4095), 0x22);
  EXPECT_EQ(r.cpu.load(kBase + 2), 0);
  // Read back exclusively: writable-clean (DBM, AP[2] set), in the swap cache.
  const Walk w = walk(r.mem, r.k.mm().page_table_root(pid), VirtAddr(kBase));
  EXPECT_TRUE(w.leaf.page_attrs().dbm);
  EXPECT_EQ(w.leaf.page_attrs().ap, arch::Ap::kRo);
  EXPECT_EQ(r.k.stats().swap_cache_pages, 1u);
  // A second pageout needs no write: the slot still holds the page.
  ASSERT_EQ(r.k.madvise(VirtAddr(kBase), 0x1000, kPageout).value, 0);
  EXPECT_EQ(r.k.stats().pswpout, 1u);
  EXPECT_EQ(r.cpu.load(kBase + 1), 0x11);
  // A store dirties it through the software dirty fault; the next pageout writes.
  ASSERT_EQ(r.cpu.store(kBase + 1, 0x33), FaultOutcome::kRetry);
  EXPECT_EQ(r.k.stats().dirty_faults, 1u);
  ASSERT_EQ(r.k.madvise(VirtAddr(kBase), 0x1000, kPageout).value, 0);
  EXPECT_EQ(r.k.stats().pswpout, 2u);
  EXPECT_EQ(r.cpu.load(kBase + 1), 0x33);
  EXPECT_EQ(r.cpu.load(kBase + 4095), 0x22);
}

TEST(Swap, ForkSharesSwapEntriesAndEachSideKeepsItsData) {
  SwapRig r(4 << 20, 1 << 20);
  const Pid parent = r.k.mm().spawn();
  ASSERT_GT(r.k.mmap(VirtAddr(kBase), 0x1000, kRw, kAnonFixed, -1, 0).value, 0);
  ASSERT_EQ(r.cpu.store(kBase, 0x5a), FaultOutcome::kRetry);
  ASSERT_EQ(r.k.madvise(VirtAddr(kBase), 0x1000, kPageout).value, 0);
  const SyscallResult f = r.k.fork();
  ASSERT_GT(f.value, 0);
  const Pid child = static_cast<Pid>(f.value);
  {
    const auto s = r.k.mm().smaps();
    EXPECT_EQ(s[0].swap_kb, 4u);
    EXPECT_EQ(s[0].swap_pss_kb, 2u);  // the slot is shared by two entries
  }
  ASSERT_EQ(r.cpu.store(kBase, 0x77), FaultOutcome::kRetry);  // parent: swap-in + copy
  EXPECT_EQ(r.k.stats().cow_copies, 1u);
  r.k.mm().switch_to(child);
  EXPECT_EQ(r.cpu.load(kBase), 0x5a);  // from the swap cache: no second device read
  EXPECT_EQ(r.k.stats().pswpin, 1u);
  r.k.mm().switch_to(parent);
  EXPECT_EQ(r.cpu.load(kBase), 0x77);
  // munmap in both frees the slot.
  ASSERT_EQ(r.k.munmap(VirtAddr(kBase), 0x1000).value, 0);
  r.k.mm().switch_to(child);
  ASSERT_EQ(r.k.madvise(VirtAddr(kBase), 0x1000, kPageout).value, 0);  // back to swap
  EXPECT_EQ(r.k.stats().swap_pages, 1u);
  ASSERT_EQ(r.k.munmap(VirtAddr(kBase), 0x1000).value, 0);
  EXPECT_EQ(r.k.stats().swap_pages, 0u);
}

TEST(Swap, MremapMovesSwapEntries) {
  SwapRig r(4 << 20, 1 << 20);
  r.k.mm().spawn();
  ASSERT_GT(r.k.mmap(VirtAddr(kBase), 0x3000, kRw, kAnonFixed, -1, 0).value, 0);
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(r.cpu.store(kBase + i * 0x1000 + 9, static_cast<uint8_t>(0x40 + i)),
              FaultOutcome::kRetry);
  ASSERT_EQ(r.k.madvise(VirtAddr(kBase), 0x3000, kPageout).value, 0);
  EXPECT_EQ(r.k.stats().pswpout, 3u);
  const uint64_t to = kBase + 0x100'0000;
  ASSERT_EQ(r.k.mremap(VirtAddr(kBase), 0x3000, 0x3000, abi::kMremapMaymove | abi::kMremapFixed,
                       VirtAddr(to))
                .value,
            static_cast<int64_t>(to));
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(r.cpu.load(to + i * 0x1000 + 9), 0x40 + i);
  EXPECT_EQ(r.k.stats().pswpin, 3u);
  ASSERT_EQ(r.k.munmap(VirtAddr(to), 0x3000).value, 0);
  EXPECT_EQ(r.k.stats().swap_pages, 0u);
}

// Stores a random byte into every `step`th of the want.size() pages from
// `base` (at offset i % 4096 of page i), recording it in `want`.
::testing::AssertionResult store_pages(SwapRig& r, uint64_t base, std::vector<uint8_t>& want,
                                       std::mt19937_64& rng, uint64_t step = 1) {
  for (uint64_t i = 0; i < want.size(); i += step) {
    want[i] = static_cast<uint8_t>(rng());
    if (r.cpu.store(base + i * 4096 + (i % 4096), want[i]) != FaultOutcome::kRetry)
      return ::testing::AssertionFailure() << "store to page " << i << " failed";
  }
  return ::testing::AssertionSuccess();
}

// The pages written by store_pages still hold `want`.
::testing::AssertionResult pages_hold(SwapRig& r, uint64_t base, const std::vector<uint8_t>& want) {
  for (uint64_t i = 0; i < want.size(); ++i) {
    const auto got = r.cpu.load(base + i * 4096 + (i % 4096));
    if (!got || *got != want[i])
      return ::testing::AssertionFailure()
             << "page " << i << " reads " << (got ? int(*got) : -1) << ", want " << int(want[i]);
  }
  return ::testing::AssertionSuccess();
}

TEST(Swap, ReclaimUnderPressureKeepsEveryByte) {
  // 1 MiB of memory (256 frames), 8 MiB of swap, 3 MiB of data in two
  // processes that share half of it after fork.
  SwapRig r(1 << 20, 8 << 20);
  const Pid a = r.k.mm().spawn();
  constexpr uint64_t kPages = 384;
  ASSERT_GT(r.k.mmap(VirtAddr(kBase), kPages * 4096, kRw, kAnonFixed, -1, 0).value, 0);
  std::mt19937_64 rng(7);
  std::vector<uint8_t> want_a(kPages);
  ASSERT_TRUE(store_pages(r, kBase, want_a, rng));
  const SyscallResult f = r.k.fork();
  ASSERT_GT(f.value, 0);
  const Pid b = static_cast<Pid>(f.value);
  std::vector<uint8_t> want_b = want_a;
  r.k.mm().switch_to(b);
  ASSERT_TRUE(store_pages(r, kBase, want_b, rng, 2));
  ASSERT_TRUE(pages_hold(r, kBase, want_b));
  r.k.mm().switch_to(a);
  ASSERT_TRUE(pages_hold(r, kBase, want_a));
  const KernelStats& s = r.k.stats();
  EXPECT_GT(s.pswpout, kPages);
  EXPECT_GT(s.pswpin, 0u);
  EXPECT_GT(s.pgsteal_kswapd + s.pgsteal_direct, 0u);
  EXPECT_GE(s.pgscan_kswapd + s.pgscan_direct, s.pgsteal_kswapd + s.pgsteal_direct);
  EXPECT_EQ(s.oom_kills, 0u);
  EXPECT_LE(s.frames_in_use, 256u);
}

TEST(Swap, ContpteFoliosAreOnTheLruAndReclaimedUnfoldedUnderPressure) {
  // kernel.contpte: write faults map 64 KB folios. 4 MiB of them in 1 MiB
  // of memory must go to swap (each run unfolded, then 4 KB pages reclaimed,
  // as Linux splits a large folio it cannot swap whole), not stay pinned
  // until the OOM killer takes the process.
  KernelParams kp = SwapRig::make(1 << 20, 16 << 20, 64 << 20, 0);
  kp.contpte = true;
  SwapRig r(kp);
  r.k.mm().spawn();
  constexpr uint64_t kPages = 1024;
  ASSERT_GT(r.k.mmap(VirtAddr(kBase), kPages * 4096, kRw, kAnonFixed, -1, 0).value, 0);
  // The first store of the first run maps a folded 64 KB folio.
  ASSERT_EQ(r.cpu.store(kBase + 5, 1), FaultOutcome::kRetry);
  EXPECT_EQ(r.k.stats().mapped_cont_ptes, 16u);
  EXPECT_EQ(r.k.stats().anon_pages_allocated, 16u);
  for (uint64_t i = 0; i < kPages; ++i)
    ASSERT_EQ(r.cpu.store(kBase + i * 4096 + i % 4096, static_cast<uint8_t>(i * 13 + 1)),
              FaultOutcome::kRetry)
        << i;
  for (uint64_t i = 0; i < kPages; ++i) {
    FaultOutcome sig = FaultOutcome::kRetry;
    const auto got = r.cpu.load(kBase + i * 4096 + i % 4096, &sig);
    ASSERT_TRUE(got) << i << " signal " << static_cast<int>(sig);
    ASSERT_EQ(*got, static_cast<uint8_t>(i * 13 + 1)) << i;
  }
  EXPECT_EQ(r.k.stats().oom_kills, 0u);
  EXPECT_GT(r.k.stats().contpte_unfolds, 0u);
  EXPECT_GT(r.k.stats().pswpout, 1000u);
}

TEST(Swap, OomKillsTheLargestProcessAndTheFaultingOneGoesOn) {
  SwapRig r(1 << 20, 0);  // no swap
  const Pid big = r.k.mm().spawn();
  ASSERT_GT(r.k.mmap(VirtAddr(kBase), 1 << 20, kRw, kAnonFixed, -1, 0).value, 0);
  for (uint64_t i = 0; i < 150; ++i)
    ASSERT_EQ(r.cpu.store(kBase + i * 4096, 1), FaultOutcome::kRetry) << i;
  const Pid small = r.k.mm().spawn();
  r.k.mm().switch_to(small);
  ASSERT_GT(r.k.mmap(VirtAddr(kBase), 1 << 20, kRw, kAnonFixed, -1, 0).value, 0);
  for (uint64_t i = 0; i < 200; ++i)
    ASSERT_EQ(r.cpu.store(kBase + i * 4096, 2), FaultOutcome::kRetry) << i;
  ASSERT_EQ(r.k.reclaim().oom_kills().size(), 1u);
  const OomKill& kill = r.k.reclaim().oom_kills()[0];
  EXPECT_EQ(kill.pid, big);
  EXPECT_EQ(kill.anon_rss_kb, 600u);
  EXPECT_EQ(kill.swap_kb, 0u);
  EXPECT_EQ(kill.total_vm_kb, 1024u);
  EXPECT_EQ(kill.describe(),
            "Out of memory: Killed process " + std::to_string(big) +
                " total-vm:1024kB, anon-rss:600kB, file-rss:0kB, swap:0kB, pgtables:16kB");
  EXPECT_FALSE(r.k.mm().exists(big));
  EXPECT_EQ(r.k.stats().oom_kills, 1u);
  for (uint64_t i = 0; i < 200; ++i)
    ASSERT_EQ(r.cpu.load(kBase + i * 4096), 2) << i;
}

TEST(Swap, APopulateStopsOnceItsOwnProcessIsTheOomVictim) {
  // MAP_LOCKED pages cannot be swapped: the populate of 64 MiB runs out of
  // memory after about 1 MiB, the populating process is the victim, and no
  // page after the first failure is tried (Linux: fatal_signal_pending
  // ends __get_user_pages); it used to fail every remaining page in turn.
  SwapRig r(1 << 20, 16 << 20);
  r.k.mm().spawn();
  const int64_t got =
      r.k.mmap(VirtAddr(kBase), 64 << 20, kRw, kAnonFixed | abi::kMapLocked, -1, 0).value;
  EXPECT_EQ(got, static_cast<int64_t>(kBase));
  EXPECT_EQ(r.k.stats().oom_failures, 1u);
  ASSERT_EQ(r.k.reclaim().oom_kills().size(), 1u);
  EXPECT_EQ(r.k.mm().current(), 0);
}

TEST(Swap, APopulateKillsAnotherVictimAtOnceAndGoesOn) {
  // The locked parent is larger than the populating child when memory runs
  // out: it is killed at once and the child's populate goes on in the memory
  // it freed, until the child itself is the victim.
  SwapRig r(1 << 20, 0);
  const Pid parent = r.k.mm().spawn();
  ASSERT_GT(r.k.mmap(VirtAddr(kBase), 600 << 10, kRw, kAnonFixed | abi::kMapLocked, -1, 0).value,
            0);
  const SyscallResult f = r.k.fork();
  ASSERT_GT(f.value, 0);
  const Pid child = static_cast<Pid>(f.value);
  r.k.mm().switch_to(child);
  ASSERT_EQ(r.k.munmap(VirtAddr(kBase), 600 << 10).value, 0);
  ASSERT_GT(r.k.mmap(VirtAddr(kBase), 64 << 20, kRw, kAnonFixed | abi::kMapPopulate, -1, 0).value,
            0);
  ASSERT_EQ(r.k.reclaim().oom_kills().size(), 2u);
  EXPECT_EQ(r.k.reclaim().oom_kills()[0].pid, parent);
  EXPECT_EQ(r.k.reclaim().oom_kills()[1].pid, child);
  EXPECT_GT(r.k.reclaim().oom_kills()[1].anon_rss_kb, 900u);  // it went on in the freed memory
  EXPECT_EQ(r.k.stats().oom_failures, 2u);
}

TEST(Swap, FullSwapIsAnOomKillNotACrash) {
  SwapRig r(1 << 20, 64 << 10);  // 16 swap slots
  r.k.mm().spawn();
  ASSERT_GT(r.k.mmap(VirtAddr(kBase), 2 << 20, kRw, kAnonFixed, -1, 0).value, 0);
  FaultOutcome last = FaultOutcome::kRetry;
  uint64_t i = 0;
  for (; i < 512 && last == FaultOutcome::kRetry; ++i)
    last = r.cpu.store(kBase + i * 4096, 3);
  EXPECT_EQ(last, FaultOutcome::kKilled);
  EXPECT_EQ(r.k.mm().current(), 0);
  ASSERT_EQ(r.k.reclaim().oom_kills().size(), 1u);
  EXPECT_EQ(r.k.reclaim().oom_kills()[0].swap_kb, 64u);
  EXPECT_EQ(r.k.stats().swap_pages, 0u);  // the victim's slots were freed
  EXPECT_GT(i, 200u);
}

TEST(Swap, AgingClearsTheAccessFlagWithTlbiAndTheNextAccessFaultsToSetIt) {
  SwapRig r(4 << 20, 0);
  const Pid pid = r.k.mm().spawn();
  ASSERT_GT(r.k.mmap(VirtAddr(kBase), 0x1000, kRw, kAnonFixed, -1, 0).value, 0);
  ASSERT_EQ(r.cpu.store(kBase, 9), FaultOutcome::kRetry);
  r.log.clear();
  ASSERT_EQ(r.k.madvise(VirtAddr(kBase), 0x1000, abi::kMadvCold).value, 0);
  EXPECT_EQ(count_tlbi(r.log, kBase, r.k.mm().asid(pid).value()), 1u);
  EXPECT_EQ(walk(r.mem, r.k.mm().page_table_root(pid), VirtAddr(kBase)).fault,
            arch::FaultKind::kAccessFlag);
  const TestCpu::Result res = r.cpu.access(VirtAddr(kBase), arch::AccessKind::kRead);
  EXPECT_EQ(res.faults, 1);
  EXPECT_EQ(r.k.stats().access_flag_faults, 1u);
  EXPECT_TRUE(walk(r.mem, r.k.mm().page_table_root(pid), VirtAddr(kBase)).leaf.af());
  EXPECT_EQ(r.cpu.load(kBase), 9);
}

TEST(Swap, ImpossibleSizesAreErrorsNamingTheKey) {
  KernelParams p;
  p.phys_mem_bytes = 512 << 10;
  try {
    p.validate();
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).rfind("kernel.phys_mem: ", 0), 0u) << e.what();
  }
  p.phys_mem_bytes = 0;
  p.swap_bytes = 2048;
  try {
    p.validate();
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).rfind("kernel.swap: ", 0), 0u) << e.what();
  }
}

}  // namespace
}  // namespace mmusim::sw::test

namespace mmusim::sw::test {
namespace {

// Files on the block device, after the swap area (kernel.file_store).
TEST(FileStoreOnDevice, WritebackGoesToTheDeviceAndAMissReadsItBackTimed) {
  SwapRig r(4 << 20, 1 << 20, 64 << 20, 1 << 20);  // 256 swap pages, then 256 file pages
  r.k.mm().spawn();
  ASSERT_EQ(r.k.create_file("f", 3 * 4096).value, 0);
  ASSERT_EQ(r.k.open(3, "f", abi::kORdwr).value, 0);
  // A hole reads as zeroes without touching the device.
  uint8_t b = 1;
  ASSERT_EQ(r.k.pread(3, 5000, &b).value, 1);
  EXPECT_EQ(b, 0);
  EXPECT_EQ(r.dev.stats().reads, 0u);
  ASSERT_EQ(r.k.mmap(VirtAddr(kBase), 3 * 4096, kRw, abi::kMapShared, 3, 0).value,
            static_cast<int64_t>(kBase));
  ASSERT_EQ(r.cpu.store(kBase + 4096 + 7, 0x99), FaultOutcome::kRetry);
  const SyscallResult s = r.k.msync(VirtAddr(kBase), 3 * 4096, abi::kMsSync);
  ASSERT_EQ(s.value, 0);
  EXPECT_EQ(r.dev.stats().writes, 1u);         // the one dirty page
  EXPECT_GE(s.cost.cycles.count(), 400'000u);  // charged with the device's write time
  // On the device: the first block written is the first page after the
  // swap area (device page 256), whatever the file index.
  EXPECT_EQ(r.dev.byte_at(256 * 4096 + 7), 0x99);
  // Drop it from the cache (MADV_PAGEOUT drops a clean page), read it back.
  ASSERT_EQ(r.k.madvise(VirtAddr(kBase + 4096), 4096, abi::kMadvPageout).value, 0);
  const uint64_t reads0 = r.dev.stats().reads;
  const TestCpu::Result res = r.cpu.access(VirtAddr(kBase + 4096 + 7), arch::AccessKind::kRead);
  ASSERT_EQ(res.outcome, FaultOutcome::kRetry);
  EXPECT_EQ(r.dev.stats().reads - reads0, 1u);  // the other pages are holes: no I/O
  EXPECT_GE(res.cost.cycles.count(), 50'000u);
  EXPECT_EQ(r.cpu.load(kBase + 4096 + 7), 0x99);
}

TEST(FileStoreOnDevice, SizeBeyondTheRegionIsEnospcAndTruncateFreesBlocks) {
  SwapRig r(4 << 20, 0, 64 << 20, 16 * 4096);  // 16 file pages
  r.k.mm().spawn();
  ASSERT_EQ(r.k.create_file("a", 10 * 4096).value, 0);
  EXPECT_EQ(r.k.create_file("b", 7 * 4096).value, -28);  // ENOSPC: 10 + 7 > 16
  ASSERT_EQ(r.k.create_file("b", 6 * 4096).value, 0);
  ASSERT_EQ(r.k.open(3, "a", abi::kORdwr).value, 0);
  EXPECT_EQ(r.k.ftruncate(3, 11 * 4096).value, -28);
  EXPECT_EQ(r.k.pwrite(3, 10 * 4096, 1).value, -28);  // would extend past the room
  ASSERT_EQ(r.k.pwrite(3, 9 * 4096, 5).value, 1);
  ASSERT_EQ(r.k.ftruncate(3, 4 * 4096).value, 0);  // shrink: 6 pages come free
  ASSERT_EQ(r.k.open(4, "b", abi::kORdwr).value, 0);
  EXPECT_EQ(r.k.ftruncate(4, 12 * 4096).value, 0);
  uint8_t v = 0;
  ASSERT_EQ(r.k.pread(3, 9 * 4096, &v).value, 0);  // beyond the new end
}

}  // namespace
}  // namespace mmusim::sw::test

namespace mmusim::sw::test {
namespace {

TEST(Swap, DontneedAndExitFreeSlotsAndMprotectKeepsSwapEntries) {
  SwapRig r(4 << 20, 1 << 20);
  const Pid pid = r.k.mm().spawn();
  ASSERT_GT(r.k.mmap(VirtAddr(kBase), 0x4000, kRw, kAnonFixed, -1, 0).value, 0);
  for (int i = 0; i < 4; ++i)
    ASSERT_EQ(r.cpu.store(kBase + i * 0x1000, static_cast<uint8_t>(i + 1)), FaultOutcome::kRetry);
  ASSERT_EQ(r.k.madvise(VirtAddr(kBase), 0x4000, abi::kMadvPageout).value, 0);
  EXPECT_EQ(r.k.stats().swap_pages, 4u);
  // MADV_DONTNEED zaps swap entries too: their slots are free, the pages read zero.
  ASSERT_EQ(r.k.madvise(VirtAddr(kBase), 0x1000, abi::kMadvDontneed).value, 0);
  EXPECT_EQ(r.k.stats().swap_pages, 3u);
  EXPECT_EQ(r.cpu.load(kBase), 0);
  // mprotect leaves swap entries alone; the swap-in maps with the new permissions.
  ASSERT_EQ(r.k.mprotect(VirtAddr(kBase + 0x1000), 0x1000, abi::kProtRead).value, 0);
  const Walk w = walk(r.mem, r.k.mm().page_table_root(pid), VirtAddr(kBase + 0x1000));
  EXPECT_EQ(w.fault, arch::FaultKind::kTranslation);
  EXPECT_EQ(r.cpu.load(kBase + 0x1000), 2);
  EXPECT_EQ(r.cpu.store(kBase + 0x1000, 9), FaultOutcome::kSigsegv);
  EXPECT_EQ(
      walk(r.mem, r.k.mm().page_table_root(pid), VirtAddr(kBase + 0x1000)).leaf.page_attrs().ap,
      arch::Ap::kRo);
  // PAGEOUT leaves pages mapped by two processes alone (folio_maybe_mapped_shared).
  ASSERT_EQ(r.cpu.load(kBase + 0x2000), 3);  // swapped in
  const SyscallResult f = r.k.fork();
  ASSERT_GT(f.value, 0);
  const uint64_t out0 = r.k.stats().pswpout;
  ASSERT_EQ(r.k.madvise(VirtAddr(kBase + 0x2000), 0x1000, abi::kMadvPageout).value, 0);
  EXPECT_EQ(r.k.stats().pswpout, out0);
  // exit of both frees every slot.
  r.k.exit();
  r.k.mm().switch_to(static_cast<Pid>(f.value));
  r.k.exit();
  EXPECT_EQ(r.k.stats().swap_pages, 0u);
  EXPECT_EQ(r.k.stats().swap_cache_pages, 0u);
}

}  // namespace
}  // namespace mmusim::sw::test

namespace mmusim::sw::test {
namespace {

TEST(Swap, MadvFreeDiscardsCleanPagesAtReclaimAndKeepsStoredOnes) {
  SwapRig r(4 << 20, 1 << 20);
  const Pid pid = r.k.mm().spawn();
  ASSERT_GT(r.k.mmap(VirtAddr(kBase), 0x2000, kRw, kAnonFixed, -1, 0).value, 0);
  ASSERT_EQ(r.cpu.store(kBase, 1), FaultOutcome::kRetry);
  ASSERT_EQ(r.cpu.store(kBase + 0x1000, 2), FaultOutcome::kRetry);
  r.log.clear();
  ASSERT_EQ(r.k.madvise(VirtAddr(kBase), 0x2000, abi::kMadvFree).value, 0);
  EXPECT_EQ(r.k.stats().pglazyfree, 2u);
  // Both entries became writable-clean and old, and were flushed.
  const Walk w = walk(r.mem, r.k.mm().page_table_root(pid), VirtAddr(kBase));
  EXPECT_FALSE(w.leaf.af());
  EXPECT_TRUE(w.leaf.page_attrs().dbm);
  EXPECT_EQ(w.leaf.page_attrs().ap, arch::Ap::kRo);
  EXPECT_EQ(count_tlbi(r.log, kBase, r.k.mm().asid(pid).value()), 1u);
  EXPECT_EQ(count_tlbi(r.log, kBase + 0x1000, r.k.mm().asid(pid).value()), 1u);
  // Without pressure the data stays; a store re-dirties the second page.
  EXPECT_EQ(r.cpu.load(kBase), 1);
  ASSERT_EQ(r.cpu.store(kBase + 0x1000, 3), FaultOutcome::kRetry);
  // Reclaim: the clean page is discarded (reads zero), the dirty one swapped.
  ASSERT_EQ(r.k.madvise(VirtAddr(kBase), 0x2000, abi::kMadvPageout).value, 0);
  EXPECT_EQ(r.k.stats().pglazyfreed, 1u);
  EXPECT_EQ(r.k.stats().pswpout, 1u);
  EXPECT_EQ(r.cpu.load(kBase), 0);
  EXPECT_EQ(r.cpu.load(kBase + 0x1000), 3);
  // MADV_FREE over a swap entry gives the data up at once.
  ASSERT_EQ(r.k.madvise(VirtAddr(kBase + 0x1000), 0x1000, abi::kMadvPageout).value, 0);
  ASSERT_EQ(r.k.madvise(VirtAddr(kBase + 0x1000), 0x1000, abi::kMadvFree).value, 0);
  EXPECT_EQ(r.k.stats().swap_pages, 0u);
  EXPECT_EQ(r.cpu.load(kBase + 0x1000), 0);
}

}  // namespace
}  // namespace mmusim::sw::test

namespace mmusim::sw::test {
namespace {

// A transparent huge page is split before its subpages are swapped out
// (as Linux without THP swap): by MADV_PAGEOUT, and by reclaim under pressure.
TEST(Swap, HugePagesAreSplitBeforeTheirSubpagesAreSwappedOut) {
  KernelParams p = SwapRig::make(16 << 20, 128 << 20, 64 << 20, 0);
  p.thp = ThpPolicy::kAlways;
  SwapRig r(p);
  const Pid pid = r.k.mm().spawn();
  constexpr uint64_t k2M = 2 << 20;
  ASSERT_GT(r.k.mmap(VirtAddr(kBase), 4 * k2M, kRw, kAnonFixed, -1, 0).value, 0);
  for (uint64_t i = 0; i < 4 * k2M; i += 4096)
    ASSERT_EQ(r.cpu.store(kBase + i, static_cast<uint8_t>(i >> 12)), FaultOutcome::kRetry) << i;
  ASSERT_EQ(r.k.stats().thp_fault_alloc, 4u);
  // MADV_PAGEOUT of the first 2 MB: the block is split, then 512 pages go out.
  ASSERT_EQ(r.k.madvise(VirtAddr(kBase), k2M, abi::kMadvPageout).value, 0);
  EXPECT_EQ(r.k.stats().thp_split_pmd, 1u);
  EXPECT_EQ(r.k.stats().pswpout, 512u);
  EXPECT_EQ(walk(r.mem, r.k.mm().page_table_root(pid), VirtAddr(kBase + 0x1000)).fault,
            arch::FaultKind::kTranslation);
  EXPECT_EQ(r.cpu.load(kBase + 0x1000), 1);
  // Pressure: 64 MB of THP-eligible memory in 16 MB, every byte back.
  ASSERT_GT(r.k.mmap(VirtAddr(kBase + 4 * k2M), 28 * k2M, kRw, kAnonFixed, -1, 0).value, 0);
  for (uint64_t i = 4 * k2M; i < 32 * k2M; i += 4096)
    ASSERT_EQ(r.cpu.store(kBase + i, static_cast<uint8_t>(i >> 12)), FaultOutcome::kRetry) << i;
  for (uint64_t i = 0; i < 32 * k2M; i += 4096)
    ASSERT_EQ(r.cpu.load(kBase + i), static_cast<uint8_t>(i >> 12)) << i;
  EXPECT_GT(r.k.stats().thp_split_pmd, 1u);  // reclaim split the blocks it took pages from
  EXPECT_EQ(r.k.stats().oom_kills, 0u);
}

}  // namespace
}  // namespace mmusim::sw::test

// ---- shared anonymous memory (shmem) ----

namespace mmusim::sw::test {
namespace {

constexpr int kShmemFixed = kShared | abi::kMapAnonymous | abi::kMapFixed;

TEST(ShmemSwap, PageoutSwapsTheInodesPagesAndBothProcessesReadThemBack) {
  SwapRig r(4 << 20, 1 << 20);
  const Pid parent = r.k.mm().spawn();
  ASSERT_EQ(r.k.mmap(VirtAddr(kBase), 0x2000, kRw, kShmemFixed, -1, 0).value,
            static_cast<int64_t>(kBase));
  ASSERT_EQ(r.cpu.store(kBase + 1, 0x11), FaultOutcome::kRetry);
  ASSERT_EQ(r.cpu.store(kBase + 0x1fff, 0x22), FaultOutcome::kRetry);
  // fork shares the inode; the child has no entries (no anon_vma: not copied).
  const SyscallResult f = r.k.fork();
  ASSERT_GT(f.value, 0);
  const Pid child = static_cast<Pid>(f.value);
  r.log.clear();
  // Mapped once (by the parent): PAGEOUT writes both pages out (shmem_writeout).
  ASSERT_EQ(r.k.madvise(VirtAddr(kBase), 0x2000, kPageout).value, 0);
  EXPECT_EQ(r.k.stats().pswpout, 2u);
  EXPECT_EQ(r.k.stats().swap_pages, 2u);
  EXPECT_EQ(r.k.stats().swap_cache_pages, 0u);
  EXPECT_EQ(r.dev.stats().writes, 2u);
  // Each PTE: one TLBI VAE1 by VA + ASID for the unmap.
  EXPECT_EQ(count_tlbi(r.log, kBase, r.k.mm().asid(parent).value()), 1u);
  EXPECT_EQ(count_tlbi(r.log, kBase + 0x1000, r.k.mm().asid(parent).value()), 1u);
  // The PTE is empty (the swap entry is in the inode's page cache, not the table).
  const Walk w = walk(r.mem, r.k.mm().page_table_root(parent), VirtAddr(kBase));
  EXPECT_EQ(w.fault, arch::FaultKind::kTranslation);
  {
    const auto s = r.k.mm().smaps();
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0].rss_kb, 0u);
    EXPECT_EQ(s[0].swap_kb, 8u);      // shmem_swap_usage
    EXPECT_EQ(s[0].swap_pss_kb, 0u);  // shmem swap is not in SwapPss
  }
  // The child's fault finds the swap entry in the mapping: a major fault
  // charged with the device's read time.
  r.k.mm().switch_to(child);
  EXPECT_EQ(r.k.mm().smaps()[0].swap_kb, 8u);  // the child maps the same range
  const TestCpu::Result res = r.cpu.access(VirtAddr(kBase + 1), arch::AccessKind::kRead);
  ASSERT_EQ(res.outcome, FaultOutcome::kRetry);
  EXPECT_EQ(res.faults, 1);
  EXPECT_GE(res.cost.cycles.count(), 50'000u);
  EXPECT_LT(res.cost.cycles.count(), 60'000u);
  EXPECT_EQ(r.k.stats().pswpin, 1u);
  EXPECT_EQ(r.k.stats().pgmajfault, 1u);
  EXPECT_EQ(r.cpu.load(kBase + 1), 0x11);
  EXPECT_EQ(r.k.stats().swap_pages, 1u);  // the slot is freed at swap-in
  EXPECT_EQ(r.k.mm().smaps()[0].swap_kb, 4u);
  // The parent finds page 0 in the page cache (minor); page 1 from swap.
  r.k.mm().switch_to(parent);
  EXPECT_EQ(r.cpu.load(kBase + 1), 0x11);
  EXPECT_EQ(r.k.stats().pgmajfault, 1u);
  EXPECT_EQ(r.cpu.load(kBase + 0x1fff), 0x22);
  EXPECT_EQ(r.k.stats().pgmajfault, 2u);
  EXPECT_EQ(r.k.stats().pswpin, 2u);
  EXPECT_EQ(r.k.stats().swap_pages, 0u);
  // Stores after the swap-in are seen by the other process.
  ASSERT_EQ(r.cpu.store(kBase + 1, 0x33), FaultOutcome::kRetry);
  r.k.mm().switch_to(child);
  EXPECT_EQ(r.cpu.load(kBase + 1), 0x33);
  ASSERT_EQ(r.cpu.store(kBase + 0x1fff, 0x44), FaultOutcome::kRetry);
  r.k.mm().switch_to(parent);
  EXPECT_EQ(r.cpu.load(kBase + 0x1fff), 0x44);
  // Page 0 is now mapped by both: PAGEOUT leaves it alone
  // (folio_maybe_mapped_shared), as the host does.
  const uint64_t out0 = r.k.stats().pswpout;
  ASSERT_EQ(r.k.madvise(VirtAddr(kBase), 0x1000, kPageout).value, 0);
  EXPECT_EQ(r.k.stats().pswpout, out0);
  EXPECT_EQ(r.k.mm().smaps()[0].rss_kb, 8u);
}

TEST(ShmemSwap, ACleanPageIsDroppedWithoutIoAndReadsZero) {
  // A shmem page never stored to holds zeroes: reclaim frees it without a
  // slot, like a clean page-cache page.
  SwapRig r(4 << 20, 1 << 20);
  r.k.mm().spawn();
  ASSERT_GT(r.k.mmap(VirtAddr(kBase), 0x1000, kRw, kShmemFixed, -1, 0).value, 0);
  EXPECT_EQ(r.cpu.load(kBase + 5), 0);
  ASSERT_EQ(r.k.madvise(VirtAddr(kBase), 0x1000, kPageout).value, 0);
  EXPECT_EQ(r.k.stats().pswpout, 0u);
  EXPECT_EQ(r.k.stats().swap_pages, 0u);
  EXPECT_EQ(r.k.mm().smaps()[0].rss_kb, 0u);
  EXPECT_EQ(r.cpu.load(kBase + 5), 0);
  EXPECT_EQ(r.k.stats().pgmajfault, 0u);
}

TEST(ShmemSwap, MunmapOfTheLastMappingRemoveAndExitFreeTheSlots) {
  SwapRig r(4 << 20, 1 << 20);
  const Pid parent = r.k.mm().spawn();
  ASSERT_GT(r.k.mmap(VirtAddr(kBase), 0x4000, kRw, kShmemFixed, -1, 0).value, 0);
  for (int i = 0; i < 4; ++i)
    ASSERT_EQ(r.cpu.store(kBase + i * 0x1000, static_cast<uint8_t>(i + 1)), FaultOutcome::kRetry);
  ASSERT_EQ(r.k.madvise(VirtAddr(kBase), 0x4000, kPageout).value, 0);
  EXPECT_EQ(r.k.stats().swap_pages, 4u);
  // MADV_REMOVE punches a hole: the slot goes, the page reads zero.
  ASSERT_EQ(r.k.madvise(VirtAddr(kBase), 0x1000, abi::kMadvRemove).value, 0);
  EXPECT_EQ(r.k.stats().swap_pages, 3u);
  EXPECT_EQ(r.cpu.load(kBase), 0);
  // DONTNEED keeps the data (and the slots) of shmem.
  ASSERT_EQ(r.k.madvise(VirtAddr(kBase), 0x4000, abi::kMadvDontneed).value, 0);
  EXPECT_EQ(r.k.stats().swap_pages, 3u);
  const SyscallResult f = r.k.fork();
  ASSERT_GT(f.value, 0);
  // munmap in the parent: the child still maps the inode, the slots stay.
  ASSERT_EQ(r.k.munmap(VirtAddr(kBase), 0x4000).value, 0);
  EXPECT_EQ(r.k.stats().swap_pages, 3u);
  r.k.mm().switch_to(static_cast<Pid>(f.value));
  EXPECT_EQ(r.cpu.load(kBase + 0x1000), 2);  // swapped in: its slot is freed
  EXPECT_EQ(r.k.stats().swap_pages, 2u);
  // The last mapping goes: the inode and its remaining slots with it.
  ASSERT_EQ(r.k.munmap(VirtAddr(kBase), 0x4000).value, 0);
  EXPECT_EQ(r.k.stats().swap_pages, 0u);
  // Exit frees them too.
  r.k.mm().switch_to(parent);
  ASSERT_GT(r.k.mmap(VirtAddr(kBase), 0x2000, kRw, kShmemFixed, -1, 0).value, 0);
  ASSERT_EQ(r.cpu.store(kBase, 7), FaultOutcome::kRetry);
  ASSERT_EQ(r.cpu.store(kBase + 0x1000, 8), FaultOutcome::kRetry);
  ASSERT_EQ(r.k.madvise(VirtAddr(kBase), 0x2000, kPageout).value, 0);
  EXPECT_EQ(r.k.stats().swap_pages, 2u);
  r.k.exit();
  EXPECT_EQ(r.k.stats().swap_pages, 0u);
  EXPECT_EQ(r.k.stats().page_cache_pages, 0u);
}

TEST(ShmemSwap, SmapsSwapCountsTheSwappedPagesInEachVmasRange) {
  SwapRig r(4 << 20, 1 << 20);
  r.k.mm().spawn();
  ASSERT_GT(r.k.mmap(VirtAddr(kBase), 0x4000, kRw, kShmemFixed, -1, 0).value, 0);
  for (int i = 0; i < 4; ++i)
    ASSERT_EQ(r.cpu.store(kBase + i * 0x1000, static_cast<uint8_t>(i + 1)), FaultOutcome::kRetry);
  ASSERT_EQ(r.k.madvise(VirtAddr(kBase), 0x2000, kPageout).value, 0);
  ASSERT_EQ(r.k.madvise(VirtAddr(kBase + 0x3000), 0x1000, kPageout).value, 0);
  // Split in two VMAs over pages [0, 2) and [2, 4) of the inode
  // (shmem_partial_swap_usage for each).
  ASSERT_EQ(r.k.mprotect(VirtAddr(kBase + 0x2000), 0x2000, abi::kProtRead).value, 0);
  const auto s = r.k.mm().smaps();
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].swap_kb, 8u);
  EXPECT_EQ(s[0].rss_kb, 0u);
  EXPECT_EQ(s[1].swap_kb, 4u);
  EXPECT_EQ(s[1].rss_kb, 4u);
  EXPECT_EQ(s[1].swap_pss_kb, 0u);
  // MADV_WILLNEED reads them back (shmem_swapin_range): no fault, no major fault.
  ASSERT_EQ(r.k.madvise(VirtAddr(kBase), 0x4000, abi::kMadvWillneed).value, 0);
  EXPECT_EQ(r.k.stats().pswpin, 3u);
  EXPECT_EQ(r.k.stats().swap_pages, 0u);
  EXPECT_EQ(r.k.mm().smaps()[0].swap_kb, 0u);
  for (int i = 0; i < 4; ++i)
    EXPECT_EQ(r.cpu.load(kBase + i * 0x1000), i + 1);
  EXPECT_EQ(r.k.stats().pgmajfault, 0u);
}

TEST(ShmemSwap, OomBadnessCountsMappedShmemAsRssAndItsSwapInNoProcess) {
  // As Linux oom_badness: mapped shmem pages are rss (MM_SHMEMPAGES, here
  // in file-rss); swapped-out shmem pages are no swap entry of any page
  // table (not MM_SWAPENTS).
  SwapRig r(1 << 20, 50 * 4096);  // 256 frames, 50 swap slots
  const Pid a = r.k.mm().spawn();
  ASSERT_GT(r.k.mmap(VirtAddr(kBase), 250 * 4096, kRw, kShmemFixed, -1, 0).value, 0);
  for (uint64_t i = 0; i < 50; ++i)
    ASSERT_EQ(r.cpu.store(kBase + i * 4096, 5), FaultOutcome::kRetry) << i;
  ASSERT_EQ(r.k.madvise(VirtAddr(kBase), 50 * 4096, kPageout).value, 0);
  EXPECT_EQ(r.k.stats().swap_pages, 50u);  // swap is full
  for (uint64_t i = 50; i < 200; ++i)
    ASSERT_EQ(r.cpu.store(kBase + i * 4096, 6), FaultOutcome::kRetry) << i;
  const Pid b = r.k.mm().spawn();
  r.k.mm().switch_to(b);
  ASSERT_GT(r.k.mmap(VirtAddr(kBase), 1 << 20, kRw, kAnonFixed, -1, 0).value, 0);
  uint64_t i = 0;
  while (r.k.reclaim().oom_kills().empty() && i < 256) {
    ASSERT_EQ(r.cpu.store(kBase + i * 4096, 7), FaultOutcome::kRetry) << i;
    ++i;
  }
  ASSERT_EQ(r.k.reclaim().oom_kills().size(), 1u);
  const OomKill& kill = r.k.reclaim().oom_kills()[0];
  EXPECT_EQ(kill.pid, a);  // 150 resident shmem pages against fewer anonymous ones
  EXPECT_EQ(kill.file_rss_kb, 600u);
  EXPECT_EQ(kill.anon_rss_kb, 0u);
  EXPECT_EQ(kill.swap_kb, 0u);
  EXPECT_EQ(kill.total_vm_kb, 1000u);
  EXPECT_LT(i, 100u);
  // The inode went with its last mapping: its slots are free.
  EXPECT_EQ(r.k.stats().swap_pages, 0u);
  for (uint64_t j = 0; j < i; ++j)
    ASSERT_EQ(r.cpu.load(kBase + j * 4096), 7) << j;
}

TEST(ShmemSwap, ReclaimUnderPressureUnmapsEveryMappingAndKeepsEveryByte) {
  // 1 MiB of memory (256 frames), 8 MiB of swap, 1.5 MiB of shared anonymous
  // memory mapped by two processes after fork, written by both.
  SwapRig r(1 << 20, 8 << 20);
  const Pid a = r.k.mm().spawn();
  constexpr uint64_t kPages = 384;
  ASSERT_GT(r.k.mmap(VirtAddr(kBase), kPages * 4096, kRw, kShmemFixed, -1, 0).value, 0);
  std::mt19937_64 rng(11);
  std::vector<uint8_t> want(kPages);
  ASSERT_TRUE(store_pages(r, kBase, want, rng));
  const SyscallResult f = r.k.fork();
  ASSERT_GT(f.value, 0);
  const Pid b = static_cast<Pid>(f.value);
  r.k.mm().switch_to(b);  // the child reads the parent's bytes and writes a third of them
  ASSERT_TRUE(pages_hold(r, kBase, want));
  ASSERT_TRUE(store_pages(r, kBase, want, rng, 3));
  r.k.mm().switch_to(a);  // the parent sees the child's stores
  ASSERT_TRUE(pages_hold(r, kBase, want));
  r.k.mm().switch_to(b);
  ASSERT_TRUE(pages_hold(r, kBase, want));
  const KernelStats& s = r.k.stats();
  EXPECT_GE(s.pswpout, kPages);
  EXPECT_GT(s.pswpin, kPages);
  EXPECT_EQ(s.pgmajfault, s.pswpin);
  EXPECT_EQ(s.oom_kills, 0u);
  EXPECT_LE(s.frames_in_use, 256u);
  // Swap holds exactly the pages not in the page cache.
  EXPECT_EQ(s.swap_pages + s.page_cache_pages, kPages);
  EXPECT_EQ(r.k.mm().smaps()[0].swap_kb, s.swap_pages * 4);
  r.k.exit();
  r.k.mm().switch_to(a);
  r.k.exit();
  EXPECT_EQ(r.k.stats().swap_pages, 0u);
  EXPECT_EQ(r.k.stats().page_cache_pages, 0u);
}

}  // namespace
}  // namespace mmusim::sw::test
