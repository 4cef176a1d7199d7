#include "model/rtl/tlb_lockstep.h"

#include <cinttypes>
#include <cstdio>
#include <stdexcept>

namespace mmusim::rtl {

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%" PRIx64, v);
  return buf;
}

namespace {

const char* ap_name(arch::Ap ap) {
  switch (ap) {
    case arch::Ap::kPrivRw:
      return "priv-rw";
    case arch::Ap::kRw:
      return "rw";
    case arch::Ap::kPrivRo:
      return "priv-ro";
    case arch::Ap::kRo:
      return "ro";
  }
  return "?";
}

}  // namespace

const char* entry_difference(const TlbEntry& a, const TlbEntry& b) {
  if (a.page_shift != b.page_shift) return "page size";
  if (a.base_va() != b.base_va()) return "VA";
  if (a.output != b.output) return "output address";
  if (a.level != b.level) return "level";
  if (a.global != b.global) return "global";
  if (a.asid != b.asid) return "ASID";
  if (a.attr_index != b.attr_index) return "AttrIndx";
  if (a.mem_type != b.mem_type) return "memory type";
  if (a.perm.ap != b.perm.ap || a.perm.pxn != b.perm.pxn || a.perm.uxn != b.perm.uxn)
    return "permissions";
  return nullptr;
}

std::string describe_entry(const TlbEntry& e) {
  const int size = page_size_index(e.page_shift);
  return std::string(page_size_name(static_cast<unsigned>(size))) + " va " + hex(e.base_va()) +
         " -> pa " + hex(e.output.value()) + " L" + std::to_string(e.level) + " asid " +
         std::to_string(e.asid.value()) + (e.global ? " global" : " nG") + " AttrIndx " +
         std::to_string(e.attr_index) + " " + std::string(arch::to_string(e.mem_type)) +
         " AP=" + ap_name(e.perm.ap) + (e.perm.pxn ? " pxn" : "") + (e.perm.uxn ? " uxn" : "");
}

std::string TlbOp::describe() const {
  switch (kind) {
    case Kind::kLookup:
      return "lookup va " + hex(va.value()) + " asid " + std::to_string(asid.value());
    case Kind::kFill:
      return "fill va " + hex(va.value()) + " with " + describe_entry(translation);
    case Kind::kInvVaAsid:
      return "tlbi va+asid va " + hex(va.value()) + " asid " + std::to_string(asid.value());
    case Kind::kInvVa:
      return "tlbi va va " + hex(va.value());
    case Kind::kInvAsid:
      return "tlbi asid " + std::to_string(asid.value());
    case Kind::kInvAll:
      return "tlbi all";
  }
  return "?";
}

TlbLockstep::TlbLockstep(Tlb& model, RtlTlb& rtl)
    : m_model(model),
      m_rtl(rtl),
      m_ways(model.params().ways),
      m_sets(model.params().entries / model.params().ways) {
  if (model.params().split)
    throw std::invalid_argument(model.name() +
                                ": the RTL TLB is unified; a split TLB cannot be compared");
}

unsigned TlbLockstep::way_of(const TlbEntry* e) const {
  return static_cast<unsigned>(static_cast<uint64_t>(e - m_base) % m_ways);
}

bool TlbLockstep::mismatch(const TlbOp& op, const std::string& what, const std::string& expected,
                           const std::string& actual) {
  m_report = "op " + std::to_string(m_compared) + " (" + op.describe() + "): " + what +
             " differs\n  expected (C++): " + expected + "\n  actual (RTL):   " + actual;
  return false;
}

bool TlbLockstep::step(const TlbOp& op) {
  if (failed()) return false;
  switch (op.kind) {
    case TlbOp::Kind::kLookup: {
      ++m_lookups;
      const TlbEntry* e = m_model.lookup(op.va, op.asid);
      const RtlTlbLookup r = m_rtl.lookup(op.va, op.asid);
      if ((e != nullptr) != r.hit)
        return mismatch(op, "hit/miss", e ? "hit " + describe_entry(*e) : "miss",
                        r.hit ? "hit " + describe_entry(r.entry) : "miss");
      if (!e) break;
      if (e->translate(op.va) != r.pa)
        return mismatch(op, "physical address", hex(e->translate(op.va).value()),
                        hex(r.pa.value()));
      if (const char* field = entry_difference(*e, r.entry))
        return mismatch(op, std::string("entry ") + field, describe_entry(*e),
                        describe_entry(r.entry));
      if (way_of(e) != r.way)
        return mismatch(op, "hit way", "way " + std::to_string(way_of(e)),
                        "way " + std::to_string(r.way));
      break;
    }
    case TlbOp::Kind::kFill: {
      const Tlb::InsertResult res = m_model.insert(op.translation, op.va);
      const RtlTlbFill r = m_rtl.fill(op.va, op.translation);
      if (!m_base) {
        const unsigned set = static_cast<unsigned>(res.installed->vpn & (m_sets - 1));
        m_base = res.installed - size_t{set} * m_ways;
      }
      const unsigned way = way_of(res.installed);
      if (way != r.way || res.evicted_valid != r.evicted) {
        auto outcome = [](unsigned w, bool evicted) {
          return "way " + std::to_string(w) + (evicted ? " (evicting a valid entry)" : "");
        };
        return mismatch(op, "fill way", outcome(way, res.evicted_valid), outcome(r.way, r.evicted));
      }
      break;
    }
    case TlbOp::Kind::kInvVaAsid:
      m_model.invalidate_va_asid(op.va, op.asid);
      m_rtl.invalidate(TlbInvKind::kVaAsid, op.va, op.asid);
      break;
    case TlbOp::Kind::kInvVa:
      m_model.invalidate_va(op.va);
      m_rtl.invalidate(TlbInvKind::kVa, op.va, op.asid);
      break;
    case TlbOp::Kind::kInvAsid:
      m_model.invalidate_asid(op.asid);
      m_rtl.invalidate(TlbInvKind::kAsid, op.va, op.asid);
      break;
    case TlbOp::Kind::kInvAll:
      m_model.invalidate_all();
      m_rtl.invalidate(TlbInvKind::kAll, op.va, op.asid);
      break;
  }
  ++m_compared;
  return true;
}

bool TlbLockstep::run(const std::vector<TlbOp>& ops) {
  for (const TlbOp& op : ops)
    if (!step(op)) return false;
  return true;
}

}  // namespace mmusim::rtl
