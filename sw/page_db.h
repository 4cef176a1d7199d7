// Page descriptors (Linux struct page / folio, reduced): what each frame
// holds and how many user page-table entries map it. The kernel needs this
// to share frames: page-cache pages mapped by several VMAs, anonymous pages
// shared copy-on-write after fork or merged by KSM.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "model/arch/descriptor.h"
#include "model/arch/types.h"
#include "sw/chunked_array.h"

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

// Contract: meta(pa) for any frame of [base, base + bytes); grows on demand,
// in chunks of 4096 frames, so host memory follows the frames the kernel
// touches (a 2 TB hugetlb pool costs nothing until its pages are used).
class PageDb {
 public:
  explicit PageDb(PhysAddr base) : m_base(base) {}
  PageMeta& meta(PhysAddr pa) {
    return m_pages.at((pa - m_base) >> arch::kPageShift,
                      [this](uint64_t first, PageMeta* chunk) { apply_presets(first, chunk); });
  }
  // Gives `frames` frames from `pa` on the kind `kind` (as meta(f).kind =
  // kind for each) without touching their descriptors until they are used.
  void preset_kind(PhysAddr pa, uint64_t frames, PageKind kind) {
    const uint64_t first = (pa - m_base) >> arch::kPageShift;
    for (uint64_t i = first; i < first + frames;) {
      // Frames whose chunk exists are set now, the rest when it is made.
      const uint64_t chunk_end = (i | (Pages::kChunk - 1)) + 1;
      const uint64_t n = std::min(chunk_end, first + frames) - i;
      if (m_pages.find(i)) {
        for (uint64_t j = i; j < i + n; ++j)
          m_pages.at(j).kind = kind;
      } else if (!m_presets.empty() && m_presets.back().end == i && m_presets.back().kind == kind) {
        m_presets.back().end += n;
      } else {
        m_presets.push_back({i, i + n, kind});
      }
      i += n;
    }
  }

 private:
  using Pages = ChunkedArray<PageMeta, 12>;
  struct Preset {
    uint64_t begin, end;  // frame numbers
    PageKind kind;
  };
  void apply_presets(uint64_t first, PageMeta* chunk) const {
    for (const Preset& p : m_presets)
      for (uint64_t i = std::max(p.begin, first); i < std::min(p.end, first + Pages::kChunk); ++i)
        chunk[i - first].kind = p.kind;
  }

  PhysAddr m_base;
  Pages m_pages;
  std::vector<Preset> m_presets;  // consecutive ranges merged
};

}  // namespace mmusim::sw
