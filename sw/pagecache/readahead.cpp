// Ondemand readahead (mm/readahead.c: page_cache_sync_ra,
// page_cache_async_ra, force_page_cache_ra, get_init_ra_size,
// get_next_ra_size) and its mmap hooks (mm/filemap.c:
// do_sync_mmap_readahead, do_async_mmap_readahead). The window is 32 pages
// (128 KB, VM_READAHEAD_PAGES); the device's optimal I/O size (bdi->io_pages)
// is taken to be the same. Shmem has no readahead.
#include <algorithm>

#include "sw/pagecache/page_cache.h"

namespace mmusim::sw {

namespace {

constexpr uint64_t kIoPages = kDefaultRaPages;  // bdi->io_pages
constexpr uint32_t kMmapLotsaMiss = 100;        // MMAP_LOTSAMISS

uint64_t roundup_pow_of_two(uint64_t v) {
  uint64_t r = 1;
  while (r < v)
    r <<= 1;
  return r;
}

uint64_t get_init_ra_size(uint64_t size, uint64_t max) {
  uint64_t newsize = roundup_pow_of_two(size);
  if (newsize <= max / 32)
    newsize *= 4;
  else if (newsize <= max / 4)
    newsize *= 2;
  else
    newsize = max;
  return newsize;
}

uint64_t get_next_ra_size(const RaState& ra, uint64_t max) {
  if (ra.size < max / 16) return 4 * ra.size;
  if (ra.size <= max / 2) return 2 * ra.size;
  return max;
}

uint64_t ractl_max_pages(const RaState& ra, uint64_t req) {
  uint64_t max_pages = ra.ra_pages;
  if (req > max_pages && kIoPages > max_pages) max_pages = std::min(req, kIoPages);
  return max_pages;
}

}  // namespace

void PageCache::sync_readahead(Inode& inode, RaState& ra, uint64_t index, uint64_t req_count,
                               CostMeter& m) {
  if (inode.shmem || !ra.ra_pages) return;
  m_ctx.stats.readahead_sync++;
  const uint64_t max_pages = ractl_max_pages(ra, req_count);
  const uint64_t prev_index = static_cast<uint64_t>(ra.prev_pos) >> arch::kPageShift;
  // Start of file, oversized read, or a sequential miss: a fresh window.
  if (!index || req_count > max_pages || index - prev_index <= 1) {
    ra.start = index;
    ra.size = get_init_ra_size(req_count, max_pages);
    ra.async_size = ra.size > req_count ? ra.size - req_count : ra.size >> 1;
  } else {
    // Look for the trace of a sequential stream in the cache
    // (page_cache_prev_miss: the first gap below index, else an index out of
    // the scanned range, which wraps to UINT64_MAX below page 0).
    uint64_t miss = index - 1 - max_pages;
    for (uint64_t i = 0; i < max_pages; ++i) {
      if (i == index) {
        miss = UINT64_MAX;
        break;
      }
      if (!inode.pages.count(index - 1 - i)) {
        miss = index - 1 - i;
        break;
      }
    }
    uint64_t contig = index - miss - 1;
    if (contig <= req_count) {  // a small random read: read it as is
      read_pages(inode, index, req_count, 0, m);
      return;
    }
    if (miss == UINT64_MAX) contig *= 2;  // cached from the start: a long stream
    ra.start = index;
    ra.size = std::min(contig + req_count, max_pages);
    ra.async_size = 1;
  }
  read_pages(inode, ra.start, ra.size, ra.async_size, m);
}

void PageCache::async_readahead(Inode& inode, RaState& ra, uint64_t index, uint64_t req_count,
                                CostMeter& m) {
  auto page = inode.pages.find(index);
  if (page != inode.pages.end()) page->second.readahead = false;
  if (inode.shmem || !ra.ra_pages) return;
  m_ctx.stats.readahead_async++;
  const uint64_t max_pages = ractl_max_pages(ra, req_count);
  if (index == ra.start + ra.size - ra.async_size) {
    // The expected marker: assume sequential access, ramp up and push forward.
    ra.start += ra.size;
    ra.size = std::max(ra.size, get_next_ra_size(ra, max_pages));
    ra.async_size = ra.size;
  } else {
    // A marked page without matching state (interleaved streams): find the
    // end of the cached run after it (page_cache_next_miss).
    uint64_t start = index + 1;
    while (start - index <= max_pages && inode.pages.count(start))
      ++start;
    if (start - index > max_pages) return;
    ra.start = start;
    ra.size = start - index + req_count;
    ra.size = get_next_ra_size(ra, max_pages);
    ra.async_size = ra.size;
  }
  read_pages(inode, ra.start, ra.size, ra.async_size, m);
}

void PageCache::force_readahead(Inode& inode, RaState& ra, uint64_t index, uint64_t nr,
                                CostMeter& m) {
  // force_page_cache_ra: capped at max(io_pages, ra_pages), in 2 MB chunks.
  if (inode.shmem) return;
  nr = std::min<uint64_t>(nr, std::max<uint64_t>(kIoPages, ra.ra_pages));
  if (nr) m_ctx.stats.readahead_sync++;
  read_pages(inode, index, nr, 0, m);
}

void PageCache::mmap_sync_readahead(Inode& inode, OpenFile& file, const Vma& vma, uint64_t index,
                                    CostMeter& m) {
  RaState& ra = file.ra;
  if (vma.flags & vm::kRandRead) return;  // MADV_RANDOM: no readahead
  if (!ra.ra_pages) return;
  if (vma.flags & vm::kSeqRead) {  // MADV_SEQUENTIAL: the read path's ondemand window
    sync_readahead(inode, ra, index, ra.ra_pages, m);
    return;
  }
  if (ra.mmap_miss < kMmapLotsaMiss * 10) ra.mmap_miss++;
  if (ra.mmap_miss > kMmapLotsaMiss) return;  // mostly misses: readahead would only hurt
  // mmap read-around: a window centred on the fault.
  m_ctx.stats.readahead_sync++;
  ra.start = index > ra.ra_pages / 2 ? index - ra.ra_pages / 2 : 0;
  ra.size = ra.ra_pages;
  ra.async_size = ra.ra_pages / 4;
  read_pages(inode, ra.start, ra.size, ra.async_size, m);
}

void PageCache::mmap_async_readahead(Inode& inode, OpenFile& file, const Vma& vma, uint64_t index,
                                     CostMeter& m) {
  RaState& ra = file.ra;
  if ((vma.flags & vm::kRandRead) || !ra.ra_pages) return;
  if (ra.mmap_miss) ra.mmap_miss--;
  auto page = inode.pages.find(index);
  if (page != inode.pages.end() && page->second.readahead)
    async_readahead(inode, ra, index, ra.ra_pages, m);
}

}  // namespace mmusim::sw
