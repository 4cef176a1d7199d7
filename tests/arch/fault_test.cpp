// ESR_EL1 values for Data and Instruction Aborts (Arm ARM D17.2 "ESR_EL1"):
// EC in [31:26], IL in [25], WnR in ISS[6] (data aborts), DFSC/IFSC in [5:0].
// Each expected constant is EC << 26 | 1 << 25 | WnR << 6 | FSC.
#include "model/arch/fault.h"

#include <gtest/gtest.h>

namespace mmusim::arch {
namespace {

FaultSyndrome fault(FaultKind kind, int level, AccessKind access, ExceptionLevel el) {
  FaultSyndrome f;
  f.kind = kind;
  f.level = static_cast<int8_t>(level);
  f.access = access;
  f.el = el;
  f.va = VirtAddr(0x1000'0000'0010ull);
  return f;
}

constexpr auto kEl0 = ExceptionLevel::kEl0;
constexpr auto kEl1 = ExceptionLevel::kEl1;
constexpr auto kRead = AccessKind::kRead;
constexpr auto kWrite = AccessKind::kWrite;
constexpr auto kFetch = AccessKind::kFetch;

TEST(FaultStatusCode, TranslationFaultCodesCarryTheLevel) {
  for (int level = 0; level <= 3; ++level)
    EXPECT_EQ(fault(FaultKind::kTranslation, level, kRead, kEl0).fault_status_code(), 0x04 + level);
}

TEST(FaultStatusCode, EachKindHasItsArchitectedCode) {
  EXPECT_EQ(fault(FaultKind::kAddressSize, 0, kRead, kEl0).fault_status_code(), 0x00);
  EXPECT_EQ(fault(FaultKind::kAddressSize, 2, kRead, kEl0).fault_status_code(), 0x02);
  EXPECT_EQ(fault(FaultKind::kAccessFlag, 1, kRead, kEl0).fault_status_code(), 0x09);
  EXPECT_EQ(fault(FaultKind::kAccessFlag, 3, kRead, kEl0).fault_status_code(), 0x0b);
  EXPECT_EQ(fault(FaultKind::kPermission, 1, kRead, kEl0).fault_status_code(), 0x0d);
  EXPECT_EQ(fault(FaultKind::kPermission, 3, kRead, kEl0).fault_status_code(), 0x0f);
  EXPECT_EQ(fault(FaultKind::kAlignment, -1, kRead, kEl0).fault_status_code(), 0x21);
  EXPECT_EQ(fault(FaultKind::kExternal, -1, kRead, kEl0).fault_status_code(), 0x10);
  EXPECT_EQ(fault(FaultKind::kExternal, 0, kRead, kEl0).fault_status_code(), 0x14);
  EXPECT_EQ(fault(FaultKind::kExternal, 3, kRead, kEl0).fault_status_code(), 0x17);
}

TEST(Esr, TranslationL3WriteFromEl0) {
  // 0x24 << 26 | IL | WnR (0x40) | DFSC 0b000111.
  EXPECT_EQ(fault(FaultKind::kTranslation, 3, kWrite, kEl0).esr(), 0x9200'0047ull);
}

TEST(Esr, TranslationL3ReadFromEl0HasNoWnR) {
  EXPECT_EQ(fault(FaultKind::kTranslation, 3, kRead, kEl0).esr(), 0x9200'0007ull);
}

TEST(Esr, PermissionL3WriteFromEl0) {
  EXPECT_EQ(fault(FaultKind::kPermission, 3, kWrite, kEl0).esr(), 0x9200'004Full);
}

TEST(Esr, AccessFlagL2ReadFromEl1UsesSameElDataAbort) {
  // EC 0x25.
  EXPECT_EQ(fault(FaultKind::kAccessFlag, 2, kRead, kEl1).esr(), 0x9600'000Aull);
}

TEST(Esr, PermissionL2WriteFromEl1) {
  EXPECT_EQ(fault(FaultKind::kPermission, 2, kWrite, kEl1).esr(), 0x9600'004Eull);
}

TEST(Esr, TranslationL0FetchFromEl0UsesLowerElInstructionAbort) {
  // EC 0x20, no WnR for instruction aborts.
  EXPECT_EQ(fault(FaultKind::kTranslation, 0, kFetch, kEl0).esr(), 0x8200'0004ull);
}

TEST(Esr, PermissionL3FetchFromEl1UsesSameElInstructionAbort) {
  // EC 0x21.
  EXPECT_EQ(fault(FaultKind::kPermission, 3, kFetch, kEl1).esr(), 0x8600'000Full);
}

TEST(Esr, AddressSizeL0Read) {
  EXPECT_EQ(fault(FaultKind::kAddressSize, 0, kRead, kEl0).esr(), 0x9200'0000ull);
}

TEST(Esr, AlignmentWriteFromEl0) {
  EXPECT_EQ(fault(FaultKind::kAlignment, -1, kWrite, kEl0).esr(), 0x9200'0061ull);
}

TEST(Esr, ExternalAbortOffWalkAndOnWalk) {
  EXPECT_EQ(fault(FaultKind::kExternal, -1, kRead, kEl1).esr(), 0x9600'0010ull);
  EXPECT_EQ(fault(FaultKind::kExternal, 1, kWrite, kEl0).esr(), 0x9200'0055ull);
  EXPECT_EQ(fault(FaultKind::kExternal, 2, kFetch, kEl0).esr(), 0x8200'0016ull);
}

TEST(Esr, NoFaultIsZero) {
  const FaultSyndrome none;
  EXPECT_FALSE(none.is_fault());
  EXPECT_EQ(none.esr(), 0u);
  EXPECT_EQ(none.fault_status_code(), 0);
}

TEST(FaultDescribe, NamesKindLevelAccessAddressAndEsr) {
  EXPECT_EQ(fault(FaultKind::kTranslation, 3, kWrite, kEl0).describe(),
            "translation fault, level 3, write at 0x100000000010 (ESR 0x92000047)");
  EXPECT_EQ(fault(FaultKind::kAlignment, -1, kRead, kEl1).describe(),
            "alignment fault, level -1, read at 0x100000000010 (ESR 0x96000021)");
}

TEST(FaultNames, AreStable) {
  EXPECT_EQ(to_string(FaultKind::kNone), "none");
  EXPECT_EQ(to_string(FaultKind::kAddressSize), "address-size");
  EXPECT_EQ(to_string(FaultKind::kTranslation), "translation");
  EXPECT_EQ(to_string(FaultKind::kAccessFlag), "access-flag");
  EXPECT_EQ(to_string(FaultKind::kPermission), "permission");
  EXPECT_EQ(to_string(FaultKind::kAlignment), "alignment");
  EXPECT_EQ(to_string(FaultKind::kExternal), "external-abort");
  EXPECT_EQ(to_string(AccessKind::kRead), "read");
  EXPECT_EQ(to_string(AccessKind::kWrite), "write");
  EXPECT_EQ(to_string(AccessKind::kFetch), "fetch");
}

}  // namespace
}  // namespace mmusim::arch
