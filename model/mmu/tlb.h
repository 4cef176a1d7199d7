// A set-associative, ASID-tagged TLB (plain C++; the Mmu module owns three).
//
// Organisation: one unified bank holding every page size it is configured
// for, or (split) one bank per page size, each with its own entries, ways
// and replacement state. Each page size indexes its bank's sets with its own
// page number; a lookup probes only the sizes currently present. A
// translation of a size the TLB does not hold is fractured into the largest
// held size that fits (a 2 MB block becomes its 4 KB piece). 64 KB entries
// come from level-3 descriptors with the contiguous hint (Arm ARM D8.6.1).
// Global entries (nG == 0) match every ASID. Only successful translations
// with AF set are cached (D8.14: faulting descriptors are never held).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/arch/memattr.h"
#include "model/arch/permissions.h"
#include "model/arch/types.h"
#include "model/sim/replacement.h"
#include "model/stats/stats.h"
#include "model/util/config_node.h"

namespace mmusim {

// Page sizes a TLB can hold, smallest first.
enum class PageSize : uint8_t { k4K, k64K, k2M, k1G };
constexpr unsigned kPageSizes = 4;
constexpr uint8_t kPageShift[kPageSizes] = {12, 16, 21, 30};
constexpr uint8_t kAllPageSizes = 0b1111;
const char* page_size_name(unsigned size_index);  // "4K", "64K", "2M", "1G"
// The size index of a page shift, or -1.
int page_size_index(unsigned shift);

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
  // Cycle the walk that produced the entry completes; an access that finds
  // it earlier waits (the walk is merged, not repeated). 0 once in the past.
  uint64_t ready = 0;

  PhysAddr translate(VirtAddr va) const { return output + va.offset_in(uint64_t{1} << page_shift); }
  uint64_t base_va() const { return vpn << page_shift; }
  uint64_t bytes() const { return uint64_t{1} << page_shift; }
};

// A fill of one TLB by one translation: whether it happened and the way it took in its set.
struct TlbFill {
  bool filled = false;
  unsigned way = 0;  // when filled
  bool operator==(const TlbFill& o) const {
    return filled == o.filled && (!filled || way == o.way);
  }
  bool operator!=(const TlbFill& o) const { return !(*this == o); }
};

struct TlbBankParams {
  unsigned entries = 0;
  unsigned ways = 0;  // entries == ways: fully associative
};

struct TlbParams {
  unsigned entries = 64;  // unified organisation
  unsigned ways = 4;
  uint64_t hit_latency_cycles = 1;
  ReplPolicy replacement = ReplPolicy::kLru;
  uint64_t seed = 1;                   // for random replacement
  uint8_t page_sizes = kAllPageSizes;  // bit i: kPageShift[i] held; 4K is required
  bool split = false;                  // one bank per held size, geometry in `banks`
  TlbBankParams banks[kPageSizes];
  // Throws std::invalid_argument naming `name`.field.
  void validate(const std::string& name) const;
  // A unified LRU TLB of `entries` in `ways`.
  // The parameters under `n` (docs/config.md: key, default, range and
  // meaning are declared here), starting from `defaults`. util::ConfigError
  // names the full key of a bad value.
  // A fully associative TLB (ways == entries in `defaults`) stays one when
  // only its entries are set.
  static TlbParams read(const util::ConfigNode& n, const TlbParams& defaults);
  static TlbParams unified(unsigned entries, unsigned ways, uint64_t hit_latency_cycles) {
    TlbParams p;
    p.entries = entries;
    p.ways = ways;
    p.hit_latency_cycles = hit_latency_cycles;
    return p;
  }
};

struct TlbStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t fills = 0;
  uint64_t evictions = 0;    // valid entries replaced by a fill
  uint64_t invalidated = 0;  // entries removed by TLBI or back-invalidation
  uint64_t fractured = 0;    // fills of a translation larger than the size held
  uint64_t hits_by_size[kPageSizes] = {0, 0, 0, 0};
  uint64_t fills_by_size[kPageSizes] = {0, 0, 0, 0};
};

class Tlb {
 public:
  Tlb(std::string name, const TlbParams& params);

  // Host memory a TLB of this geometry takes when full (entries, replacement
  // state, the index of large sets), for the configuration's host-memory
  // check; `key` is set to the key of its largest bank's entries.
  static uint64_t host_bytes(const TlbParams& params, const std::string& name, std::string* key);

  // The matching entry (updates replacement state and stats), or nullptr.
  // The owner may clear the entry's `ready` once it is in the past.
  TlbEntry* lookup(VirtAddr va, Asid asid);

  struct InsertResult {
    const TlbEntry* installed = nullptr;
    unsigned way = 0;            // of `installed` in its set (of its bank, when split)
    bool evicted_valid = false;  // `evicted` holds the replaced valid entry
    TlbEntry evicted;
  };
  // Installs the translation of `entry` for `va` (fractured if its size is
  // not held), replacing an entry for the same page and ASID, else an
  // invalid way, else the policy's victim.
  InsertResult insert(const TlbEntry& entry, VirtAddr va);

  // TLBI VAE1: entries for `va` with `asid`, and global entries for `va`.
  void invalidate_va_asid(VirtAddr va, Asid asid);
  // TLBI VAAE1: entries for `va` whatever their ASID.
  void invalidate_va(VirtAddr va);
  // TLBI ASIDE1: non-global entries of `asid`.
  void invalidate_asid(Asid asid);
  // TLBI RVAE1 (FEAT_TLBIRANGE): every entry of `asid` (and every global
  // one, as TLBI VAE1) whose page intersects [va, va + pages * 4 KB).
  void invalidate_range_asid(VirtAddr va, uint64_t pages, Asid asid);
  // TLBI VMALLE1.
  void invalidate_all();
  // Back-invalidation from an inclusive outer TLB: every entry that lies in
  // `outer`'s VA range and would match its ASID (or is global when it is).
  void invalidate_covered_by(const TlbEntry& outer);

  const std::string& name() const { return m_name; }
  const TlbParams& params() const { return m_params; }
  const TlbStats& stats() const { return m_stats; }
  // Registers these counters (docs/stats.md) in `g`; this component must outlive it.
  void register_stats(stats::Group& g) const;
  // Sizes this TLB holds (bit i: kPageShift[i]).
  uint8_t page_sizes() const { return m_params.page_sizes; }
  unsigned valid_entries() const;

 private:
  // Sets of more ways than this keep an index of their valid entries (by
  // page number and size) and a bitmap of valid ways, so that a lookup, an
  // insert and a TLBI cost what the matching entries cost, not a scan of
  // every way (a fully associative TLB of 2^20 entries). Smaller sets are
  // scanned: the results are the same either way (ways in ascending order).
  static constexpr unsigned kIndexedWays = 64;
  struct Bank {
    unsigned sets = 0;
    unsigned ways = 0;
    std::vector<TlbEntry> entries;
    Replacement repl;
    unsigned set_of(uint64_t vpn) const { return static_cast<unsigned>(vpn & (sets - 1)); }
    // Indexed banks only (ways > kIndexedWays).
    bool indexed = false;
    std::unordered_map<uint64_t, std::vector<uint32_t>> index;  // key(): entry indices, ascending
    std::vector<uint64_t> valid_bits;                           // bit i: entries[i].valid
    std::vector<uint32_t> set_valid;                            // valid entries per set
  };
  static uint64_t key(uint64_t vpn, uint8_t page_shift) { return vpn << 6 | page_shift; }
  static void index_add(Bank& bank, size_t i);
  static void index_remove(Bank& bank, size_t i);
  // The first invalid way of `set`, or -1.
  static int first_invalid_way(const Bank& bank, unsigned set);
  // Calls fn(index) for every valid entry of `bank`, in ascending order.
  template <typename Fn>
  static void for_each_valid(Bank& bank, Fn fn);
  // Calls fn(entry, bank, way index in the bank) for every valid entry that
  // maps `va` at a size currently present, until fn returns true.
  template <typename Fn>
  TlbEntry* probe(VirtAddr va, Fn fn);
  void drop(Bank& bank, size_t index);

  std::string m_name;
  TlbParams m_params;
  std::vector<Bank> m_banks;
  uint8_t m_bank_of_size[kPageSizes] = {0, 0, 0, 0};
  unsigned m_present[kPageSizes] = {0, 0, 0, 0};  // valid entries per size
  TlbStats m_stats;

  // Lookup memo: recent (4 KB page, ASID) pairs and the entry the probe
  // found for them. What the probe finds depends only on the entries, so the
  // memo is cleared whenever one is installed or dropped, and a memo hit does
  // exactly what a probe hit does (replacement touch, stats): a host-speed
  // shortcut that changes no result.
  struct Memo {
    uint64_t page = UINT64_MAX;
    Asid asid;
    unsigned bank = 0;  // indices, not pointers: a copied Tlb stays right
    unsigned set = 0, way = 0;
    size_t index = 0;
  };
  static constexpr unsigned kMemoSlots = 16;
  void clear_memo();
  Memo m_memo[kMemoSlots];
};

}  // namespace mmusim
