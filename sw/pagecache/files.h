// Files, open files and the page cache's bookkeeping (Linux struct inode +
// address_space, struct file + file_ra_state). The data of cached pages
// lives in frames of simulated DRAM; the kernel moves it to and from the
// BackingStore. Shared anonymous memory is a shmem inode of its own (Linux
// shmem_zero_setup): page cache only, never written back.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>

#include "model/arch/types.h"
#include "sw/mm/vma.h"
#include "sw/page_db.h"

namespace mmusim::sw {

// MAX_LFS_FILESIZE on 64-bit: the largest file size and offset.
constexpr uint64_t kMaxFileSize = 0x7fff'ffff'ffff'ffffull;
// Default readahead window: 128 KB (VM_READAHEAD_PAGES).
constexpr uint32_t kDefaultRaPages = 32;

// Linux struct file_ra_state: the ondemand readahead window of one open file.
struct RaState {
  uint64_t start = 0;
  uint64_t size = 0;
  uint64_t async_size = 0;
  uint32_t ra_pages = kDefaultRaPages;
  uint32_t mmap_miss = 0;
  int64_t prev_pos = -1;
};

struct CachePage {
  PhysAddr frame;
  bool dirty = false;
  bool readahead = false;  // PG_readahead: reaching it starts asynchronous readahead
};

struct Inode {
  FileId id = 0;
  std::string name;
  uint64_t size = 0;                    // bytes
  bool shmem = false;                   // shared anonymous memory: no backing store, no readahead
  std::map<uint64_t, CachePage> pages;  // page index -> cached page
  // shmem: pages written out to swap, page index -> swap slot (the page
  // cache slot holds a swap entry, Linux's xa_value swap entry; the inode
  // holds one reference on the slot).
  std::map<uint64_t, uint32_t> swapped;

  uint64_t size_pages() const { return (size + arch::kPageSize - 1) >> arch::kPageShift; }
};

// An open file description (struct file): VMAs made from it share its
// identity (they merge only with each other) and its readahead state.
struct OpenFile {
  MappedObjectId id = 0;
  FileId inode = 0;
  bool readable = false;
  bool writable = false;
  RaState ra;
};

class FileStore {
 public:
  Inode* find(const std::string& name);
  Inode* get(FileId id);
  // A new empty inode; named ones are found by name afterwards.
  Inode& create(const std::string& name, bool shmem);
  void erase(FileId id);

  std::shared_ptr<OpenFile> open(Inode& inode, bool readable, bool writable);
  OpenFile* open_file(MappedObjectId id);
  // A fresh struct-file identity for VMAs that map no inode.
  MappedObjectId new_object() { return m_next_object++; }

  template <typename Fn>
  void for_each_inode(Fn&& fn) {
    for (auto& [id, inode] : m_inodes)
      fn(*inode);
  }

 private:
  std::unordered_map<FileId, std::unique_ptr<Inode>> m_inodes;
  std::unordered_map<std::string, FileId> m_names;
  // Kept for the kernel's lifetime: VMAs name them by id after close().
  std::unordered_map<MappedObjectId, std::shared_ptr<OpenFile>> m_open;
  FileId m_next_inode = 1;
  MappedObjectId m_next_object = 1;
};

}  // namespace mmusim::sw
