// Files and the page cache: file, open, close, truncate, pread, pwrite,
// file-backed mmap (errors, sharing, copy-on-write, SIGBUS past EOF),
// msync writeback with write-notify, readahead windows.
#include <gtest/gtest.h>

#include "sw/backing_store.h"
#include "sw/mm/address_spaces.h"
#include "tests/sw/kernel_fixture.h"

namespace mmusim::sw::test {
namespace {

using Lines = std::vector<std::string>;
constexpr int kSig = -2;  // load()/store(): SIGBUS
constexpr int kSegv = -1;

// A file-mapping script (an earlier version of docs/examples/file_mappings.scn),
// line by line, against what Linux printed for it.
TEST_F(KernelTest, FileMappingsExampleMatchesLinux) {
  make_file("data.bin", 10000, 3);
  EXPECT_EQ(pwrite(3, 0, 0x11), 1);
  EXPECT_EQ(mmap_fd(0x100000100000, 16384, kRw, kShared, 3, 0), 0x100000100000);
  EXPECT_EQ(mmap_fd(0x100000200000, 16384, kRw, kPrivate, 3, 0), 0x100000200000);
  EXPECT_EQ(load(0x100000200000), 0x11);
  EXPECT_EQ(store(0x100000100000, 0x22), 0);
  EXPECT_EQ(load(0x100000200000), 0x22);
  EXPECT_EQ(pread(3, 0), 0x22);
  EXPECT_EQ(store(0x100000200000, 0x33), 0);
  EXPECT_EQ(pread(3, 0), 0x22);
  EXPECT_EQ(load(0x100000100000), 0x22);
  EXPECT_EQ(load(0x100000102000), 0x00);
  EXPECT_EQ(load(0x100000103000), kSig);
  EXPECT_EQ(maps(), (Lines{"100000100000-100000104000 rw-s 00000000 data.bin",
                           "100000200000-100000204000 rw-p 00000000 data.bin"}));
}

TEST_F(KernelTest, FileSyscallErrorsAsLinux) {
  EXPECT_EQ(k.open(3, "missing", abi::kORdonly).value, kENOENT);
  EXPECT_EQ(k.close(3).value, kEBADF);
  make_file("f", 100, 3, abi::kORdonly);
  EXPECT_EQ(pwrite(3, 0, 1), kEBADF);                    // not open for writing
  EXPECT_EQ(k.ftruncate(3, 10).value, kEINVAL);          // not open for writing
  EXPECT_EQ(k.ftruncate(9, 1ull << 63).value, kEINVAL);  // length < 0 before the fd
  EXPECT_EQ(k.ftruncate(9, 10).value, kEBADF);
  EXPECT_EQ(pread(3, 100), -1);  // EOF
  EXPECT_EQ(pread(3, 99), 0);
  EXPECT_EQ(pread(3, 1ull << 63), static_cast<int>(kEINVAL) - 1000);
  ASSERT_EQ(k.open(4, "f", abi::kOWronly).value, 0);
  EXPECT_EQ(pread(4, 0), static_cast<int>(kEBADF) - 1000);
  EXPECT_EQ(pwrite(4, 0x7fffffffffffffffull, 1), kEFBIG);
  EXPECT_EQ(k.close(3).value, 0);
  EXPECT_EQ(k.close(3).value, kEBADF);
  EXPECT_EQ(k.create_file("f", 1ull << 63).value, kEINVAL);
}

TEST_F(KernelTest, PwriteExtendsAndPreadSeesIt) {
  make_file("f", 0, 3);
  EXPECT_EQ(pread(3, 0), -1);
  EXPECT_EQ(pwrite(3, 5000, 0x7e), 1);
  EXPECT_EQ(pread(3, 5000), 0x7e);
  EXPECT_EQ(pread(3, 4999), 0);
  EXPECT_EQ(pread(3, 5001), -1);
}

TEST_F(KernelTest, FileMmapErrorsAsLinux) {
  make_file("f", 8192, 3, abi::kORdonly);
  ASSERT_EQ(k.open(4, "f", abi::kOWronly).value, 0);
  EXPECT_EQ(mmap_fd(kBase, 4096, kRw, kShared | abi::kMapFixed, 7, 0), kEBADF);
  EXPECT_EQ(mmap_fd(kBase, 4096, kRw, kShared | abi::kMapFixed, 3, 0), kEACCES);
  EXPECT_EQ(mmap_fd(kBase, 4096, abi::kProtRead, kPrivate | abi::kMapFixed, 4, 0), kEACCES);
  EXPECT_EQ(mmap_fd(kBase, 4096, kRw, kShared | abi::kMapFixed, 4, 0), kEACCES);
  EXPECT_EQ(mmap_fd(kBase, 4096, abi::kProtRead, kShared, 3, 100), kEINVAL);
  EXPECT_EQ(mmap_fd(kBase, 4096, abi::kProtRead, kShared | abi::kMapGrowsdown, 3, 0), kEINVAL);
  EXPECT_EQ(mmap_fd(kBase, 0x2000, abi::kProtRead, kShared, 3, 0x7ffffffffffff000ull), kEOVERFLOW);
  EXPECT_EQ(
      mmap_fd(kBase, 4096, abi::kProtRead, abi::kMapSharedValidate | abi::kMapFixedNoreplace, 3, 0),
      -95);                                                           // EOPNOTSUPP
  EXPECT_EQ(mmap_fd(kBase, 4096, abi::kProtRead, 0, 3, 0), kEINVAL);  // no map type
  // A private writable mapping of a read-only file is fine, and so is a
  // read-only shared one, which can never become writable.
  EXPECT_EQ(mmap_fd(kBase, 4096, kRw, kPrivate | abi::kMapFixed, 3, 0), kBase);
  EXPECT_EQ(mmap_fd(kBase + 0x1000, 4096, abi::kProtRead, kShared | abi::kMapFixed, 3, 4096),
            kBase + 0x1000);
  EXPECT_EQ(mprotect(kBase + 0x1000, 4096, kRw), kEACCES);
  EXPECT_EQ(maps(), (Lines{"100000000000-100000001000 rw-p 00000000 f",
                           "100000001000-100000002000 r--s 00001000 f"}));
}

TEST_F(KernelTest, FileVmasMergeOnlyWithTheSameOpenFileAtContiguousOffsets) {
  make_file("f", 0x10000, 3);
  ASSERT_EQ(k.open(4, "f", abi::kORdwr).value, 0);
  const int fixed = kShared | abi::kMapFixed;
  ASSERT_EQ(mmap_fd(kBase, 0x1000, kRw, fixed, 3, 0), kBase);
  ASSERT_EQ(mmap_fd(kBase + 0x1000, 0x1000, kRw, fixed, 3, 0x1000), kBase + 0x1000);  // merges
  ASSERT_EQ(mmap_fd(kBase + 0x2000, 0x1000, kRw, fixed, 3, 0x4000), kBase + 0x2000);  // gap
  ASSERT_EQ(mmap_fd(kBase + 0x3000, 0x1000, kRw, fixed, 4, 0x5000), kBase + 0x3000);  // other fd
  EXPECT_EQ(maps(), (Lines{"100000000000-100000002000 rw-s 00000000 f",
                           "100000002000-100000003000 rw-s 00004000 f",
                           "100000003000-100000004000 rw-s 00005000 f"}));
}

TEST_F(KernelTest, PrivateMappingSeesFileChangesUntilCopyOnWrite) {
  make_file("f", 8192, 3);
  ASSERT_EQ(mmap_fd(kBase, 8192, kRw, kPrivate | abi::kMapFixed, 3, 0), kBase);
  EXPECT_EQ(load(kBase + 1), 0);
  EXPECT_EQ(pwrite(3, 1, 0x41), 1);
  EXPECT_EQ(load(kBase + 1), 0x41);  // same page-cache page, mapped read-only
  EXPECT_EQ(store(kBase + 2, 0x42), 0);
  EXPECT_EQ(k.stats().cow_copies, 1u);
  EXPECT_EQ(pwrite(3, 1, 0x43), 1);
  EXPECT_EQ(load(kBase + 1), 0x41);  // the private copy no longer follows the file
  EXPECT_EQ(pread(3, 2), 0);         // and the file never saw the private store
  // A first write to an untouched page copies straight from the cache (do_cow_fault).
  EXPECT_EQ(pwrite(3, 4096, 0x44), 1);
  EXPECT_EQ(store(kBase + 4097, 0x45), 0);
  EXPECT_EQ(load(kBase + 4096), 0x44);
  EXPECT_EQ(pread(3, 4097), 0);
}

TEST_F(KernelTest, SharedMappingAndPwriteSeeEachOtherAtOnce) {
  make_file("f", 4096, 3);
  ASSERT_EQ(mmap_fd(kBase, 4096, kRw, kShared | abi::kMapFixed, 3, 0), kBase);
  ASSERT_EQ(mmap_fd(kBase + 0x10000, 4096, abi::kProtRead, kShared | abi::kMapFixed, 3, 0),
            kBase + 0x10000);
  EXPECT_EQ(store(kBase + 7, 0x99), 0);
  EXPECT_EQ(pread(3, 7), 0x99);
  EXPECT_EQ(load(kBase + 0x10007), 0x99);
  EXPECT_EQ(pwrite(3, 8, 0x55), 1);
  EXPECT_EQ(load(kBase + 8), 0x55);
  EXPECT_EQ(load(kBase + 0x10008), 0x55);
  EXPECT_EQ(k.stats().cow_copies, 0u);
}

TEST_F(KernelTest, SigbusPastEndOfFileIsPageGranular) {
  make_file("f", 5000, 3);
  ASSERT_EQ(mmap_fd(kBase, 0x4000, kRw, kShared | abi::kMapFixed, 3, 0), kBase);
  EXPECT_EQ(load(kBase + 4999), 0);
  EXPECT_EQ(load(kBase + 5000), 0);  // the tail of the last page reads zero
  EXPECT_EQ(store(kBase + 8191, 1), 0);
  EXPECT_EQ(load(kBase + 8192), kSig);
  EXPECT_EQ(store(kBase + 0x3000, 1), kSig);
  EXPECT_EQ(load(kBase + 0x4000), kSegv);
  EXPECT_EQ(pread(3, 8191), -1);  // the file did not grow
}

TEST_F(KernelTest, TruncateUnmapsPagesBeyondTheNewEndEvenPrivateCopies) {
  make_file("f", 0x3000, 3);
  ASSERT_EQ(mmap_fd(kBase, 0x3000, kRw, kShared | abi::kMapFixed, 3, 0), kBase);
  ASSERT_EQ(mmap_fd(kBase + 0x10000, 0x3000, kRw, kPrivate | abi::kMapFixed, 3, 0),
            kBase + 0x10000);
  ASSERT_EQ(store(kBase + 0x2000, 0x11), 0);
  ASSERT_EQ(store(kBase + 0x1100, 0x12), 0);
  ASSERT_EQ(store(kBase + 0x12000, 0x21), 0);  // a private copy
  ASSERT_EQ(store(kBase + 0x11000, 0x22), 0);
  EXPECT_EQ(k.ftruncate(3, 0x1080).value, 0);
  EXPECT_EQ(load(kBase + 0x2000), kSig);
  EXPECT_EQ(load(kBase + 0x12000), kSig);  // even_cows: the copy went too
  EXPECT_EQ(load(kBase + 0x1100), 0);      // the tail of the partial page was zeroed
  EXPECT_EQ(load(kBase + 0x11000), 0x22);  // a private copy inside the file stays
  // Growing again brings zeroes, not the old data.
  EXPECT_EQ(k.ftruncate(3, 0x3000).value, 0);
  EXPECT_EQ(load(kBase + 0x2000), 0);
  EXPECT_EQ(pread(3, 0x1100), 0);
}

TEST_F(KernelTest, FileRecreatedEmptyByFileOp) {
  make_file("f", 4096, 3);
  ASSERT_EQ(pwrite(3, 10, 0x5a), 1);
  ASSERT_EQ(k.create_file("f", 4096).value, 0);
  EXPECT_EQ(pread(3, 10), 0);  // same inode, truncated to zero then resized
}

TEST_F(KernelTest, CloseKeepsTheMappingAlive) {
  make_file("f", 4096, 3);
  ASSERT_EQ(pwrite(3, 0, 0x31), 1);
  ASSERT_EQ(mmap_fd(kBase, 4096, kRw, kShared | abi::kMapFixed, 3, 0), kBase);
  ASSERT_EQ(k.close(3).value, 0);
  EXPECT_EQ(load(kBase), 0x31);
  EXPECT_EQ(mmap_fd(kBase + 0x1000, 4096, kRw, kShared | abi::kMapFixed, 3, 0), kEBADF);
}

TEST_F(KernelTest, MsyncChecksAsLinux) {
  ASSERT_EQ(mmap(kBase, 0x2000, kRw, kAnonFixed), kBase);
  ASSERT_EQ(mmap(kBase + 0x3000, 0x1000, kRw, kAnonFixed | abi::kMapLocked), kBase + 0x3000);
  EXPECT_EQ(msync(kBase, 0x1000, abi::kMsAsync | abi::kMsSync), kEINVAL);
  EXPECT_EQ(msync(kBase, 0x1000, 8), kEINVAL);
  EXPECT_EQ(msync(kBase + 1, 0x1000, abi::kMsSync), kEINVAL);
  EXPECT_EQ(msync(kBase + 0x100000, 0, abi::kMsSync), 0);  // empty range: nothing checked
  EXPECT_EQ(msync(kBase, 0x2000, abi::kMsSync), 0);
  EXPECT_EQ(msync(kBase, 0x4000, abi::kMsSync), kENOMEM);       // a hole: the rest still synced
  EXPECT_EQ(msync(kBase, 0x3000, abi::kMsAsync), kENOMEM);      // stops at the hole
  EXPECT_EQ(msync(kBase + 0x100000, 0x1000, 0), kENOMEM);       // nothing mapped
  EXPECT_EQ(msync(kBase, 0x4000, abi::kMsInvalidate), kEBUSY);  // reaches a locked VMA
  EXPECT_EQ(msync(kBase, 0x2000, abi::kMsInvalidate), 0);
  EXPECT_EQ(msync(~uint64_t{0} & ~uint64_t{0xfff}, 0x2000, abi::kMsSync), kENOMEM);  // wraps
}

class RecordingStore : public MemoryBackingStore {
 public:
  void read_page(FileId f, uint64_t index, PageBytes& out) override {
    reads.push_back(index);
    MemoryBackingStore::read_page(f, index, out);
  }
  void write_page(FileId f, uint64_t index, const PageBytes& data) override {
    writes.push_back(index);
    MemoryBackingStore::write_page(f, index, data);
  }
  std::vector<uint64_t> reads, writes;
};

class StoreKernelTest : public ::testing::Test {
 protected:
  StoreKernelTest()
      : mem(params.dram_base, params.dram_bytes, log),
        mmu(log),
        k(params, mem, mmu, &store),
        cpu(k, mem, mmu) {
    k.mm().spawn();
  }
  KernelParams params = small_params();
  HwLog log;
  FakePhysMemory mem;
  RecordingMmu mmu;
  RecordingStore store;
  Kernel k;
  TestCpu cpu;
};

TEST_F(StoreKernelTest, MsyncWritesDirtySharedPagesBackAndWriteProtectsThem) {
  ASSERT_EQ(k.create_file("f", 0x3000).value, 0);
  ASSERT_EQ(k.open(3, "f", abi::kORdwr).value, 0);
  const uint64_t base = kBase;
  ASSERT_EQ(
      k.mmap(VirtAddr(base), 0x3000, kRw, kShared | abi::kMapFixed | abi::kMapPopulate, 3, 0).value,
      static_cast<int64_t>(base));
  ASSERT_EQ(cpu.store(base + 0x1000, 0x77), FaultOutcome::kRetry);  // dirties page 1
  ASSERT_EQ(k.pwrite(3, 0x2000, 0x78).value, 1);                    // dirties page 2
  EXPECT_TRUE(store.writes.empty());
  EXPECT_EQ(k.msync(VirtAddr(base), 0x2000, abi::kMsAsync).value, 0);  // MS_ASYNC: no I/O
  EXPECT_TRUE(store.writes.empty());
  const KernelStats before = k.stats();
  EXPECT_EQ(k.msync(VirtAddr(base), 0x3000, abi::kMsSync).value, 0);
  EXPECT_EQ(store.writes, (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(k.stats().file_pages_written - before.file_pages_written, 2u);
  // Page 1 is write-protected again: the next store faults and re-dirties it.
  const TestCpu::Result r = cpu.access(VirtAddr(base + 0x1000), arch::AccessKind::kWrite);
  EXPECT_EQ(r.faults, 1);
  EXPECT_EQ(k.msync(VirtAddr(base), 0x3000, abi::kMsSync).value, 0);
  EXPECT_EQ(store.writes, (std::vector<uint64_t>{1, 2, 1}));
  // A private mapping's msync writes nothing.
  ASSERT_EQ(k.mmap(VirtAddr(base + 0x10000), 0x1000, kRw, kPrivate | abi::kMapFixed, 3, 0).value,
            static_cast<int64_t>(base + 0x10000));
  ASSERT_EQ(cpu.store(base + 0x10000, 1), FaultOutcome::kRetry);
  EXPECT_EQ(k.msync(VirtAddr(base + 0x10000), 0x1000, abi::kMsSync).value, 0);
  EXPECT_EQ(store.writes.size(), 3u);
}

TEST_F(StoreKernelTest, FaultReadAroundReadsA32PageWindowCentredOnTheFault) {
  ASSERT_EQ(k.create_file("f", 1 << 20).value, 0);
  ASSERT_EQ(k.open(3, "f", abi::kORdonly).value, 0);
  ASSERT_EQ(k.mmap(VirtAddr(kBase), 1 << 20, abi::kProtRead, kPrivate | abi::kMapFixed, 3, 0).value,
            static_cast<int64_t>(kBase));
  ASSERT_TRUE(cpu.load(kBase + 100 * 4096));
  std::vector<uint64_t> want;
  for (uint64_t i = 84; i < 116; ++i)
    want.push_back(i);
  EXPECT_EQ(store.reads, want);
  EXPECT_EQ(k.stats().readahead_sync, 1u);
  EXPECT_EQ(k.stats().file_faults_major, 1u);
  // The next fault maps its cached 16-page block by fault-around (no I/O, no
  // ->fault); its neighbours then need no fault at all.
  const uint64_t file_faults = k.stats().file_faults;
  ASSERT_TRUE(cpu.load(kBase + 101 * 4096));
  EXPECT_EQ(k.stats().file_faults, file_faults);
  EXPECT_EQ(k.stats().fault_around_pages, 13u);  // 96..111 less 101, 100 (mapped) and 108
  const uint64_t faults = k.stats().page_faults;
  ASSERT_TRUE(cpu.load(kBase + 111 * 4096));
  EXPECT_EQ(k.stats().page_faults, faults);
  EXPECT_EQ(store.reads.size(), 32u);
  // Page 108 carries PG_readahead (start + size - async_size): reaching it
  // reads the next window asynchronously, doubling it to the 32-page maximum.
  ASSERT_TRUE(cpu.load(kBase + 108 * 4096));
  EXPECT_EQ(k.stats().readahead_async, 1u);
  EXPECT_EQ(store.reads.size(), 64u);
  EXPECT_EQ(store.reads.back(), 147u);
}

TEST_F(StoreKernelTest, PreadRampsTheOndemandWindow) {
  ASSERT_EQ(k.create_file("f", 1 << 20).value, 0);
  ASSERT_EQ(k.open(3, "f", abi::kORdonly).value, 0);
  uint8_t b;
  ASSERT_EQ(k.pread(3, 0, &b).value, 1);
  EXPECT_EQ(store.reads, (std::vector<uint64_t>{0, 1, 2, 3}));  // init window 4, async 3
  ASSERT_EQ(k.pread(3, 4096, &b).value, 1);                     // page 1 is marked
  EXPECT_EQ(store.reads.size(), 12u);                           // next window: 8 pages
  EXPECT_EQ(store.reads.back(), 11u);
  ASSERT_EQ(k.pread(3, 4 * 4096, &b).value, 1);  // marked start of that window: 16 more
  EXPECT_EQ(store.reads.size(), 28u);
  EXPECT_EQ(store.reads.back(), 27u);
  // A random read far away reads just a small window.
  ASSERT_EQ(k.pread(3, 200 * 4096, &b).value, 1);
  EXPECT_EQ(store.reads.size(), 29u);
}

TEST_F(StoreKernelTest, ReadaheadStopsAtEndOfFile) {
  ASSERT_EQ(k.create_file("f", 3 * 4096 + 10).value, 0);
  ASSERT_EQ(k.open(3, "f", abi::kORdonly).value, 0);
  ASSERT_EQ(k.mmap(VirtAddr(kBase), 0x10000, abi::kProtRead, kShared | abi::kMapFixed, 3, 0).value,
            static_cast<int64_t>(kBase));
  ASSERT_TRUE(cpu.load(kBase));
  EXPECT_EQ(store.reads, (std::vector<uint64_t>{0, 1, 2, 3}));
}

}  // namespace
}  // namespace mmusim::sw::test
