#include "testbench/script/transcript.h"

#include <gtest/gtest.h>

namespace mmusim::script {
namespace {

TEST(Transcript, HexAddressIsLowercaseWithoutPadding) {
  EXPECT_EQ(format_hex_addr(0x100000000000), "0x100000000000");
  EXPECT_EQ(format_hex_addr(0xABCDEF), "0xabcdef");
  EXPECT_EQ(format_hex_addr(0), "0x0");
  EXPECT_EQ(format_hex_addr(UINT64_MAX), "0xffffffffffffffff");
}

TEST(Transcript, ByteIsTwoLowercaseHexDigits) {
  EXPECT_EQ(format_byte(0x2a), "0x2a");
  EXPECT_EQ(format_byte(0), "0x00");
  EXPECT_EQ(format_byte(0xff), "0xff");
  EXPECT_EQ(format_byte(0xA), "0x0a");
}

TEST(Transcript, ErrnoNamesMatchLinux) {
  const std::pair<int, const char*> table[] = {
      {1, "-EPERM"},   {2, "-ENOENT"},  {6, "-ENXIO"},     {9, "-EBADF"},  {11, "-EAGAIN"},
      {12, "-ENOMEM"}, {13, "-EACCES"}, {14, "-EFAULT"},   {16, "-EBUSY"}, {17, "-EEXIST"},
      {19, "-ENODEV"}, {22, "-EINVAL"}, {75, "-EOVERFLOW"}};
  for (const auto& [number, name] : table) {
    EXPECT_EQ(format_errno(-number), name);
    EXPECT_EQ(format_errno(number), name);
    EXPECT_EQ(errno_from_name(name + 1), number);
  }
  EXPECT_EQ(format_errno(-95), "-E95");
  EXPECT_EQ(errno_name(95), std::nullopt);
  EXPECT_EQ(errno_from_name("EWHATEVER"), std::nullopt);
}

TEST(Transcript, StatusIsZeroOrErrno) {
  EXPECT_EQ(format_status(0), "0");
  EXPECT_EQ(format_status(-22), "-EINVAL");
  EXPECT_EQ(format_status(7), "7");
}

TEST(Transcript, AddressResultUsesLinuxErrorRange) {
  EXPECT_EQ(format_addr_result(0x100000100000), "0x100000100000");
  EXPECT_EQ(format_addr_result(static_cast<uint64_t>(-12)), "-ENOMEM");
  EXPECT_EQ(format_addr_result(static_cast<uint64_t>(-4095)), "-E4095");
  EXPECT_EQ(format_addr_result(static_cast<uint64_t>(-4096)), "0xfffffffffffff000");
}

TEST(Transcript, LineIsOpEqualsResult) {
  EXPECT_EQ(format_line("load", format_byte(0x2a)), "load = 0x2a");
  EXPECT_EQ(format_line("store", "SIGSEGV"), "store = SIGSEGV");
}

TEST(Transcript, MapsEntriesMatchSpecExamples) {
  MapsEntry anon;
  anon.start = 0x100000000000;
  anon.end = 0x100000002000;
  anon.read = anon.write = true;
  EXPECT_EQ(format_maps_entry(anon), "  100000000000-100000002000 rw-p 00000000");

  MapsEntry file;
  file.start = 0x100000002000;
  file.end = 0x100000003000;
  file.read = true;
  file.shared = true;
  file.offset = 0x1000;
  file.name = "data.bin";
  EXPECT_EQ(format_maps_entry(file), "  100000002000-100000003000 r--s 00001000 data.bin");

  MapsEntry shanon;
  shanon.start = 0x1000;
  shanon.end = 0x2000;
  shanon.exec = true;
  shanon.shared = true;
  shanon.name = "[shared-anon]";
  shanon.offset = 0x123456789;
  EXPECT_EQ(format_maps_entry(shanon), "  1000-2000 --xs 123456789 [shared-anon]");
}

}  // namespace
}  // namespace mmusim::script
