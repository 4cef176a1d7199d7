#include "model/mmu/walk_cache.h"

#include "model/sim/latency.h"

#include <stdexcept>

namespace mmusim {

namespace {
bool is_pow2(uint64_t v) {
  return v != 0 && (v & (v - 1)) == 0;
}

void check_geometry(const std::string& name, unsigned entries, unsigned ways, ReplPolicy p) {
  if (entries == 0) throw std::invalid_argument(name + ".entries: must be at least 1");
  if (ways == 0 || ways > entries)
    throw std::invalid_argument(name + ".ways: must be in [1, entries]");
  if (entries % ways != 0 || !is_pow2(entries / ways))
    throw std::invalid_argument(name + ".ways: entries / ways must be a power of two");
  if (p == ReplPolicy::kTreePlru && !is_pow2(ways))
    throw std::invalid_argument(name + ".ways: tree-plru needs a power of two");
}

// Mixes the level into the set index so that a unified cache spreads levels.
unsigned set_index(uint64_t prefix, int level, unsigned sets) {
  return static_cast<unsigned>((prefix ^ (static_cast<uint64_t>(level) << 7)) & (sets - 1));
}
}  // namespace

const char* to_string(WalkCacheMode m) {
  return util::name_of(kWalkCacheModeNames, m).data();
}

void WalkCacheParams::validate(const std::string& name) const {
  if (mode == WalkCacheMode::kPerLevel)
    for (int l = 0; l < 3; ++l)
      check_geometry(name + ".L" + std::to_string(l), entries[l], ways[l], replacement);
  if (mode == WalkCacheMode::kUnified)
    check_geometry(name + ".unified", unified_entries, unified_ways, replacement);
}

WalkCache::WalkCache(std::string name, const WalkCacheParams& params)
    : m_name(std::move(name)), m_params(params) {
  params.validate(m_name);
  auto add = [&](unsigned entries, unsigned ways) {
    m_arrays.push_back(Array{entries / ways, ways, std::vector<Entry>(entries),
                             Replacement(params.replacement, entries / ways, ways, 1, m_name)});
  };
  if (params.mode == WalkCacheMode::kPerLevel)
    for (int l = 0; l < 3; ++l)
      add(params.entries[l], params.ways[l]);
  else if (params.mode == WalkCacheMode::kUnified)
    add(params.unified_entries, params.unified_ways);
}

long WalkCache::find(Array& a, int level, uint64_t prefix, Asid asid, unsigned& set) const {
  set = set_index(prefix, level, a.sets);
  const size_t base = size_t{set} * a.ways;
  for (unsigned w = 0; w < a.ways; ++w) {
    const Entry& e = a.entries[base + w];
    if (e.valid && e.level == level && e.prefix == prefix && e.asid == asid)
      return static_cast<long>(base + w);
  }
  return -1;
}

WalkCache::Hit WalkCache::lookup(VirtAddr va, Asid asid) {
  Hit hit;
  if (!enabled()) return hit;
  ++m_stats.lookups;
  for (int level = 2; level >= 0; --level) {
    Array& a = array_for(level);
    unsigned set;
    const long i = find(a, level, va.value() >> arch::level_shift(level), asid, set);
    if (i < 0) continue;
    a.repl.touch(set, static_cast<unsigned>(i % a.ways));
    const Entry& e = a.entries[i];
    hit.level = level;
    hit.next_table = e.next_table;
    hit.inherited = e.inherited;
    ++m_stats.hits_by_level[level];
    return hit;
  }
  ++m_stats.misses;
  return hit;
}

void WalkCache::fill(VirtAddr va, Asid asid, int level, PhysAddr next_table,
                     const arch::TableAttrs& inherited) {
  if (!enabled() || level < 0 || level > 2) return;
  Array& a = array_for(level);
  const uint64_t prefix = va.value() >> arch::level_shift(level);
  unsigned set;
  long i = find(a, level, prefix, asid, set);
  if (i < 0) {
    const size_t base = size_t{set} * a.ways;
    for (unsigned w = 0; w < a.ways && i < 0; ++w)
      if (!a.entries[base + w].valid) i = static_cast<long>(base + w);
    if (i < 0) i = static_cast<long>(base + a.repl.victim(set));
  }
  a.entries[i] = Entry{prefix, next_table, inherited, asid, static_cast<int8_t>(level), true};
  a.repl.fill(set, static_cast<unsigned>(i % a.ways));
  ++m_stats.fills_by_level[level];
}

template <typename Pred>
void WalkCache::invalidate_if(Pred pred) {
  for (Array& a : m_arrays)
    for (size_t i = 0; i < a.entries.size(); ++i) {
      Entry& e = a.entries[i];
      if (e.valid && pred(e)) {
        e.valid = false;
        a.repl.invalidate(static_cast<unsigned>(i / a.ways), static_cast<unsigned>(i % a.ways));
        ++m_stats.invalidated;
      }
    }
}

void WalkCache::invalidate_va_asid(VirtAddr va, Asid asid) {
  invalidate_if([&](const Entry& e) {
    return e.asid == asid && e.prefix == va.value() >> arch::level_shift(e.level);
  });
}

void WalkCache::invalidate_va(VirtAddr va) {
  invalidate_if(
      [&](const Entry& e) { return e.prefix == va.value() >> arch::level_shift(e.level); });
}

void WalkCache::invalidate_asid(Asid asid) {
  invalidate_if([&](const Entry& e) { return e.asid == asid; });
}

void WalkCache::invalidate_range_asid(VirtAddr va, uint64_t pages, Asid asid) {
  const uint64_t lo = va.value(), hi = lo + pages * arch::kPageSize;
  invalidate_if([&](const Entry& e) {
    const unsigned shift = arch::level_shift(e.level);
    const uint64_t base = e.prefix << shift;
    return e.asid == asid && base < hi && base + (uint64_t{1} << shift) > lo;
  });
}

void WalkCache::invalidate_all() {
  invalidate_if([](const Entry&) { return true; });
}

void WalkCache::register_stats(stats::Group& g) const {
  const WalkCacheStats& s = m_stats;
  g.add_text(
      "mode", [this] { return std::string(to_string(m_params.mode)); },
      "none, per-level or unified");
  g.add("lookups", s.lookups, "walks", "one lookup per walk");
  g.add("misses", s.misses, "walks", "lookups that found nothing (walk from L0)");
  g.add("invalidated", s.invalidated, "entries", "removed by TLBI");
  stats::Group& hits = g.child("hits_by_level");
  stats::Group& fills = g.child("fills_by_level");
  for (int l = 0; l < 3; ++l) {
    const std::string level = "L" + std::to_string(l);
    hits.add(level, s.hits_by_level[l], "walks",
             "deepest level found was " + level + ": the walk starts one level below");
    fills.add(level, s.fills_by_level[l], "entries", level + " table descriptors recorded");
  }
  g.add_real(
      "hit_rate",
      [&s] {
        return s.lookups ? 1.0 - static_cast<double>(s.misses) / static_cast<double>(s.lookups)
                         : 0.0;
      },
      "ratio", "1 - misses / lookups");
}

WalkCacheParams WalkCacheParams::read(const util::ConfigNode& n, const WalkCacheParams& d) {
  WalkCacheParams p = d;
  p.mode = util::get_enum(n, "mode", d.mode, kWalkCacheModeNames,
                          "cached upper-level descriptors: none, one cache per level (L0-L2), or "
                          "one unified partial-translation cache");
  for (int l = 0; l < 3; ++l) {
    const util::ConfigNode c = n.child("L" + std::to_string(l));
    p.entries[l] = static_cast<unsigned>(
        c.get_uint("entries", d.entries[l], 1, 1 << 16, "per-level: entries for this level"));
    p.ways[l] = static_cast<unsigned>(c.get_uint("ways", d.ways[l], 1, 1 << 16, "per-level: ways"));
  }
  const util::ConfigNode u = n.child("unified");
  p.unified_entries = static_cast<unsigned>(
      u.get_uint("entries", d.unified_entries, 1, 1 << 16, "unified: entries"));
  p.unified_ways =
      static_cast<unsigned>(u.get_uint("ways", d.unified_ways, 1, 1 << 16, "unified: ways"));
  p.hit_latency_cycles =
      n.get_uint("hit_latency_cycles", d.hit_latency_cycles, 0, kMaxLatencyCycles,
                 "one lookup per walk (all levels in parallel)");
  p.replacement =
      util::get_enum(n, "replacement", d.replacement, kReplPolicyNames, "replacement policy");
  return p;
}

}  // namespace mmusim
