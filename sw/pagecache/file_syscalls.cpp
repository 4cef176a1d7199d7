// File system calls of the syscall-script spec with Linux 6.x's checks:
// open (do_sys_open), close, ftruncate (do_sys_ftruncate, do_ftruncate),
// pread (filemap_read), pwrite (generic_perform_write), msync (mm/msync.c),
// and `file NAME SIZE` (open(O_CREAT|O_TRUNC) + ftruncate + close).
#include <algorithm>

#include "sw/kernel_impl.h"

namespace mmusim::sw {

std::shared_ptr<OpenFile> KernelImpl::fd_file(Process& p, int fd) {
  auto it = p.fds.find(fd);
  return it == p.fds.end() ? nullptr : it->second;
}

SyscallResult KernelImpl::create_file(const std::string& name, uint64_t size) {
  Syscall sc(*this);
  CostMeter& m = sc.m;
  Inode* inode = m_pc.files.find(name);
  if (!inode) inode = &m_pc.files.create(name, false);
  set_file_size(*inode, 0, m);  // O_TRUNC
  m_ctx.store->reserve(inode->id, 0);
  if (size > kMaxFileSize) return sc.done(err(Errno::kEINVAL));
  // A file store on the block device preallocates: no room is ENOSPC.
  if (!m_ctx.store->reserve(inode->id, (size + arch::kPageSize - 1) >> arch::kPageShift))
    return sc.done(err(Errno::kENOSPC));
  set_file_size(*inode, size, m);
  return sc.done(0);
}

SyscallResult KernelImpl::open(int fd, const std::string& name, int mode) {
  Syscall sc(*this);
  Process& p = sc.p;
  if (fd < 0) return sc.done(err(Errno::kEBADF));
  Inode* inode = m_pc.files.find(name);
  if (!inode) return sc.done(err(Errno::kENOENT));
  // OPEN_FMODE: O_RDONLY reads, O_WRONLY writes, O_RDWR both, 3 neither.
  const int acc = mode & 3;
  p.fds[fd] = m_pc.files.open(*inode, acc == abi::kORdonly || acc == abi::kORdwr,
                              acc == abi::kOWronly || acc == abi::kORdwr);
  return sc.done(0);
}

SyscallResult KernelImpl::close(int fd) {
  Syscall sc(*this);
  Process& p = sc.p;
  // The open file lives on in the VMAs that map it.
  return sc.done(p.fds.erase(fd) ? 0 : err(Errno::kEBADF));
}

SyscallResult KernelImpl::ftruncate(int fd, uint64_t size) {
  Syscall sc(*this);
  Process& p = sc.p;
  CostMeter& m = sc.m;
  if (size > kMaxFileSize) return sc.done(err(Errno::kEINVAL));  // length < 0, before the fd
  auto f = fd_file(p, fd);
  if (!f) return sc.done(err(Errno::kEBADF));
  if (!f->writable) return sc.done(err(Errno::kEINVAL));
  Inode* inode = m_pc.files.get(f->inode);
  if (!inode) return sc.done(err(Errno::kEBADF));
  if (!m_ctx.store->reserve(inode->id, (size + arch::kPageSize - 1) >> arch::kPageShift))
    return sc.done(err(Errno::kENOSPC));
  set_file_size(*inode, size, m);
  return sc.done(0);
}

SyscallResult KernelImpl::pread(int fd, uint64_t offset, uint8_t* byte) {
  Syscall sc(*this);
  Process& p = sc.p;
  CostMeter& m = sc.m;
  auto f = fd_file(p, fd);
  if (!f || !f->readable) return sc.done(err(Errno::kEBADF));
  if (offset > kMaxFileSize) return sc.done(err(Errno::kEINVAL));
  Inode* inode = m_pc.files.get(f->inode);
  if (!inode) return sc.done(err(Errno::kEBADF));
  if (offset >= inode->size) return sc.done(0);
  // filemap_get_pages: a miss reads ahead synchronously; reaching a
  // PG_readahead page reads ahead asynchronously.
  const uint64_t index = offset >> arch::kPageShift;
  if (!inode->pages.count(index)) sync_readahead(*inode, f->ra, index, 1, m);
  auto page = cache_page(*inode, index, m);
  if (!page) return sc.done(err(Errno::kENOMEM));
  {
    PagePin pinned(*this, *page);  // readahead's direct reclaim must not take it
    if (inode->pages.at(index).readahead) async_readahead(*inode, f->ra, index, 1, m);
  }
  m_ctx.mem.read(*page + (offset & (arch::kPageSize - 1)), byte, 1);
  f->ra.prev_pos = static_cast<int64_t>(offset + 1);
  return sc.done(1);
}

SyscallResult KernelImpl::pwrite(int fd, uint64_t offset, uint8_t byte) {
  Syscall sc(*this);
  Process& p = sc.p;
  CostMeter& m = sc.m;
  auto f = fd_file(p, fd);
  if (!f || !f->writable) return sc.done(err(Errno::kEBADF));
  if (offset > kMaxFileSize) return sc.done(err(Errno::kEINVAL));  // pos < 0
  if (offset >= kMaxFileSize) return sc.done(err(Errno::kEFBIG));  // pos >= s_maxbytes
  Inode* inode = m_pc.files.get(f->inode);
  if (!inode) return sc.done(err(Errno::kEBADF));
  // write_begin reads a page not in the cache before the partial write.
  const uint64_t index = offset >> arch::kPageShift;
  if (offset >= inode->size && !m_ctx.store->reserve(inode->id, index + 1))
    return sc.done(err(Errno::kENOSPC));
  auto page = cache_page(*inode, index, m);
  if (!page) return sc.done(err(Errno::kENOMEM));
  m_ctx.mem.write(*page + (offset & (arch::kPageSize - 1)), &byte, 1);
  inode->pages.at(index).dirty = true;
  inode->size = std::max(inode->size, offset + 1);
  return sc.done(1);
}

SyscallResult KernelImpl::msync(VirtAddr addr, uint64_t len, int flags) {
  Syscall sc(*this);
  Process& p = sc.p;
  CostMeter& m = sc.m;
  uint64_t start = addr.value();
  if (flags & ~(abi::kMsAsync | abi::kMsInvalidate | abi::kMsSync))
    return sc.done(err(Errno::kEINVAL));
  if (start & (arch::kPageSize - 1)) return sc.done(err(Errno::kEINVAL));
  if ((flags & abi::kMsAsync) && (flags & abi::kMsSync)) return sc.done(err(Errno::kEINVAL));
  // The page-rounded length wraps to 0 for the last page of values (then
  // end == start: success, as Linux).
  len = (len + arch::kPageSize - 1) & ~(arch::kPageSize - 1);
  const uint64_t end = start + len;
  if (end < start) return sc.done(err(Errno::kENOMEM));
  if (end == start) return sc.done(0);
  // Holes are skipped but reported as ENOMEM at the end; MS_ASYNC alone
  // stops at the first hole.
  int64_t unmapped_error = 0;
  auto it = p.vmas.find_vma(VirtAddr(start));
  for (;;) {
    if (it == p.vmas.end()) return sc.done(err(Errno::kENOMEM));
    const Vma& v = it->second;
    if (start < v.start.value()) {
      if (flags == abi::kMsAsync) return sc.done(err(Errno::kENOMEM));
      start = v.start.value();
      if (start >= end) return sc.done(err(Errno::kENOMEM));
      unmapped_error = err(Errno::kENOMEM);
    }
    if ((flags & abi::kMsInvalidate) && (v.flags & vm::kLocked)) return sc.done(err(Errno::kEBUSY));
    const uint64_t fstart = (start - v.start.value()) + (v.pgoff << arch::kPageShift);
    const uint64_t fend = fstart + (std::min(end, v.end.value()) - start) - 1;
    start = v.end.value();
    // A device mapping (iomap): vfs_fsync_range on a character device
    // without ->fsync is EINVAL.
    if ((flags & abi::kMsSync) &&
        (v.flags & (vm::kShared | vm::kPfnmap)) == (vm::kShared | vm::kPfnmap))
      return sc.done(err(Errno::kEINVAL));
    if ((flags & abi::kMsSync) && v.file && (v.flags & vm::kShared)) {
      // vfs_fsync_range: write the dirty pages of the range back.
      if (Inode* inode = m_pc.files.get(v.file))
        writeback_range(*inode, fstart >> arch::kPageShift, fend >> arch::kPageShift, m);
      if (start >= end) return sc.done(unmapped_error);
      it = p.vmas.find_vma(VirtAddr(start));
    } else {
      if (start >= end) return sc.done(unmapped_error);
      it = p.vmas.find_vma(VirtAddr(start));
    }
  }
}

}  // namespace mmusim::sw
