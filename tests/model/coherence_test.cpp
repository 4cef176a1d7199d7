// Timing coherence between the cores' private caches (model/mem/coherence.h):
// MESI-like states by snooping, on the real platform's caches. Each test
// drives the caches of both cores with physical line accesses from core 0's
// thread (host order is the order of the accesses), so every latency is
// exact: L1 hit 4, bus 8, DRAM 120, L2 12, probe 10, snoop 30, invalidate 40.
#include <gtest/gtest.h>

#include <string>

#include "model/platform/hardware.h"
#include "model/util/config_error.h"
#include "model/util/config_node.h"
#include "model/util/yaml.h"
#include "sw/mm/address_spaces.h"
#include "system/platform.h"
#include "tests/model/fn_workload.h"
#include "tests/model/map_rw.h"

namespace mmusim {
namespace {

using test::FnWorkload;

constexpr uint64_t kLine = kDramBase.value() + 0x10'0000;
constexpr uint64_t kMiss = 4 + 8 + 120;  // L1 lookup, bus, DRAM
constexpr uint64_t kProbe = 10, kSnoop = 30, kInvalidate = 40;

HardwareParams two_cores() {
  HardwareParams hp;
  hp.cores = 2;
  hp.coherence.probe_cycles = kProbe;
  hp.coherence.snoop_cycles = kSnoop;
  hp.coherence.invalidate_cycles = kInvalidate;
  EXPECT_EQ(hp.l1d.hit_latency_cycles, 4u);
  EXPECT_EQ(hp.bus.latency_cycles, 8u);
  EXPECT_EQ(hp.dram.read_latency_cycles, 120u);
  return hp;
}

// One 8-byte access to `pa` through `cache`: its latency in cycles. Each
// access starts 1000 cycles after the one before (annotated time), when
// every earlier fill has completed.
uint64_t access(Hardware& hw, Cache& cache, tlm::tlm_command cmd, uint64_t pa) {
  static uint64_t start = 0;
  start += 1000;
  uint64_t value = 0;
  tlm::tlm_generic_payload t;
  t.set_command(cmd);
  t.set_address(pa);
  t.set_data_ptr(reinterpret_cast<unsigned char*>(&value));
  t.set_data_length(8);
  t.set_streaming_width(8);
  t.set_byte_enable_ptr(nullptr);
  t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  sc_core::sc_time delay = hw.clock.to_time(Cycles(start));
  cache.access(t, delay);
  EXPECT_TRUE(t.is_response_ok());
  return hw.clock.to_cycles(delay).count() - start;
}
uint64_t load(Hardware& hw, Cache& c, uint64_t pa) {
  return access(hw, c, tlm::TLM_READ_COMMAND, pa);
}
uint64_t store(Hardware& hw, Cache& c, uint64_t pa) {
  return access(hw, c, tlm::TLM_WRITE_COMMAND, pa);
}

// Runs `body` on core 0's thread (core 1 idle).
void run(Hardware& hw, const std::function<void()>& body) {
  FnWorkload w([&](CpuPort&) { body(); });
  hw.run(std::vector<Workload*>{&w});
}

// Both cores read the line (S in both); core 0 stores: an upgrade that
// removes core 1's copy. Core 1's reload misses and finds core 0's M copy.
TEST(Coherence, StoreInvalidatesTheOtherCoresCopy) {
  Hardware hw("top", two_cores());
  Cache& l1d0 = hw.core(0).l1d;
  Cache& l1d1 = hw.core(1).l1d;
  uint64_t first = 0, second = 0, st = 0, reload = 0, reload_misses = 0;
  run(hw, [&] {
    first = load(hw, l1d0, kLine);   // E in core 0
    second = load(hw, l1d1, kLine);  // core 0's E copy downgraded: S in both
    EXPECT_FALSE(l1d0.is_exclusive(PhysAddr(kLine)));
    EXPECT_FALSE(l1d1.is_exclusive(PhysAddr(kLine)));
    st = store(hw, l1d0, kLine);
    EXPECT_FALSE(l1d1.contains(PhysAddr(kLine)));
    EXPECT_TRUE(l1d0.is_exclusive(PhysAddr(kLine)));
    EXPECT_TRUE(l1d0.is_dirty(PhysAddr(kLine)));
    const uint64_t misses = l1d1.stats().read_misses;
    reload = load(hw, l1d1, kLine);
    reload_misses = l1d1.stats().read_misses - misses;
  });
  EXPECT_EQ(first, kMiss + kProbe);
  EXPECT_EQ(second, kMiss + kProbe + kSnoop);
  EXPECT_EQ(st, 4 + kProbe + kInvalidate);  // L1 hit + the invalidation
  EXPECT_EQ(st, 54u);
  EXPECT_EQ(reload_misses, 1u);
  EXPECT_EQ(reload, kMiss + kProbe + kSnoop);
  const CoherenceStats& s = hw.coherence->stats();
  EXPECT_EQ(s.upgrades, 1u);
  EXPECT_EQ(s.write_snoops, 1u);
  EXPECT_EQ(s.invalidations_sent, 1u);
  EXPECT_EQ(s.lines_invalidated, 1u);
  EXPECT_EQ(s.read_snoops, 3u);
  EXPECT_EQ(s.interventions, 2u);  // core 0's E, then its M
  EXPECT_EQ(s.intervention_writebacks, 1u);
  EXPECT_EQ(s.probe_cycles, 4 * kProbe);
  EXPECT_EQ(s.snoop_cycles, 2 * kSnoop);
  EXPECT_EQ(s.invalidate_cycles, kInvalidate);
}

// Core 0 writes (a write miss nobody else holds: M); core 1 reads: core 0's
// M copy is cleaned by one write-back to DRAM and both hold the line S.
TEST(Coherence, ReadAfterWriteDowngradesTheModifiedCopyAndWritesItBack) {
  Hardware hw("top", two_cores());
  Cache& l1d0 = hw.core(0).l1d;
  Cache& l1d1 = hw.core(1).l1d;
  uint64_t st = 0, ld = 0, dram_writes = 0, bus_transactions = 0;
  run(hw, [&] {
    st = store(hw, l1d0, kLine);
    EXPECT_TRUE(l1d0.is_dirty(PhysAddr(kLine)));
    EXPECT_TRUE(l1d0.is_exclusive(PhysAddr(kLine)));
    const uint64_t writes = hw.dram.stats().writes, transactions = hw.bus.stats().transactions;
    ld = load(hw, l1d1, kLine);
    dram_writes = hw.dram.stats().writes - writes;
    bus_transactions = hw.bus.stats().transactions - transactions;
    EXPECT_FALSE(l1d0.is_dirty(PhysAddr(kLine)));
    EXPECT_FALSE(l1d0.is_exclusive(PhysAddr(kLine)));
    EXPECT_FALSE(l1d1.is_exclusive(PhysAddr(kLine)));
    EXPECT_TRUE(l1d0.contains(PhysAddr(kLine)));
  });
  EXPECT_EQ(st, kMiss + kProbe);  // nobody held it: no invalidation
  EXPECT_EQ(ld, kMiss + kProbe + kSnoop);
  EXPECT_EQ(dram_writes, 1u);       // the write-back (posted)
  EXPECT_EQ(bus_transactions, 2u);  // the write-back and core 1's fill
  const CoherenceStats& s = hw.coherence->stats();
  EXPECT_EQ(s.interventions, 1u);
  EXPECT_EQ(s.intervention_writebacks, 1u);
  EXPECT_EQ(s.invalidations_sent, 0u);
  EXPECT_EQ(s.lines_invalidated, 0u);
  EXPECT_EQ(hw.core(0).l1d.stats().writebacks, 0u);  // no eviction
}

// A read nobody else holds fills E; a read of a line another core holds S
// fills S without an intervention.
TEST(Coherence, PrivateReadFillsExclusive) {
  Hardware hw("top", two_cores());
  Cache& l1d0 = hw.core(0).l1d;
  Cache& l1d1 = hw.core(1).l1d;
  Cache& l1i1 = hw.core(1).l1i;
  uint64_t third = 0;
  run(hw, [&] {
    load(hw, l1d0, kLine);
    EXPECT_TRUE(l1d0.is_exclusive(PhysAddr(kLine)));
    EXPECT_FALSE(l1d0.is_dirty(PhysAddr(kLine)));
    load(hw, l1d1, kLine + 64);  // another line: E in core 1
    EXPECT_TRUE(l1d1.is_exclusive(PhysAddr(kLine + 64)));
    load(hw, l1d1, kLine);          // S in both
    third = load(hw, l1i1, kLine);  // core 1's L1I: core 0 holds it S, no intervention
    EXPECT_FALSE(l1i1.is_exclusive(PhysAddr(kLine)));
  });
  EXPECT_EQ(third, kMiss + kProbe);
  EXPECT_EQ(hw.coherence->stats().read_snoops, 4u);
  EXPECT_EQ(hw.coherence->stats().interventions, 1u);
}

// A store to an E line is silent (E -> M): L1 hit latency, no snoop.
TEST(Coherence, StoreToExclusiveLineIsSilent) {
  Hardware hw("top", two_cores());
  Cache& l1d0 = hw.core(0).l1d;
  uint64_t st = 0;
  run(hw, [&] {
    load(hw, l1d0, kLine);
    st = store(hw, l1d0, kLine);
  });
  EXPECT_EQ(st, 4u);
  EXPECT_TRUE(l1d0.is_dirty(PhysAddr(kLine)));
  EXPECT_TRUE(l1d0.is_exclusive(PhysAddr(kLine)));
  EXPECT_EQ(hw.coherence->stats().write_snoops, 0u);
  EXPECT_EQ(hw.coherence->stats().upgrades, 0u);
  EXPECT_EQ(hw.coherence->stats().read_snoops, 1u);
}

// A store removes the line from the other cores' L1I too; the storing
// core's own L1I keeps its copy.
TEST(Coherence, StoreRemovesTheLineFromOtherCoresInstructionCaches) {
  Hardware hw("top", two_cores());
  run(hw, [&] {
    load(hw, hw.core(0).l1i, kLine);
    load(hw, hw.core(1).l1i, kLine);
    store(hw, hw.core(0).l1d, kLine);  // a write miss: a read for ownership
  });
  EXPECT_TRUE(hw.core(0).l1i.contains(PhysAddr(kLine)));
  EXPECT_FALSE(hw.core(1).l1i.contains(PhysAddr(kLine)));
  EXPECT_EQ(hw.coherence->stats().lines_invalidated, 1u);
  EXPECT_EQ(hw.coherence->stats().invalidations_sent, 1u);
}

// With private L2s the L2 is the core's coherence point: an L1D write miss
// makes the L2's fill one read for ownership, which removes the line from
// the other core's L1D and L2 (even without inclusion).
TEST(Coherence, WriteMissBehindL2RemovesTheOtherCoresL1AndL2Copies) {
  HardwareParams hp = two_cores();
  hp.l2_enable = true;
  ASSERT_EQ(hp.l2.hit_latency_cycles, 12u);
  ASSERT_FALSE(hp.l2.inclusive);
  Hardware hw("top", hp);
  Cache& l1d1 = hw.core(1).l1d;
  uint64_t ld = 0, st = 0, reload = 0;
  run(hw, [&] {
    ld = load(hw, l1d1, kLine);  // E in core 1's L2; S in its L1D until a write asks the L2
    EXPECT_FALSE(l1d1.is_exclusive(PhysAddr(kLine)));
    EXPECT_TRUE(hw.core(1).l2->is_exclusive(PhysAddr(kLine)));
    st = store(hw, hw.core(0).l1d, kLine);
    EXPECT_FALSE(l1d1.contains(PhysAddr(kLine)));
    EXPECT_FALSE(hw.core(1).l2->contains(PhysAddr(kLine)));
    EXPECT_TRUE(hw.core(0).l2->is_exclusive(PhysAddr(kLine)));
    reload = load(hw, hw.core(0).l1i, kLine);  // the own core's L2 hit: no probe
  });
  EXPECT_EQ(ld, kMiss + 12 + kProbe);
  EXPECT_EQ(st, kMiss + 12 + kProbe + kInvalidate);
  EXPECT_EQ(reload, 4u + 12);
  const CoherenceStats& s = hw.coherence->stats();
  EXPECT_EQ(s.read_snoops, 1u);   // core 1's L2 miss only (its L1D took the L2's E)
  EXPECT_EQ(s.write_snoops, 1u);  // one read for ownership, not a read then an upgrade
  EXPECT_EQ(s.upgrades, 0u);
  EXPECT_EQ(s.invalidations_sent, 1u);
  EXPECT_EQ(s.lines_invalidated, 2u);  // core 1's L1D and L2
}

// Behind an L2, an L1 read miss the L2 filled E leaves the L1 line S; its
// first write finds the L2's E and is silent (no snoop, L1 hit latency).
TEST(Coherence, FirstWriteBehindAnExclusiveL2IsSilent) {
  HardwareParams hp = two_cores();
  hp.l2_enable = true;
  Hardware hw("top", hp);
  Cache& l1d = hw.core(0).l1d;
  uint64_t st = 0;
  run(hw, [&] {
    load(hw, l1d, kLine);
    EXPECT_FALSE(l1d.is_exclusive(PhysAddr(kLine)));
    st = store(hw, l1d, kLine);
    EXPECT_TRUE(l1d.is_exclusive(PhysAddr(kLine)));
    EXPECT_TRUE(l1d.is_dirty(PhysAddr(kLine)));
  });
  EXPECT_EQ(st, 4u);
  EXPECT_EQ(hw.coherence->stats().read_snoops, 1u);
  EXPECT_EQ(hw.coherence->stats().write_snoops, 0u);
  EXPECT_EQ(hw.coherence->stats().upgrades, 0u);
}

// One core: no coherence bus, no top.coherence, and the same latencies as
// ever (a read miss without a probe, a store hit at L1 latency).
TEST(Coherence, OneCoreIsUnchanged) {
  HardwareParams hp;
  Hardware hw("top", hp);
  uint64_t ld = 0, st = 0;
  run(hw, [&] {
    ld = load(hw, hw.l1d, kLine);
    st = store(hw, hw.l1d, kLine);
  });
  EXPECT_EQ(hw.coherence, nullptr);
  EXPECT_EQ(hw.stats_group().find("coherence"), nullptr);
  EXPECT_EQ(ld, kMiss);
  EXPECT_EQ(st, 4u);
}

// End to end: two threads of one process on two cores share a page. Core 1
// writes and reads it (M in its L1D); core 0's store takes the line (a write
// miss that invalidates core 1's copy); core 1's reload misses its L1D and
// reads core 0's value.
TEST(Coherence, ThreadOnAnotherCoreMissesAfterAStoreToItsLine) {
  PlatformParams pp;
  pp.cores = 2;
  Platform p("top", pp);
  p.kernel.set_cpu(0);
  const sw::SyscallResult t = p.kernel.clone_thread();
  ASSERT_GT(t.value, 0);
  p.kernel.set_cpu(1);
  p.kernel.mm().switch_to(static_cast<sw::Pid>(t.value));
  constexpr uint64_t kVa = 0x1000'0000'0000;
  using arch::AccessKind;
  uint64_t v = 0, reload_misses = 0, invalidated = 0;
  FnWorkload w0([&](CpuPort& cpu) {
    cpu.charge(Cycles(100'000));  // after core 1 touched the line
    uint64_t five = 5;
    const uint64_t before = p.coherence->stats().lines_invalidated;
    ASSERT_EQ(cpu.access(AccessKind::kWrite, VirtAddr(kVa), 8, reinterpret_cast<uint8_t*>(&five)),
              AccessOutcome::kOk);
    invalidated = p.coherence->stats().lines_invalidated - before;
  });
  FnWorkload w1([&](CpuPort& cpu) {
    test::map_rw(cpu, kVa, 0x1000);
    uint64_t one = 1;
    ASSERT_EQ(cpu.access(AccessKind::kWrite, VirtAddr(kVa), 8, reinterpret_cast<uint8_t*>(&one)),
              AccessOutcome::kOk);
    ASSERT_EQ(cpu.access(AccessKind::kRead, VirtAddr(kVa), 8, reinterpret_cast<uint8_t*>(&v)),
              AccessOutcome::kOk);
    const uint64_t misses = cpu.stats().per_read.l1_cache_misses;
    cpu.charge(Cycles(300'000));  // core 0 stores meanwhile
    ASSERT_EQ(cpu.access(AccessKind::kRead, VirtAddr(kVa), 8, reinterpret_cast<uint8_t*>(&v)),
              AccessOutcome::kOk);
    reload_misses = cpu.stats().per_read.l1_cache_misses - misses;
  });
  p.run({&w0, &w1});
  EXPECT_EQ(v, 5u);
  EXPECT_EQ(invalidated, 1u);  // core 1's L1D copy
  EXPECT_EQ(reload_misses, 1u);
}

TEST(Coherence, KeysAreReadAndRangeChecked) {
  const util::ConfigNode root(util::parse_yaml(
      "coherence: {probe_cycles: 1, snoop_cycles: 2, invalidate_cycles: 3}", "test.yaml"));
  const HardwareParams hp = HardwareParams::read(root);
  EXPECT_EQ(hp.coherence.probe_cycles, 1u);
  EXPECT_EQ(hp.coherence.snoop_cycles, 2u);
  EXPECT_EQ(hp.coherence.invalidate_cycles, 3u);
  // A bad value is a configuration error naming the key, from a file or set directly.
  for (const char* key : {"probe_cycles", "snoop_cycles", "invalidate_cycles"}) {
    std::string error = "no error";
    try {
      HardwareParams::read(util::ConfigNode(
          util::parse_yaml(std::string("coherence: {") + key + ": 1000001}", "test.yaml")));
    } catch (const util::ConfigError& e) {
      error = e.what();
    }
    EXPECT_NE(error.find(std::string("coherence.") + key), std::string::npos) << error;
  }
  HardwareParams direct;
  direct.coherence.invalidate_cycles = 1'000'001;
  try {
    direct.check();
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()), "coherence.invalidate_cycles: must be at most 1000000");
  }
}

TEST(Coherence, TwoCoresRegisterTheStats) {
  Hardware hw("top", two_cores());
  const stats::Group* g = hw.stats_group().find("coherence");
  ASSERT_NE(g, nullptr);
  std::vector<std::string> names;
  for (const stats::Stat& s : g->stats())
    names.push_back(s.name);
  EXPECT_EQ(names, (std::vector<std::string>{"read_snoops", "write_snoops", "upgrades",
                                             "interventions", "intervention_writebacks",
                                             "invalidations_sent", "lines_invalidated",
                                             "probe_cycles", "snoop_cycles", "invalidate_cycles"}));
}

}  // namespace
}  // namespace mmusim
