// The timer, UART, status block and ROM, each driven alone through its TLM
// socket: every register side effect happens exactly once per bus access,
// and debug reads have none.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>

#include "model/dev/gic.h"
#include "model/dev/status_block.h"
#include "model/dev/timer.h"
#include "model/dev/uart.h"
#include "model/mem/rom.h"
#include "tests/model/test_initiator.h"

namespace mmusim {
namespace {

using tlm::TLM_READ_COMMAND;
using tlm::TLM_WRITE_COMMAND;

// One initiator bound to one device; 1 GHz, so a cycle is a nanosecond.
template <typename Dev>
struct Bench {
  Clock clock{1000.0};
  Dev& dev;
  test::TestInitiator port{"port"};
  explicit Bench(Dev& d) : dev(d) {
    port.socket.bind(dev.socket);
    sc_core::sc_start(sc_core::SC_ZERO_TIME);
  }
  // A bus access of `len` bytes starting at absolute cycle `at`.
  tlm::tlm_response_status go(tlm::tlm_command cmd, uint64_t off, unsigned len, uint64_t at) {
    port.now = clock.to_time(Cycles(at));
    port.go(cmd, off, len);
    return port.trans.get_response_status();
  }
  uint64_t read(uint64_t off, unsigned len, uint64_t at = 0) {
    port.data = 0;
    EXPECT_EQ(go(TLM_READ_COMMAND, off, len, at), tlm::TLM_OK_RESPONSE);
    return port.data;
  }
  void write(uint64_t off, unsigned len, uint64_t v, uint64_t at = 0) {
    port.data = v;
    EXPECT_EQ(go(TLM_WRITE_COMMAND, off, len, at), tlm::TLM_OK_RESPONSE);
  }
  // A debug read of `len` bytes; -1 when refused.
  int64_t debug_read(uint64_t off, unsigned len) {
    uint64_t v = 0;
    port.trans.set_command(TLM_READ_COMMAND);
    port.trans.set_address(off);
    port.trans.set_data_ptr(reinterpret_cast<unsigned char*>(&v));
    port.trans.set_data_length(len);
    return port.socket->transport_dbg(port.trans) == len ? static_cast<int64_t>(v) : -1;
  }
};

Clock g_clock{1000.0};

TEST(Timer, CounterFollowsSimulatedTimeAndMatchLatchesOncePerCompareWrite) {
  Timer t("timer", 10, 5, g_clock);
  int events = 0;
  t.on_match([&] { ++events; });
  Bench<Timer> b(t);
  EXPECT_EQ(b.read(0x00, 8, 0), 0u);
  EXPECT_EQ(b.read(0x00, 8, 95), 9u);   // cycle 95 / divider 10
  EXPECT_EQ(b.read(0x18, 4), 10u);      // DIVIDER
  b.write(0x08, 8, 12, 100);            // COMPARE = 12 at count 10: armed
  EXPECT_EQ(b.read(0x10, 4, 119), 0u);  // count 11
  EXPECT_EQ(b.read(0x10, 4, 120), 1u);  // count 12: MATCH latched
  EXPECT_EQ(b.read(0x10, 4, 130), 1u);  // reading does not clear it
  EXPECT_EQ(t.matches(), 1u);
  EXPECT_EQ(events, 1);
  b.write(0x10, 4, 1, 140);             // W1C
  EXPECT_EQ(b.read(0x10, 4, 200), 0u);  // stays clear: one match per COMPARE write
  b.write(0x08, 8, 5, 210);             // a COMPARE already passed matches at once
  EXPECT_EQ(t.matches(), 2u);
  EXPECT_EQ(events, 2);
  EXPECT_EQ(b.read(0x10, 4, 220), 1u);
  b.write(0x10, 4, 0, 230);  // writing 0 clears nothing
  EXPECT_EQ(b.read(0x10, 4, 240), 1u);
  // Debug reads: the counter at the current simulation time (0), no access counted.
  const uint64_t reads = t.count.reads();
  EXPECT_EQ(b.debug_read(0x00, 8), 0);
  EXPECT_EQ(b.debug_read(0x10, 4), 1);
  EXPECT_EQ(t.count.reads(), reads);
  EXPECT_EQ(b.go(TLM_WRITE_COMMAND, 0x00, 8, 300), tlm::TLM_COMMAND_ERROR_RESPONSE);  // RO
}

TEST(Timer, ZeroDividerIsRefused) {
  try {
    Timer t("timer", 0, 5, g_clock);
    FAIL() << "a divider of 0 was accepted";
  } catch (const sc_core::sc_report& e) {
    EXPECT_STREQ(e.get_msg_type(), "mmusim/dev");
    EXPECT_STREQ(e.get_msg(), "timer.divider: must be at least 1");
  }
}

TEST(Uart, EachByteWrittenIsCollectedExactlyOnce) {
  Uart u("uart", 3, g_clock);
  std::string seen;
  u.on_tx([&](uint8_t c) { seen.push_back(static_cast<char>(c)); });
  Bench<Uart> b(u);
  EXPECT_EQ(b.read(0x04, 4), Uart::kTxReady);
  for (char c : std::string("Hi\n"))
    b.write(0x00, 1, static_cast<uint8_t>(c));
  EXPECT_EQ(u.output(), "Hi\n");
  EXPECT_EQ(seen, "Hi\n");
  EXPECT_EQ(u.dr.writes(), 3u);
  EXPECT_EQ(b.read(0x08, 4), 3u);  // TXCOUNT
  // Not one whole register, or the wrong direction: refused, nothing collected.
  EXPECT_EQ(b.go(TLM_WRITE_COMMAND, 0x00, 4, 0), tlm::TLM_BURST_ERROR_RESPONSE);
  EXPECT_EQ(b.go(TLM_READ_COMMAND, 0x00, 1, 0), tlm::TLM_COMMAND_ERROR_RESPONSE);
  EXPECT_EQ(u.output(), "Hi\n");
  EXPECT_EQ(u.stats().errors, 2u);
  EXPECT_EQ(b.debug_read(0x04, 4), 1);
  EXPECT_EQ(u.fr.reads(), 1u);  // the debug read was not counted
}

TEST(StatusBlock, ReadReturnsTheEventsAndClearsThemExactlyOnce) {
  StatusBlock s("status", 4, g_clock);
  Bench<StatusBlock> b(s);
  b.write(0x20, 4, 0x5);  // RAISE0
  b.write(0x20, 4, 0x2);
  s.raise(1, 0x80);                       // an event from another device
  EXPECT_EQ(b.debug_read(0x00, 4), 0x7);  // debug: no clear
  EXPECT_EQ(b.debug_read(0x00, 4), 0x7);
  EXPECT_EQ(b.read(0x00, 4), 0x7u);
  EXPECT_EQ(b.read(0x00, 4), 0u);  // cleared by the one read
  EXPECT_EQ(b.read(0x04, 4), 0x80u);
  EXPECT_EQ(b.read(0x04, 4), 0u);
  EXPECT_EQ(b.read(0x40, 4), 2u);  // READS: two reads returned events
  EXPECT_EQ(s.status[0]->reads(), 2u);
  EXPECT_EQ(s.raise_reg[0]->writes(), 2u);
  // An 8-byte access over STATUS0 and STATUS1 is never split or merged: refused.
  s.raise(0, 1);
  EXPECT_EQ(b.go(TLM_READ_COMMAND, 0x00, 8, 0), tlm::TLM_BURST_ERROR_RESPONSE);
  EXPECT_EQ(b.read(0x00, 4), 1u);
}

TEST(Gic, SgiSendMakesItPendingOnEachTargetUntilItsAckIsRead) {
  Gic g("gic", 4, 3, g_clock);
  std::vector<std::pair<unsigned, unsigned>> seen;
  g.on_sgi([&](unsigned core, unsigned id) { seen.push_back({core, id}); });
  Bench<Gic> b(g);
  b.write(Gic::kTargets, 8, 0b1010);
  EXPECT_EQ(b.read(Gic::kTargets, 8), 0b1010u);
  b.write(Gic::kSend, 8, 3);
  b.write(Gic::kSend, 8, 0);
  EXPECT_EQ(seen, (std::vector<std::pair<unsigned, unsigned>>{{1, 3}, {3, 3}, {1, 0}, {3, 0}}));
  EXPECT_EQ(b.read(Gic::kSent, 8), 2u);
  EXPECT_EQ(b.read(Gic::kDelivered, 8), 4u);
  EXPECT_EQ(b.debug_read(Gic::ack(1), 8), 0b1001);  // debug: no clear
  EXPECT_EQ(b.read(Gic::ack(1), 8), 0b1001u);
  EXPECT_EQ(b.read(Gic::ack(1), 8), 0u);  // cleared by the one read
  EXPECT_EQ(b.read(Gic::ack(0), 8), 0u);  // not a target
  EXPECT_EQ(g.pending(3), 0b1001u);
  b.write(Gic::kTargets, 8, 0);
  b.write(Gic::kSend, 8, 1);  // no target: not counted
  EXPECT_EQ(b.read(Gic::kSent, 8), 2u);
  // ACK registers exist for the 4 cores only; SGI_SEND is write-only.
  EXPECT_EQ(b.go(TLM_READ_COMMAND, Gic::ack(4), 8, 0), tlm::TLM_ADDRESS_ERROR_RESPONSE);
  EXPECT_EQ(b.go(TLM_READ_COMMAND, Gic::kSend, 8, 0), tlm::TLM_COMMAND_ERROR_RESPONSE);
}

std::string temp_file(const std::string& bytes) {
  const std::string path = testing::TempDir() + "mmusim_rom_" + std::to_string(::getpid());
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

TEST(Rom, ReadsItsFileAndRefusesEveryWrite) {
  const std::string path = temp_file("ROMDATA!tail");
  RomParams p{true, 0, 4096, 7, path};
  Rom r("rom", p, g_clock);
  Bench<Rom> b(r);
  EXPECT_EQ(b.read(0, 8), 0x21415441444d4f52u);  // "ROMDATA!"
  EXPECT_EQ(b.read(8, 4), 0x6c696174u);          // "tail"
  EXPECT_EQ(b.read(4088, 8), 0u);                // zero beyond the file
  EXPECT_EQ(b.port.go(TLM_READ_COMMAND, 0, 8), b.clock.to_time(Cycles(7)));
  EXPECT_EQ(b.go(TLM_WRITE_COMMAND, 0, 8, 0), tlm::TLM_COMMAND_ERROR_RESPONSE);
  EXPECT_EQ(r.stats().write_errors, 1u);
  EXPECT_EQ(b.go(TLM_READ_COMMAND, 4092, 8, 0), tlm::TLM_ADDRESS_ERROR_RESPONSE);
  // Debug transport reads, and refuses writes too.
  uint64_t v = 1;
  b.port.trans.set_command(TLM_WRITE_COMMAND);
  b.port.trans.set_address(0);
  b.port.trans.set_data_ptr(reinterpret_cast<unsigned char*>(&v));
  b.port.trans.set_data_length(8);
  EXPECT_EQ(b.port.socket->transport_dbg(b.port.trans), 0u);
  EXPECT_EQ(b.debug_read(0, 8), 0x21415441444d4f52);
  std::remove(path.c_str());
}

TEST(Rom, BadParametersNameTheKey) {
  const std::string path = temp_file(std::string(5000, 'x'));
  try {
    Rom r("rom", RomParams{true, 0, 4096, 7, path}, g_clock);
    FAIL() << "a file larger than the ROM was accepted";
  } catch (const sc_core::sc_report& e) {
    EXPECT_STREQ(e.get_msg_type(), "mmusim/rom");
    EXPECT_EQ(std::string(e.get_msg()),
              "rom.file: '" + path + "' (5000 bytes) is larger than rom.size (4096)");
  }
  // The configuration's check (HardwareParams::check) names the key the same way.
  try {
    RomParams{true, 0, 4096, 7, path}.validate("rom");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()),
              "rom.file: '" + path + "' (5000 bytes) is larger than rom.size (4096)");
  }
  std::remove(path.c_str());
  try {
    RomParams{true, 0, 100, 7, ""}.validate("rom");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()), "rom.size: must be a non-zero multiple of 4096");
  }
  try {
    Rom r("rom2", RomParams{true, 0, 4096, 7, "/nonexistent/rom.bin"}, g_clock);
    FAIL();
  } catch (const sc_core::sc_report& e) {
    EXPECT_STREQ(e.get_msg_type(), "mmusim/rom");
    EXPECT_EQ(std::string(e.get_msg()), "rom2.file: cannot read '/nonexistent/rom.bin'");
  }
}

}  // namespace
}  // namespace mmusim
