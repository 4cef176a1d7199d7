// Walk caches: cached upper-level translation table descriptors, so a walk
// can skip the levels whose table descriptors it already knows.
//
// An entry for level L (0-2) is keyed by the ASID and the VA bits above
// level L's index bits (va >> level_shift(L)) and holds the address of the
// level L+1 table with the APTable/XNTable controls accumulated down to L.
// A walk looks for the deepest level that hits and starts the walk one level
// below it. Modes:
//   none       no walk cache
//   per-level  one set-associative cache per level (entries and ways each)
//   unified    one structure shared by all levels ("partial translations"):
//              entries compete for the same capacity
// TLBI by VA (with or without ASID) removes the entries on that VA's path at
// every level, TLBI by ASID the ASID's entries, TLBI ALL everything
// (Arm ARM D8.16: non-last-level TLBI also invalidates cached walks).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/arch/descriptor.h"
#include "model/arch/types.h"
#include "model/sim/replacement.h"
#include "model/stats/stats.h"

namespace mmusim {

enum class WalkCacheMode : uint8_t { kNone, kPerLevel, kUnified };
inline constexpr util::EnumNames<WalkCacheMode, 3> kWalkCacheModeNames{
    {{WalkCacheMode::kNone, "none"},
     {WalkCacheMode::kPerLevel, "per-level"},
     {WalkCacheMode::kUnified, "unified"}}};
const char* to_string(WalkCacheMode m);

struct WalkCacheParams {
  WalkCacheMode mode = WalkCacheMode::kPerLevel;
  // per-level: geometry of the caches for L0, L1, L2 table descriptors.
  unsigned entries[3] = {2, 4, 32};
  unsigned ways[3] = {2, 4, 4};
  // unified: one structure.
  unsigned unified_entries = 32;
  unsigned unified_ways = 4;
  uint64_t hit_latency_cycles = 1;  // one lookup per walk, all levels in parallel
  ReplPolicy replacement = ReplPolicy::kLru;
  void validate(const std::string& name) const;
  // The parameters under `n` (docs/config.md: key, default, range and
  // meaning are declared here), starting from `defaults`. util::ConfigError
  // names the full key of a bad value.
  static WalkCacheParams read(const util::ConfigNode& n, const WalkCacheParams& defaults);
};

struct WalkCacheStats {
  uint64_t lookups = 0;
  uint64_t hits_by_level[3] = {0, 0, 0};  // deepest level hit
  uint64_t misses = 0;                    // no level hit
  uint64_t fills_by_level[3] = {0, 0, 0};
  uint64_t invalidated = 0;
};

class WalkCache {
 public:
  WalkCache(std::string name, const WalkCacheParams& params);

  struct Hit {
    int level = -1;  // deepest level found, -1 on a miss
    PhysAddr next_table;
    arch::TableAttrs inherited;
  };
  // The deepest cached table descriptor on `va`'s path.
  Hit lookup(VirtAddr va, Asid asid);
  // Records the level-`level` table descriptor on `va`'s path.
  void fill(VirtAddr va, Asid asid, int level, PhysAddr next_table,
            const arch::TableAttrs& inherited);

  void invalidate_va_asid(VirtAddr va, Asid asid);
  void invalidate_va(VirtAddr va);
  void invalidate_asid(Asid asid);
  // TLBI RVAE1: the entries of `asid` whose region intersects [va, va + pages * 4 KB).
  void invalidate_range_asid(VirtAddr va, uint64_t pages, Asid asid);
  void invalidate_all();

  bool enabled() const { return m_params.mode != WalkCacheMode::kNone; }
  const WalkCacheParams& params() const { return m_params; }
  const WalkCacheStats& stats() const { return m_stats; }
  // Registers these counters (docs/stats.md) in `g`; this component must outlive it.
  void register_stats(stats::Group& g) const;

 private:
  struct Entry {
    uint64_t prefix = 0;
    PhysAddr next_table;
    arch::TableAttrs inherited;
    Asid asid;
    int8_t level = -1;
    bool valid = false;
  };
  struct Array {
    unsigned sets = 0, ways = 0;
    std::vector<Entry> entries;
    Replacement repl;
  };
  Array& array_for(int level) {
    return m_arrays[m_params.mode == WalkCacheMode::kUnified ? 0 : level];
  }
  // Index of the entry for (level, prefix, asid) in its array, or -1.
  long find(Array& a, int level, uint64_t prefix, Asid asid, unsigned& set) const;
  template <typename Pred>
  void invalidate_if(Pred pred);

  std::string m_name;
  WalkCacheParams m_params;
  std::vector<Array> m_arrays;
  WalkCacheStats m_stats;
};

}  // namespace mmusim
