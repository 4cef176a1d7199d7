// MAIR_EL1 attribute bytes decoded per Arm ARM D17.2 "MAIR_EL1":
// 0b0000ddxx is Device (dd = nGnRnE/nGnRE/nGRE/GRE, xx must be 0);
// otherwise 0booooiiii is Normal with outer and inner halves.
#include "model/arch/memattr.h"

#include <gtest/gtest.h>

namespace mmusim::arch {
namespace {

TEST(MairDevice, DecodesAllFourDeviceTypes) {
  EXPECT_EQ(decode_mair_attr(0x00).type, MemType::kDeviceNGnRnE);
  EXPECT_EQ(decode_mair_attr(0x04).type, MemType::kDeviceNGnRE);
  EXPECT_EQ(decode_mair_attr(0x08).type, MemType::kDeviceNGRE);
  EXPECT_EQ(decode_mair_attr(0x0c).type, MemType::kDeviceGRE);
  for (uint8_t attr : {0x00, 0x04, 0x08, 0x0c}) {
    const MemAttr m = decode_mair_attr(attr);
    EXPECT_TRUE(m.well_formed) << std::hex << int{attr};
    EXPECT_TRUE(is_device(m.type));
    EXPECT_EQ(m.inner, Cacheability::kNonCacheable);
    EXPECT_EQ(m.outer, Cacheability::kNonCacheable);
  }
}

TEST(MairDevice, NonZeroLowBitsAreMalformed) {
  for (uint8_t attr : {0x01, 0x02, 0x03, 0x05, 0x0d, 0x0f}) {
    EXPECT_FALSE(decode_mair_attr(attr).well_formed) << std::hex << int{attr};
    EXPECT_TRUE(is_device(decode_mair_attr(attr).type));
  }
  EXPECT_EQ(decode_mair_attr(0x0d).type, MemType::kDeviceGRE);
}

TEST(MairNormal, FfIsWriteBackReadWriteAllocateBothHalves) {
  const MemAttr m = decode_mair_attr(0xff);
  EXPECT_EQ(m.type, MemType::kNormalWriteBack);
  EXPECT_EQ(m.inner, Cacheability::kWriteBack);
  EXPECT_EQ(m.outer, Cacheability::kWriteBack);
  EXPECT_TRUE(m.inner_read_allocate);
  EXPECT_TRUE(m.inner_write_allocate);
  EXPECT_FALSE(m.inner_transient);
  EXPECT_TRUE(m.well_formed);
  EXPECT_FALSE(is_device(m.type));
}

TEST(MairNormal, FortyFourIsNonCacheableWithoutAllocation) {
  const MemAttr m = decode_mair_attr(0x44);
  EXPECT_EQ(m.type, MemType::kNormalNonCacheable);
  EXPECT_EQ(m.inner, Cacheability::kNonCacheable);
  EXPECT_EQ(m.outer, Cacheability::kNonCacheable);
  EXPECT_FALSE(m.inner_read_allocate);
  EXPECT_FALSE(m.inner_write_allocate);
  EXPECT_TRUE(m.well_formed);
}

TEST(MairNormal, AaIsWriteThroughReadAllocateOnly) {
  const MemAttr m = decode_mair_attr(0xaa);
  EXPECT_EQ(m.type, MemType::kNormalWriteThrough);
  EXPECT_EQ(m.inner, Cacheability::kWriteThrough);
  EXPECT_EQ(m.outer, Cacheability::kWriteThrough);
  EXPECT_TRUE(m.inner_read_allocate);
  EXPECT_FALSE(m.inner_write_allocate);
  EXPECT_FALSE(m.inner_transient);
  EXPECT_TRUE(m.well_formed);
}

TEST(MairNormal, BbIsWriteThroughReadWriteAllocate) {
  const MemAttr m = decode_mair_attr(0xbb);
  EXPECT_EQ(m.type, MemType::kNormalWriteThrough);
  EXPECT_TRUE(m.inner_read_allocate);
  EXPECT_TRUE(m.inner_write_allocate);
  EXPECT_TRUE(m.well_formed);
}

TEST(MairNormal, TypeFollowsInnerHalfWhenHalvesDiffer) {
  const MemAttr wb_inner = decode_mair_attr(0x4f);  // outer NC, inner WB RA WA
  EXPECT_EQ(wb_inner.type, MemType::kNormalWriteBack);
  EXPECT_EQ(wb_inner.outer, Cacheability::kNonCacheable);
  EXPECT_EQ(wb_inner.inner, Cacheability::kWriteBack);
  EXPECT_TRUE(wb_inner.well_formed);

  const MemAttr nc_inner = decode_mair_attr(0xf4);  // outer WB, inner NC
  EXPECT_EQ(nc_inner.type, MemType::kNormalNonCacheable);
  EXPECT_EQ(nc_inner.outer, Cacheability::kWriteBack);
  EXPECT_EQ(nc_inner.inner, Cacheability::kNonCacheable);

  const MemAttr wt_inner = decode_mair_attr(0x4a);  // outer NC, inner WT RA
  EXPECT_EQ(wt_inner.type, MemType::kNormalWriteThrough);
  EXPECT_EQ(wt_inner.outer, Cacheability::kNonCacheable);
}

TEST(MairNormal, TransientEncodingsDecode) {
  const MemAttr wb_t = decode_mair_attr(0x77);  // 0b01RW, RW=11: WB transient
  EXPECT_EQ(wb_t.type, MemType::kNormalWriteBack);
  EXPECT_TRUE(wb_t.inner_transient);
  EXPECT_TRUE(wb_t.inner_read_allocate);
  EXPECT_TRUE(wb_t.inner_write_allocate);
  EXPECT_TRUE(wb_t.well_formed);

  const MemAttr wt_t = decode_mair_attr(0x32);  // 0b00RW, RW=10: WT transient RA
  EXPECT_EQ(wt_t.type, MemType::kNormalWriteThrough);
  EXPECT_TRUE(wt_t.inner_transient);
  EXPECT_TRUE(wt_t.inner_read_allocate);
  EXPECT_FALSE(wt_t.inner_write_allocate);
  EXPECT_TRUE(wt_t.well_formed);
}

TEST(MairNormal, InnerHalfZeroIsMalformed) {
  // 0booooo0000 with oooo != 0 is UNPREDICTABLE without FEAT_XS.
  EXPECT_FALSE(decode_mair_attr(0x40).well_formed);
  EXPECT_FALSE(decode_mair_attr(0x80).well_formed);
}

TEST(MairRegister, AttrIndexSelectsByte) {
  EXPECT_EQ(mair_attr(kLinuxMair, mt::kNormal), 0xff);
  EXPECT_EQ(mair_attr(kLinuxMair, mt::kNormalTagged), 0xf0);
  EXPECT_EQ(mair_attr(kLinuxMair, mt::kNormalNc), 0x44);
  EXPECT_EQ(mair_attr(kLinuxMair, mt::kDeviceNGnRnE), 0x00);
  EXPECT_EQ(mair_attr(kLinuxMair, mt::kDeviceNGnRE), 0x04);
  EXPECT_EQ(mair_attr(kLinuxMair, mt::kDeviceNGRE), 0x08);
  EXPECT_EQ(mair_attr(kLinuxMair, mt::kDeviceGRE), 0x0c);
  EXPECT_EQ(mair_attr(kLinuxMair, mt::kNormalWt), 0xaa);
  EXPECT_EQ(mair_attr(0x1122334455667788ull, 8), 0x88);  // index wraps at 3 bits
}

TEST(MairRegister, LinuxIndicesDecodeToTheirNamedTypes) {
  EXPECT_EQ(decode_mair_attr(mair_attr(kLinuxMair, mt::kNormal)).type, MemType::kNormalWriteBack);
  EXPECT_EQ(decode_mair_attr(mair_attr(kLinuxMair, mt::kNormalNc)).type,
            MemType::kNormalNonCacheable);
  EXPECT_EQ(decode_mair_attr(mair_attr(kLinuxMair, mt::kDeviceNGnRE)).type, MemType::kDeviceNGnRE);
  EXPECT_EQ(decode_mair_attr(mair_attr(kLinuxMair, mt::kNormalWt)).type,
            MemType::kNormalWriteThrough);
}

TEST(MemTypeNames, AreStable) {
  EXPECT_EQ(to_string(MemType::kNormalWriteBack), "Normal-WB");
  EXPECT_EQ(to_string(MemType::kNormalWriteThrough), "Normal-WT");
  EXPECT_EQ(to_string(MemType::kNormalNonCacheable), "Normal-NC");
  EXPECT_EQ(to_string(MemType::kDeviceNGnRnE), "Device-nGnRnE");
  EXPECT_EQ(to_string(MemType::kDeviceNGnRE), "Device-nGnRE");
  EXPECT_EQ(to_string(MemType::kDeviceNGRE), "Device-nGRE");
  EXPECT_EQ(to_string(MemType::kDeviceGRE), "Device-GRE");
}

}  // namespace
}  // namespace mmusim::arch
