#include "model/mem/cache.h"

#include "model/mem/coherence.h"
#include "model/sim/latency.h"
#include "model/sim/report.h"

#include <stdexcept>

namespace mmusim {

namespace {
bool is_pow2(uint64_t v) {
  return v != 0 && (v & (v - 1)) == 0;
}
// The parameters, once validate() accepted them (before any member is built from them).
const CacheParams& checked(const CacheParams& p, const char* name) {
  MMUSIM_CHECK_PARAMS(report::kCache, p.validate(name));
  return p;
}
unsigned log2u(uint64_t v) {
  unsigned s = 0;
  while ((uint64_t{1} << s) < v)
    ++s;
  return s;
}
}  // namespace

void CacheParams::validate(const std::string& name) const {
  if (!is_pow2(line_bytes) || line_bytes < 8 || line_bytes > 4096)
    throw std::invalid_argument(name + ".line_bytes: must be a power of two in [8, 4096]");
  if (ways == 0) throw std::invalid_argument(name + ".ways: must be at least 1");
  if (size_bytes == 0 || size_bytes % (uint64_t{line_bytes} * ways) != 0)
    throw std::invalid_argument(name + ".size: must be a non-zero multiple of ways * line_bytes");
  if (!is_pow2(sets()))
    throw std::invalid_argument(name + ".size: size / (ways * line_bytes) must be a power of two");
  if (replacement == ReplPolicy::kTreePlru && !is_pow2(ways))
    throw std::invalid_argument(name + ".ways: tree-plru needs a power of two");
  if (mshrs == 0) throw std::invalid_argument(name + ".mshrs: must be at least 1");
}

Cache::Cache(sc_core::sc_module_name name, const CacheParams& params, const Clock& clock)
    : sc_module(name),
      target("target"),
      next("next"),
      m_params(checked(params, this->name())),
      m_clock(clock),
      m_mshr_free(params.mshrs, 0),
      m_repl(params.replacement, params.sets(), params.ways, 1, std::string(this->name())),
      m_hit_latency(clock.to_time(Cycles(params.hit_latency_cycles))) {
  m_line_shift = log2u(params.line_bytes);
  m_set_mask = params.sets() - 1;
  m_lines = ZeroedArray<Line>(uint64_t{params.sets()} * params.ways);
  m_fill_buffer.resize(params.line_bytes);
  m_fill.set_data_ptr(m_fill_buffer.data());
  m_fill.set_data_length(params.line_bytes);
  m_fill.set_streaming_width(params.line_bytes);
  m_fill.set_byte_enable_ptr(nullptr);
  m_fill.set_dmi_allowed(false);
  m_fill.set_extension(&m_fill_ext);
  target.register_b_transport(this, &Cache::b_transport);
  target.register_transport_dbg(this, &Cache::transport_dbg);
}

uint64_t Cache::host_bytes(const CacheParams& params) {
  const uint64_t lines = params.size_bytes / params.line_bytes;
  return lines * (sizeof(Line) + sizeof(uint64_t));  // + one replacement word per way
}

void Cache::mark_dirty(uint64_t line_addr) {
  if (Line* l = find(line_addr)) l->dirty = true;
}

bool Cache::touch(uint64_t line_addr) {
  const unsigned set_index = static_cast<unsigned>(line_addr & m_set_mask);
  Line* set = &m_lines[uint64_t{set_index} * m_params.ways];
  for (unsigned w = 0; w < m_params.ways; ++w)
    if (set[w].valid && set[w].tag == line_addr) {
      m_repl.touch(set_index, w);
      return true;
    }
  return false;
}

const Cache::Line* Cache::find(uint64_t line_addr) const {
  const Line* set = &m_lines[(line_addr & m_set_mask) * m_params.ways];
  for (unsigned w = 0; w < m_params.ways; ++w)
    if (set[w].valid && set[w].tag == line_addr) return &set[w];
  return nullptr;
}

bool Cache::contains(PhysAddr pa) const {
  return find(pa.value() >> m_line_shift) != nullptr;
}

bool Cache::is_dirty(PhysAddr pa) const {
  const Line* l = find(pa.value() >> m_line_shift);
  return l && l->dirty;
}

bool Cache::is_exclusive(PhysAddr pa) const {
  const Line* l = find(pa.value() >> m_line_shift);
  return l && l->exclusive;
}

void Cache::invalidate_all() {
  m_lines.clear();
}

void Cache::line_transaction(tlm::tlm_command cmd, uint64_t line_addr, sc_core::sc_time& delay) {
  m_fill.set_command(cmd);
  m_fill.set_address(line_addr << m_line_shift);
  m_fill.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  next->b_transport(m_fill, delay);
}

Cache::LineOutcome Cache::access_line(uint64_t line_addr, LineUse use, Requester who,
                                      sc_core::sc_time& delay) {
  const bool is_write = use != LineUse::kRead;
  const bool dirty = use == LineUse::kWriteDirty;
  const unsigned set_index = static_cast<unsigned>(line_addr & m_set_mask);
  Line* set = &m_lines[uint64_t{set_index} * m_params.ways];
  int invalid_way = -1;
  for (unsigned w = 0; w < m_params.ways; ++w) {
    Line& l = set[w];
    if (l.valid && l.tag == line_addr) {
      if (l.ready != 0) {  // filled recently: is the fill still under way?
        const Cycles now = m_clock.at(delay);
        if (l.ready > now.count()) {
          ++m_stats.hits_under_miss;
          delay = m_clock.delay_until(Cycles(l.ready));
        } else {
          l.ready = 0;
        }
      }
      m_repl.touch(set_index, w);
      if (is_write && !l.exclusive && m_coherence) {  // S: an upgrade first
        m_coherence->upgrade(m_agent, line_addr, delay);
        l.exclusive = true;
      }
      l.dirty |= dirty;
      ++m_stats.by_requester[static_cast<int>(who)].hits;
      ++(is_write ? m_stats.write_hits : m_stats.read_hits);
      return LineOutcome::kHit;
    }
    if (!l.valid && invalid_way < 0) invalid_way = static_cast<int>(w);
  }
  ++m_stats.by_requester[static_cast<int>(who)].misses;
  ++(is_write ? m_stats.write_misses : m_stats.read_misses);

  // The fill needs an MSHR: the one free soonest.
  uint64_t* mshr = &m_mshr_free[0];
  for (uint64_t& f : m_mshr_free)
    if (f < *mshr) mshr = &f;
  const Cycles arrival = m_clock.at(delay);
  if (*mshr > arrival.count()) {
    ++m_stats.mshr_full_stalls;
    m_stats.mshr_stall_cycles += *mshr - arrival.count();
    delay = m_clock.delay_until(Cycles(*mshr));
  }
  // Fill first (the requested line is what the access waits for); the
  // victim's write-back drains from a write buffer off the critical path.
  m_fill_ext.requester = who;
  m_fill_ext.missed_below = 0;
  // The other cores are probed before the fill (no bus with one core).
  if (m_coherence) m_fill_exclusive = m_coherence->miss(m_agent, line_addr, is_write, delay);
  line_transaction(tlm::TLM_READ_COMMAND, line_addr, delay);
  m_missed_fills |= m_fill_ext.missed_below;
  if (m_fill.is_response_error()) {
    ++m_stats.fill_errors;
    m_fill_error = m_fill.get_response_status();
    m_missed_fills = 0;
    return LineOutcome::kFillError;
  }
  const unsigned way =
      invalid_way >= 0 ? static_cast<unsigned>(invalid_way) : m_repl.victim(set_index);
  Line* victim = &set[way];
  if (victim->valid) evict(*victim);
  const uint64_t filled = m_clock.at(delay).count();
  *mshr = filled;
  *victim = Line{line_addr, filled, true, dirty, m_fill_exclusive};
  m_repl.fill(set_index, way);
  return LineOutcome::kMiss;
}

bool Cache::any_absent(uint64_t from, uint64_t last) const {
  for (uint64_t line = from; line <= last; ++line)
    if (!find(line)) return true;
  return false;
}

void Cache::lookup_below(uint64_t line_addr, Requester who, const sc_core::sc_time& delay) {
  sc_core::sc_time posted = delay;  // off the access's critical path
  m_fill_ext.requester = who;
  m_fill_ext.missed_below = 0;
  line_transaction(tlm::TLM_READ_COMMAND, line_addr, posted);
  m_missed_fills |= m_fill_ext.missed_below;
}

Cache::LineOutcome Cache::access_whole(uint64_t first, uint64_t last, LineUse use, Requester who,
                                       sc_core::sc_time& delay, AccessExt* ext) {
  const uint8_t part = ext ? ext->split_part : 0;
  // Some line of the whole access missed (so far).
  bool missed = false;
  if (part == 2 && m_split.pending) {
    m_split.pending = false;
    missed = m_split.missed;
    if (!missed && any_absent(first, last)) {
      // This part will miss: the lower part's lines (all hits) first.
      for (uint64_t line = m_split.first; line <= m_split.last; ++line)
        lookup_below(line, who, delay);
      missed = true;
    }
  } else if (part == 1) {
    m_split.pending = false;
  }
  bool part_missed = false;
  for (uint64_t line = first; line <= last; ++line) {
    const LineOutcome o = access_line(line, use, who, delay);
    if (o == LineOutcome::kFillError) return o;
    if (o == LineOutcome::kMiss) {
      missed = part_missed = true;
    } else if (missed || any_absent(line + 1, last)) {
      lookup_below(line, who, delay);  // a later line will miss: this one first
    }
  }
  if (part == 1) m_split = SplitPart{true, missed, first, last};
  return part_missed ? LineOutcome::kMiss : LineOutcome::kHit;
}

void Cache::write_back(uint64_t line_addr) {
  // The write-back carries the line's current bytes (read from the backing
  // store, where they already are), so it rewrites them unchanged.
  m_fill.set_command(tlm::TLM_READ_COMMAND);
  m_fill.set_address(line_addr << m_line_shift);
  move_bytes(m_fill);
  sc_core::sc_time posted = sc_core::SC_ZERO_TIME;
  m_fill_ext.writeback = true;
  line_transaction(tlm::TLM_WRITE_COMMAND, line_addr, posted);
  m_fill_ext.writeback = false;
}

void Cache::evict(Line& victim) {
  bool dirty = victim.dirty;
  if (m_params.inclusive)
    for (Cache* above : m_inclusion_children) {
      bool above_dirty = false;
      if (above->back_invalidate(victim.tag, above_dirty)) ++m_stats.back_invalidations;
      dirty |= above_dirty;  // the newer copy leaves with this one
    }
  if (!dirty) return;
  write_back(victim.tag);
  ++m_stats.writebacks;
}

bool Cache::back_invalidate(uint64_t line_addr, bool& dirty) {
  Line* l = find(line_addr);
  if (!l) return false;
  dirty = l->dirty;
  *l = Line{};
  return true;
}

void Cache::writeback_in(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  // A full line from the cache above; its bytes are in the backing store
  // already, so only the tags and dirty state change here.
  const uint64_t line_addr = trans.get_address() >> m_line_shift;
  const unsigned set_index = static_cast<unsigned>(line_addr & m_set_mask);
  Line* set = &m_lines[uint64_t{set_index} * m_params.ways];
  int invalid_way = -1;
  for (unsigned w = 0; w < m_params.ways; ++w) {
    Line& l = set[w];
    if (l.valid && l.tag == line_addr) {
      l.dirty = true;
      if (m_params.writeback_allocate) m_repl.touch(set_index, w);
      ++m_stats.writebacks_in_hits;
      trans.set_response_status(tlm::TLM_OK_RESPONSE);
      return;
    }
    if (!l.valid && invalid_way < 0) invalid_way = static_cast<int>(w);
  }
  ++m_stats.writebacks_in_misses;
  if (!m_params.writeback_allocate) return next->b_transport(trans, delay);  // passed on
  // Allocated dirty, without a fill: the whole line is written.
  const unsigned way =
      invalid_way >= 0 ? static_cast<unsigned>(invalid_way) : m_repl.victim(set_index);
  Line& victim = set[way];
  if (victim.valid) evict(victim);
  victim = Line{line_addr, 0, true, true, true};  // the core above owned it
  m_repl.fill(set_index, way);
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

void Cache::access(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  AccessExt* ext = trans.get_extension<AccessExt>();
  const arch::MemType type = ext ? ext->mem_type : arch::MemType::kNormalWriteBack;
  if (type != arch::MemType::kNormalWriteBack) return uncached(trans, delay, ext, type);
  const Requester who = ext ? ext->requester : Requester::kCpu;
  const bool is_write = trans.is_write();
  const uint64_t first = trans.get_address() >> m_line_shift;
  const uint64_t last = (trans.get_address() + trans.get_data_length() - 1) >> m_line_shift;
  // The bytes themselves are always in the backing store (see header). In
  // DRAM nothing refuses them; elsewhere a line becomes dirty only once the
  // target took them: a store a read-only target (ROM) refuses leaves the
  // cached copy clean and unchanged.
  LineUse use = LineUse::kRead;
  bool direct = true;  // known for writes only: reads cannot be refused
  if (is_write) {
    if (ext && ext->writeback) return writeback_in(trans, delay);
    direct = in_store(trans);
    use = direct ? LineUse::kWriteDirty : LineUse::kWrite;
  }
  delay += m_hit_latency;
  bool all_hit = true;
  if (m_lookup_hit_lines) {
    const LineOutcome o = access_whole(first, last, use, who, delay, ext);
    if (o == LineOutcome::kFillError) {
      trans.set_response_status(m_fill_error);
      return;
    }
    all_hit = o == LineOutcome::kHit;
    if (!all_hit || m_missed_fills) note_miss(ext);
  } else {
    for (uint64_t line = first; line <= last; ++line) {
      const LineOutcome o = access_line(line, use, who, delay);
      if (o == LineOutcome::kFillError) {
        trans.set_response_status(m_fill_error);
        return;
      }
      all_hit &= o == LineOutcome::kHit;
    }
    if (!all_hit) note_miss(ext);
  }
  if (ext) ext->cache_hit = all_hit;
  if (!(is_write ? move_bytes(trans, direct) : move_bytes(trans))) {
    if (is_write) ++m_stats.refused_writes;
    trans.set_response_status(is_write ? tlm::TLM_COMMAND_ERROR_RESPONSE
                                       : tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  if (is_write && !direct)
    for (uint64_t line = first; line <= last; ++line)
      mark_dirty(line);
}

void Cache::uncached(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay, AccessExt* ext,
                     arch::MemType type) {
  if (type == arch::MemType::kNormalWriteThrough) return write_through(trans, delay, ext);
  ++m_stats.bypassed;
  if (arch::is_device(type) && ext) {
    // Device memory: never part of an unaligned access (the parts of a
    // split access look aligned on their own), and never before every
    // older access of the initiator has completed.
    if (ext->unaligned) {
      ++m_stats.device_alignment_faults;
      ext->fault.kind = arch::FaultKind::kAlignment;
      ext->fault.level = -1;
      trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
      return;
    }
    if (ext->older_done > m_clock.at(delay).count()) {
      ++m_stats.device_waits;
      delay = m_clock.delay_until(Cycles(ext->older_done));
    }
    ++m_stats.device_accesses;
  }
  next->b_transport(trans, delay);
}

void Cache::write_through(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay,
                          AccessExt* ext) {
  const Requester who = ext ? ext->requester : Requester::kCpu;
  const uint64_t first = trans.get_address() >> m_line_shift;
  const uint64_t last = (trans.get_address() + trans.get_data_length() - 1) >> m_line_shift;
  delay += m_hit_latency;
  bool all_hit = true;
  if (trans.is_read() || m_params.write_through_allocate) {
    // Reads allocate (and so do writes when configured); lines stay clean.
    for (uint64_t line = first; line <= last; ++line) {
      const LineOutcome o =
          access_line(line, trans.is_write() ? LineUse::kWrite : LineUse::kRead, who, delay);
      if (o == LineOutcome::kFillError) {
        trans.set_response_status(m_fill_error);
        return;
      }
      all_hit &= o == LineOutcome::kHit;
    }
    if (!all_hit) note_miss(ext);
    if (trans.is_read()) {
      if (ext) ext->cache_hit = all_hit;
      if (!move_bytes(trans)) trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return;
    }
  } else {
    // No write-allocate: a write updates the lines it finds and misses the others.
    for (uint64_t line = first; line <= last; ++line) {
      const bool hit = touch(line);
      all_hit &= hit;
      CacheRequesterStats& r = m_stats.by_requester[static_cast<int>(who)];
      ++(hit ? r.hits : r.misses);
      ++(hit ? m_stats.write_hits : m_stats.write_misses);
    }
  }
  if (ext) ext->cache_hit = all_hit;
  // Every write goes through to the target, which takes (or refuses) the bytes.
  ++m_stats.write_throughs;
  next->b_transport(trans, delay);
}

bool Cache::in_store(const tlm::tlm_generic_payload& trans) const {
  return m_store && trans.get_byte_enable_ptr() == nullptr &&
         m_store->contains(trans.get_address() - m_store_base, trans.get_data_length());
}

bool Cache::move_bytes(tlm::tlm_generic_payload& trans) {
  return move_bytes(trans, in_store(trans));
}

bool Cache::move_bytes(tlm::tlm_generic_payload& trans, bool direct) {
  const uint64_t offset = trans.get_address() - m_store_base;
  const unsigned len = trans.get_data_length();
  if (direct) {
    if (trans.is_read())
      m_store->read(offset, trans.get_data_ptr(), len);
    else
      m_store->write(offset, trans.get_data_ptr(), len);
    trans.set_response_status(tlm::TLM_OK_RESPONSE);  // as the target would
    return true;
  }
  if (next->transport_dbg(trans) != len) return false;
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
  return true;
}

unsigned int Cache::transport_dbg(int, tlm::tlm_generic_payload& trans) {
  return next->transport_dbg(trans);
}

void Cache::register_stats(stats::Group& g) const {
  const CacheStats& s = m_stats;
  g.add(
      "hits", [&s] { return s.hits(); }, "lines",
      "line lookups that hit (an access spanning two lines looks up two)");
  g.add(
      "misses", [&s] { return s.misses(); }, "lines", "line lookups that missed");
  g.add("read_hits", s.read_hits, "lines", "read line lookups that hit");
  g.add("read_misses", s.read_misses, "lines", "read line lookups that missed");
  g.add("write_hits", s.write_hits, "lines", "write line lookups that hit");
  g.add("write_misses", s.write_misses, "lines", "write line lookups that missed");
  g.add("writebacks", s.writebacks, "lines", "dirty victims written back");
  g.add("bypassed", s.bypassed, "accesses",
        "Device and non-cacheable accesses sent straight to the bus");
  g.add("write_throughs", s.write_throughs, "accesses",
        "writes to Normal write-through memory (each one bus write)");
  g.add("refused_writes", s.refused_writes, "accesses",
        "cached (write-back) stores the target refused (ROM): the line stays clean");
  g.add("device_accesses", s.device_accesses, "accesses",
        "Device accesses sent to the bus (one transaction each)");
  g.add("device_waits", s.device_waits, "accesses",
        "Device accesses that waited for older accesses to complete");
  g.add("device_alignment_faults", s.device_alignment_faults, "accesses",
        "Device parts of unaligned accesses, refused with an alignment fault before the bus");
  g.add("hits_under_miss", s.hits_under_miss, "lines",
        "hits on a line whose fill was still in flight (merged into the miss)");
  g.add("mshr_full_stalls", s.mshr_full_stalls, "misses", "misses that waited for a free MSHR");
  g.add("mshr_stall_cycles", s.mshr_stall_cycles, "cycles", "time those misses waited");
  if (m_missed_bit != 0) {  // a level below the L1s
    g.add("writebacks_in_hits", s.writebacks_in_hits, "lines",
          "write-backs from the caches above that found the line (marked dirty)");
    g.add("writebacks_in_misses", s.writebacks_in_misses, "lines",
          "write-backs from the caches above that missed (allocated dirty without a fill, or "
          "passed on without writeback_allocate)");
    g.add("back_invalidations", s.back_invalidations, "lines",
          "lines of the caches above invalidated by this inclusive cache's evictions");
  }
  static const char* kWho[] = {"cpu", "walker", "kernel"};
  stats::Group& by = g.child("by_requester");
  for (int i = 0; i < 3; ++i) {
    stats::Group& who = by.child(kWho[i]);
    who.add("hits", s.by_requester[i].hits, "lines",
            std::string("line lookups by the ") + kWho[i] + " that hit");
    who.add("misses", s.by_requester[i].misses, "lines",
            std::string("line lookups by the ") + kWho[i] + " that missed");
  }
}

CacheParams CacheParams::read(const util::ConfigNode& n, const CacheParams& d, bool data) {
  CacheParams p = d;
  p.size_bytes = n.get_uint("size", d.size_bytes, 64, 1ull << 30, "capacity in bytes");
  p.ways = static_cast<unsigned>(n.get_uint("ways", d.ways, 1, 1024, "associativity"));
  p.line_bytes =
      static_cast<unsigned>(n.get_uint("line_bytes", d.line_bytes, 8, 4096, "line size"));
  p.hit_latency_cycles = n.get_uint("hit_latency_cycles", d.hit_latency_cycles, 0,
                                    kMaxLatencyCycles, "lookup latency (paid by hits and misses)");
  p.replacement =
      util::get_enum(n, "replacement", d.replacement, kReplPolicyNames, "replacement policy");
  p.mshrs = static_cast<unsigned>(n.get_uint(
      "mshrs", d.mshrs, 1, 4096, "line fills in flight; hits on a line being filled wait"));
  if (data)
    p.write_through_allocate = n.get_bool(
        "write_through_allocate", d.write_through_allocate,
        "Normal write-through memory: a write miss allocates the line before writing through");
  return p;
}

CacheParams CacheParams::read_lower(const util::ConfigNode& n, const CacheParams& d, bool shared) {
  CacheParams p = read(n, d, false);
  p.inclusive = n.get_bool("inclusive", d.inclusive,
                           shared ? "an eviction invalidates the line in every L1 and L2"
                                  : "an eviction invalidates the line in the L1I and L1D");
  if (shared) {
    p.lookup_l1_hit_lines = n.get_bool(
        "lookup_l1_hit_lines", d.lookup_l1_hit_lines,
        "an access that misses the L1 in some line looks up each of its lines here, those that hit "
        "the L1 too, and counts one LLC miss if any of them misses (cachegrind's LL; not with "
        "l2.enable)");
    p.writeback_allocate = n.get_bool(
        "writeback_allocate", d.writeback_allocate,
        "a write-back from above that misses allocates the line (else it passes on to the bus "
        "and a hit leaves the replacement state alone, as cachegrind's LL)");
  }
  return p;
}

}  // namespace mmusim
