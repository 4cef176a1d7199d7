// A set-associative, write-back, write-allocate, physically indexed and
// tagged cache with a configurable replacement policy (LRU by default).
//
// Functional/timing split: the cache models tags, dirty state, replacement
// and the bus traffic of fills and write-backs (which is where its timing
// comes from); the bytes themselves are always read and written in the
// backing store through debug transport, so the kernel's view, the walker's
// view and the CPU's view of memory can never go stale.
//
// Memory type decides the path (from the AccessExt the MMU sets):
// - Normal write-back: cached, write-allocate; a line turns dirty only when
//   the target has taken the bytes (a store to ROM leaves it clean).
// - Normal write-through: reads allocate; a write updates the lines it hits
//   (they stay clean) and always goes to the bus as one transaction; a write
//   miss allocates only with write_through_allocate.
// - Normal non-cacheable: bypasses the cache, one bus transaction each.
// - Device (every type): bypasses the cache, one bus transaction each,
//   never combined with another; refused with an alignment fault when it is
//   part of an unaligned access (AccessExt::unaligned); issued no earlier
//   than AccessExt::older_done (the initiator's older accesses complete).
#pragma once

#include <tlm_utils/multi_passthrough_target_socket.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <string>
#include <systemc>
#include <tlm>
#include <vector>

#include "model/mem/sparse_memory.h"
#include "model/mem/zeroed_array.h"
#include "model/sim/access_ext.h"
#include "model/sim/clock.h"
#include "model/sim/direct_target.h"
#include "model/sim/replacement.h"
#include "model/stats/stats.h"
#include "model/util/config_node.h"

namespace mmusim {

struct CacheParams {
  uint64_t size_bytes = 32 * 1024;
  unsigned ways = 8;
  unsigned line_bytes = 64;
  uint64_t hit_latency_cycles = 4;
  ReplPolicy replacement = ReplPolicy::kLru;
  // Outstanding line fills. A miss that finds them all busy waits for the
  // first to complete; a hit on a line still being filled waits for its fill
  // (the miss is merged, as in an MSHR).
  unsigned mshrs = 8;
  // Normal write-through memory: a write miss allocates the line (read
  // first) before writing through. Default: no write-allocate.
  bool write_through_allocate = false;
  // A level below the L1s (l2, llc): an eviction back-invalidates the lines
  // of the caches above (add_inclusion_child), counted in back_invalidations.
  bool inclusive = false;
  // A write-back from above (AccessExt::writeback): true, a hit marks the
  // line dirty and updates replacement, a miss allocates the line dirty
  // without a fill; false, a hit marks the line dirty and leaves
  // replacement alone, a miss passes the write-back on to the level below
  // (cachegrind's LL, which write-backs never touch).
  bool writeback_allocate = true;
  // The LLC (read_lower's `lookup_l1_hit_lines`, shared only): an L1
  // access that misses some line looks up every line of it here, those that
  // hit the L1 too (cachegrind's LL: Hardware sets the L1s'
  // set_lookup_hit_lines_below from it). Not with an L2.
  bool lookup_l1_hit_lines = false;
  // The parameters under `n` (docs/config.md: key, default, range and
  // meaning are declared here), starting from `defaults`. util::ConfigError
  // names the full key of a bad value.
  // `data`: a data cache (write_through_allocate is one of its keys).
  static CacheParams read(const util::ConfigNode& n, const CacheParams& defaults, bool data);
  // A level below the L1s: read()'s keys and `inclusive`; `shared` (the
  // LLC) adds `writeback_allocate`.
  static CacheParams read_lower(const util::ConfigNode& n, const CacheParams& defaults,
                                bool shared);
  // Throws std::invalid_argument naming `name`.field.
  void validate(const std::string& name) const;
  unsigned sets() const { return static_cast<unsigned>(size_bytes / line_bytes / ways); }
};

struct CacheRequesterStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
};

struct CacheStats {
  CacheRequesterStats by_requester[3];  // indexed by Requester
  uint64_t read_hits = 0, read_misses = 0, write_hits = 0, write_misses = 0;
  uint64_t writebacks = 0;
  uint64_t bypassed = 0;                 // non-cacheable and Device accesses
  uint64_t write_throughs = 0;           // writes to Normal write-through memory (bus writes)
  uint64_t refused_writes = 0;           // cached stores the target refused (ROM)
  uint64_t device_accesses = 0;          // Device accesses sent to the bus
  uint64_t device_waits = 0;             // ... that waited for older accesses to complete
  uint64_t device_alignment_faults = 0;  // Device parts of unaligned accesses, refused
  uint64_t fill_errors = 0;
  uint64_t hits_under_miss = 0;   // hits that waited for an in-flight fill
  uint64_t mshr_full_stalls = 0;  // misses that waited for a free MSHR
  uint64_t mshr_stall_cycles = 0;
  // Levels below the L1s: write-backs received from above (not counted as
  // lookups), and lines invalidated above by an inclusive eviction.
  uint64_t writebacks_in_hits = 0, writebacks_in_misses = 0;
  uint64_t back_invalidations = 0;
  uint64_t hits() const { return read_hits + write_hits; }
  uint64_t misses() const { return read_misses + write_misses; }
};

class Cache;
class CoherenceBus;

// The Cache's target socket: a multi-passthrough socket that can tell
// whether an initiator's port is bound to it (for the direct path).
class CacheTargetSocket : public tlm_utils::multi_passthrough_target_socket<Cache> {
 public:
  using Base = tlm_utils::multi_passthrough_target_socket<Cache>;
  using Base::Base;
  // `bound_interface` is what an initiator port bound to this socket calls.
  bool binds(const sc_core::sc_interface* bound_interface) {
    for (auto* b : get_binders())
      if (static_cast<const sc_core::sc_interface*>(b) == bound_interface) return true;
    return false;
  }
};

class Cache : public sc_core::sc_module, public DirectTarget {
 public:
  // Any number of upstream initiators (the MMU's data port, the walker).
  CacheTargetSocket target;
  tlm_utils::simple_initiator_socket<Cache> next;

  // Every parameter is a constructor argument (CacheParams); what
  // params.validate() refuses is an SC_REPORT_ERROR of type mmusim/cache
  // naming the key. A payload without an AccessExt is a CPU access to Normal
  // write-back memory (cached).
  Cache(sc_core::sc_module_name name, const CacheParams& params, const Clock& clock);
  ~Cache() override { m_fill.clear_extension(&m_fill_ext); }

  // A level below the L1s: the AccessExt::missed_below bit this cache sets
  // in an access it misses (kMissedL2, kMissedLlc; 0, the default, for an L1).
  void set_missed_bit(uint8_t bit) { m_missed_bit = bit; }
  // With params().inclusive: a cache above whose copy of a line this
  // cache's evictions invalidate (same line size).
  void add_inclusion_child(Cache* above) { m_inclusion_children.push_back(above); }
  // An L1 in front of cachegrind's LL: a Normal write-back access that
  // misses some line also reads, from the level below, each of its lines
  // that hit here, in address order and without filling them here (the
  // level below looks them up, and fills them on a miss, as for any read;
  // off the access's critical path). The two parts of a page-crossing
  // access (AccessExt::split_part) count as one access. A miss of such a
  // lookup below is the access's (AccessExt::missed_below).
  void set_lookup_hit_lines_below(bool on) { m_lookup_hit_lines = on; }
  // A core's private cache with cpu.cores > 1 (model/mem/coherence.h): its
  // misses and its writes to shared lines go through `bus` (agent: this
  // cache's registration there). Without one every line is exclusive.
  void set_coherence(CoherenceBus* bus, unsigned agent) {
    m_coherence = bus;
    m_agent = agent;
  }

  // Direct access to the store that debug transport through `next` reaches
  // for [base, base + store.size()) (what a TLM DMI pointer gives an
  // initiator): the bytes of cached accesses there are moved without a debug
  // transaction through the bus. Timing, stats and results are unchanged.
  void set_backing_store(PhysAddr base, SparseMemory* store) {
    m_store_base = base.value();
    m_store = store;
  }

  // Host memory a cache of this geometry takes once every line was used
  // (tags and replacement state), for the configuration's host-memory check.
  static uint64_t host_bytes(const CacheParams& params);

  // What b_transport on `target` does.
  void access(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  // DirectTarget (the Mmu's direct path to its L1s).
  bool reached_by(const sc_core::sc_interface* bound_interface) override {
    return target.binds(bound_interface);
  }
  void direct_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) override {
    access(trans, delay);
  }

  const CacheParams& params() const { return m_params; }
  const CacheStats& stats() const { return m_stats; }
  // Registers these counters (docs/stats.md) in `g`; this component must outlive it.
  void register_stats(stats::Group& g) const;

  // Test and warm-up helpers (no timing, no stats).
  bool contains(PhysAddr pa) const;
  bool is_dirty(PhysAddr pa) const;
  bool is_exclusive(PhysAddr pa) const;  // E or M (coherence.h)
  void invalidate_all();

 private:
  friend class CoherenceBus;  // reads and sets the states of a core's lines
  struct Line {
    uint64_t tag = 0;    // line address (pa / line_bytes)
    uint64_t ready = 0;  // cycle the fill completes; 0 once known to be past
    bool valid = false;
    bool dirty = false;
    bool exclusive = false;  // E or M; always with no coherence bus
  };

  void b_transport(int, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
    access(trans, delay);
  }
  // Every memory type but Normal write-back (kept out of line: the
  // write-back path is the hot one).
  __attribute__((noinline)) void uncached(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay,
                                          AccessExt* ext, arch::MemType type);
  void write_through(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay, AccessExt* ext);
  void mark_dirty(uint64_t line_addr);
  bool touch(uint64_t line_addr);  // a hit updates replacement state; no stats
  // A write-back from the cache above (AccessExt::writeback).
  void writeback_in(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  // Evicts `victim` (set `set_index`): back-invalidates the caches above
  // when inclusive, and writes the line back if dirty (posted).
  void evict(Line& victim);
  // Writes the line back to the level below (posted), counted by the caller.
  void write_back(uint64_t line_addr);
  // Drops this cache's copy of a line (inclusion); true if it was dirty.
  bool back_invalidate(uint64_t line_addr, bool& dirty);
  // An access that missed some line: its missed_below gets this level's bit
  // and its fills' bits.
  void note_miss(AccessExt* ext) {
    if (ext) ext->missed_below |= m_missed_bit | m_missed_fills;
    m_missed_fills = 0;
  }
  unsigned int transport_dbg(int id, tlm::tlm_generic_payload& trans);
  enum class LineOutcome : uint8_t { kHit, kMiss, kFillError };
  // How an access uses a line: read, write (counted as a write), or write
  // that dirties it at once (the bytes go to DRAM, which cannot refuse them).
  enum class LineUse : uint8_t { kRead, kWrite, kWriteDirty };
  // Looks up one line, filling it on a miss (a failed fill's status is
  // left in m_fill_error).
  LineOutcome access_line(uint64_t line_addr, LineUse use, Requester who, sc_core::sc_time& delay);
  // set_lookup_hit_lines_below: access()'s lookups of lines [first, last].
  LineOutcome access_whole(uint64_t first, uint64_t last, LineUse use, Requester who,
                           sc_core::sc_time& delay, AccessExt* ext);
  // Reads `line_addr` from the level below without filling it here.
  void lookup_below(uint64_t line_addr, Requester who, const sc_core::sc_time& delay);
  // Some line of [from, last] is not here.
  bool any_absent(uint64_t from, uint64_t last) const;
  void line_transaction(tlm::tlm_command cmd, uint64_t line_addr, sc_core::sc_time& delay);
  const Line* find(uint64_t line_addr) const;
  Line* find(uint64_t line_addr) {
    return const_cast<Line*>(static_cast<const Cache*>(this)->find(line_addr));
  }
  // Moves the bytes of `trans` to or from the backing store; false if the
  // target refused (debug transport semantics).
  bool move_bytes(tlm::tlm_generic_payload& trans);
  bool move_bytes(tlm::tlm_generic_payload& trans, bool direct);  // direct: in_store(trans)
  // The bytes of `trans` lie in the directly reachable store (DRAM).
  bool in_store(const tlm::tlm_generic_payload& trans) const;

  CacheParams m_params;
  const Clock& m_clock;
  std::vector<uint64_t> m_mshr_free;  // cycle each MSHR is free again
  unsigned m_line_shift;
  uint64_t m_set_mask;
  // sets * ways, set-major; all-zero bytes are an invalid line, and host
  // memory is taken as lines are used.
  ZeroedArray<Line> m_lines;
  Replacement m_repl;
  sc_core::sc_time m_hit_latency;
  CacheStats m_stats;
  // Reused for fills and write-backs: no allocation per access.
  tlm::tlm_generic_payload m_fill;
  AccessExt m_fill_ext;  // on m_fill: requester, writeback, missed_below
  uint8_t m_missed_bit = 0;
  uint8_t m_missed_fills = 0;  // missed_below of this access's fills so far
  std::vector<Cache*> m_inclusion_children;
  CoherenceBus* m_coherence = nullptr;
  unsigned m_agent = 0;
  bool m_fill_exclusive = true;  // the state of this miss's line (always E/M without a bus)
  bool m_lookup_hit_lines = false;
  // set_lookup_hit_lines_below: the lower part of a page-crossing access,
  // until its upper part arrives: whether it missed, else its lines (all
  // hits, not yet looked up below).
  struct SplitPart {
    bool pending = false;
    bool missed = false;
    uint64_t first = 0, last = 0;
  } m_split;
  tlm::tlm_response_status m_fill_error = tlm::TLM_OK_RESPONSE;
  std::vector<unsigned char> m_fill_buffer;
  SparseMemory* m_store = nullptr;
  uint64_t m_store_base = 0;
};

}  // namespace mmusim
