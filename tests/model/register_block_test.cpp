#include "model/dev/sysctrl.h"

#include <gtest/gtest.h>

#include "tests/model/test_initiator.h"

namespace mmusim {
namespace {

struct DevBench {
  Clock clock{1000.0};
  SysCtrl dev{"sysctrl", 7, clock};
  test::TestInitiator port{"port"};
  uint64_t& data = port.data;
  tlm::tlm_generic_payload& trans = port.trans;
  sc_core::sc_time delay;

  DevBench() {
    port.socket.bind(dev.socket);
    sc_core::sc_start(sc_core::SC_ZERO_TIME);
  }
  tlm::tlm_response_status go(tlm::tlm_command cmd, uint64_t off, unsigned len = 8) {
    delay = port.go(cmd, off, len);
    return trans.get_response_status();
  }
  uint64_t debug_read(uint64_t off) {
    uint64_t v = 0;
    EXPECT_EQ(port.debug_read(off, v), 8u);
    return v;
  }
};

TEST(RegisterBlock, ReadsResetValuesWithLatency) {
  DevBench b;
  EXPECT_EQ(b.go(tlm::TLM_READ_COMMAND, 0x00), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(b.data, SysCtrl::kId);
  EXPECT_EQ(b.delay, b.clock.to_time(Cycles(7)));
}

TEST(RegisterBlock, EachDoorbellWriteCountsExactlyOnce) {
  DevBench b;
  for (uint64_t v : {5, 6, 7}) {
    b.data = v;
    ASSERT_EQ(b.go(tlm::TLM_WRITE_COMMAND, 0x10), tlm::TLM_OK_RESPONSE);
  }
  EXPECT_EQ(b.dev.doorbell.writes(), 3u);
  EXPECT_EQ(b.dev.doorbell.value(), 7u);
  EXPECT_EQ(b.debug_read(0x18), 3u);  // debug read: no side effect
  EXPECT_EQ(b.debug_read(0x18), 3u);
  EXPECT_EQ(b.go(tlm::TLM_READ_COMMAND, 0x18), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(b.data, 3u);
  EXPECT_EQ(b.go(tlm::TLM_READ_COMMAND, 0x18), tlm::TLM_OK_RESPONSE);
  EXPECT_EQ(b.data, 0u);  // read-to-clear happened exactly once
  EXPECT_EQ(b.dev.events.reads(), 2u);
}

TEST(RegisterBlock, ScratchStoresWhatIsWritten) {
  DevBench b;
  b.data = 0xdeadbeefcafef00d;
  b.go(tlm::TLM_WRITE_COMMAND, 0x08);
  b.data = 0;
  b.go(tlm::TLM_READ_COMMAND, 0x08);
  EXPECT_EQ(b.data, 0xdeadbeefcafef00du);
}

TEST(RegisterBlock, ProtocolErrorsAreErrorResponses) {
  DevBench b;
  b.data = 1;
  EXPECT_EQ(b.go(tlm::TLM_WRITE_COMMAND, 0x00), tlm::TLM_COMMAND_ERROR_RESPONSE);  // RO
  EXPECT_EQ(b.dev.id.value(), SysCtrl::kId);
  EXPECT_EQ(b.go(tlm::TLM_READ_COMMAND, 0x10), tlm::TLM_COMMAND_ERROR_RESPONSE);   // WO
  EXPECT_EQ(b.go(tlm::TLM_READ_COMMAND, 0x08, 4), tlm::TLM_BURST_ERROR_RESPONSE);  // partial
  EXPECT_EQ(b.go(tlm::TLM_READ_COMMAND, 0x20), tlm::TLM_ADDRESS_ERROR_RESPONSE);   // no register
  EXPECT_EQ(b.dev.stats().errors, 4u);
  EXPECT_EQ(b.dev.doorbell.writes(), 0u);
}

TEST(RegisterBlock, RejectsOverlappingRegisters) {
  Clock clock;
  RegisterBlock blk("blk", 0x100, 1, clock);
  blk.add("A", 0x0, 8, 0, RegAccess::kReadWrite);
  const auto refusal = [&](const char* reg, uint64_t offset, unsigned width) {
    try {
      blk.add(reg, offset, width, 0, RegAccess::kReadWrite);
    } catch (const sc_core::sc_report& e) {
      EXPECT_STREQ(e.get_msg_type(), "mmusim/dev");
      return std::string(e.get_msg());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(refusal("B", 0x4, 4), "blk.B: overlaps register A");
  EXPECT_EQ(refusal("C", 0x101, 1), "blk.C: register past the block");
  EXPECT_EQ(refusal("D", 0x9, 2), "blk.D: offset not aligned to width");
  EXPECT_EQ(refusal("E", 0x10, 3), "blk.E: register width must be 1, 2, 4 or 8 bytes");
}

}  // namespace
}  // namespace mmusim
