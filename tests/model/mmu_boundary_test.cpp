// The Mmu on a platform of a test's own: a plain TLM initiator (no mmusim
// extension) in front, a memory target of the test's own behind (page tables
// written by the test, raw descriptors), the registers set through the Mmu's
// method interface, faults read back as TLM responses and Mmu::last_fault(),
// and errors as sc_reports of type mmusim/... .
#include <gtest/gtest.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstring>
#include <string>
#include <vector>

#include "model/mem/bus.h"
#include "model/mem/cache.h"
#include "model/mem/dram.h"
#include "model/mmu/mmu.h"
#include "tests/model/test_initiator.h"

namespace mmusim {
namespace {

using sc_core::sc_time;
using tlm::tlm_generic_payload;

// 64 KB of memory at physical 0: reads and writes by the bytes, debug
// transport too; PAs at or above kRefusedFrom answer TLM_ADDRESS_ERROR_RESPONSE.
// Records what each transaction carried, so a test sees what reached memory.
struct TestMemory : sc_core::sc_module {
  static constexpr uint64_t kSize = 0x10000, kRefusedFrom = 0xf000;
  // The MMU's data, fetch and descriptor ports.
  tlm_utils::simple_target_socket<TestMemory> data{"data"}, fetch{"fetch"}, walk{"walk"};
  std::vector<uint8_t> bytes = std::vector<uint8_t>(kSize, 0);
  unsigned transactions = 0;
  uint64_t last_address = 0;
  bool last_had_ext = false;
  arch::MemType last_mem_type = arch::MemType::kNormalWriteBack;
  arch::MemType last_walker_mem_type = arch::MemType::kNormalWriteBack;  // of a descriptor access

  explicit TestMemory(sc_core::sc_module_name name) : sc_module(name) {
    for (auto* s : {&data, &fetch, &walk}) {
      s->register_b_transport(this, &TestMemory::b_transport);
      s->register_transport_dbg(this, &TestMemory::transport_dbg);
    }
  }
  void put64(uint64_t pa, uint64_t v) { std::memcpy(&bytes[pa], &v, 8); }
  uint64_t get64(uint64_t pa) const {
    uint64_t v;
    std::memcpy(&v, &bytes[pa], 8);
    return v;
  }

 private:
  bool move(tlm_generic_payload& t) {
    const uint64_t a = t.get_address();
    const unsigned len = t.get_data_length();
    if (a >= kRefusedFrom || a + len > kRefusedFrom) {
      t.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return false;
    }
    if (t.is_read()) std::memcpy(t.get_data_ptr(), &bytes[a], len);
    if (t.is_write()) std::memcpy(&bytes[a], t.get_data_ptr(), len);
    t.set_response_status(tlm::TLM_OK_RESPONSE);
    return true;
  }
  void b_transport(tlm_generic_payload& t, sc_time&) {
    ++transactions;
    last_address = t.get_address();
    const AccessExt* ext = t.get_extension<AccessExt>();
    last_had_ext = ext != nullptr;
    if (ext) last_mem_type = ext->mem_type;
    if (ext && ext->requester == Requester::kWalker) last_walker_mem_type = ext->mem_type;
    move(t);
  }
  unsigned transport_dbg(tlm_generic_payload& t) { return move(t) ? t.get_data_length() : 0; }
};

// An initiator that knows nothing of mmusim: plain payloads, no extension.
struct PlainInitiator : test::TestInitiator {
  explicit PlainInitiator(sc_core::sc_module_name name) : TestInitiator(name, false) {}
  tlm::tlm_response_status status() const { return trans.get_response_status(); }
};

// Raw VMSAv8-64 descriptors (4 KB granule), as a platform's own code would write them.
constexpr uint64_t kTable = 0b11, kPage = 0b11, kAf = 1u << 10, kInner = 0b11u << 8, kNg = 1u << 11;
constexpr uint64_t kApRwEl0 = 0b01u << 6, kApRoEl0 = 0b11u << 6;
constexpr uint64_t kUxn = uint64_t{1} << 54;
// Tables: L0 at 0x1000, L1 at 0x2000, L2 at 0x3000, L3 at 0x4000.
constexpr uint64_t kL0 = 0x1000, kL1 = 0x2000, kL2 = 0x3000, kL3 = 0x4000;
constexpr uint64_t kVa = 0x0000'0000'4000'0000;  // L0 index 0, L1 index 1, L2 0, L3 0
constexpr uint64_t kAsid = 7;
// The TCR_EL1 of a Linux-like kernel on this model: T0SZ 16, IRGN0/ORGN0
// write-back write-allocate, SH0 inner, TG0 4 KB, EPD1, IPS 48 bits, AS.
constexpr uint64_t kTcr = 16 | 0b01u << 8 | 0b01u << 10 | 0b11u << 12 | 1u << 23 |
                          uint64_t{0b101} << 32 | uint64_t{1} << 36;

MmuParams params() {
  MmuParams p;
  p.l1_itlb = TlbParams::unified(16, 16, 1);
  p.l1_dtlb = TlbParams::unified(16, 16, 1);
  p.l2_tlb = TlbParams::unified(64, 4, 4);
  p.walker.step_latency_cycles = 2;
  p.walker.walk_cache.mode = WalkCacheMode::kNone;
  return p;
}

struct Platform {
  Clock clock{2000.0};  // 500 ps a cycle
  PlainInitiator cpu{"cpu"};
  Mmu mmu{"mmu", params(), clock};
  TestMemory memory{"memory"};

  Platform() {
    cpu.socket.bind(mmu.cpu);
    mmu.mem.bind(memory.data);
    mmu.imem.bind(memory.fetch);
    mmu.walker.mem.bind(memory.walk);
    // The tables: VA kVa + i*4K -> PA 0x8000 + i*4K for page i: 0 RW at EL0,
    // 1 read-only at EL0, 2 RW but execute-never at EL0, 3 RW at a PA the
    // memory refuses; 4 is not mapped.
    memory.put64(kL0 + 0 * 8, kL1 | kTable);
    memory.put64(kL1 + 1 * 8, kL2 | kTable);
    memory.put64(kL2 + 0 * 8, kL3 | kTable);
    const uint64_t attrs = kPage | kAf | kInner | kNg;  // AttrIndx 0
    memory.put64(kL3 + 0 * 8, 0x8000 | attrs | kApRwEl0);
    memory.put64(kL3 + 1 * 8, 0x9000 | attrs | kApRoEl0);
    memory.put64(kL3 + 2 * 8, 0xa000 | attrs | kApRwEl0 | kUxn);
    memory.put64(kL3 + 3 * 8, 0xf000 | attrs | kApRwEl0);
    EXPECT_TRUE(mmu.set_tcr(kTcr));
    mmu.set_mair(0xff);  // AttrIndx 0: Normal write-back
    EXPECT_TRUE(mmu.set_ttbr0_el1(kAsid << 48 | kL0));
    sc_core::sc_start(sc_core::SC_ZERO_TIME);
  }
  sc_time cycles(uint64_t n) const { return clock.to_time(Cycles(n)); }
};

TEST(MmuBoundary, PlainPayloadIsAnEl0DataAccessWalkedInTheInitiatorsOwnMemory) {
  Platform p;
  EXPECT_EQ(p.mmu.ttbr0(), PhysAddr(kL0));
  EXPECT_EQ(p.mmu.asid(), Asid(kAsid));
  p.cpu.data = 0x1122'3344'5566'7788;
  // L1 DTLB miss (1) + L2 miss (4) + four levels of 2 cycles, memory answering at once.
  EXPECT_EQ(p.cpu.go(tlm::TLM_WRITE_COMMAND, kVa + 0x18), p.cycles(1 + 4 + 4 * 2));
  EXPECT_EQ(p.cpu.status(), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(p.memory.get64(0x8018), 0x1122'3344'5566'7788u);
  // The physical access carried the MMU's extension (its memory type), the
  // payload came back without it.
  EXPECT_EQ(p.memory.last_address, 0x8018u);
  EXPECT_TRUE(p.memory.last_had_ext);
  EXPECT_EQ(p.memory.last_mem_type, arch::MemType::kNormalWriteBack);
  EXPECT_EQ(p.cpu.trans.get_extension<AccessExt>(), nullptr);
  EXPECT_FALSE(p.mmu.last_fault().valid);

  p.cpu.data = 0;
  EXPECT_EQ(p.cpu.go(tlm::TLM_READ_COMMAND, kVa + 0x18), p.cycles(1));  // L1 DTLB hit
  EXPECT_EQ(p.cpu.data, 0x1122'3344'5566'7788u);
  EXPECT_EQ(p.cpu.trans.get_address(), kVa + 0x18);  // the VA is restored
  const Tlb& dtlb = p.mmu.l1_dtlb();
  EXPECT_EQ(dtlb.stats().hits, 1u);
  EXPECT_EQ(dtlb.stats().misses, 1u);
  EXPECT_EQ(p.mmu.stats().accesses, 2u);
  EXPECT_EQ(p.mmu.l1_itlb().stats().misses, 0u);  // a plain payload is never a fetch
  // Four descriptor reads and the two data accesses.
  EXPECT_EQ(p.memory.transactions, 6u);
}

TEST(MmuBoundary, FaultsComeBackAsResponsesWithTheSyndrome) {
  Platform p;
  const unsigned before = p.memory.transactions;
  // A store to a page read-only at EL0: permission fault, level 3, no memory access.
  p.cpu.go(tlm::TLM_WRITE_COMMAND, kVa + 0x1008);
  EXPECT_EQ(p.cpu.status(), tlm::TLM_GENERIC_ERROR_RESPONSE);
  EXPECT_EQ(p.memory.transactions, before + 4);  // the walk, and nothing else
  MmuFault f = p.mmu.last_fault();
  EXPECT_TRUE(f.valid);
  EXPECT_EQ(f.va, VirtAddr(kVa + 0x1008));
  EXPECT_EQ(f.kind, arch::FaultKind::kPermission);
  EXPECT_EQ(f.level, 3);
  EXPECT_TRUE(f.write);
  EXPECT_FALSE(f.fetch);
  EXPECT_EQ(f.el, arch::ExceptionLevel::kEl0);
  EXPECT_EQ(f.fsc, 0b001111);      // permission fault, level 3
  EXPECT_EQ(f.iss, 0x4fu);         // WnR | DFSC
  EXPECT_EQ(f.esr, 0x9200'004fu);  // EC 0x24 (Data Abort from EL0), IL
  EXPECT_EQ(f.response, tlm::TLM_GENERIC_ERROR_RESPONSE);

  // A load from a page not mapped: translation fault at level 3.
  p.cpu.go(tlm::TLM_READ_COMMAND, kVa + 0x4000);
  f = p.mmu.last_fault();
  EXPECT_EQ(p.cpu.status(), tlm::TLM_GENERIC_ERROR_RESPONSE);
  EXPECT_EQ(f.kind, arch::FaultKind::kTranslation);
  EXPECT_EQ(f.level, 3);
  EXPECT_FALSE(f.write);
  EXPECT_EQ(f.esr, 0x9200'0007u);
  // Beyond the mapped L1 entry: the walk stops at the empty L1 descriptor.
  p.cpu.go(tlm::TLM_READ_COMMAND, 0x8000'0000);  // L1 index 2
  EXPECT_EQ(p.mmu.last_fault().level, 1);
  EXPECT_EQ(p.mmu.last_fault().esr, 0x9200'0005u);

  // A page whose physical address the memory refuses: synchronous external
  // abort, with the memory's own response.
  p.cpu.go(tlm::TLM_READ_COMMAND, kVa + 0x3000);
  EXPECT_EQ(p.cpu.status(), tlm::TLM_ADDRESS_ERROR_RESPONSE);
  f = p.mmu.last_fault();
  EXPECT_EQ(f.kind, arch::FaultKind::kExternal);
  EXPECT_EQ(f.level, -1);
  EXPECT_EQ(f.fsc, 0b010000);
  EXPECT_EQ(f.esr, 0x9200'0010u);
  EXPECT_EQ(f.response, tlm::TLM_ADDRESS_ERROR_RESPONSE);

  // A success makes last_fault() invalid again.
  p.cpu.go(tlm::TLM_READ_COMMAND, kVa);
  EXPECT_EQ(p.cpu.status(), tlm::TLM_OK_RESPONSE);
  EXPECT_FALSE(p.mmu.last_fault().valid);
  EXPECT_EQ(p.mmu.stats().faults_by_kind[static_cast<int>(arch::FaultKind::kPermission)], 1u);
  EXPECT_EQ(p.mmu.stats().faults_by_kind[static_cast<int>(arch::FaultKind::kTranslation)], 2u);
  EXPECT_EQ(p.mmu.stats().faults_by_kind[static_cast<int>(arch::FaultKind::kExternal)], 1u);
}

TEST(MmuBoundary, AnAccessExtSaysFetchOrEl1) {
  Platform p;
  AccessExt& ext = p.cpu.ext;  // now attached to the payload
  ext.kind = arch::AccessKind::kFetch;
  p.cpu.trans.set_extension(&ext);
  // A fetch from an execute-never page at EL0: an Instruction Abort.
  p.cpu.go(tlm::TLM_READ_COMMAND, kVa + 0x2000, 4);
  EXPECT_EQ(p.cpu.status(), tlm::TLM_GENERIC_ERROR_RESPONSE);
  MmuFault f = p.mmu.last_fault();
  EXPECT_TRUE(f.fetch);
  EXPECT_EQ(f.kind, arch::FaultKind::kPermission);
  EXPECT_EQ(f.esr, 0x8200'000fu);     // EC 0x20 (Instruction Abort from EL0), IL, IFSC
  EXPECT_EQ(ext.fault.esr(), f.esr);  // the extension carries the same syndrome
  EXPECT_EQ(p.mmu.l1_itlb().stats().misses, 1u);
  // Without PAN (not modelled) EL1 reads what EL0 may read: a load at EL1 succeeds.
  ext.kind = arch::AccessKind::kRead;
  ext.el = arch::ExceptionLevel::kEl1;
  p.cpu.go(tlm::TLM_READ_COMMAND, kVa + 0x1000);
  EXPECT_EQ(p.cpu.status(), tlm::TLM_OK_RESPONSE);
  // An EL1 store to the EL0-read-only page: a Data Abort taken from the same EL.
  ext.kind = arch::AccessKind::kWrite;
  p.cpu.go(tlm::TLM_WRITE_COMMAND, kVa + 0x1000);
  EXPECT_EQ(p.mmu.last_fault().esr, 0x9600'004fu);  // EC 0x25
}

TEST(MmuBoundary, AnAccessAcrossAPageIsRefusedUntranslated) {
  Platform p;
  p.cpu.go(tlm::TLM_READ_COMMAND, kVa + 0xffc, 8);
  EXPECT_EQ(p.cpu.status(), tlm::TLM_BURST_ERROR_RESPONSE);
  EXPECT_FALSE(p.mmu.last_fault().valid);
  EXPECT_EQ(p.mmu.stats().accesses, 0u);
  p.cpu.go(tlm::TLM_IGNORE_COMMAND, kVa);
  EXPECT_EQ(p.cpu.status(), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(p.mmu.stats().accesses, 0u);
}

std::string refused_tcr(Mmu& mmu, uint64_t value) {
  try {
    mmu.set_tcr(value);
  } catch (const sc_core::sc_report& e) {
    EXPECT_STREQ(e.get_msg_type(), "mmusim/mmu");
    EXPECT_EQ(e.get_severity(), sc_core::SC_ERROR);
    return e.get_msg();
  }
  return "accepted";
}

TEST(MmuBoundary, SetTcrRefusesWhatTheModelCannotDoNamingTheField) {
  Platform p;
  EXPECT_EQ(p.mmu.tcr(), kTcr);
  const uint64_t tg0_16k = (kTcr & ~(uint64_t{3} << 14)) | uint64_t{0b10} << 14;
  EXPECT_EQ(refused_tcr(p.mmu, tg0_16k),
            "mmu: TCR_EL1 0x000000150080b510: TG0 = 0b10: only the 4 KB granule (TG0 = 0b00) "
            "is modelled");
  EXPECT_EQ(refused_tcr(p.mmu, (kTcr & ~uint64_t{63}) | 25),
            "mmu: TCR_EL1 0x0000001500803519: T0SZ = 25: the walker starts at level 0 with "
            "48-bit virtual addresses only (T0SZ = 16)");
  EXPECT_EQ(refused_tcr(p.mmu, kTcr & ~(uint64_t{1} << 23)),
            "mmu: TCR_EL1 0x0000001500003510: EPD1 = 0: TTBR1 walks are not modelled (set EPD1 = "
            "1: addresses above the TTBR0 range take a translation fault)");
  EXPECT_EQ(refused_tcr(p.mmu, kTcr | uint64_t{1} << 39),
            "mmu: TCR_EL1 0x0000009500803510: HA = 1, HD = 0: hardware access-flag and "
            "dirty-state updates are modelled together (both or neither)");
  EXPECT_EQ(p.mmu.tcr(), kTcr);  // nothing refused changed anything

  // IRGN0 = 0b00: descriptor reads become non-cacheable; HA and HD: FEAT_HAFDBS.
  const uint64_t nc_hafdbs = (kTcr & ~(uint64_t{3} << 8)) | uint64_t{3} << 39;
  EXPECT_TRUE(p.mmu.set_tcr(nc_hafdbs));
  EXPECT_EQ(p.mmu.tcr(), nc_hafdbs);
  EXPECT_EQ(p.mmu.walker.params().walk_mem_type, arch::MemType::kNormalNonCacheable);
  EXPECT_TRUE(p.mmu.walker.params().hafdbs);
  // A walk now reads its descriptors as non-cacheable, and sets AF in memory.
  p.memory.put64(kL3 + 0 * 8, p.memory.get64(kL3) & ~kAf);
  p.cpu.go(tlm::TLM_READ_COMMAND, kVa);
  EXPECT_EQ(p.cpu.status(), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(p.memory.get64(kL3) & kAf, kAf);
  EXPECT_EQ(p.memory.last_walker_mem_type, arch::MemType::kNormalNonCacheable);
  EXPECT_EQ(p.mmu.walker.stats().hw_af_updates, 1u);
}

TEST(MmuBoundary, SetTtbr0El1TakesTheRegisterValue) {
  Platform p;
  EXPECT_TRUE(p.mmu.set_ttbr0_el1(uint64_t{0x1234} << 48 | 0x5000 | 1));  // CnP ignored
  EXPECT_EQ(p.mmu.ttbr0(), PhysAddr(0x5000));
  EXPECT_EQ(p.mmu.asid(), Asid(0x1234));
  EXPECT_EQ(p.mmu.ttbr0_el1(), uint64_t{0x1234} << 48 | 0x5000);
  try {
    p.mmu.set_ttbr0_el1(0x5010);
    FAIL() << "a misaligned table was accepted";
  } catch (const sc_core::sc_report& e) {
    EXPECT_STREQ(e.get_msg(),
                 "mmu: TTBR0_EL1 0x0000000000005010: BADDR[11:1] = 0x8: the level-0 table must "
                 "be 4 KB aligned");
  }
  EXPECT_EQ(p.mmu.ttbr0(), PhysAddr(0x5000));
}

// Collects reports instead of throwing: what a platform with its own report
// handler sees of the model's errors.
std::vector<std::string> g_reports;
void collect(const sc_core::sc_report& r, const sc_core::sc_actions&) {
  g_reports.push_back(std::string(r.get_msg_type()) + " " +
                      std::to_string(static_cast<int>(r.get_severity())) + " " + r.get_msg());
}

TEST(MmuBoundary, ErrorsGoThroughTheReportHandlerWithTheirMessageType) {
  Platform p;
  sc_core::sc_report_handler::set_handler(collect);
  const bool applied = p.mmu.set_tcr(kTcr | uint64_t{1} << 37);  // TBI0
  sc_core::sc_report_handler::set_handler(sc_core::sc_report_handler::default_handler);
  EXPECT_FALSE(applied);
  ASSERT_EQ(g_reports.size(), 1u);
  EXPECT_EQ(g_reports[0],
            "mmusim/mmu 2 mmu: TCR_EL1 0x0000003500803510: TBI0 = 1: top-byte-ignore is not "
            "modelled");
  EXPECT_EQ(p.mmu.tcr(), kTcr);
}

TEST(MmuBoundary, ConstructorParametersAreCheckedAsReports) {
  Clock clock;
  MmuParams bad = params();
  bad.l1_dtlb = TlbParams::unified(12, 4, 1);  // 3 sets
  try {
    Mmu mmu("mmu", bad, clock);
    FAIL() << "an impossible TLB geometry was accepted";
  } catch (const sc_core::sc_report& e) {
    EXPECT_STREQ(e.get_msg_type(), "mmusim/mmu");
    EXPECT_STREQ(e.get_msg(), "mmu.l1_dtlb.ways: entries / ways must be a power of two");
  }
}

// The L1 and the bus take plain payloads too: Normal write-back memory, cached.
TEST(MmuBoundary, CacheAndBusTakePlainPayloadsAsNormalWriteBack) {
  Clock clock{2000.0};
  PlainInitiator cpu("cpu");
  Cache l1("l1", CacheParams{4096, 2, 64, 3}, clock);
  Bus bus("bus", BusParams{5}, clock);
  Dram dram("dram", DramParams{1 << 20, 50, 50}, clock);
  cpu.socket.bind(l1.target);
  l1.next.bind(bus.target);
  bus.map("dram", PhysAddr(0x4000'0000), 1 << 20, dram.socket);
  sc_core::sc_start(sc_core::SC_ZERO_TIME);
  cpu.data = 42;
  EXPECT_EQ(cpu.go(tlm::TLM_WRITE_COMMAND, 0x4000'0100), clock.to_time(Cycles(3 + 5 + 50)));
  EXPECT_EQ(cpu.status(), tlm::TLM_OK_RESPONSE);
  cpu.data = 0;
  EXPECT_EQ(cpu.go(tlm::TLM_READ_COMMAND, 0x4000'0100), clock.to_time(Cycles(3)));  // a hit
  EXPECT_EQ(cpu.data, 42u);
  EXPECT_TRUE(l1.is_dirty(PhysAddr(0x4000'0100)));
  // An address the bus does not decode: the bus's error, through the cache.
  cpu.go(tlm::TLM_READ_COMMAND, 0x1000);
  EXPECT_EQ(cpu.status(), tlm::TLM_ADDRESS_ERROR_RESPONSE);
}

}  // namespace
}  // namespace mmusim
