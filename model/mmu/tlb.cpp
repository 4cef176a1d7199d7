#include "model/mmu/tlb.h"

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
    m_banks.push_back(Bank{sets, ways, std::vector<TlbEntry>(entries),
                           Replacement(params.replacement, sets, ways, params.seed, m_name)});
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

template <typename Fn>
TlbEntry* Tlb::probe(VirtAddr va, Fn fn) {
  for (unsigned s = 0; s < kPageSizes; ++s) {
    if (m_present[s] == 0) continue;
    Bank& bank = m_banks[m_bank_of_size[s]];
    const uint64_t vpn = va.value() >> kPageShift[s];
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
  for (unsigned w = 0; w < bank.ways && way < 0; ++w) {
    const TlbEntry& e = ways[w];
    if (e.valid && e.page_shift == entry.page_shift && e.vpn == entry.vpn &&
        e.global == entry.global && (entry.global || e.asid == entry.asid))
      way = static_cast<int>(w);  // refresh of the same translation
  }
  for (unsigned w = 0; w < bank.ways && way < 0; ++w)
    if (!ways[w].valid) way = static_cast<int>(w);
  InsertResult result;
  if (way < 0) {
    way = static_cast<int>(bank.repl.victim(set));
    result.evicted_valid = true;
    result.evicted = ways[way];
    ++m_stats.evictions;
  }
  clear_memo();
  TlbEntry& slot = ways[way];
  if (slot.valid) --m_present[page_size_index(slot.page_shift)];
  slot = entry;
  ++m_present[size];
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
    for (size_t i = 0; i < bank.entries.size(); ++i) {
      const TlbEntry& e = bank.entries[i];
      if (e.valid && !e.global && e.asid == asid) drop(bank, i);
    }
}

void Tlb::invalidate_all() {
  for (Bank& bank : m_banks)
    for (size_t i = 0; i < bank.entries.size(); ++i)
      if (bank.entries[i].valid) drop(bank, i);
}

void Tlb::invalidate_covered_by(const TlbEntry& outer) {
  const uint64_t lo = outer.base_va(), hi = lo + outer.bytes();
  for (Bank& bank : m_banks)
    for (size_t i = 0; i < bank.entries.size(); ++i) {
      const TlbEntry& e = bank.entries[i];
      if (e.valid && e.base_va() >= lo && e.base_va() < hi && e.global == outer.global &&
          (outer.global || e.asid == outer.asid))
        drop(bank, i);
    }
}

unsigned Tlb::valid_entries() const {
  return m_present[0] + m_present[1] + m_present[2] + m_present[3];
}

}  // namespace mmusim
