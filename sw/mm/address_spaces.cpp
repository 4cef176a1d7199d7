// AddressSpaces' counters and the KsmHost operations it forwards to the
// page cache, huge pages and reclaim (the rest of KsmHost is its own).
#include "sw/mm/address_spaces.h"

#include "sw/huge/huge_pages.h"
#include "sw/kernel_stats.h"
#include "sw/pagecache/page_cache.h"
#include "sw/reclaim/reclaim.h"

namespace mmusim::sw {

void AddressSpaces::register_stats(stats::Group& kernel_group) const {
  register_address_space_stats(m_ctx.stats, kernel_group);
}

void AddressSpaces::split_huge_range(Process& p, uint64_t start, uint64_t end, CostMeter& m) {
  m_huge.split_huge_range(p, start, end, m);
}
Inode* AddressSpaces::file_inode(FileId id) {
  return m_pc.files().get(id);
}
void AddressSpaces::unmap_mapping_range(Inode& inode, uint64_t first, uint64_t last, bool even_cows,
                                        CostMeter& m) {
  m_pc.unmap_mapping_range(inode, first, last, even_cows, m);
}
void AddressSpaces::pin(PhysAddr page) {
  m_reclaim.pin(page);
}
void AddressSpaces::unpin() {
  m_reclaim.unpin();
}

}  // namespace mmusim::sw
