// Device register mappings (sw/mm/io_remap.cpp): the entries io_remap writes,
// bit for bit, and what fork, mprotect, munmap and a fault do with them.
#include <gtest/gtest.h>

#include "sw/mm/address_spaces.h"
#include "tests/sw/kernel_fixture.h"

namespace mmusim::sw::test {
namespace {

constexpr uint64_t kDev = 0x0903'0000;
const IoRegion kStatus{"status", PhysAddr(kDev), 0x2000, arch::mt::kDeviceNGnRE, false};

class IoRemapTest : public KernelTest {
 protected:
  int64_t iomap(uint64_t addr, uint64_t len, int prot, const IoRegion& dev = kStatus,
                uint64_t offset = 0) {
    return k.io_remap(VirtAddr(addr), len, prot, kShared | abi::kMapFixed, dev, offset).value;
  }
};

// Device-nGnRE (AttrIndx 4), AP EL0 RW, inner shareable, AF, nG, PXN, UXN,
// PTE_SPECIAL (bit 56), output address kDev.
constexpr uint64_t kRwEntry = 0x0160'0000'0903'0f53;

TEST_F(IoRemapTest, EveryPageIsMappedAtMmapTimeWithASpecialDeviceEntry) {
  ASSERT_EQ(iomap(kBase, 0x2000, kRw), static_cast<int64_t>(kBase));
  const Walk w0 = walk_va(kBase);
  ASSERT_EQ(w0.fault, arch::FaultKind::kNone);
  EXPECT_EQ(w0.leaf.raw(), kRwEntry);
  const arch::PageAttrs a = w0.leaf.page_attrs();
  EXPECT_EQ(a.attr_index, arch::mt::kDeviceNGnRE);
  EXPECT_EQ(a.ap, arch::Ap::kRw);
  EXPECT_TRUE(a.uxn && a.pxn && a.af && a.ng);
  const Walk w1 = walk_va(kBase + 0x1234);
  EXPECT_EQ(w1.pa.value(), kDev + 0x1234);
  EXPECT_EQ(maps(),
            std::vector<std::string>{"100000000000-100000002000 rw-s 00000000 /dev/status"});
  // The offset selects the frame; the memory type is the region's.
  IoRegion strong = kStatus;
  strong.attr_index = arch::mt::kDeviceNGnRnE;
  ASSERT_EQ(iomap(kBase + 0x10000, 0x1000, abi::kProtRead, strong, 0x1000),
            static_cast<int64_t>(kBase + 0x10000));
  const arch::Descriptor d = walk_va(kBase + 0x10000).leaf;
  EXPECT_EQ(d.output_address().value(), kDev + 0x1000);
  EXPECT_EQ(d.page_attrs().attr_index, arch::mt::kDeviceNGnRnE);
  EXPECT_EQ(d.page_attrs().ap, arch::Ap::kRo);
}

TEST_F(IoRemapTest, RefusesWhatTheDriverRefuses) {
  EXPECT_EQ(k.io_remap(VirtAddr(kBase), 0x1000, kRw, kPrivate | abi::kMapFixed, kStatus, 0).value,
            kEINVAL);
  EXPECT_EQ(iomap(kBase, 0x3000, kRw), kEINVAL);  // beyond the device
  EXPECT_EQ(iomap(kBase, 0x1000, kRw, kStatus, 0x2000), kEINVAL);
  EXPECT_EQ(iomap(kBase, 0x1000, kRw, kStatus, 0x10), kEINVAL);  // offset not page-aligned
  EXPECT_EQ(iomap(kBase, 0, kRw), kEINVAL);
  EXPECT_TRUE(maps().empty());
}

TEST_F(IoRemapTest, MunmapFreesTablesButNoFrameAndForkCopiesTheEntries) {
  const uint64_t frames0 = k.stats().frames_in_use;
  ASSERT_EQ(iomap(kBase, 0x2000, kRw), static_cast<int64_t>(kBase));
  const SyscallResult r = k.fork();
  ASSERT_GT(r.value, 0);
  k.mm().switch_to(static_cast<Pid>(r.value));
  // The child has the same entries: shared, so not write-protected.
  EXPECT_EQ(walk_va(kBase).leaf.raw(), kRwEntry);
  EXPECT_EQ(walk_va(kBase + 0x1000).leaf.raw(), kRwEntry + 0x1000);
  EXPECT_EQ(maps(),
            std::vector<std::string>{"100000000000-100000002000 rw-s 00000000 /dev/status"});
  EXPECT_EQ(k.exit().value, 0);
  k.mm().switch_to(pid);
  EXPECT_EQ(walk_va(kBase).leaf.raw(), kRwEntry);
  EXPECT_EQ(munmap(kBase, 0x2000), 0);
  EXPECT_EQ(walk_va(kBase).fault, arch::FaultKind::kTranslation);
  EXPECT_EQ(k.stats().frames_in_use, frames0);  // the table pages went back; no device frame did
}

TEST_F(IoRemapTest, MprotectKeepsTheFrameAndTheMemoryType) {
  ASSERT_EQ(iomap(kBase, 0x1000, kRw), static_cast<int64_t>(kBase));
  ASSERT_EQ(mprotect(kBase, 0x1000, abi::kProtRead), 0);
  const arch::Descriptor ro = walk_va(kBase).leaf;
  EXPECT_EQ(ro.raw(), kRwEntry | (uint64_t{1} << 7));  // AP[2]: read-only
  EXPECT_EQ(store(kBase, 1), -1);                      // SIGSEGV
  ASSERT_EQ(mprotect(kBase, 0x1000, abi::kProtNone), 0);
  EXPECT_EQ(walk_va(kBase).fault, arch::FaultKind::kTranslation);
  ASSERT_EQ(mprotect(kBase, 0x1000, kRw), 0);
  EXPECT_EQ(walk_va(kBase).leaf.raw(), kRwEntry);
}

TEST_F(IoRemapTest, AFaultPopulatedMappingInsertsTheFrameOnFirstTouch) {
  IoRegion lazy = kStatus;
  lazy.on_fault = true;
  ASSERT_EQ(iomap(kBase, 0x2000, kRw, lazy), static_cast<int64_t>(kBase));
  EXPECT_EQ(walk_va(kBase + 0x1000).fault, arch::FaultKind::kTranslation);
  arch::FaultSyndrome f;
  f.kind = arch::FaultKind::kTranslation;
  f.level = 3;
  f.access = arch::AccessKind::kWrite;
  f.va = VirtAddr(kBase + 0x1008);
  EXPECT_EQ(k.handle_fault(f).outcome, FaultOutcome::kRetry);
  EXPECT_EQ(walk_va(kBase + 0x1000).leaf.raw(), kRwEntry + 0x1000);
  EXPECT_EQ(walk_va(kBase).fault, arch::FaultKind::kTranslation);  // one page at a time
  EXPECT_EQ(k.stats().pfnmap_faults, 1u);
  // An access the VMA does not allow is SIGSEGV before any frame is inserted.
  ASSERT_EQ(mprotect(kBase, 0x1000, abi::kProtRead), 0);
  f.va = VirtAddr(kBase);
  EXPECT_EQ(k.handle_fault(f).outcome, FaultOutcome::kSigsegv);
  EXPECT_EQ(k.stats().pfnmap_faults, 1u);
}

}  // namespace
}  // namespace mmusim::sw::test
