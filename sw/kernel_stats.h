// Registration of the kernel's counters with the statistics registry
// (model/stats/stats.h): one function per subsystem, each registering the
// counters that subsystem owns (the slices of KernelStats, sw/kernel.h)
// under the "kernel" group with the names, units and descriptions of
// docs/stats.md. Kernel::register_stats calls them all.
#pragma once

#include "sw/kernel.h"

namespace mmusim::stats {
class Group;
}

namespace mmusim::sw {

void register_core_stats(const CoreStats& s, stats::Group& kernel_group);
void register_address_space_stats(const AddressSpaceStats& s, stats::Group& kernel_group);
void register_page_cache_stats(const PageCacheStats& s, stats::Group& kernel_group);
void register_reclaim_stats(const ReclaimStats& s, stats::Group& kernel_group);
void register_huge_page_stats(const HugePageStats& s, stats::Group& kernel_group);
void register_ksm_stats(const KsmStats& s, stats::Group& kernel_group);
// TLB maintenance (kernel.tlb.*) and the ASID allocator (kernel.asid.*).
void register_tlb_stats(const TlbStats& s, stats::Group& kernel_group);

}  // namespace mmusim::sw
