#include "model/mem/cache.h"

#include <gtest/gtest.h>

#include "model/mem/bus.h"
#include "model/mem/dram.h"
#include "model/mem/rom.h"
#include "tests/model/test_initiator.h"

namespace mmusim {
namespace {

constexpr uint64_t kHit = 3, kBus = 10, kMem = 50;

// 4 sets x 2 ways x 64 B = 512 B. Lines 0x000, 0x100, 0x200 share set 0.
CacheParams geometry(unsigned mshrs) {
  CacheParams p;
  p.size_bytes = 512;
  p.ways = 2;
  p.line_bytes = 64;
  p.hit_latency_cycles = kHit;
  p.mshrs = mshrs;
  return p;
}

CacheParams with_wt_allocate(CacheParams p, bool on) {
  p.write_through_allocate = on;
  return p;
}

struct CacheBench {
  Clock clock{1000.0};
  Dram dram{"dram", DramParams{1 << 20, kMem, kMem}, clock};
  Bus bus{"bus", BusParams{kBus}, clock};
  Cache cache;
  test::TestInitiator cpu{"cpu"};
  tlm::tlm_generic_payload& trans = cpu.trans;
  AccessExt& ext = cpu.ext;
  uint64_t& data = cpu.data;

  Rom rom{"rom", RomParams{true, 0x10'0000, 4096, kMem, ""}, clock};

  explicit CacheBench(unsigned mshrs = 8, bool wt_allocate = false)
      : cache("cache", with_wt_allocate(geometry(mshrs), wt_allocate), clock) {
    bus.map("dram", PhysAddr(0), 1 << 20, dram.socket);
    bus.map("rom", PhysAddr(0x10'0000), 4096, rom.socket);
    cpu.socket.bind(cache.target);
    cache.next.bind(bus.target);
    sc_core::sc_start(sc_core::SC_ZERO_TIME);
  }
  Cycles access(tlm::tlm_command cmd, uint64_t pa, unsigned len = 8) {
    return clock.to_cycles(cpu.go(cmd, pa, len));
  }
  Cycles read(uint64_t pa) { return access(tlm::TLM_READ_COMMAND, pa); }
  Cycles write(uint64_t pa, uint64_t v) {
    data = v;
    return access(tlm::TLM_WRITE_COMMAND, pa);
  }
};

TEST(Cache, MissThenHitLatency) {
  CacheBench b;
  EXPECT_EQ(b.read(0x40), Cycles(kHit + kBus + kMem));
  EXPECT_EQ(b.read(0x48), Cycles(kHit));
  EXPECT_EQ(b.cache.stats().read_misses, 1u);
  EXPECT_EQ(b.cache.stats().read_hits, 1u);
}

TEST(Cache, EvictsLruWayOnConflict) {
  CacheBench b;
  b.read(0x000);
  b.read(0x100);
  b.read(0x000);  // 0x100 is now LRU
  b.read(0x200);  // evicts 0x100
  EXPECT_TRUE(b.cache.contains(PhysAddr(0x000)));
  EXPECT_FALSE(b.cache.contains(PhysAddr(0x100)));
  EXPECT_TRUE(b.cache.contains(PhysAddr(0x200)));
}

TEST(Cache, DirtyVictimIsWrittenBackOffTheCriticalPath) {
  CacheBench b;
  b.write(0x000, 0x1122334455667788);
  EXPECT_TRUE(b.cache.is_dirty(PhysAddr(0x000)));
  b.read(0x100);
  const uint64_t dram_writes = b.dram.stats().writes;
  EXPECT_EQ(b.read(0x200), Cycles(kHit + kBus + kMem));  // write-back not on the path
  EXPECT_EQ(b.cache.stats().writebacks, 1u);
  EXPECT_EQ(b.dram.stats().writes, dram_writes + 1);
  b.read(0x000);
  EXPECT_EQ(b.data, 0x1122334455667788u);  // data never lost
}

TEST(Cache, WriteAllocates) {
  CacheBench b;
  EXPECT_EQ(b.write(0x80, 7), Cycles(kHit + kBus + kMem));
  EXPECT_TRUE(b.cache.contains(PhysAddr(0x80)));
  EXPECT_EQ(b.cache.stats().write_misses, 1u);
}

TEST(Cache, AccessAcrossTwoLinesLooksUpBoth) {
  CacheBench b;
  EXPECT_EQ(b.access(tlm::TLM_READ_COMMAND, 0x3c, 8), Cycles(kHit + 2 * (kBus + kMem)));
  EXPECT_TRUE(b.cache.contains(PhysAddr(0x00)));
  EXPECT_TRUE(b.cache.contains(PhysAddr(0x40)));
}

TEST(Cache, DeviceAndNonCacheableBypass) {
  CacheBench b;
  b.ext.mem_type = arch::MemType::kDeviceNGnRnE;
  EXPECT_EQ(b.read(0x40), Cycles(kBus + kMem));
  EXPECT_FALSE(b.cache.contains(PhysAddr(0x40)));
  b.ext.mem_type = arch::MemType::kNormalNonCacheable;
  b.write(0x40, 9);
  EXPECT_FALSE(b.cache.contains(PhysAddr(0x40)));
  EXPECT_EQ(b.cache.stats().bypassed, 2u);
  EXPECT_EQ(b.dram.stats().reads, 1u);
  EXPECT_EQ(b.dram.stats().writes, 1u);
}

TEST(Cache, UndecodedAddressIsAnErrorAndAllocatesNothing) {
  CacheBench b;
  b.read(0x1000'0000);
  EXPECT_EQ(b.trans.get_response_status(), tlm::TLM_ADDRESS_ERROR_RESPONSE);
  EXPECT_FALSE(b.cache.contains(PhysAddr(0x1000'0000)));
  EXPECT_EQ(b.bus.stats().decode_errors, 1u);
}

// Accesses issued at the same cycle overlap up to the number of MSHRs.
TEST(Cache, MissesOverlapUpToTheMshrCount) {
  CacheBench two(2);
  two.read(0x000);
  two.cpu.now = sc_core::SC_ZERO_TIME;
  EXPECT_EQ(two.read(0x040), Cycles(kHit + kBus + kMem));  // second MSHR: in parallel
  two.cpu.now = sc_core::SC_ZERO_TIME;
  // Third miss at cycle 0: both MSHRs busy until 63; its fill starts then.
  EXPECT_EQ(two.read(0x080), Cycles(kHit + kBus + kMem + kBus + kMem));
  EXPECT_EQ(two.cache.stats().mshr_full_stalls, 1u);
  EXPECT_EQ(two.cache.stats().mshr_stall_cycles, kBus + kMem);
}

TEST(Cache, HitOnALineStillBeingFilledWaitsForTheFill) {
  CacheBench b;
  b.read(0x000);                              // fill completes at cycle 63
  b.cpu.now = b.clock.to_time(Cycles(10));    // next access at cycle 10
  EXPECT_EQ(b.read(0x008), Cycles(63 - 10));  // merged with the miss
  EXPECT_EQ(b.cache.stats().hits_under_miss, 1u);
  EXPECT_EQ(b.read(0x010), Cycles(kHit));  // later: a plain hit
  EXPECT_EQ(b.cache.stats().hits_under_miss, 1u);
}

TEST(Cache, RejectsImpossibleGeometry) {
  Clock clock;
  try {
    CacheParams p;
    p.size_bytes = 3000;
    Cache c("l1d", p, clock);
    FAIL();
  } catch (const sc_core::sc_report& e) {
    EXPECT_STREQ(e.get_msg_type(), "mmusim/cache");
    EXPECT_STREQ(e.get_msg(), "l1d.size: must be a non-zero multiple of ways * line_bytes");
  }
}

}  // namespace
}  // namespace mmusim

namespace mmusim {
namespace {

TEST(CacheWriteThrough, ReadsAllocateAndWritesUpdateTheLineAndGoThrough) {
  CacheBench b;
  b.ext.mem_type = arch::MemType::kNormalWriteThrough;
  EXPECT_EQ(b.read(0x40), Cycles(kHit + kBus + kMem));  // read miss allocates
  EXPECT_TRUE(b.cache.contains(PhysAddr(0x40)));
  // Write hit: the line stays clean and the write goes to the bus (one
  // transaction, its full latency).
  const uint64_t bus0 = b.bus.stats().transactions;
  EXPECT_EQ(b.write(0x48, 0x1122334455667788), Cycles(kHit + kBus + kMem));
  EXPECT_EQ(b.bus.stats().transactions, bus0 + 1);
  EXPECT_FALSE(b.cache.is_dirty(PhysAddr(0x40)));
  EXPECT_EQ(b.cache.stats().write_hits, 1u);
  EXPECT_EQ(b.cache.stats().write_throughs, 1u);
  uint64_t in_dram = 0;
  b.dram.storage().read(0x48, reinterpret_cast<uint8_t*>(&in_dram), 8);
  EXPECT_EQ(in_dram, 0x1122334455667788u);
  EXPECT_EQ(b.read(0x48), Cycles(kHit));  // and reads hit the line
  EXPECT_EQ(b.data, 0x1122334455667788u);
  // Write miss: no allocation by default.
  EXPECT_EQ(b.write(0x1000, 7), Cycles(kHit + kBus + kMem));
  EXPECT_FALSE(b.cache.contains(PhysAddr(0x1000)));
  EXPECT_EQ(b.cache.stats().write_misses, 1u);
  EXPECT_EQ(b.cache.stats().writebacks, 0u);
}

TEST(CacheWriteThrough, WriteAllocateWhenConfigured) {
  CacheBench b(8, true);
  b.ext.mem_type = arch::MemType::kNormalWriteThrough;
  // Fill, then the write through: two bus transactions.
  EXPECT_EQ(b.write(0x1000, 7), Cycles(kHit + 2 * (kBus + kMem)));
  EXPECT_TRUE(b.cache.contains(PhysAddr(0x1000)));
  EXPECT_FALSE(b.cache.is_dirty(PhysAddr(0x1000)));
  EXPECT_EQ(b.bus.stats().transactions, 2u);
}

TEST(CacheRom, StoreToACachedRomLineIsRefusedAndLeavesItClean) {
  CacheBench b;
  EXPECT_EQ(b.read(0x10'0040), Cycles(kHit + kBus + kMem));  // Normal WB: cached
  ASSERT_TRUE(b.cache.contains(PhysAddr(0x10'0040)));
  b.write(0x10'0040, 0xff);  // hits the cached line
  EXPECT_EQ(b.trans.get_response_status(), tlm::TLM_COMMAND_ERROR_RESPONSE);
  EXPECT_FALSE(b.cache.is_dirty(PhysAddr(0x10'0040)));
  EXPECT_EQ(b.cache.stats().refused_writes, 1u);
  b.read(0x10'0040);
  EXPECT_EQ(b.trans.get_response_status(), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(b.data, 0u);  // the ROM's bytes, unchanged
  // A store that misses fills the line, then is refused the same way.
  b.write(0x10'0100, 1);
  EXPECT_EQ(b.trans.get_response_status(), tlm::TLM_COMMAND_ERROR_RESPONSE);
  EXPECT_TRUE(b.cache.contains(PhysAddr(0x10'0100)));
  EXPECT_FALSE(b.cache.is_dirty(PhysAddr(0x10'0100)));
  // Non-cacheable: the ROM itself refuses the write.
  b.ext.mem_type = arch::MemType::kNormalNonCacheable;
  b.write(0x10'0000, 1);
  EXPECT_EQ(b.trans.get_response_status(), tlm::TLM_COMMAND_ERROR_RESPONSE);
  EXPECT_EQ(b.rom.stats().write_errors, 1u);
}

TEST(CacheDevice, PartOfAnUnalignedAccessIsAnAlignmentFaultThatReachesNothing) {
  CacheBench b;
  b.ext.mem_type = arch::MemType::kDeviceNGnRE;
  b.ext.unaligned = true;
  b.read(0x40);
  EXPECT_EQ(b.trans.get_response_status(), tlm::TLM_GENERIC_ERROR_RESPONSE);
  EXPECT_EQ(b.ext.fault.kind, arch::FaultKind::kAlignment);
  EXPECT_EQ(b.bus.stats().transactions, 0u);
  EXPECT_EQ(b.cache.stats().device_alignment_faults, 1u);
}

TEST(CacheDevice, WaitsUntilOlderAccessesCompleted) {
  CacheBench b;
  b.ext.mem_type = arch::MemType::kDeviceGRE;
  b.ext.older_done = 500;
  EXPECT_EQ(b.read(0x40), Cycles(500 + kBus + kMem));
  EXPECT_EQ(b.cache.stats().device_waits, 1u);
  b.ext.older_done = 0;
  EXPECT_EQ(b.read(0x40), Cycles(kBus + kMem));
  EXPECT_EQ(b.cache.stats().device_waits, 1u);
  EXPECT_EQ(b.cache.stats().device_accesses, 2u);
}

}  // namespace
}  // namespace mmusim
