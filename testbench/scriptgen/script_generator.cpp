#include "testbench/scriptgen/script_generator.h"

#include <sstream>
#include <vector>

namespace mmusim::scriptgen {

namespace {

constexpr uint64_t kPage = 4096;

// Three small regions of the arena, 2 MB apart: VMAs inside one region meet
// (splits, merges, holes); the gaps between regions are unmapped.
constexpr uint64_t kRegions[] = {0x1000'0000'0000ull, 0x1000'0020'0000ull, 0x1000'0040'0000ull};
constexpr uint64_t kRegionPages = 16;

// Lengths that every 64-bit Linux rejects the same way (above any TASK_SIZE,
// 56 bits with x86-64 LA57, or overflowing PAGE_ALIGN or ADDR + LEN).
constexpr uint64_t kHugeLengths[] = {1ull << 57, 1ull << 63, 0xffff'ffff'ffff'f000ull,
                                     0xffff'ffff'ffff'ffffull};

struct FeatureName {
  Feature feature;
  std::string_view name;
};
constexpr FeatureName kFeatureNames[] = {
    {kAnon, "anon"},   {kFiles, "files"},         {kMremap, "mremap"},     {kMadvise, "madvise"},
    {kMsync, "msync"}, {kGrowsdown, "growsdown"}, {kRawFlags, "rawflags"},
};

// splitmix64: tiny, good enough, and the same everywhere.
class Rng {
 public:
  explicit Rng(uint64_t seed) : m_state(seed) {}
  uint64_t next() {
    uint64_t z = (m_state += 0x9e37'79b9'7f4a'7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58'476d'1ce4'e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d0'49bb'1331'11ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n) (n > 0; the modulo bias is irrelevant here).
  uint64_t below(uint64_t n) { return next() % n; }
  // Uniform in [lo, hi].
  uint64_t range(uint64_t lo, uint64_t hi) { return lo + below(hi - lo + 1); }
  // True with probability percent/100.
  bool chance(unsigned percent) { return below(100) < percent; }
  template <typename T, size_t N>
  const T& pick(const T (&items)[N]) {
    return items[below(N)];
  }

 private:
  uint64_t m_state;
};

std::string hex(uint64_t v) {
  std::ostringstream s;
  s << "0x" << std::hex << v;
  return s.str();
}

// A length in the script's notation: "16K" for page multiples, else hex.
std::string size_word(uint64_t v) {
  if (v != 0 && v % 1024 == 0 && v <= (64ull << 20)) return std::to_string(v / 1024) + "K";
  return v < 4096 ? std::to_string(v) : hex(v);
}

std::string join(const std::vector<std::string>& words, const char* none) {
  if (words.empty()) return none;
  std::string s;
  for (const std::string& w : words) {
    if (!s.empty()) s += '|';
    s += w;
  }
  return s;
}

class Generator {
 public:
  explicit Generator(const GeneratorOptions& o) : m_rng(o.seed), m_opts(o) {}

  std::string run() {
    m_out << "# mmusim_scriptgen --seed " << m_opts.seed << " --ops " << m_opts.ops
          << " --features " << features_string(m_opts.features) << '\n';
    if (has(kFiles)) {
      emit("file a.bin " + size_word(m_rng.range(2, 5) * kPage));
      emit("open 3 a.bin O_RDWR");
    }
    std::vector<void (Generator::*)()> table;
    auto add = [&](void (Generator::*fn)(), unsigned weight) {
      for (unsigned i = 0; i < weight; ++i)
        table.push_back(fn);
    };
    add(&Generator::load, 6);
    add(&Generator::store, 6);
    add(&Generator::maps, 1);
    if (has(kAnon)) add(&Generator::mmap_anon, 6);
    if (has(kAnon) || has(kFiles)) {
      add(&Generator::munmap, 2);
      add(&Generator::mprotect, 3);
    }
    if (has(kFiles)) {
      add(&Generator::mmap_file, 5);
      add(&Generator::file, 1);
      add(&Generator::open, 1);
      add(&Generator::close, 1);
      add(&Generator::truncate, 1);
      add(&Generator::pread, 2);
      add(&Generator::pwrite, 2);
    }
    if (has(kMremap)) add(&Generator::mremap, 4);
    if (has(kMadvise)) add(&Generator::madvise, 4);
    if (has(kMsync)) add(&Generator::msync, 2);
    for (unsigned i = 0; i < m_opts.ops; ++i)
      (this->*table[m_rng.below(table.size())])();
    emit("maps");
    return m_out.str();
  }

 private:
  bool has(Feature f) const { return (m_opts.features & f) != 0; }
  void emit(const std::string& line) { m_out << line << '\n'; }

  // A page of a region, sometimes unaligned.
  // Region 0 most often, so that VMAs meet there.
  uint64_t region() {
    const uint64_t k = m_rng.below(100);
    return kRegions[k < 60 ? 0 : k < 85 ? 1 : 2];
  }
  uint64_t page_addr() {
    const uint64_t base = region();
    return base + m_rng.below(kRegionPages) * kPage;
  }
  uint64_t addr(bool may_be_unaligned = true) {
    const uint64_t a = page_addr();
    return may_be_unaligned && m_rng.chance(5) ? a + m_rng.range(1, kPage - 1) : a;
  }
  // A byte address for loads and stores: anywhere in a region, or just
  // around one.
  uint64_t byte_addr() {
    if (m_rng.chance(5)) return region() - m_rng.range(1, 2 * kPage);
    return page_addr() + m_rng.below(kPage);
  }
  uint64_t pages_len(uint64_t lo, uint64_t hi) { return m_rng.range(lo, hi) * kPage; }
  // Mostly a few pages; sometimes 0, unaligned or huge. `huge` false keeps
  // the length inside a region's reach (madvise).
  uint64_t len(bool huge = true) {
    const uint64_t k = m_rng.below(100);
    if (k < 70) return pages_len(1, 6);
    if (k < 80) return pages_len(7, kRegionPages);
    if (k < 86) return 0;
    if (k < 95) return pages_len(0, 5) + m_rng.range(1, kPage - 1);
    if (huge) return m_rng.pick(kHugeLengths);
    // madvise: only lengths that wrap around (EINVAL before any walk).
    return m_rng.chance(50) ? 0xffff'ffff'ffff'f000ull : 0xffff'ffff'ffff'ffffull;
  }
  std::string prot(bool may_be_invalid) {
    std::vector<std::string> w;
    const uint64_t k = m_rng.below(100);
    if (k < 45) {
      w = {"PROT_READ", "PROT_WRITE"};
    } else if (k < 65) {
      w = {"PROT_READ"};
    } else if (k < 75) {
      w = {};
    } else {
      if (m_rng.chance(50)) w.push_back("PROT_READ");
      if (m_rng.chance(50)) w.push_back("PROT_WRITE");
      if (m_rng.chance(50)) w.push_back("PROT_EXEC");
    }
    if (may_be_invalid && m_rng.chance(4)) w.push_back("0x40");
    return join(w, "PROT_NONE");
  }
  // MAP_ flags other than the type and MAP_ANONYMOUS: mostly FIXED.
  void placement_and_extras(std::vector<std::string>& w, bool* hinted) {
    const uint64_t k = m_rng.below(100);
    *hinted = false;
    if (k < 82)
      w.push_back("MAP_FIXED");
    else if (k < 94)
      w.push_back("MAP_FIXED_NOREPLACE");
    else
      *hinted = true;  // Linux uses the hint if the range is free
    if (m_rng.chance(5)) w.push_back("MAP_POPULATE");
    if (m_rng.chance(5)) w.push_back("MAP_NORESERVE");
    if (m_rng.chance(4)) w.push_back("MAP_LOCKED");
    if (has(kGrowsdown) && m_rng.chance(3)) w.push_back("MAP_GROWSDOWN");
  }
  std::string map_type() {
    const uint64_t k = m_rng.below(100);
    if (k < 70) return "MAP_PRIVATE";
    if (k < 95) return "MAP_SHARED";
    if (k < 97) return "MAP_SHARED|MAP_PRIVATE";  // MAP_SHARED_VALIDATE
    if (k < 99 || !has(kRawFlags)) return "";     // no type: EINVAL
    return "0x8";                                 // MAP_DROPPABLE
  }

  void mmap_anon() {
    std::vector<std::string> w;
    const std::string type = map_type();
    if (!type.empty()) w.push_back(type);
    w.push_back("MAP_ANONYMOUS");
    bool hinted = false;
    placement_and_extras(w, &hinted);
    // Hints are page-aligned: x86-64 rounds an unaligned hint down, arm64 up.
    std::string line = "mmap " + hex(addr(!hinted)) + " " + size_word(len()) + " " + prot(true) +
                       " " + join(w, "0");
    if (m_rng.chance(
            5))  // FD and OFFSET are ignored for anonymous memory, but not OFFSET's alignment
      line += " 7 " + size_word(m_rng.chance(50) ? m_rng.below(3) * kPage : m_rng.range(1, 4095));
    emit(line);
  }
  void mmap_file() {
    std::vector<std::string> w;
    const std::string type = map_type();
    if (!type.empty()) w.push_back(type);
    bool hinted = false;
    placement_and_extras(w, &hinted);
    uint64_t offset = m_rng.below(4) * kPage;
    if (m_rng.chance(4)) offset += m_rng.range(1, kPage - 1);
    if (m_rng.chance(2)) offset = 1ull << 62;
    emit("mmap " + hex(addr(!hinted)) + " " + size_word(len()) + " " + prot(true) + " " +
         join(w, "0") + " " + std::to_string(fd()) + " " + size_word(offset));
  }
  void munmap() { emit("munmap " + hex(addr()) + " " + size_word(len())); }
  void mprotect() { emit("mprotect " + hex(addr()) + " " + size_word(len()) + " " + prot(true)); }
  void load() { emit("load " + hex(byte_addr())); }
  void store() { emit("store " + hex(byte_addr()) + " " + hex(m_rng.below(256))); }
  void maps() { emit("maps"); }

  uint64_t fd() { return m_rng.chance(85) ? 3 : m_rng.range(4, 5); }
  std::string name() { return m_rng.chance(75) ? "a.bin" : m_rng.chance(80) ? "b.bin" : "c.bin"; }
  uint64_t file_size() {
    const uint64_t k = m_rng.below(100);
    if (k < 15) return 0;
    if (k < 60) return pages_len(1, 5);
    return pages_len(0, 5) + m_rng.range(1, kPage - 1);
  }
  uint64_t file_offset() { return m_rng.below(6 * kPage); }
  void file() {
    // c.bin is never created, so that open can fail with ENOENT.
    emit("file " + std::string(m_rng.chance(75) ? "a.bin" : "b.bin") + " " +
         size_word(file_size()));
  }
  void open() {
    static constexpr const char* kModes[] = {"O_RDONLY", "O_WRONLY", "O_RDWR", "O_RDWR"};
    emit("open " + std::to_string(fd()) + " " + name() + " " + m_rng.pick(kModes));
  }
  void close() { emit("close " + std::to_string(fd())); }
  void truncate() { emit("truncate " + std::to_string(fd()) + " " + size_word(file_size())); }
  void pread() { emit("pread " + std::to_string(fd()) + " " + hex(file_offset())); }
  void pwrite() {
    emit("pwrite " + std::to_string(fd()) + " " + hex(file_offset()) + " " + hex(m_rng.below(256)));
  }

  void mremap() {
    const uint64_t old_addr = addr();
    const uint64_t old_len = len();
    uint64_t new_len = len();
    std::string flags;
    bool new_addr = false;
    const uint64_t k = m_rng.below(100);
    if (k < 30) {
      flags = "0";
    } else if (k < 60) {
      flags = "MREMAP_MAYMOVE";
    } else if (k < 80) {
      flags = "MREMAP_MAYMOVE|MREMAP_FIXED";
      new_addr = true;
    } else if (k < 92) {
      flags = "MREMAP_MAYMOVE|MREMAP_DONTUNMAP|MREMAP_FIXED";
      if (m_rng.chance(80)) new_len = old_len;
      new_addr = true;
    } else {
      static constexpr const char* kBad[] = {"MREMAP_FIXED", "MREMAP_DONTUNMAP", "0x8",
                                             "MREMAP_MAYMOVE|MREMAP_DONTUNMAP"};
      flags = m_rng.pick(kBad);
      new_addr = m_rng.chance(50);
    }
    std::string line = "mremap " + hex(old_addr) + " " + size_word(old_len) + " " +
                       size_word(new_len) + " " + flags;
    if (new_addr || m_rng.chance(5)) line += " " + hex(addr());
    emit(line);
  }
  void madvise() {
    static constexpr const char* kAdvice[] = {
        "MADV_NORMAL",   "MADV_RANDOM",     "MADV_SEQUENTIAL", "MADV_WILLNEED",
        "MADV_DONTNEED", "MADV_DONTNEED",   "MADV_FREE",       "MADV_REMOVE",
        "MADV_DONTFORK", "MADV_DOFORK",     "MADV_HUGEPAGE",   "MADV_NOHUGEPAGE",
        "MADV_DONTNEED", "MADV_SEQUENTIAL", "MADV_RANDOM",     "MADV_FREE",
    };
    const char* advice = m_rng.chance(4) ? (m_rng.chance(50) ? "5" : "7") : m_rng.pick(kAdvice);
    emit("madvise " + hex(addr()) + " " + size_word(len(false)) + " " + advice);
  }
  void msync() {
    static constexpr const char* kFlags[] = {
        "MS_ASYNC", "MS_SYNC", "MS_INVALIDATE", "MS_SYNC|MS_INVALIDATE", "MS_ASYNC|MS_INVALIDATE",
        "0",        "MS_SYNC", "MS_ASYNC",      "MS_ASYNC|MS_SYNC",      "0x8",
    };
    emit("msync " + hex(addr()) + " " + size_word(len()) + " " + m_rng.pick(kFlags));
  }

  Rng m_rng;
  GeneratorOptions m_opts;
  std::ostringstream m_out;
};

}  // namespace

std::optional<unsigned> parse_features(std::string_view list, std::string* error) {
  unsigned mask = 0;
  size_t start = 0;
  while (true) {
    const size_t comma = list.find(',', start);
    const std::string_view w = list.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    bool known = false;
    if (w == "all") {
      mask |= kAllFeatures;
      known = true;
    }
    for (const FeatureName& f : kFeatureNames)
      if (w == f.name) {
        mask |= f.feature;
        known = true;
      }
    if (!known) {
      if (error != nullptr)
        *error = "unknown feature '" + std::string(w) +
                 "' (known: anon, files, mremap, madvise, msync, growsdown, rawflags, all)";
      return std::nullopt;
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return mask;
}

std::string features_string(unsigned features) {
  std::string s;
  for (const FeatureName& f : kFeatureNames)
    if ((features & f.feature) != 0) {
      if (!s.empty()) s += ',';
      s += f.name;
    }
  return s;
}

std::string generate_script(const GeneratorOptions& options) {
  return Generator(options).run();
}

}  // namespace mmusim::scriptgen
