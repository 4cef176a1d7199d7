// The benchmark's baseline for `mmusim trace`: a minimal functional replayer
// of a lackey trace through an I1 and a D1 cache with cachegrind's rules, and
// nothing else (no TLB, no timing, no kernel). It reads the trace exactly as
// `mmusim trace` does (TraceSource: plain, zstd, gzip or xz, decoded ahead in
// a thread; parse_lackey_access_fast, then parse_lackey_line for anything
// else), so the two differ only in what they simulate per access.
//
// Cachegrind's rules (cachegrind's cache simulation, "cg_sim"): each cache is
// set-associative with LRU replacement, indexed and tagged by the line
// address; an access is one reference that misses when any line it touches
// misses (an access spanning two lines looks both up); a fetch goes to I1,
// a load, store or modify (one reference, counted as a read) to D1. Records
// larger than 64 bytes are clamped to 64 bytes, as mmusim's CPU port and
// cachegrind clamp them. With testbench/configs/cachegrind.yaml mmusim's
// per-access miss counts (top.l1i.access_misses, top.l1d.access_misses)
// equal these (docs/stats.md, validation against cachegrind).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mmusim::bench {

// One cache: `size` bytes, `ways`, `line` bytes (powers of two).
class LruCache {
 public:
  LruCache(uint64_t size, unsigned ways, unsigned line);
  // True when some line of [addr, addr + size) missed.
  bool access(uint64_t addr, unsigned size) {
    const uint64_t first = addr >> m_line_shift, last = (addr + size - 1) >> m_line_shift;
    bool miss = lookup(first);
    for (uint64_t l = first + 1; l <= last; ++l)
      miss |= lookup(l);
    return miss;
  }

 private:
  // Ways of a set, most recently used first; a hit moves its tag to the
  // front, a miss drops the last and puts the new tag in front.
  bool lookup(uint64_t line) {
    uint64_t* set = &m_tags[(line & m_set_mask) * m_ways];
    if (set[0] == line) return false;
    unsigned w = 1;
    while (w < m_ways && set[w] != line)
      ++w;
    const bool miss = w == m_ways;
    if (miss) w = m_ways - 1;
    for (; w > 0; --w)
      set[w] = set[w - 1];
    set[0] = line;
    return miss;
  }
  unsigned m_ways, m_line_shift;
  uint64_t m_set_mask;
  std::vector<uint64_t> m_tags;  // ~0: an empty way (no line address reaches it)
};

struct BaselineResult {
  uint64_t accesses = 0;  // fetches, loads, stores and modifies
  uint64_t i_refs = 0, i1_misses = 0;
  uint64_t d_refs = 0, d1_misses = 0;
  double host_seconds = 0.0;  // opening, reading, decoding, parsing and replaying
};

// Replays `path` through an I1 and a D1 of the geometry given (cachegrind.yaml's:
// 32 KB, 8 ways, 64-byte lines). A malformed line throws TraceError.
BaselineResult replay_baseline(const std::string& path, uint64_t size = 32 * 1024,
                               unsigned ways = 8, unsigned line = 64);

}  // namespace mmusim::bench
