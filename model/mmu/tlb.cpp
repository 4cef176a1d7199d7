#include "model/mmu/tlb.h"
#include "model/sim/latency.h"
#include "model/util/config_error.h"

#include <algorithm>
#include <stdexcept>

namespace mmusim {

namespace {
bool is_pow2(uint64_t v) {
  return v != 0 && (v & (v - 1)) == 0;
}

void validate_geometry(const std::string& name, unsigned entries, unsigned ways) {
  if (entries == 0) throw std::invalid_argument(name + ".entries: must be at least 1");
  if (ways == 0 || ways > entries)
    throw std::invalid_argument(name + ".ways: must be in [1, entries]");
  if (entries % ways != 0 || !is_pow2(entries / ways))
    throw std::invalid_argument(name + ".ways: entries / ways must be a power of two");
}
}  // namespace

const char* page_size_name(unsigned size_index) {
  static const char* kNames[kPageSizes] = {"4K", "64K", "2M", "1G"};
  return size_index < kPageSizes ? kNames[size_index] : "?";
}

int page_size_index(unsigned shift) {
  for (unsigned i = 0; i < kPageSizes; ++i)
    if (kPageShift[i] == shift) return static_cast<int>(i);
  return -1;
}

void TlbParams::validate(const std::string& name) const {
  if (!(page_sizes & 1) || (page_sizes & ~kAllPageSizes))
    throw std::invalid_argument(name + ".page_sizes: must include 4K (and only 4K, 64K, 2M, 1G)");
  if (!split) {
    validate_geometry(name, entries, ways);
    if (replacement == ReplPolicy::kTreePlru && !is_pow2(ways))
      throw std::invalid_argument(name + ".ways: tree-plru needs a power of two");
    return;
  }
  for (unsigned s = 0; s < kPageSizes; ++s) {
    if (!(page_sizes & (1u << s))) continue;
    const std::string bank = name + ".banks." + page_size_name(s);
    validate_geometry(bank, banks[s].entries, banks[s].ways);
    if (replacement == ReplPolicy::kTreePlru && !is_pow2(banks[s].ways))
      throw std::invalid_argument(bank + ".ways: tree-plru needs a power of two");
  }
}

Tlb::Tlb(std::string name, const TlbParams& params) : m_name(std::move(name)), m_params(params) {
  params.validate(m_name);
  auto add_bank = [&](unsigned entries, unsigned ways) {
    const unsigned sets = entries / ways;
    m_banks.push_back(Bank{sets,
                           ways,
                           std::vector<TlbEntry>(entries),
                           Replacement(params.replacement, sets, ways, params.seed, m_name),
                           false,
                           {},
                           {},
                           {}});
    Bank& bank = m_banks.back();
    if (ways > kIndexedWays) {
      bank.indexed = true;
      bank.valid_bits.assign((uint64_t{entries} + 63) / 64, 0);
      bank.set_valid.assign(sets, 0);
    }
    return static_cast<uint8_t>(m_banks.size() - 1);
  };
  if (!params.split) {
    add_bank(params.entries, params.ways);
  } else {
    for (unsigned s = 0; s < kPageSizes; ++s)
      if (params.page_sizes & (1u << s))
        m_bank_of_size[s] = add_bank(params.banks[s].entries, params.banks[s].ways);
  }
}

void Tlb::index_add(Bank& bank, size_t i) {
  const TlbEntry& e = bank.entries[i];
  std::vector<uint32_t>& list = bank.index[key(e.vpn, e.page_shift)];
  list.insert(std::upper_bound(list.begin(), list.end(), static_cast<uint32_t>(i)),
              static_cast<uint32_t>(i));
  bank.valid_bits[i / 64] |= uint64_t{1} << (i % 64);
  ++bank.set_valid[i / bank.ways];
}

void Tlb::index_remove(Bank& bank, size_t i) {
  const TlbEntry& e = bank.entries[i];
  const auto it = bank.index.find(key(e.vpn, e.page_shift));
  if (it != bank.index.end()) {
    std::vector<uint32_t>& list = it->second;
    list.erase(std::find(list.begin(), list.end(), static_cast<uint32_t>(i)));
    if (list.empty()) bank.index.erase(it);
  }
  bank.valid_bits[i / 64] &= ~(uint64_t{1} << (i % 64));
  --bank.set_valid[i / bank.ways];
}

int Tlb::first_invalid_way(const Bank& bank, unsigned set) {
  if (bank.set_valid[set] == bank.ways) return -1;
  const uint64_t lo = uint64_t{set} * bank.ways, hi = lo + bank.ways;
  for (uint64_t i = lo; i < hi;) {
    // The invalid ways of this word at or after i.
    uint64_t free = ~bank.valid_bits[i / 64] & (~uint64_t{0} << (i % 64));
    if (free) {
      const uint64_t way = (i & ~uint64_t{63}) + static_cast<uint64_t>(__builtin_ctzll(free));
      return way < hi ? static_cast<int>(way - lo) : -1;
    }
    i = (i & ~uint64_t{63}) + 64;
  }
  return -1;
}

template <typename Fn>
void Tlb::for_each_valid(Bank& bank, Fn fn) {
  if (!bank.indexed) {
    for (size_t i = 0; i < bank.entries.size(); ++i)
      if (bank.entries[i].valid) fn(i);
    return;
  }
  for (size_t w = 0; w < bank.valid_bits.size(); ++w)
    for (uint64_t bits = bank.valid_bits[w]; bits; bits &= bits - 1)
      fn(w * 64 + static_cast<size_t>(__builtin_ctzll(bits)));
}

uint64_t Tlb::host_bytes(const TlbParams& params, const std::string& name, std::string* key) {
  uint64_t total = 0, largest = 0;
  auto bank = [&](unsigned entries, unsigned ways, const std::string& k) {
    // An entry, its replacement word and, in an indexed set, its index node
    // (hash node + list, about 64 bytes) and valid bit.
    const uint64_t per = sizeof(TlbEntry) + sizeof(uint64_t) + (ways > kIndexedWays ? 64 : 0);
    total += uint64_t{entries} * per;
    if (entries >= largest) {
      largest = entries;
      *key = k;
    }
  };
  if (!params.split) {
    bank(params.entries, params.ways, name + ".entries");
  } else {
    for (unsigned s = 0; s < kPageSizes; ++s)
      if (params.page_sizes & (1u << s))
        bank(params.banks[s].entries, params.banks[s].ways,
             name + ".banks." + page_size_name(s) + ".entries");
  }
  return total;
}

template <typename Fn>
TlbEntry* Tlb::probe(VirtAddr va, Fn fn) {
  for (unsigned s = 0; s < kPageSizes; ++s) {
    if (m_present[s] == 0) continue;
    Bank& bank = m_banks[m_bank_of_size[s]];
    const uint64_t vpn = va.value() >> kPageShift[s];
    if (bank.indexed) {
      const auto it = bank.index.find(key(vpn, kPageShift[s]));
      if (it == bank.index.end()) continue;
      // fn may drop entries (editing the list): walk a copy.
      uint32_t few[8];
      std::vector<uint32_t> many;
      const std::vector<uint32_t>& list = it->second;
      const uint32_t* at = few;
      if (list.size() <= 8) {
        std::copy(list.begin(), list.end(), few);
      } else {
        many = list;
        at = many.data();
      }
      const size_t n = list.size();
      for (size_t k = 0; k < n; ++k) {
        TlbEntry& e = bank.entries[at[k]];
        if (e.valid && e.page_shift == kPageShift[s] && e.vpn == vpn && fn(e, bank, at[k]))
          return &e;
      }
      continue;
    }
    const size_t base = size_t{bank.set_of(vpn)} * bank.ways;
    for (unsigned w = 0; w < bank.ways; ++w) {
      TlbEntry& e = bank.entries[base + w];
      if (e.valid && e.page_shift == kPageShift[s] && e.vpn == vpn && fn(e, bank, base + w))
        return &e;
    }
  }
  return nullptr;
}

void Tlb::clear_memo() {
  for (Memo& m : m_memo)
    m.page = UINT64_MAX;
}

TlbEntry* Tlb::lookup(VirtAddr va, Asid asid) {
  const uint64_t page = va.value() >> 12;
  Memo& memo = m_memo[page % kMemoSlots];
  if (memo.page == page && memo.asid == asid) {
    Bank& bank = m_banks[memo.bank];
    bank.repl.touch(memo.set, memo.way);
    TlbEntry* e = &bank.entries[memo.index];
    ++m_stats.hits;
    ++m_stats.hits_by_size[page_size_index(e->page_shift)];
    return e;
  }
  const Bank* hit_bank = nullptr;
  size_t hit_index = 0;
  TlbEntry* e = probe(va, [&](const TlbEntry& c, Bank& bank, size_t i) {
    if (!c.global && c.asid != asid) return false;
    bank.repl.touch(static_cast<unsigned>(i / bank.ways), static_cast<unsigned>(i % bank.ways));
    hit_bank = &bank;
    hit_index = i;
    return true;
  });
  if (!e) {
    ++m_stats.misses;
    return nullptr;
  }
  memo = Memo{page,
              asid,
              static_cast<unsigned>(hit_bank - m_banks.data()),
              static_cast<unsigned>(hit_index / hit_bank->ways),
              static_cast<unsigned>(hit_index % hit_bank->ways),
              hit_index};
  ++m_stats.hits;
  ++m_stats.hits_by_size[page_size_index(e->page_shift)];
  return e;
}

Tlb::InsertResult Tlb::insert(const TlbEntry& translation, VirtAddr va) {
  // The largest held size not above the translation's.
  int size = page_size_index(translation.page_shift);
  if (size < 0) throw std::invalid_argument(m_name + ": unsupported page size");
  while (!(m_params.page_sizes & (1u << size)))
    --size;
  TlbEntry entry = translation;
  if (kPageShift[size] != translation.page_shift) {
    ++m_stats.fractured;
    entry.page_shift = kPageShift[size];
    entry.output = translation.translate(va).align_down(uint64_t{1} << entry.page_shift);
  }
  entry.vpn = va.value() >> entry.page_shift;
  entry.valid = true;

  Bank& bank = m_banks[m_bank_of_size[size]];
  const unsigned set = bank.set_of(entry.vpn);
  TlbEntry* ways = &bank.entries[size_t{set} * bank.ways];
  int way = -1;
  auto same = [&](const TlbEntry& e) {
    return e.valid && e.page_shift == entry.page_shift && e.vpn == entry.vpn &&
           e.global == entry.global && (entry.global || e.asid == entry.asid);
  };
  if (bank.indexed) {
    const auto it = bank.index.find(key(entry.vpn, entry.page_shift));
    if (it != bank.index.end())
      for (uint32_t i : it->second)
        if (same(bank.entries[i])) {
          way = static_cast<int>(i - size_t{set} * bank.ways);  // refresh of the same translation
          break;
        }
    if (way < 0) way = first_invalid_way(bank, set);
  } else {
    for (unsigned w = 0; w < bank.ways && way < 0; ++w)
      if (same(ways[w])) way = static_cast<int>(w);  // refresh of the same translation
    for (unsigned w = 0; w < bank.ways && way < 0; ++w)
      if (!ways[w].valid) way = static_cast<int>(w);
  }
  InsertResult result;
  if (way < 0) {
    way = static_cast<int>(bank.repl.victim(set));
    result.evicted_valid = true;
    result.evicted = ways[way];
    ++m_stats.evictions;
  }
  clear_memo();
  TlbEntry& slot = ways[way];
  const size_t index = size_t{set} * bank.ways + static_cast<unsigned>(way);
  if (slot.valid) {
    --m_present[page_size_index(slot.page_shift)];
    if (bank.indexed) index_remove(bank, index);
  }
  slot = entry;
  ++m_present[size];
  if (bank.indexed) index_add(bank, index);
  bank.repl.fill(set, static_cast<unsigned>(way));
  ++m_stats.fills;
  ++m_stats.fills_by_size[size];
  result.installed = &slot;
  result.way = static_cast<unsigned>(way);
  return result;
}

void Tlb::drop(Bank& bank, size_t index) {
  clear_memo();
  TlbEntry& e = bank.entries[index];
  if (bank.indexed) index_remove(bank, index);
  e.valid = false;
  --m_present[page_size_index(e.page_shift)];
  bank.repl.invalidate(static_cast<unsigned>(index / bank.ways),
                       static_cast<unsigned>(index % bank.ways));
  ++m_stats.invalidated;
}

void Tlb::invalidate_va_asid(VirtAddr va, Asid asid) {
  probe(va, [this, asid](TlbEntry& e, Bank& bank, size_t i) {
    if (e.global || e.asid == asid) drop(bank, i);
    return false;
  });
}

void Tlb::invalidate_va(VirtAddr va) {
  probe(va, [this](TlbEntry&, Bank& bank, size_t i) {
    drop(bank, i);
    return false;
  });
}

void Tlb::invalidate_asid(Asid asid) {
  for (Bank& bank : m_banks)
    for_each_valid(bank, [&](size_t i) {
      const TlbEntry& e = bank.entries[i];
      if (!e.global && e.asid == asid) drop(bank, i);
    });
}

void Tlb::invalidate_range_asid(VirtAddr va, uint64_t pages, Asid asid) {
  const uint64_t lo = va.value(), hi = lo + pages * arch::kPageSize;
  for (Bank& bank : m_banks)
    for_each_valid(bank, [&](size_t i) {
      const TlbEntry& e = bank.entries[i];
      if ((e.global || e.asid == asid) && e.base_va() < hi && e.base_va() + e.bytes() > lo)
        drop(bank, i);
    });
}

void Tlb::invalidate_all() {
  for (Bank& bank : m_banks)
    for_each_valid(bank, [&](size_t i) { drop(bank, i); });
}

void Tlb::invalidate_covered_by(const TlbEntry& outer) {
  const uint64_t lo = outer.base_va(), hi = lo + outer.bytes();
  for (Bank& bank : m_banks)
    for_each_valid(bank, [&](size_t i) {
      const TlbEntry& e = bank.entries[i];
      if (e.base_va() >= lo && e.base_va() < hi && e.global == outer.global &&
          (outer.global || e.asid == outer.asid))
        drop(bank, i);
    });
}

unsigned Tlb::valid_entries() const {
  return m_present[0] + m_present[1] + m_present[2] + m_present[3];
}

void Tlb::register_stats(stats::Group& g) const {
  const TlbStats& s = m_stats;
  g.add("hits", s.hits, "lookups", "lookups that hit");
  g.add("misses", s.misses, "lookups", "lookups that missed");
  g.add("fills", s.fills, "entries", "entries installed");
  g.add("evictions", s.evictions, "entries", "valid entries replaced");
  g.add("invalidated", s.invalidated, "entries", "entries removed by TLBI");
  g.add("fractured", s.fractured, "fills",
        "translations larger than any size the TLB holds, installed as a smaller piece");
  g.add_real(
      "miss_rate",
      [&s] {
        const uint64_t lookups = s.hits + s.misses;
        return lookups ? static_cast<double>(s.misses) / static_cast<double>(lookups) : 0.0;
      },
      "ratio", "misses / (hits + misses)");
  stats::Group& by_size = g.child("by_page_size");
  for (unsigned i = 0; i < kPageSizes; ++i) {
    if (!(page_sizes() & (1u << i))) continue;
    stats::Group& size = by_size.child(page_size_name(i));
    size.add("hits", s.hits_by_size[i], "lookups",
             std::string("hits on ") + page_size_name(i) + " entries");
    size.add("fills", s.fills_by_size[i], "entries",
             std::string(page_size_name(i)) + " entries installed");
  }
}

namespace {

// "4K,2M" -> bit mask over kPageShift; names the key on a bad word.
uint8_t parse_page_sizes(const util::ConfigNode& n, const std::string& text) {
  uint8_t mask = 0;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = text.find(',', start);
    const std::string word = text.substr(start, comma == std::string::npos ? comma : comma - start);
    int found = -1;
    for (unsigned i = 0; i < kPageSizes; ++i)
      if (word == page_size_name(i)) found = static_cast<int>(i);
    if (found < 0)
      throw util::ConfigError(n.path() + ".page_sizes: '" + word +
                              "' is not a page size (4K, 64K, 2M, 1G)");
    mask |= static_cast<uint8_t>(1u << found);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return mask;
}

// 0b0101 -> "4K,2M".
std::string page_sizes_text(uint8_t mask) {
  std::string text;
  for (unsigned i = 0; i < kPageSizes; ++i)
    if (mask & (1u << i)) text += (text.empty() ? "" : ",") + std::string(page_size_name(i));
  return text;
}

}  // namespace

TlbParams TlbParams::read(const util::ConfigNode& n, const TlbParams& d) {
  TlbParams p = d;
  p.entries = static_cast<unsigned>(
      n.get_uint("entries", d.entries, 1, 1 << 20, "entries (unified organisation)"));
  // A fully associative TLB stays one when only its entries are set.
  const bool fully_associative = d.ways == d.entries;
  p.ways = static_cast<unsigned>(n.get_uint(
      "ways", fully_associative ? p.entries : d.ways, 1, 1 << 20,
      "associativity; equal to entries for fully associative", fully_associative ? "entries" : ""));
  p.hit_latency_cycles = n.get_uint("hit_latency_cycles", d.hit_latency_cycles, 0,
                                    kMaxLatencyCycles, "lookup latency");
  p.replacement =
      util::get_enum(n, "replacement", d.replacement, kReplPolicyNames, "replacement policy");
  p.seed = n.get_uint("seed", d.seed, 0, UINT64_MAX, "seed of random replacement");
  p.page_sizes = parse_page_sizes(
      n, n.get_string("page_sizes", page_sizes_text(d.page_sizes),
                      "page sizes held, comma-separated (4K required); larger translations "
                      "are fractured into the largest size held"));
  p.split = n.get_bool("split", d.split,
                       "one bank per page size (geometry under banks.<size>) instead of one "
                       "structure");
  const util::ConfigNode banks = n.child("banks");
  for (unsigned s = 0; s < kPageSizes; ++s) {
    const util::ConfigNode b = banks.child(page_size_name(s));
    const unsigned def_entries = s == 0 ? p.entries : 16;
    p.banks[s].entries = static_cast<unsigned>(
        b.get_uint("entries", def_entries, 1, 1 << 20, "entries of this page size's bank (split)"));
    // The 4K bank of a fully associative TLB is fully associative too.
    const bool bank_fully = s == 0 && p.ways == p.entries;
    const unsigned def_ways = bank_fully ? p.banks[s].entries : s == 0 ? p.ways : 4;
    p.banks[s].ways = static_cast<unsigned>(b.get_uint("ways", def_ways, 1, 1 << 20,
                                                       "ways of this page size's bank (split)",
                                                       bank_fully ? "entries" : ""));
  }
  return p;
}

}  // namespace mmusim
