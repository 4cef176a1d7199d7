// File system calls of the syscall-script spec with Linux 6.x's checks:
// open (do_sys_open), close, ftruncate (do_sys_ftruncate, do_ftruncate),
// pread (filemap_read), pwrite (generic_perform_write), msync (mm/msync.c),
// and `file NAME SIZE` (open(O_CREAT|O_TRUNC) + ftruncate + close).
#include <algorithm>

#include "sw/pagecache/page_cache.h"
#include "sw/reclaim/reclaim.h"

namespace mmusim::sw {

std::shared_ptr<OpenFile> PageCache::fd_file(Process& p, int fd) {
  auto it = p.fds.find(fd);
  return it == p.fds.end() ? nullptr : it->second;
}

int64_t PageCache::create_file(Process& /*p*/, CostMeter& m, const std::string& name,
                               uint64_t size) {
  Inode* inode = m_st.files.find(name);
  if (!inode) inode = &m_st.files.create(name, false);
  set_file_size(*inode, 0, m);  // O_TRUNC
  m_ctx.store->reserve(inode->id, 0);
  if (size > kMaxFileSize) return err(Errno::kEINVAL);
  // A file store on the block device preallocates: no room is ENOSPC.
  if (!m_ctx.store->reserve(inode->id, (size + arch::kPageSize - 1) >> arch::kPageShift))
    return err(Errno::kENOSPC);
  set_file_size(*inode, size, m);
  return 0;
}

int64_t PageCache::open(Process& p, CostMeter& /*m*/, int fd, const std::string& name, int mode) {
  if (fd < 0) return err(Errno::kEBADF);
  Inode* inode = m_st.files.find(name);
  if (!inode) return err(Errno::kENOENT);
  // OPEN_FMODE: O_RDONLY reads, O_WRONLY writes, O_RDWR both, 3 neither.
  const int acc = mode & 3;
  p.fds[fd] = m_st.files.open(*inode, acc == abi::kORdonly || acc == abi::kORdwr,
                              acc == abi::kOWronly || acc == abi::kORdwr);
  return 0;
}

int64_t PageCache::close(Process& p, CostMeter& /*m*/, int fd) {
  // The open file lives on in the VMAs that map it.
  return p.fds.erase(fd) ? 0 : err(Errno::kEBADF);
}

int64_t PageCache::ftruncate(Process& p, CostMeter& m, int fd, uint64_t size) {
  if (size > kMaxFileSize) return err(Errno::kEINVAL);  // length < 0, before the fd
  auto f = fd_file(p, fd);
  if (!f) return err(Errno::kEBADF);
  if (!f->writable) return err(Errno::kEINVAL);
  Inode* inode = m_st.files.get(f->inode);
  if (!inode) return err(Errno::kEBADF);
  if (!m_ctx.store->reserve(inode->id, (size + arch::kPageSize - 1) >> arch::kPageShift))
    return err(Errno::kENOSPC);
  set_file_size(*inode, size, m);
  return 0;
}

int64_t PageCache::pread(Process& p, CostMeter& m, int fd, uint64_t offset, uint8_t* byte) {
  auto f = fd_file(p, fd);
  if (!f || !f->readable) return err(Errno::kEBADF);
  if (offset > kMaxFileSize) return err(Errno::kEINVAL);
  Inode* inode = m_st.files.get(f->inode);
  if (!inode) return err(Errno::kEBADF);
  if (offset >= inode->size) return 0;
  // filemap_get_pages: a miss reads ahead synchronously; reaching a
  // PG_readahead page reads ahead asynchronously.
  const uint64_t index = offset >> arch::kPageShift;
  if (!inode->pages.count(index)) sync_readahead(*inode, f->ra, index, 1, m);
  auto page = cache_page(*inode, index, m);
  if (!page) return err(Errno::kENOMEM);
  {
    Reclaim::Pin pinned(m_reclaim, *page);  // readahead's direct reclaim must not take it
    if (inode->pages.at(index).readahead) async_readahead(*inode, f->ra, index, 1, m);
  }
  m_ctx.mem.read(*page + (offset & (arch::kPageSize - 1)), byte, 1);
  f->ra.prev_pos = static_cast<int64_t>(offset + 1);
  return 1;
}

int64_t PageCache::pwrite(Process& p, CostMeter& m, int fd, uint64_t offset, uint8_t byte) {
  auto f = fd_file(p, fd);
  if (!f || !f->writable) return err(Errno::kEBADF);
  if (offset > kMaxFileSize) return err(Errno::kEINVAL);  // pos < 0
  if (offset >= kMaxFileSize) return err(Errno::kEFBIG);  // pos >= s_maxbytes
  Inode* inode = m_st.files.get(f->inode);
  if (!inode) return err(Errno::kEBADF);
  // write_begin reads a page not in the cache before the partial write.
  const uint64_t index = offset >> arch::kPageShift;
  if (offset >= inode->size && !m_ctx.store->reserve(inode->id, index + 1))
    return err(Errno::kENOSPC);
  auto page = cache_page(*inode, index, m);
  if (!page) return err(Errno::kENOMEM);
  m_ctx.mem.write(*page + (offset & (arch::kPageSize - 1)), &byte, 1);
  inode->pages.at(index).dirty = true;
  inode->size = std::max(inode->size, offset + 1);
  return 1;
}

int64_t PageCache::msync(Process& p, CostMeter& m, VirtAddr addr, uint64_t len, int flags) {
  uint64_t start = addr.value();
  if (flags & ~(abi::kMsAsync | abi::kMsInvalidate | abi::kMsSync)) return err(Errno::kEINVAL);
  if (start & (arch::kPageSize - 1)) return err(Errno::kEINVAL);
  if ((flags & abi::kMsAsync) && (flags & abi::kMsSync)) return err(Errno::kEINVAL);
  // The page-rounded length wraps to 0 for the last page of values (then
  // end == start: success, as Linux).
  len = (len + arch::kPageSize - 1) & ~(arch::kPageSize - 1);
  const uint64_t end = start + len;
  if (end < start) return err(Errno::kENOMEM);
  if (end == start) return 0;
  // Holes are skipped but reported as ENOMEM at the end; MS_ASYNC alone
  // stops at the first hole.
  int64_t unmapped_error = 0;
  auto it = p.vmas.find_vma(VirtAddr(start));
  for (;;) {
    if (it == p.vmas.end()) return err(Errno::kENOMEM);
    const Vma& v = it->second;
    if (start < v.start.value()) {
      if (flags == abi::kMsAsync) return err(Errno::kENOMEM);
      start = v.start.value();
      if (start >= end) return err(Errno::kENOMEM);
      unmapped_error = err(Errno::kENOMEM);
    }
    if ((flags & abi::kMsInvalidate) && (v.flags & vm::kLocked)) return err(Errno::kEBUSY);
    const uint64_t fstart = (start - v.start.value()) + (v.pgoff << arch::kPageShift);
    const uint64_t fend = fstart + (std::min(end, v.end.value()) - start) - 1;
    start = v.end.value();
    // A device mapping (iomap): vfs_fsync_range on a character device
    // without ->fsync is EINVAL.
    if ((flags & abi::kMsSync) &&
        (v.flags & (vm::kShared | vm::kPfnmap)) == (vm::kShared | vm::kPfnmap))
      return err(Errno::kEINVAL);
    if ((flags & abi::kMsSync) && v.file && (v.flags & vm::kShared)) {
      // vfs_fsync_range: write the dirty pages of the range back.
      if (Inode* inode = m_st.files.get(v.file))
        writeback_range(*inode, fstart >> arch::kPageShift, fend >> arch::kPageShift, m);
      if (start >= end) return unmapped_error;
      it = p.vmas.find_vma(VirtAddr(start));
    } else {
      if (start >= end) return unmapped_error;
      it = p.vmas.find_vma(VirtAddr(start));
    }
  }
}

}  // namespace mmusim::sw
