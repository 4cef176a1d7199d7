// Memory types through the whole platform (CPU port -> MMU -> L1D -> bus ->
// device): device registers mapped into a process by the io_remap path see
// each access exactly once, in order, never speculatively, never merged or
// repeated, with cpu.window > 1 and across a fault and its retry; unaligned
// Device accesses are alignment faults (SIGBUS) that reach nothing; a store
// to ROM is a bus error (SIGBUS) that leaves the cached line unchanged.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>

#include "system/platform.h"
#include "tests/model/test_initiator.h"

#include "tests/model/fn_workload.h"

namespace mmusim {
namespace {

using arch::AccessKind;
using namespace sw::abi;

constexpr uint64_t kVa = 0x1000'0000'0000;

using test::FnWorkload;

PlatformParams windowed(unsigned window) {
  PlatformParams p;
  p.cpu.window = window;
  p.timer_divider = 1;  // COUNT is the CPU cycle of the access
  return p;
}

// Maps `name` at `va` with MAIR index `attr` (populated now, or on first touch).
void iomap(CpuPort& cpu, Platform& p, const std::string& name, uint64_t va, uint8_t attr,
           bool on_fault = false, int prot = kProtRead | kProtWrite) {
  for (const IoWindow& w : p.io_windows())
    if (w.name == name) {
      sw::IoRegion dev{w.name, w.base, w.size, attr, on_fault};
      const sw::SyscallResult r = kernel_of(cpu).io_remap(VirtAddr(va), arch::kPageSize, prot,
                                                          kMapShared | kMapFixed, dev, 0);
      ASSERT_EQ(r.value, static_cast<int64_t>(va));
      cpu.charge(r.cost);
      return;
    }
  FAIL() << "no device " << name;
}

AccessOutcome store(CpuPort& cpu, uint64_t va, unsigned size, uint64_t v) {
  uint8_t b[8];
  std::memcpy(b, &v, 8);
  return cpu.access(AccessKind::kWrite, VirtAddr(va), size, b);
}

// Private anonymous memory at `va`, populated (no faults on first touch).
void populated(CpuPort& cpu, uint64_t va, uint64_t len) {
  const sw::SyscallResult r =
      kernel_of(cpu).mmap(VirtAddr(va), len, kProtRead | kProtWrite,
                          kMapPrivate | kMapAnonymous | kMapFixed | kMapPopulate, -1, 0);
  ASSERT_EQ(r.value, static_cast<int64_t>(va));
  cpu.charge(r.cost);
}

uint64_t load(CpuPort& cpu, uint64_t va, unsigned size, AccessOutcome expect = AccessOutcome::kOk) {
  uint8_t b[8] = {};
  EXPECT_EQ(cpu.access(AccessKind::kRead, VirtAddr(va), size, b), expect);
  uint64_t v = 0;
  std::memcpy(&v, b, 8);
  return v;
}

TEST(MemType, UartBytesArriveExactlyOnceInOrderWithAWindowOf8) {
  Platform p("top", windowed(8));
  FnWorkload w([&](CpuPort& cpu) {
    iomap(cpu, p, "uart", kVa, arch::mt::kDeviceNGnRE);
    populated(cpu, kVa + 0x10000, 0x10000);
    const std::string text = "exactly once\n";
    for (size_t i = 0; i < text.size(); ++i) {
      // Normal stores between the device stores keep the window busy.
      ASSERT_EQ(store(cpu, kVa + 0x10000 + i * 64, 8, i), AccessOutcome::kOk);
      ASSERT_EQ(store(cpu, kVa, 1, static_cast<uint8_t>(text[i])), AccessOutcome::kOk);
    }
    EXPECT_EQ(p.uart.output(), text);
    EXPECT_EQ(p.uart.dr.writes(), text.size());
    EXPECT_EQ(p.uart.stats().writes, text.size());
    EXPECT_EQ(p.l1d.stats().device_accesses, text.size());
    EXPECT_EQ(cpu.stats().serialising_accesses, text.size());
    // Each transmitted byte raised STATUS0.UART once; nothing else did.
    EXPECT_EQ(p.status.status[0]->value(), StatusBlock::kUartBit);
  });
  p.run(w);
}

// A Device access waits for every older access (never speculative); an
// nGnRE one also holds back every younger access until it completes.
TEST(MemType, DeviceReadWaitsForAnOlderMissAndHoldsYoungerAccesses) {
  Platform p("top", windowed(8));
  FnWorkload w([&](CpuPort& cpu) {
    iomap(cpu, p, "timer", kVa, arch::mt::kDeviceNGnRE);
    populated(cpu, kVa + 0x10000, 0x1000);
    load(cpu, kVa, 8);  // warms the TLB for the timer page
    cpu.drain();
    const uint64_t t0 = cpu.now().count();
    const uint64_t cycles0 = cpu.stats().access_cycles;
    load(cpu, kVa + 0x10000, 8);  // an L1D miss to DRAM (TLB miss too)
    const uint64_t miss_done = t0 + (cpu.stats().access_cycles - cycles0);
    EXPECT_EQ(cpu.now().count(), t0 + 1);  // the window let the next access issue
    const uint64_t count = load(cpu, kVa, 8);
    // The timer saw the read only once the miss had completed: at its
    // completion plus the bus crossing (8 cycles), with divider 1.
    EXPECT_EQ(count, miss_done + p.params().bus.latency_cycles);
    EXPECT_EQ(p.l1d.stats().device_waits, 1u);
    // ... and nothing younger issued before it completed (timer latency 20).
    EXPECT_EQ(cpu.now().count(), count + p.params().timer.latency_cycles);
  });
  p.run(w);
}

TEST(MemType, DeviceGreWaitsForOlderAccessesButDoesNotHoldYoungerOnes) {
  Platform p("top", windowed(8));
  FnWorkload w([&](CpuPort& cpu) {
    iomap(cpu, p, "timer", kVa, arch::mt::kDeviceGRE);
    const uint64_t t0 = cpu.now().count();
    const uint64_t first = load(cpu, kVa, 8);  // TLB miss and walk, then the timer
    const uint64_t first_done = t0 + cpu.stats().access_cycles;
    EXPECT_EQ(first_done, first + p.params().timer.latency_cycles);
    const uint64_t before = cpu.now().count();
    EXPECT_EQ(before, t0 + 1);  // GRE holds nothing back: the next access issues
    const uint64_t second = load(cpu, kVa, 8);
    // ... but the second read itself waited for the first to complete.
    EXPECT_EQ(second, first_done + p.params().bus.latency_cycles);
    EXPECT_EQ(cpu.now().count(), before + 1);
    EXPECT_EQ(p.l1d.stats().device_waits, 1u);
    EXPECT_EQ(cpu.stats().serialising_accesses, 0u);
  });
  p.run(w);
}

TEST(MemType, FaultThenRetryReachesTheDeviceOnce) {
  Platform p("top", windowed(4));
  FnWorkload w([&](CpuPort& cpu) {
    // Fault-populated mappings (vmf_insert_pfn): the first access of each
    // page faults, the kernel inserts the frame, the access is retried.
    iomap(cpu, p, "uart", kVa, arch::mt::kDeviceNGnRnE, true);
    iomap(cpu, p, "status", kVa + 0x1000, arch::mt::kDeviceNGnRE, true);
    p.status.raise(2, 0x40);
    ASSERT_EQ(store(cpu, kVa, 1, 'A'), AccessOutcome::kOk);
    EXPECT_EQ(load(cpu, kVa + 0x1000 + 8, 4), 0x40u);  // STATUS2, read-to-clear
    EXPECT_EQ(cpu.stats().faults, 2u);
    EXPECT_EQ(kernel_of(cpu).stats().pfnmap_faults, 2u);
    EXPECT_EQ(p.uart.output(), "A");
    EXPECT_EQ(p.uart.dr.writes(), 1u);
    EXPECT_EQ(p.status.status[2]->reads(), 1u);
    EXPECT_EQ(load(cpu, kVa + 0x1000 + 8, 4), 0u);  // cleared by the one read
    EXPECT_EQ(p.status.stats().errors + p.uart.stats().errors, 0u);
  });
  p.run(w);
}

TEST(MemType, DebugReadThroughTheBusHasNoSideEffect) {
  Platform p("top");
  test::TestInitiator dbg("dbg");
  dbg.socket.bind(p.bus.target);
  FnWorkload w([&](CpuPort& cpu) {
    iomap(cpu, p, "status", kVa, arch::mt::kDeviceNGnRE);
    p.status.raise(0, 0x9);
    uint64_t v = 0;
    EXPECT_EQ(dbg.debug_read(p.params().status.base, v), 0u);  // 8 bytes: no such register
    uint32_t v4 = 0;
    dbg.trans.set_command(tlm::TLM_READ_COMMAND);
    dbg.trans.set_address(p.params().status.base);
    dbg.trans.set_data_ptr(reinterpret_cast<unsigned char*>(&v4));
    dbg.trans.set_data_length(4);
    EXPECT_EQ(dbg.socket->transport_dbg(dbg.trans), 4u);
    EXPECT_EQ(v4, 0x9u);
    EXPECT_EQ(dbg.socket->transport_dbg(dbg.trans), 4u);
    EXPECT_EQ(v4, 0x9u);
    EXPECT_EQ(p.status.status[0]->reads(), 0u);
    EXPECT_EQ(load(cpu, kVa, 4), 0x9u);  // the one bus read returns and clears
    EXPECT_EQ(load(cpu, kVa, 4), 0u);
    EXPECT_EQ(p.status.status[0]->reads(), 2u);
  });
  p.run(w);
}

TEST(MemType, UnalignedDeviceAccessesAreAlignmentFaultsThatReachNothing) {
  Platform p("top", windowed(8));
  FnWorkload w([&](CpuPort& cpu) {
    iomap(cpu, p, "status", kVa, arch::mt::kDeviceNGnRE);
    iomap(cpu, p, "uart", kVa + 0x1000, arch::mt::kDeviceNGnRE);
    p.status.raise(0, 1);
    load(cpu, kVa + 2, 4, AccessOutcome::kSigbus);  // misaligned: the MMU's check
    load(cpu, kVa, 3, AccessOutcome::kSigbus);      // not a power of two
    // Crosses into the UART page: both parts look aligned on their own.
    load(cpu, kVa + 0xffc, 8, AccessOutcome::kSigbus);
    EXPECT_EQ(store(cpu, kVa + 0xfff, 2, 0x4142), AccessOutcome::kSigbus);
    EXPECT_EQ(p.l1d.stats().device_accesses, 0u);  // nothing went to the bus
    EXPECT_EQ(p.status.stats().reads + p.status.stats().errors, 0u);
    EXPECT_EQ(p.uart.output(), "");
    EXPECT_EQ(cpu.stats().sigbus, 4u);
    // Each went through the kernel (do_alignment_fault), which sent the signal.
    EXPECT_EQ(kernel_of(cpu).stats().sigbus, 4u);
    EXPECT_EQ(kernel_of(cpu).stats().page_faults, 4u);
    EXPECT_EQ(p.l1d.stats().device_alignment_faults, 3u);
    EXPECT_EQ(load(cpu, kVa, 4), 1u);  // the event is still there
  });
  p.run(w);
}

TEST(MemType, AdjacentDeviceStoresStaySeparateAndAnExternalAbortIsNotRetried) {
  Platform p("top", windowed(8));
  FnWorkload w([&](CpuPort& cpu) {
    iomap(cpu, p, "status", kVa, arch::mt::kDeviceGRE);  // gathering permitted, never done
    EXPECT_EQ(store(cpu, kVa + 0x20, 4, 0x1), AccessOutcome::kOk);  // RAISE0
    const uint64_t bus0 = p.bus.stats().transactions;               // the walk is done
    EXPECT_EQ(store(cpu, kVa + 0x24, 4, 0x2), AccessOutcome::kOk);  // RAISE1
    EXPECT_EQ(p.bus.stats().transactions, bus0 + 1);
    EXPECT_EQ(p.l1d.stats().device_accesses, 2u);
    EXPECT_EQ(p.status.raise_reg[0]->writes(), 1u);
    EXPECT_EQ(p.status.raise_reg[1]->writes(), 1u);
    // One 8-byte store over both registers is one transaction the block refuses.
    EXPECT_EQ(store(cpu, kVa + 0x20, 8, 0x400000004), AccessOutcome::kSigbus);
    EXPECT_EQ(p.status.stats().errors, 1u);
    EXPECT_EQ(p.status.status[0]->value(), 1u);
    // A write to a read-only register: one refused transaction, no retry.
    EXPECT_EQ(store(cpu, kVa + 0x40, 4, 7), AccessOutcome::kSigbus);
    EXPECT_EQ(p.status.stats().errors, 2u);
    EXPECT_EQ(p.bus.stats().transactions, bus0 + 3);
    EXPECT_EQ(p.l1d.stats().device_accesses, 4u);
  });
  p.run(w);
}

TEST(MemType, RomLoadsAreCachedAndAStoreIsSigbusLeavingTheLineUnchanged) {
  const std::string path = testing::TempDir() + "mmusim_rom_" + std::to_string(::getpid());
  std::ofstream(path, std::ios::binary) << "BOOTROM!";
  PlatformParams pp;
  pp.rom.file = path;
  Platform p("top", pp);
  FnWorkload w([&](CpuPort& cpu) {
    iomap(cpu, p, "rom", kVa, arch::mt::kNormal);
    EXPECT_EQ(load(cpu, kVa, 8), 0x214d4f52544f4f42u);  // "BOOTROM!"
    const PhysAddr pa(pp.rom.base);
    EXPECT_TRUE(p.l1d.contains(pa));
    EXPECT_EQ(store(cpu, kVa, 1, 'X'), AccessOutcome::kSigbus);
    EXPECT_FALSE(p.l1d.is_dirty(pa));
    EXPECT_EQ(p.l1d.stats().refused_writes, 1u);
    EXPECT_EQ(load(cpu, kVa, 8), 0x214d4f52544f4f42u);
    EXPECT_EQ(p.rom.stats().reads, 1u);  // one line fill; the second load hit
    EXPECT_EQ(p.mmu.stats().faults_by_kind[static_cast<int>(arch::FaultKind::kExternal)], 1u);
  });
  p.run(w);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace mmusim
