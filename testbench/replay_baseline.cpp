#include "testbench/replay_baseline.h"

#include <algorithm>
#include <chrono>

#include "testbench/lackey.h"
#include "testbench/trace_source.h"

namespace mmusim::bench {

LruCache::LruCache(uint64_t size, unsigned ways, unsigned line)
    : m_ways(ways),
      m_line_shift(static_cast<unsigned>(__builtin_ctzll(line))),
      m_set_mask(size / line / ways - 1),
      m_tags(size / line, ~uint64_t{0}) {}

BaselineResult replay_baseline(const std::string& path, uint64_t size, unsigned ways,
                               unsigned line) {
  const auto t0 = std::chrono::steady_clock::now();
  BaselineResult r;
  LruCache i1(size, ways, line), d1(size, ways, line);
  TraceSource src(path);
  TraceRecord rec;
  std::string_view text;
  std::string error;
  for (;;) {
    if (const size_t n = parse_lackey_access_fast(src.buffered_begin(), src.buffered_end(), rec)) {
      src.consume_line(n);
      if ((src.line_number() & 0xfffff) == 0) src.release_consumed();
    } else {
      if (!src.next_line(text)) break;
      if (!parse_lackey_line(text, rec, error))
        throw TraceError(path + ":" + std::to_string(src.line_number()) + ": " + error);
      if (rec.kind == RecordKind::kIgnored || rec.kind == RecordKind::kSyscall) continue;
    }
    const unsigned bytes = std::min<uint32_t>(rec.size, 64);
    ++r.accesses;
    if (rec.kind == RecordKind::kFetch) {
      ++r.i_refs;
      r.i1_misses += i1.access(rec.addr, bytes);
    } else {
      ++r.d_refs;
      r.d1_misses += d1.access(rec.addr, bytes);
    }
  }
  r.host_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

}  // namespace mmusim::bench
