// Stage-1 permission checks (Arm ARM D8.4.1 "Data access permissions",
// D8.4.2 hierarchical controls, "Execute-never controls").
#include "model/arch/permissions.h"

#include <gtest/gtest.h>

#include <string>

namespace mmusim::arch {
namespace {

constexpr auto kEl0 = ExceptionLevel::kEl0;
constexpr auto kEl1 = ExceptionLevel::kEl1;
constexpr auto kRead = AccessKind::kRead;
constexpr auto kWrite = AccessKind::kWrite;
constexpr auto kFetch = AccessKind::kFetch;

Permissions perm(Ap ap, bool pxn = false, bool uxn = false) {
  Permissions p;
  p.ap = ap;
  p.pxn = pxn;
  p.uxn = uxn;
  return p;
}

// One row per AP value with XN bits clear: which of the six (access, EL)
// combinations are allowed.
struct ApRow {
  Ap ap;
  bool el0_read, el0_write, el0_fetch;
  bool el1_read, el1_write, el1_fetch;
};

class ApMatrix : public ::testing::TestWithParam<ApRow> {};

TEST_P(ApMatrix, AllowsExactlyTheArchitectedAccesses) {
  const ApRow& r = GetParam();
  const Permissions p = perm(r.ap);
  EXPECT_EQ(permits(p, kRead, kEl0), r.el0_read);
  EXPECT_EQ(permits(p, kWrite, kEl0), r.el0_write);
  EXPECT_EQ(permits(p, kFetch, kEl0), r.el0_fetch);
  EXPECT_EQ(permits(p, kRead, kEl1), r.el1_read);
  EXPECT_EQ(permits(p, kWrite, kEl1), r.el1_write);
  EXPECT_EQ(permits(p, kFetch, kEl1), r.el1_fetch);
}

INSTANTIATE_TEST_SUITE_P(AllApEncodings, ApMatrix,
                         ::testing::Values(
                             // AP=00: EL1 RW, EL0 none. EL0 may still execute (UXN clear).
                             ApRow{Ap::kPrivRw, false, false, true, true, true, true},
                             // AP=01: RW at both; EL0-writable implies PXN for EL1 fetches.
                             ApRow{Ap::kRw, true, true, true, true, true, false},
                             // AP=10: EL1 RO, EL0 none.
                             ApRow{Ap::kPrivRo, false, false, true, true, false, true},
                             // AP=11: RO at both.
                             ApRow{Ap::kRo, true, false, true, true, false, true}),
                         [](const ::testing::TestParamInfo<ApRow>& row_info) {
                           switch (row_info.param.ap) {
                             case Ap::kPrivRw:
                               return std::string("PrivRw");
                             case Ap::kRw:
                               return std::string("Rw");
                             case Ap::kPrivRo:
                               return std::string("PrivRo");
                             case Ap::kRo:
                               return std::string("Ro");
                           }
                           return std::string("Unknown");
                         });

TEST(ExecuteNever, UxnBlocksOnlyEl0Fetch) {
  for (Ap ap : {Ap::kPrivRw, Ap::kRw, Ap::kPrivRo, Ap::kRo}) {
    const Permissions p = perm(ap, false, true);
    EXPECT_FALSE(permits(p, kFetch, kEl0));
    EXPECT_EQ(permits(p, kFetch, kEl1), ap != Ap::kRw);
    EXPECT_EQ(permits(p, kRead, kEl0), permits(perm(ap), kRead, kEl0));
  }
}

TEST(ExecuteNever, PxnBlocksOnlyEl1Fetch) {
  for (Ap ap : {Ap::kPrivRw, Ap::kRw, Ap::kPrivRo, Ap::kRo}) {
    const Permissions p = perm(ap, true, false);
    EXPECT_FALSE(permits(p, kFetch, kEl1));
    EXPECT_TRUE(permits(p, kFetch, kEl0));
    EXPECT_TRUE(permits(p, kRead, kEl1));
  }
}

TEST(ExecuteNever, ExecuteOnlyUserCodeIsFetchableButNotReadableAtEl0) {
  // AP=10 (EL1 read-only, no EL0 access), UXN=0, PXN=1: the Linux
  // PAGE_EXECONLY encoding.
  const Permissions p = perm(Ap::kPrivRo, true, false);
  EXPECT_TRUE(permits(p, kFetch, kEl0));
  EXPECT_FALSE(permits(p, kRead, kEl0));
  EXPECT_FALSE(permits(p, kWrite, kEl0));
  EXPECT_FALSE(permits(p, kFetch, kEl1));
}

TEST(ExecuteNever, EveryFetchDeniedWithBothXnBits) {
  for (Ap ap : {Ap::kPrivRw, Ap::kRw, Ap::kPrivRo, Ap::kRo}) {
    EXPECT_FALSE(permits(perm(ap, true, true), kFetch, kEl0));
    EXPECT_FALSE(permits(perm(ap, true, true), kFetch, kEl1));
  }
}

TEST(TableAttrs, NoControlsLeavePermissionsUnchanged) {
  for (Ap ap : {Ap::kPrivRw, Ap::kRw, Ap::kPrivRo, Ap::kRo}) {
    const Permissions out = apply_table_attrs(perm(ap), TableAttrs{});
    EXPECT_EQ(out.ap, ap);
    EXPECT_FALSE(out.pxn);
    EXPECT_FALSE(out.uxn);
  }
}

TEST(TableAttrs, ApTable0RemovesEl0Access) {
  TableAttrs t;
  t.no_el0 = true;
  EXPECT_EQ(apply_table_attrs(perm(Ap::kRw), t).ap, Ap::kPrivRw);
  EXPECT_EQ(apply_table_attrs(perm(Ap::kRo), t).ap, Ap::kPrivRo);
  EXPECT_EQ(apply_table_attrs(perm(Ap::kPrivRw), t).ap, Ap::kPrivRw);
  EXPECT_EQ(apply_table_attrs(perm(Ap::kPrivRo), t).ap, Ap::kPrivRo);
}

TEST(TableAttrs, ApTable1RemovesWriteAccess) {
  TableAttrs t;
  t.read_only = true;
  EXPECT_EQ(apply_table_attrs(perm(Ap::kRw), t).ap, Ap::kRo);
  EXPECT_EQ(apply_table_attrs(perm(Ap::kPrivRw), t).ap, Ap::kPrivRo);
  EXPECT_EQ(apply_table_attrs(perm(Ap::kRo), t).ap, Ap::kRo);
  EXPECT_EQ(apply_table_attrs(perm(Ap::kPrivRo), t).ap, Ap::kPrivRo);
}

TEST(TableAttrs, BothApTableBitsLeaveEl1ReadOnly) {
  TableAttrs t;
  t.no_el0 = true;
  t.read_only = true;
  for (Ap ap : {Ap::kPrivRw, Ap::kRw, Ap::kPrivRo, Ap::kRo})
    EXPECT_EQ(apply_table_attrs(perm(ap), t).ap, Ap::kPrivRo);
}

TEST(TableAttrs, XnTableBitsAreStickyOrs) {
  TableAttrs t;
  t.pxn = true;
  Permissions out = apply_table_attrs(perm(Ap::kRo), t);
  EXPECT_TRUE(out.pxn);
  EXPECT_FALSE(out.uxn);
  t = {};
  t.uxn = true;
  out = apply_table_attrs(perm(Ap::kRo, true, false), t);
  EXPECT_TRUE(out.pxn);  // a clear table bit never clears the leaf bit
  EXPECT_TRUE(out.uxn);
}

TEST(TableAttrs, ReadOnlyTableLiftsImpliedPxnFromEl0WritableLeaf) {
  // AP=01 leaf is EL0-writable, so EL1 may not execute it; once APTable[1]
  // makes it read-only the implicit PXN no longer applies.
  TableAttrs t;
  t.read_only = true;
  EXPECT_FALSE(permits(perm(Ap::kRw), kFetch, kEl1));
  EXPECT_TRUE(permits(apply_table_attrs(perm(Ap::kRw), t), kFetch, kEl1));
}

TEST(TableAttrs, FoldsAcrossSeveralLevels) {
  TableAttrs l0;
  l0.uxn = true;
  TableAttrs l1;
  l1.no_el0 = true;
  const Permissions out = apply_table_attrs(apply_table_attrs(perm(Ap::kRw), l0), l1);
  EXPECT_EQ(out.ap, Ap::kPrivRw);
  EXPECT_TRUE(out.uxn);
  EXPECT_FALSE(out.pxn);
  EXPECT_FALSE(permits(out, kRead, kEl0));
  EXPECT_TRUE(permits(out, kWrite, kEl1));
  EXPECT_TRUE(permits(out, kFetch, kEl1));
}

}  // namespace
}  // namespace mmusim::arch
