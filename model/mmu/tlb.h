// A set-associative, ASID-tagged TLB with LRU replacement (plain C++; the Mmu
// module owns three of them). Entries hold 4 KB pages and 2 MB / 1 GB blocks;
// each page size indexes the sets with its own page number, and a lookup
// probes only the sizes currently present. Global entries (nG == 0) match
// every ASID. Only successful translations with AF set are ever cached
// (Arm ARM D8.14: faulting descriptors are not held in a TLB).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/arch/memattr.h"
#include "model/arch/permissions.h"
#include "model/arch/types.h"

namespace mmusim {

struct TlbEntry {
  uint64_t vpn = 0;  // va >> page_shift
  PhysAddr output;   // physical base of the page or block
  Asid asid;
  uint8_t page_shift = 12;
  int8_t level = 3;  // lookup level of the leaf descriptor
  bool global = false;
  bool valid = false;
  uint8_t attr_index = 0;
  arch::MemType mem_type = arch::MemType::kNormalWriteBack;
  arch::Permissions perm;
  uint64_t lru = 0;

  PhysAddr translate(VirtAddr va) const { return output + va.offset_in(uint64_t{1} << page_shift); }
};

struct TlbParams {
  unsigned entries = 64;
  unsigned ways = 4;  // entries == ways: fully associative
  uint64_t hit_latency_cycles = 1;
  // Throws std::invalid_argument naming `name`.field.
  void validate(const std::string& name) const;
};

struct TlbStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t fills = 0;
  uint64_t evictions = 0;    // valid entries replaced by a fill
  uint64_t invalidated = 0;  // entries removed by TLBI
};

class Tlb {
 public:
  Tlb(std::string name, const TlbParams& params);

  // The matching entry (and updates LRU and stats), or nullptr on a miss.
  const TlbEntry* lookup(VirtAddr va, Asid asid);
  // Installs `entry` (valid is forced true), replacing a matching entry for
  // the same page and ASID, else an invalid way, else the LRU way.
  // Returns the installed entry.
  const TlbEntry* insert(TlbEntry entry);

  // TLBI VAE1: entries for `va` with `asid`, and global entries for `va`.
  void invalidate_va_asid(VirtAddr va, Asid asid);
  // TLBI VAAE1: entries for `va` whatever their ASID.
  void invalidate_va(VirtAddr va);
  // TLBI ASIDE1: non-global entries of `asid`.
  void invalidate_asid(Asid asid);
  // TLBI VMALLE1.
  void invalidate_all();

  const std::string& name() const { return m_name; }
  const TlbParams& params() const { return m_params; }
  const TlbStats& stats() const { return m_stats; }
  unsigned sets() const { return m_sets; }
  // The entries of one set in way order (for tests and tracing).
  const TlbEntry* set_entries(unsigned set) const { return &m_entries[set * m_params.ways]; }
  unsigned set_index(uint64_t vpn) const { return static_cast<unsigned>(vpn & (m_sets - 1)); }

 private:
  TlbEntry* set_of(uint64_t vpn) { return &m_entries[set_index(vpn) * m_params.ways]; }
  void invalidate(TlbEntry& e, int size_slot);
  // Calls fn(entry, size_slot) for every valid entry that maps `va` at a
  // page size currently present, until fn returns true. Returns that entry.
  template <typename Fn>
  TlbEntry* probe(VirtAddr va, Fn fn);

  std::string m_name;
  TlbParams m_params;
  unsigned m_sets;
  std::vector<TlbEntry> m_entries;
  uint64_t m_stamp = 0;
  // Count of valid entries per page shift (index: shift 12, 21, 30 -> 0, 1, 2).
  unsigned m_size_count[3] = {0, 0, 0};
  TlbStats m_stats;
};

}  // namespace mmusim
