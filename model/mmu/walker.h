// The hardware page-table walker for the VMSAv8-64 stage-1 regime, 4 KB
// granule, 48-bit VA, starting at level 0 (TCR_EL1.T0SZ = 16). Each
// descriptor read is a TLM read through `mem` (bound to the L1D, or to the
// bus), so walk latency comes from real cache hits and misses.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <systemc>
#include <tlm>
#include <vector>

#include "model/arch/descriptor.h"
#include "model/arch/fault.h"
#include "model/mmu/tlb.h"
#include "model/mmu/walk_cache.h"
#include "model/sim/access_ext.h"
#include "model/sim/clock.h"
#include "model/sim/histogram.h"
#include "model/stats/stats.h"
#include "model/util/enum_names.h"

namespace mmusim {

struct WalkerParams {
  uint64_t step_latency_cycles = 2;  // per level: descriptor decode and next address
  // Walks in flight at once. A walk that finds every slot busy waits for
  // the first to finish.
  unsigned max_concurrent_walks = 2;
  // Cacheability of descriptor reads (TCR_EL1.IRGN0): write-back by default.
  arch::MemType walk_mem_type = arch::MemType::kNormalWriteBack;
  WalkCacheParams walk_cache;
  // FEAT_HAFDBS (TCR_EL1.HA and HD): the walker sets AF instead of raising
  // an access-flag fault, and clears AP[2] of a DBM=1 descriptor on a write
  // instead of raising a permission fault, writing the descriptor back.
  bool hafdbs = false;
  // The parameters under `n` (docs/config.md: key, default, range and
  // meaning are declared here), starting from `defaults`. util::ConfigError
  // names the full key of a bad value.
  static WalkerParams read(const util::ConfigNode& n, const WalkerParams& defaults);
};

// Where descriptor reads go and which level serves them (mmu.walker.through).
enum class WalkerReadLevel : uint8_t { kL1d, kL2, kLlc, kMemory };
inline constexpr util::EnumNames<WalkerReadLevel, 4> kWalkerReadLevelNames{
    {{WalkerReadLevel::kL1d, "l1d"},
     {WalkerReadLevel::kL2, "l2"},
     {WalkerReadLevel::kLlc, "llc"},
     {WalkerReadLevel::kMemory, "memory"}}};

struct WalkerStats {
  uint64_t walks = 0;
  // Descriptor reads by the level that served them (WalkerReadLevel).
  uint64_t descriptor_reads_served[4] = {0, 0, 0, 0};
  uint64_t descriptor_reads[4] = {0, 0, 0, 0};         // per level
  uint64_t leaves_by_size[kPageSizes] = {0, 0, 0, 0};  // successful walks by page size
  uint64_t faults = 0;
  uint64_t slot_stalls = 0;  // walks that waited for a free slot
  uint64_t slot_stall_cycles = 0;
  uint64_t hw_af_updates = 0;     // FEAT_HAFDBS: AF set by the walker
  uint64_t hw_dirty_updates = 0;  // FEAT_HAFDBS: AP[2] cleared on a DBM descriptor
  Histogram latency{8, 256};      // cycles per walk once started, 8-cycle buckets
};

struct WalkResult {
  arch::FaultSyndrome fault;  // kind == kNone: `entry` is valid
  TlbEntry entry;
  Cycles latency;
};

class PageTableWalker : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<PageTableWalker> mem;

  // Every parameter is a constructor argument (WalkerParams); a
  // max_concurrent_walks of 0 is an SC_REPORT_ERROR of type mmusim/walker.
  // Descriptor reads carry the walker's own AccessExt (requester kWalker, EL1,
  // walk_mem_type); a target may ignore it.
  PageTableWalker(sc_core::sc_module_name name, const WalkerParams& params, const Clock& clock);
  ~PageTableWalker() override { m_trans.clear_extension(&m_ext); }

  // Walks the tables at `ttbr` for `va`, starting below the deepest walk-cache
  // hit. Adds the walk's time to `delay`.
  // Translation, access-flag and external-abort faults come back in the
  // result; permission is checked by the caller against the entry, so that
  // the translation can be cached either way.
  WalkResult walk(VirtAddr va, PhysAddr ttbr, Asid asid, const arch::MemType mem_types_by_index[8],
                  arch::AccessKind access, arch::ExceptionLevel el, sc_core::sc_time& delay);

  // TCR_EL1.IRGN0 and HA/HD as Mmu::set_tcr() applies them: the memory type
  // of descriptor reads and FEAT_HAFDBS (WalkerParams::walk_mem_type, hafdbs).
  void set_walk_mem_type(arch::MemType type) {
    m_params.walk_mem_type = type;
    m_ext.mem_type = type;
  }
  void set_hafdbs(bool on) { m_params.hafdbs = on; }
  // Set by the platform when it binds `mem`: the level `mem` reaches and
  // which of the L2 and LLC exist below it, for descriptor_reads_served
  // (the level that served a read is the first present one that did not
  // miss: AccessExt::cache_hit and missed_below).
  void set_read_path(WalkerReadLevel entry, bool l2_present, bool llc_present) {
    m_read_entry = entry;
    m_l2_present = l2_present;
    m_llc_present = llc_present;
  }
  const WalkerParams& params() const { return m_params; }

  const WalkerStats& stats() const { return m_stats; }
  // Registers these counters (docs/stats.md) in `g`; this component must outlive it.
  void register_stats(stats::Group& g) const;
  WalkCache& walk_cache() { return m_walk_cache; }
  const WalkCache& walk_cache() const { return m_walk_cache; }

 private:
  bool read_descriptor(PhysAddr pa, uint64_t& raw, sc_core::sc_time& delay);
  bool write_descriptor(PhysAddr pa, uint64_t raw, sc_core::sc_time& delay);

  WalkerParams m_params;
  const Clock& m_clock;
  sc_core::sc_time m_step_latency;
  sc_core::sc_time m_walk_cache_latency;
  WalkCache m_walk_cache;
  std::vector<uint64_t> m_slot_free;  // cycle each walk slot is free again
  WalkerStats m_stats;
  tlm::tlm_generic_payload m_trans;
  AccessExt m_ext;
  uint64_t m_buffer = 0;
  WalkerReadLevel m_read_entry = WalkerReadLevel::kL1d;
  bool m_l2_present = false, m_llc_present = false;
};

}  // namespace mmusim
