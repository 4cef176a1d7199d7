#include "model/mmu/tlb.h"

#include <stdexcept>

namespace mmusim {

namespace {
constexpr uint8_t kShifts[3] = {12, 21, 30};
int size_slot(uint8_t shift) {
  return shift == 12 ? 0 : shift == 21 ? 1 : shift == 30 ? 2 : -1;
}
bool is_pow2(uint64_t v) {
  return v != 0 && (v & (v - 1)) == 0;
}
}  // namespace

void TlbParams::validate(const std::string& name) const {
  if (entries == 0) throw std::invalid_argument(name + ".entries: must be at least 1");
  if (ways == 0 || ways > entries)
    throw std::invalid_argument(name + ".ways: must be in [1, entries]");
  if (entries % ways != 0 || !is_pow2(entries / ways))
    throw std::invalid_argument(name + ".ways: entries / ways must be a power of two");
}

Tlb::Tlb(std::string name, const TlbParams& params) : m_name(std::move(name)), m_params(params) {
  params.validate(m_name);
  m_sets = params.entries / params.ways;
  m_entries.resize(params.entries);
}

template <typename Fn>
TlbEntry* Tlb::probe(VirtAddr va, Fn fn) {
  for (int s = 0; s < 3; ++s) {
    if (m_size_count[s] == 0) continue;
    const uint64_t vpn = va.value() >> kShifts[s];
    TlbEntry* set = set_of(vpn);
    for (unsigned w = 0; w < m_params.ways; ++w) {
      TlbEntry& e = set[w];
      if (e.valid && e.page_shift == kShifts[s] && e.vpn == vpn && fn(e, s)) return &e;
    }
  }
  return nullptr;
}

const TlbEntry* Tlb::lookup(VirtAddr va, Asid asid) {
  TlbEntry* e = probe(va, [asid](const TlbEntry& c, int) { return c.global || c.asid == asid; });
  if (!e) {
    ++m_stats.misses;
    return nullptr;
  }
  e->lru = ++m_stamp;
  ++m_stats.hits;
  return e;
}

const TlbEntry* Tlb::insert(TlbEntry entry) {
  const int slot = size_slot(entry.page_shift);
  if (slot < 0) throw std::invalid_argument(m_name + ": unsupported page size");
  entry.valid = true;
  entry.lru = ++m_stamp;
  TlbEntry* set = set_of(entry.vpn);
  TlbEntry* victim = nullptr;
  for (unsigned w = 0; w < m_params.ways && !victim; ++w) {
    TlbEntry& e = set[w];
    if (e.valid && e.page_shift == entry.page_shift && e.vpn == entry.vpn &&
        e.global == entry.global && (entry.global || e.asid == entry.asid))
      victim = &e;  // refresh of the same translation
  }
  for (unsigned w = 0; w < m_params.ways && !victim; ++w)
    if (!set[w].valid) victim = &set[w];
  if (!victim) {
    victim = &set[0];
    for (unsigned w = 1; w < m_params.ways; ++w)
      if (set[w].lru < victim->lru) victim = &set[w];
    ++m_stats.evictions;
  }
  if (victim->valid) --m_size_count[size_slot(victim->page_shift)];
  *victim = entry;
  ++m_size_count[slot];
  ++m_stats.fills;
  return victim;
}

void Tlb::invalidate_va_asid(VirtAddr va, Asid asid) {
  probe(va, [this, asid](TlbEntry& e, int slot) {
    if (e.global || e.asid == asid) invalidate(e, slot);
    return false;
  });
}

void Tlb::invalidate_va(VirtAddr va) {
  probe(va, [this](TlbEntry& e, int slot) {
    invalidate(e, slot);
    return false;
  });
}

void Tlb::invalidate(TlbEntry& e, int slot) {
  e.valid = false;
  --m_size_count[slot];
  ++m_stats.invalidated;
}

void Tlb::invalidate_asid(Asid asid) {
  for (TlbEntry& e : m_entries) {
    if (e.valid && !e.global && e.asid == asid) invalidate(e, size_slot(e.page_shift));
  }
}

void Tlb::invalidate_all() {
  for (TlbEntry& e : m_entries) {
    if (e.valid) ++m_stats.invalidated;
    e.valid = false;
  }
  m_size_count[0] = m_size_count[1] = m_size_count[2] = 0;
}

}  // namespace mmusim
