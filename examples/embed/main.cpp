// A SystemC platform of its own with mmusim's MMU in it (docs/embedding.md walks through it):
//
//   TrafficGenerator --> Mmu.cpu   Mmu.mem --> AddressMonitor --> Cache (L1D) --> Memory
//                                  Mmu.imem ---------------------> Cache
//                                  Mmu.walker.mem ---------------> Cache (descriptor reads)
//
// The initiator, the memory, the monitor and the page tables are the example's own: the tables
// are built in its memory before the simulation starts, and one page is mapped on demand when an
// access faults. The Mmu and the Cache come from the installed mmusim package
// (find_package(mmusim), mmusim::model). It prints each access with its translation, the faults
// and what its software did about them, and the statistics of the Mmu and the cache.
#include <cstdint>
#include <cstdio>
#include <systemc>

#include <mmusim/model/mem/cache.h>
#include <mmusim/model/mmu/mmu.h>
#include <mmusim/model/sim/clock.h>
#include <mmusim/model/sim/report.h>
#include <mmusim/model/stats/dump.h>
#include <mmusim/version.h>

#include "memory.h"
#include "monitor.h"
#include "page_tables.h"
#include "traffic.h"

namespace {

// Physical memory: 8 MB of RAM; page tables in its first 64 KB, data frames above.
constexpr uint64_t kRamBase = 0x8000'0000;
constexpr uint64_t kRamSize = 8 << 20;
constexpr uint64_t kTables = kRamBase;
constexpr uint64_t kTablesEnd = kRamBase + 0x1'0000;

// The virtual address space (ASID 5):
constexpr uint16_t kAsid = 5;
constexpr uint64_t kData = 0x40'0000;         // two read/write pages -> 0x8010_0000, 0x8010_1000
constexpr uint64_t kRodata = 0x50'0000;       // one read-only page   -> 0x8020_0000
constexpr uint64_t kHeap = 0x60'0000;         // not mapped: the first access faults, then it is
constexpr uint64_t kHeapFrame = 0x8030'0000;  //                     mapped to this frame
constexpr uint64_t kBlock = 0x4000'0000;      // a 2 MB block         -> 0x8040_0000

// TCR_EL1 as the Mmu models it (Arm ARM D17.2): T0SZ = 16 (48-bit VAs, the walk starts at level
// 0), IRGN0 = ORGN0 = 0b01 (descriptor reads are write-back cacheable: through the L1D),
// SH0 = 0b11, TG0 = 0b00 (4 KB granule), EPD1 = 1 (no TTBR1 walks), IPS = 0b101 (48-bit PAs),
// AS = 1 (16-bit ASIDs).
constexpr uint64_t kTcr = 16 | uint64_t{0b01} << 8 | uint64_t{0b01} << 10 | uint64_t{0b11} << 12 |
                          uint64_t{1} << 23 | uint64_t{0b101} << 32 | uint64_t{1} << 36;

mmusim::CacheParams l1d_params() {
  mmusim::CacheParams p;
  p.size_bytes = 16 * 1024;
  p.ways = 4;
  p.hit_latency_cycles = 2;
  return p;
}

mmusim::MmuParams mmu_params() {
  mmusim::MmuParams p;
  p.l1_dtlb = mmusim::TlbParams::unified(16, 16, 1);  // 16 entries, fully associative, 1 cycle
  p.l2_tlb = mmusim::TlbParams::unified(256, 4, 6);
  p.walker.step_latency_cycles = 2;
  return p;
}

std::vector<Access> program() {
  return {
      {true, kData + 0x10, 0x11},  {false, kData + 0x10, 0},   {true, kData + 0x1008, 0x22},
      {false, kBlock + 0x1234, 0}, {false, kRodata + 0x40, 0}, {true, kRodata + 0x40, 0x33},
      {true, kHeap + 0x8, 0x44},   {false, kHeap + 0x8, 0},
  };
}

class Platform : public sc_core::sc_module {
 public:
  mmusim::Clock clock{1000.0};  // MHz: one cycle is 1 ns
  Memory memory{"memory", kRamBase, kRamSize, sc_core::sc_time(50, sc_core::SC_NS)};
  mmusim::Cache l1d{"l1d", l1d_params(), clock};
  AddressMonitor monitor{"monitor"};
  mmusim::Mmu mmu{"mmu", mmu_params(), clock};
  PageTables tables{memory, kTables, kTablesEnd};
  TrafficGenerator cpu{"cpu", program(), mmu,
                       [this](const mmusim::MmuFault& f) { return handle_fault(f); },
                       [this] { return monitor.last_address(); }};

  explicit Platform(sc_core::sc_module_name name) : sc_core::sc_module(name) {
    cpu.socket.bind(mmu.cpu);
    mmu.mem.bind(monitor.in);
    monitor.out.bind(l1d.target);
    mmu.imem.bind(l1d.target);
    mmu.walker.mem.bind(l1d.target);
    l1d.next.bind(memory.socket);

    using A = PageTables::Access;
    tables.map_page(kData, 0x8010'0000, A::kReadWrite);
    tables.map_page(kData + 0x1000, 0x8010'1000, A::kReadWrite);
    tables.map_page(kRodata, 0x8020'0000, A::kReadOnly);
    tables.map_block_2m(kBlock, 0x8040'0000, A::kReadWrite);
    memory.write64(0x8040'1230, uint64_t{0xab} << 32);  // byte 0xab at PA 0x8040_1234

    // The registers, as boot code would set them before enabling the MMU.
    mmu.set_mair(PageTables::kMair);
    mmu.set_tcr(kTcr);
    mmu.set_ttbr0_el1(uint64_t{kAsid} << 48 | tables.root());
  }

 private:
  // The platform's software: a translation fault in the heap maps its page (the access is
  // retried); anything else is not handled (the access is dropped).
  bool handle_fault(const mmusim::MmuFault& f) {
    const uint64_t page = f.va.value() & ~uint64_t{0xfff};
    if (f.kind == mmusim::arch::FaultKind::kTranslation && page == kHeap) {
      tables.map_page(page, kHeapFrame, PageTables::Access::kReadWrite);
      std::printf("  handled: mapped VA 0x%llx -> PA 0x%llx, retrying\n",
                  static_cast<unsigned long long>(page),
                  static_cast<unsigned long long>(kHeapFrame));
      return true;
    }
    std::printf("  not handled: the access is dropped\n");
    return false;
  }
};

// The platform's report handler: a report on one line (mmusim's modules report through
// sc_report, with message types mmusim/mmu, mmusim/cache, ...), then SystemC's own handling of
// the other actions (throw, stop, abort).
void one_line_reports(const sc_core::sc_report& report, const sc_core::sc_actions& actions) {
  static const char* const kSeverity[] = {"info", "warning", "error", "fatal"};
  if (actions & sc_core::SC_DISPLAY)
    std::printf("[%s] %s: %s\n", kSeverity[report.get_severity()], report.get_msg_type(),
                report.get_msg());
  sc_core::sc_report_handler::default_handler(report, actions & ~sc_core::SC_DISPLAY);
}

}  // namespace

int sc_main(int, char*[]) {
  sc_core::sc_report_handler::set_handler(one_line_reports);
  std::printf(
      "mmusim %s embedded: TLM traffic through its Mmu and Cache into the platform's memory\n",
      MMUSIM_VERSION);
  Platform platform("platform");

  // A register value the model cannot honour is an error of type mmusim/mmu, which throws by
  // default; this platform only logs those, and the register keeps its value.
  sc_core::sc_report_handler::set_actions(mmusim::report::kMmu, sc_core::SC_ERROR,
                                          sc_core::SC_DISPLAY);
  const bool accepted = platform.mmu.set_tcr(kTcr | uint64_t{0b01} << 14);  // TG0: 64 KB granule
  std::printf("set_tcr with a 64 KB granule %s; TCR_EL1 is 0x%016llx\n",
              accepted ? "accepted" : "refused",
              static_cast<unsigned long long>(platform.mmu.tcr()));

  sc_core::sc_start();

  std::printf("%u accesses completed, %u refused, %llu memory transactions\n",
              platform.cpu.completed(), platform.cpu.refused(),
              static_cast<unsigned long long>(platform.memory.transactions()));
  std::printf("simulated time: %s\n", sc_core::sc_time_stamp().to_string().c_str());

  // The statistics. Each module registers its counters (name, unit, description) in a group of
  // the platform's choosing; the Mmu's group holds its TLBs', walker's and walk cache's too.
  mmusim::stats::Group mmu_stats("platform.mmu");
  platform.mmu.register_stats(mmu_stats);
  std::printf("%s\n", mmusim::stats::to_value(mmu_stats).to_json().c_str());
  // The counters can be read directly as well.
  const mmusim::CacheStats& l1d = platform.l1d.stats();
  std::printf("l1d: %llu hits, %llu misses, %llu write-backs\n",
              static_cast<unsigned long long>(l1d.hits()),
              static_cast<unsigned long long>(l1d.misses()),
              static_cast<unsigned long long>(l1d.writebacks));
  return 0;
}
