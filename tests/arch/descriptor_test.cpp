// Descriptor encodings checked against hand-computed raw values from the bit
// positions of Arm ARM D8.3 (VMSAv8-64 stage-1, 4 KB granule).
#include "model/arch/descriptor.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace mmusim::arch {
namespace {

PageAttrs user_rw_page_attrs() {
  PageAttrs a;
  a.attr_index = 0;
  a.ap = Ap::kRw;
  a.sh = Sh::kInner;
  a.af = true;
  a.ng = true;
  a.pxn = true;
  a.uxn = true;
  return a;
}

TEST(LevelGeometry, ShiftsSizesAndIndicesFollowFourKbGranule) {
  EXPECT_EQ(level_shift(0), 39u);
  EXPECT_EQ(level_shift(1), 30u);
  EXPECT_EQ(level_shift(2), 21u);
  EXPECT_EQ(level_shift(3), 12u);
  EXPECT_EQ(level_size(0), 0x80'0000'0000ull);
  EXPECT_EQ(level_size(1), 0x4000'0000ull);
  EXPECT_EQ(level_size(2), 0x20'0000ull);
  EXPECT_EQ(level_size(3), 0x1000ull);
  // VA = 0xa5 << 39 | 0x1fe << 30 | 0x17f << 21 | 0xff << 12 | 0x123.
  const VirtAddr va(0x0000'52FF'AFEF'F123ull);
  EXPECT_EQ(table_index(va, 0), 0xa5u);
  EXPECT_EQ(table_index(va, 1), 0x1feu);
  EXPECT_EQ(table_index(va, 2), 0x17fu);
  EXPECT_EQ(table_index(va, 3), 0x0ffu);
}

TEST(LevelGeometry, Ttbr0RangeEndsAtBit48) {
  EXPECT_TRUE(is_ttbr0_va(VirtAddr(0)));
  EXPECT_TRUE(is_ttbr0_va(VirtAddr(0x0000'FFFF'FFFF'FFFFull)));
  EXPECT_FALSE(is_ttbr0_va(VirtAddr(0x0001'0000'0000'0000ull)));
  EXPECT_FALSE(is_ttbr0_va(VirtAddr(0xFFFF'0000'0000'0000ull)));
}

// PA 0x4000_1000 | page 0b11 | AP=01 <<6 (0x40) | SH=11 <<8 (0x300) | AF 0x400
// | nG 0x800 | PXN bit 53 | UXN bit 54.
TEST(PageDescriptor, EncodesUserRwPageBitExactly) {
  const Descriptor d = Descriptor::make_page(PhysAddr(0x4000'1000), user_rw_page_attrs());
  EXPECT_EQ(d.raw(), 0x0060'0000'4000'1F43ull);
}

TEST(PageDescriptor, DecodesBackToSameAttrsAndAddress) {
  const Descriptor d(0x0060'0000'4000'1F43ull);
  EXPECT_EQ(d.type(3), DescType::kPage);
  EXPECT_TRUE(d.valid());
  EXPECT_EQ(d.output_address(), PhysAddr(0x4000'1000));
  EXPECT_EQ(d.page_attrs(), user_rw_page_attrs());
  EXPECT_EQ(d.ap(), Ap::kRw);
  EXPECT_TRUE(d.af());
}

TEST(PageDescriptor, EncodesEveryAttributeField) {
  PageAttrs a;
  a.attr_index = 7;   // [4:2] = 0x1c
  a.ns = true;        // [5] = 0x20
  a.ap = Ap::kRo;     // [7:6] = 0xc0
  a.sh = Sh::kOuter;  // [9:8] = 0x200
  a.af = false;
  a.ng = false;
  a.dbm = true;         // bit 51
  a.contiguous = true;  // bit 52
  const Descriptor d = Descriptor::make_page(PhysAddr(0xFFFF'FFFF'F000ull), a);
  EXPECT_EQ(d.raw(), 0x0018'FFFF'FFFF'F2FFull);
  EXPECT_EQ(d.page_attrs(), a);
}

TEST(PageDescriptor, DefaultAttrsArePrivRwInnerAccessedNotGlobal) {
  // AP=00, SH=11 (0x300), AF (0x400), nG (0x800).
  EXPECT_EQ(Descriptor::make_page(PhysAddr(0x1000), PageAttrs{}).raw(), 0x1F03ull);
}

TEST(PageDescriptor, RejectsUnalignedOrWideOutputAddress) {
  EXPECT_THROW(Descriptor::make_page(PhysAddr(0x4000'1800), {}), std::invalid_argument);
  EXPECT_THROW(Descriptor::make_page(PhysAddr(0x0001'0000'0000'0000ull), {}),
               std::invalid_argument);
}

TEST(PageDescriptor, RejectsAttrIndexAboveSeven) {
  PageAttrs a;
  a.attr_index = 8;
  EXPECT_THROW(Descriptor::make_page(PhysAddr(0x1000), a), std::invalid_argument);
}

TEST(PageDescriptor, DecodeIgnoresBitsOutsideOutputAddress) {
  // Software bits [58:55] and IGNORED/RES0 bits must not leak into the PA.
  const Descriptor d(0x0780'0000'4000'1F43ull | 0xF000'0000'0000'0000ull);
  EXPECT_EQ(d.output_address(), PhysAddr(0x4000'1000));
}

// Level 2 block: PA 0x8020_0000 | 0b01 | AttrIndx 3 (0xc) | AP 00 | SH 00 | AF
// 0x400 | PXN | UXN.
TEST(BlockDescriptor, EncodesLevel2DeviceBlockBitExactly) {
  PageAttrs a;
  a.attr_index = 3;
  a.ap = Ap::kPrivRw;
  a.sh = Sh::kNon;
  a.ng = false;
  a.pxn = true;
  a.uxn = true;
  const Descriptor d = Descriptor::make_block(2, PhysAddr(0x8020'0000), a);
  EXPECT_EQ(d.raw(), 0x0060'0000'8020'040Dull);
  EXPECT_EQ(d.type(2), DescType::kBlock);
  EXPECT_EQ(d.output_address(), PhysAddr(0x8020'0000));
  EXPECT_EQ(d.page_attrs(), a);
}

// Level 1 block: PA 0x4000_0000 | 0b01 | AttrIndx 2 (0x8) | AP 11 (0xc0) | SH 10
// (0x200) | AF | nG | DBM bit 51 | Contiguous bit 52.
TEST(BlockDescriptor, EncodesLevel1BlockBitExactly) {
  PageAttrs a;
  a.attr_index = 2;
  a.ap = Ap::kRo;
  a.sh = Sh::kOuter;
  a.dbm = true;
  a.contiguous = true;
  const Descriptor d = Descriptor::make_block(1, PhysAddr(0x4000'0000), a);
  EXPECT_EQ(d.raw(), 0x0018'0000'4000'0EC9ull);
  EXPECT_EQ(d.type(1), DescType::kBlock);
  EXPECT_EQ(d.page_attrs(), a);
}

TEST(BlockDescriptor, RejectsOutputNotAlignedToBlockSize) {
  EXPECT_THROW(Descriptor::make_block(2, PhysAddr(0x8010'0000), {}), std::invalid_argument);
  EXPECT_THROW(Descriptor::make_block(2, PhysAddr(0x8020'1000), {}), std::invalid_argument);
  EXPECT_THROW(Descriptor::make_block(1, PhysAddr(0x2000'0000), {}), std::invalid_argument);
  EXPECT_NO_THROW(Descriptor::make_block(1, PhysAddr(0xC000'0000), {}));
}

TEST(BlockDescriptor, ExistsOnlyAtLevels1And2) {
  EXPECT_THROW(Descriptor::make_block(0, PhysAddr(0), {}), std::invalid_argument);
  EXPECT_THROW(Descriptor::make_block(3, PhysAddr(0x1000), {}), std::invalid_argument);
}

TEST(DescriptorType, Level0BlockEncodingIsInvalid) {
  EXPECT_EQ(Descriptor(0x0000'0000'0000'0401ull).type(0), DescType::kInvalid);
  EXPECT_EQ(Descriptor(0x0000'0000'0000'0401ull).type(1), DescType::kBlock);
}

TEST(DescriptorType, Level3Bits01AreReservedAndInvalid) {
  EXPECT_EQ(Descriptor(0x0000'0000'4000'1401ull).type(3), DescType::kInvalid);
  EXPECT_EQ(Descriptor(0x0000'0000'4000'1403ull).type(3), DescType::kPage);
}

TEST(DescriptorType, Bit1SetAboveLevel3IsTable) {
  for (int level = 0; level <= 2; ++level)
    EXPECT_EQ(Descriptor(0x1234'5003ull).type(level), DescType::kTable) << "level " << level;
}

TEST(DescriptorType, ValidBitClearIsInvalidAtEveryLevel) {
  for (int level = 0; level <= 3; ++level) {
    EXPECT_EQ(Descriptor(0).type(level), DescType::kInvalid);
    EXPECT_EQ(Descriptor(0xFFFF'FFFF'FFFF'FFFEull).type(level), DescType::kInvalid);
  }
  EXPECT_FALSE(Descriptor(0xFFFF'FFFF'FFFF'FFFEull).valid());
}

// Table: next-level PA | 0b11 | PXNTable 59 | XNTable 60 | APTable[0] 61 |
// APTable[1] 62 | NSTable 63.
TEST(TableDescriptor, EncodesAllHierarchicalControls) {
  TableAttrs t;
  t.no_el0 = true;
  t.read_only = true;
  t.pxn = true;
  t.uxn = true;
  t.ns = true;
  const Descriptor d = Descriptor::make_table(PhysAddr(0x1234'5000), t);
  EXPECT_EQ(d.raw(), 0xF800'0000'1234'5003ull);
  const TableAttrs back = d.table_attrs();
  EXPECT_TRUE(back.no_el0);
  EXPECT_TRUE(back.read_only);
  EXPECT_TRUE(back.pxn);
  EXPECT_TRUE(back.uxn);
  EXPECT_TRUE(back.ns);
}

TEST(TableDescriptor, EachControlHasItsOwnBit) {
  const PhysAddr pa(0x1234'5000);
  TableAttrs t;
  t.no_el0 = true;
  EXPECT_EQ(Descriptor::make_table(pa, t).raw(), 0x2000'0000'1234'5003ull);
  t = {};
  t.read_only = true;
  EXPECT_EQ(Descriptor::make_table(pa, t).raw(), 0x4000'0000'1234'5003ull);
  t = {};
  t.pxn = true;
  EXPECT_EQ(Descriptor::make_table(pa, t).raw(), 0x0800'0000'1234'5003ull);
  t = {};
  t.uxn = true;
  EXPECT_EQ(Descriptor::make_table(pa, t).raw(), 0x1000'0000'1234'5003ull);
  EXPECT_EQ(Descriptor::make_table(pa).raw(), 0x1234'5003ull);
}

TEST(TableDescriptor, DecodesNextTableAddress) {
  const Descriptor d(0xF800'0000'1234'5003ull);
  EXPECT_EQ(d.type(0), DescType::kTable);
  EXPECT_EQ(d.output_address(), PhysAddr(0x1234'5000));
}

TEST(TableDescriptor, RejectsUnalignedNextTable) {
  EXPECT_THROW(Descriptor::make_table(PhysAddr(0x1234'5008)), std::invalid_argument);
}

TEST(DescriptorUpdate, WithAfTogglesOnlyBit10) {
  const Descriptor d(0x0060'0000'4000'1F43ull);
  EXPECT_EQ(d.with_af(false).raw(), 0x0060'0000'4000'1B43ull);
  EXPECT_FALSE(d.with_af(false).af());
  EXPECT_EQ(d.with_af(false).with_af(true), d);
}

TEST(DescriptorUpdate, WithApRewritesOnlyBits7To6) {
  const Descriptor d(0x0060'0000'4000'1F43ull);
  EXPECT_EQ(d.with_ap(Ap::kRo).raw(), 0x0060'0000'4000'1FC3ull);
  EXPECT_EQ(d.with_ap(Ap::kPrivRw).raw(), 0x0060'0000'4000'1F03ull);
  EXPECT_EQ(d.with_ap(Ap::kPrivRo).raw(), 0x0060'0000'4000'1F83ull);
  EXPECT_EQ(d.with_ap(Ap::kPrivRo).ap(), Ap::kPrivRo);
}

}  // namespace
}  // namespace mmusim::arch
