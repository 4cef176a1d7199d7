// Page descriptors (Linux struct page / folio, reduced): what each frame
// holds and how many user page-table entries map it. The kernel needs this
// to share frames: page-cache pages mapped by several VMAs, anonymous pages
// shared copy-on-write after fork or merged by KSM.
#pragma once

#include <cstdint>
#include <vector>

#include "model/arch/descriptor.h"
#include "model/arch/types.h"

namespace mmusim::sw {

// Identity of an inode (a file, or a shmem object behind shared anonymous
// memory); 0 means none.
using FileId = uint64_t;

enum class PageKind : uint8_t { kFree, kAnon, kFile, kZero, kTable, kHugetlb };

struct PageMeta {
  uint32_t mapcount = 0;  // user PTEs (valid or PROT_NONE) that map the frame
  PageKind kind = PageKind::kFree;
  bool ksm = false;           // a KSM-merged anonymous page (never reused in place on write)
  bool poisoned = false;      // MADV_HWPOISON: every access gives SIGBUS
  bool soft_offline = false;  // MADV_SOFT_OFFLINE: migrate to a new frame on next use
  FileId file = 0;            // kFile: the inode whose page cache holds it; kHugetlb (2 MB
                              // head): the shared mapping object whose file holds it
  uint64_t index = 0;         // kFile: page index in the file; kAnon: linear index (rmap)
  uint32_t swap_slot = 0;     // kAnon in the swap cache: its swap slot + 1 (0: none)
  bool lazyfree = false;      // kAnon after MADV_FREE: reclaim discards it while clean
};

// Contract: meta(pa) for any frame of [base, base + bytes); grows on demand.
class PageDb {
 public:
  explicit PageDb(PhysAddr base) : m_base(base) {}
  PageMeta& meta(PhysAddr pa) {
    const uint64_t i = (pa - m_base) >> arch::kPageShift;
    if (i >= m_pages.size()) m_pages.resize(i + 1 + (i >> 3));
    return m_pages[i];
  }

 private:
  PhysAddr m_base;
  std::vector<PageMeta> m_pages;
};

}  // namespace mmusim::sw
