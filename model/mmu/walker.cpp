#include "model/mmu/walker.h"
#include "model/sim/histogram_stats.h"
#include "model/sim/latency.h"
#include "model/sim/report.h"

#include <stdexcept>
#include <string>

namespace mmusim {

using arch::DescType;
using arch::FaultKind;

PageTableWalker::PageTableWalker(sc_core::sc_module_name name, const WalkerParams& params,
                                 const Clock& clock)
    : sc_module(name),
      mem("mem"),
      m_params(params),
      m_clock(clock),
      m_step_latency(clock.to_time(Cycles(params.step_latency_cycles))),
      m_walk_cache_latency(clock.to_time(Cycles(params.walk_cache.hit_latency_cycles))),
      m_walk_cache(std::string(this->name()) + ".walk_cache", params.walk_cache),
      m_slot_free(params.max_concurrent_walks, 0) {
  if (params.max_concurrent_walks == 0)
    MMUSIM_REPORT_ERROR(report::kWalker,
                        std::string(this->name()) + ".max_concurrent_walks: must be at least 1");
  m_ext.requester = Requester::kWalker;
  m_ext.el = arch::ExceptionLevel::kEl1;
  m_ext.mem_type = params.walk_mem_type;
  m_trans.set_extension(&m_ext);
  m_trans.set_data_ptr(reinterpret_cast<unsigned char*>(&m_buffer));
  m_trans.set_data_length(sizeof m_buffer);
  m_trans.set_streaming_width(sizeof m_buffer);
  m_trans.set_byte_enable_ptr(nullptr);
  m_trans.set_dmi_allowed(false);
  m_trans.set_command(tlm::TLM_READ_COMMAND);
}

bool PageTableWalker::read_descriptor(PhysAddr pa, uint64_t& raw, sc_core::sc_time& delay) {
  m_trans.set_address(pa.value());
  m_trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  m_ext.cache_hit = false;
  m_ext.missed_below = 0;
  mem->b_transport(m_trans, delay);
  raw = m_buffer;  // little-endian host, little-endian descriptors
  // The level that served it: the entry level on a hit; else the first
  // level below that is present and did not miss; memory for reads that
  // bypass the caches.
  WalkerReadLevel served = WalkerReadLevel::kMemory;
  const arch::MemType t = m_ext.mem_type;
  if (t == arch::MemType::kNormalWriteBack || t == arch::MemType::kNormalWriteThrough) {
    if (m_ext.cache_hit)
      served = m_read_entry;
    else if (m_read_entry < WalkerReadLevel::kL2 && m_l2_present &&
             !(m_ext.missed_below & kMissedL2))
      served = WalkerReadLevel::kL2;
    else if (m_read_entry < WalkerReadLevel::kLlc && m_llc_present &&
             !(m_ext.missed_below & kMissedLlc))
      served = WalkerReadLevel::kLlc;
  }
  ++m_stats.descriptor_reads_served[static_cast<int>(served)];
  return m_trans.is_response_ok();
}

bool PageTableWalker::write_descriptor(PhysAddr pa, uint64_t raw, sc_core::sc_time& delay) {
  // The same path as descriptor reads. The read-modify-write is atomic: no
  // other agent runs between the read and this write in the model.
  m_buffer = raw;
  m_trans.set_command(tlm::TLM_WRITE_COMMAND);
  m_trans.set_address(pa.value());
  m_trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  mem->b_transport(m_trans, delay);
  m_trans.set_command(tlm::TLM_READ_COMMAND);
  return m_trans.is_response_ok();
}

WalkResult PageTableWalker::walk(VirtAddr va, PhysAddr ttbr, Asid asid,
                                 const arch::MemType mem_types_by_index[8], arch::AccessKind access,
                                 arch::ExceptionLevel el, sc_core::sc_time& delay) {
  WalkResult result;
  result.fault.va = va;
  result.fault.access = access;
  result.fault.el = el;
  ++m_stats.walks;
  uint64_t* slot = &m_slot_free[0];
  for (uint64_t& f : m_slot_free)
    if (f < *slot) slot = &f;
  const Cycles arrival = m_clock.at(delay);
  if (*slot > arrival.count()) {
    ++m_stats.slot_stalls;
    m_stats.slot_stall_cycles += *slot - arrival.count();
    delay = m_clock.delay_until(Cycles(*slot));
  }
  const sc_core::sc_time start = delay;

  PhysAddr table = ttbr.align_down(arch::kPageSize);
  arch::Permissions perm;
  arch::TableAttrs inherited;
  int first_level = arch::kFirstLevel;
  if (m_walk_cache.enabled()) {
    delay += m_walk_cache_latency;
    const WalkCache::Hit hit = m_walk_cache.lookup(va, asid);
    if (hit.level >= 0) {
      first_level = hit.level + 1;
      table = hit.next_table;
      inherited = hit.inherited;
    }
  }
  for (int level = first_level; level <= arch::kLastLevel; ++level) {
    delay += m_step_latency;
    const PhysAddr desc_pa = table + arch::table_index(va, level) * arch::kDescriptorBytes;
    uint64_t raw = 0;
    ++m_stats.descriptor_reads[level];
    if (!read_descriptor(desc_pa, raw, delay)) {
      result.fault.kind = FaultKind::kExternal;  // synchronous external abort on a walk
      result.fault.level = static_cast<int8_t>(level);
      break;
    }
    const arch::Descriptor desc(raw);
    const DescType type = desc.type(level);
    if (type == DescType::kInvalid) {
      result.fault.kind = FaultKind::kTranslation;
      result.fault.level = static_cast<int8_t>(level);
      break;
    }
    if (type == DescType::kTable) {
      const arch::TableAttrs t = desc.table_attrs();
      inherited.no_el0 |= t.no_el0;
      inherited.read_only |= t.read_only;
      inherited.pxn |= t.pxn;
      inherited.uxn |= t.uxn;
      table = desc.output_address();
      m_walk_cache.fill(va, asid, level, table, inherited);
      continue;
    }
    // Block or page: the leaf. D8.4: AF == 0 raises an Access flag fault,
    // unless hardware AF update is on (FEAT_HAFDBS), which sets it. A write
    // to a DBM=1 read-only descriptor clears AP[2] (hardware dirty state).
    arch::PageAttrs a = desc.page_attrs();
    uint64_t updated = raw;
    if (!a.af && m_params.hafdbs) {
      updated |= uint64_t{1} << arch::bit::kAf;
      ++m_stats.hw_af_updates;
    }
    const uint64_t ap2 = uint64_t{1} << (arch::bit::kAp + 1);
    if (m_params.hafdbs && access == arch::AccessKind::kWrite && a.dbm && (raw & ap2)) {
      updated &= ~ap2;
      ++m_stats.hw_dirty_updates;
    }
    if (updated != raw) {
      if (!write_descriptor(desc_pa, updated, delay)) {
        result.fault.kind = FaultKind::kExternal;
        result.fault.level = static_cast<int8_t>(level);
        break;
      }
      a = arch::Descriptor(updated).page_attrs();
    }
    if (!a.af) {
      result.fault.kind = FaultKind::kAccessFlag;
      result.fault.level = static_cast<int8_t>(level);
      break;
    }
    perm.ap = a.ap;
    perm.pxn = a.pxn;
    perm.uxn = a.uxn;
    TlbEntry& e = result.entry;
    // A level-3 page with the contiguous hint is one of 16 entries mapping
    // an aligned 64 KB region the TLB may hold as one (D8.6.1).
    e.page_shift = static_cast<uint8_t>(level == arch::kLastLevel && a.contiguous
                                            ? kPageShift[static_cast<int>(PageSize::k64K)]
                                            : arch::level_shift(level));
    e.vpn = va.value() >> e.page_shift;
    e.output = desc.output_address().align_down(uint64_t{1} << e.page_shift);
    ++m_stats.leaves_by_size[page_size_index(e.page_shift)];
    e.asid = asid;
    e.global = !a.ng;
    e.level = static_cast<int8_t>(level);
    e.attr_index = a.attr_index;
    e.mem_type = mem_types_by_index[a.attr_index];
    e.perm = arch::apply_table_attrs(perm, inherited);
    e.valid = true;
    break;
  }
  if (result.fault.is_fault()) ++m_stats.faults;
  result.latency = m_clock.to_cycles(delay - start);
  *slot = m_clock.at(delay).count();
  result.entry.ready = *slot;
  m_stats.latency.add(result.latency.count());
  return result;
}

void PageTableWalker::register_stats(stats::Group& g) const {
  const WalkerStats& s = m_stats;
  g.add("walks", s.walks, "walks", "page-table walks started");
  g.add("faults", s.faults, "walks", "walks that ended in a fault");
  g.add("slot_stalls", s.slot_stalls, "walks",
        "walks that waited for one of max_concurrent_walks slots");
  g.add("slot_stall_cycles", s.slot_stall_cycles, "cycles", "time those walks waited");
  g.add("hw_af_updates", s.hw_af_updates, "descriptors",
        "FEAT_HAFDBS: access flags the walker set in memory");
  g.add("hw_dirty_updates", s.hw_dirty_updates, "descriptors",
        "FEAT_HAFDBS: DBM descriptors the walker made writable-dirty (AP[2] cleared)");
  stats::Group& reads = g.child("descriptor_reads");
  for (int l = 0; l < 4; ++l)
    reads.add("L" + std::to_string(l), s.descriptor_reads[l], "reads",
              "descriptor reads at lookup level " + std::to_string(l));
  static const char* kLevel[] = {"l1d", "l2", "llc", "memory"};
  stats::Group& served = g.child("descriptor_reads_served");
  for (int l = 0; l < 4; ++l)
    served.add(kLevel[l], s.descriptor_reads_served[l], "reads",
               std::string("descriptor reads served by the ") +
                   (l == 3 ? "bus (memory or a device)" : kLevel[l]) +
                   " (mmu.walker.through and the levels below it)");
  register_histogram(g.child("latency"), s.latency, "walks measured, once started");
  stats::Group& leaves = g.child("translations_by_page_size");
  for (unsigned i = 0; i < kPageSizes; ++i)
    leaves.add(
        page_size_name(i), s.leaves_by_size[i], "walks",
        std::string("successful walks to a ") + page_size_name(i) + " leaf (64K: contiguous hint)");
  m_walk_cache.register_stats(g.component("walk_cache"));
}

WalkerParams WalkerParams::read(const util::ConfigNode& n, const WalkerParams& d) {
  WalkerParams p = d;
  p.step_latency_cycles =
      n.get_uint("step_latency_cycles", d.step_latency_cycles, 0, kMaxLatencyCycles,
                 "per lookup level: descriptor decode and next-address computation");
  p.max_concurrent_walks =
      static_cast<unsigned>(n.get_uint("max_concurrent_walks", d.max_concurrent_walks, 1, 1024,
                                       "walks in flight at once; another waits for a free slot"));
  p.walk_cache = WalkCacheParams::read(n.child("walk_cache"), d.walk_cache);
  p.hafdbs = n.get_bool(
      "hafdbs", d.hafdbs,
      "FEAT_HAFDBS: the walker sets the access flag and clears AP[2] of DBM descriptors on "
      "writes (false: the kernel takes access-flag and write faults)");
  return p;
}

}  // namespace mmusim
