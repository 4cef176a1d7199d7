#include "model/rtl/ptw_lockstep.h"

#include <cstring>

#include "model/arch/memattr.h"
#include "model/arch/permissions.h"
#include "model/rtl/tlb_lockstep.h"

namespace mmusim::rtl {

DescriptorMemoryTarget::DescriptorMemoryTarget(sc_core::sc_module_name name, DescriptorMemory& mem)
    : sc_module(name), socket("socket"), m_mem(mem) {
  socket.register_b_transport(this, &DescriptorMemoryTarget::b_transport);
}

void DescriptorMemoryTarget::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time&) {
  const PhysAddr pa(trans.get_address());
  if (trans.get_data_length() != 8 || pa.offset_in(8) != 0 || m_mem.is_error(pa)) {
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  uint64_t v = m_mem.read(pa);
  if (trans.is_read()) {
    std::memcpy(trans.get_data_ptr(), &v, sizeof v);
  } else {
    std::memcpy(&v, trans.get_data_ptr(), sizeof v);
    m_mem.write(pa, v);
  }
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

namespace {

constexpr uint64_t kAfBit = uint64_t{1} << arch::bit::kAf;

std::string describe_outcome(bool entry_valid, const TlbEntry& e, arch::FaultKind fault, int level,
                             uint64_t esr) {
  std::string s;
  if (entry_valid) s = "translation " + describe_entry(e) + ", ";
  if (fault == arch::FaultKind::kNone) return s + "no fault";
  return s + std::string(arch::to_string(fault)) + " fault at level " + std::to_string(level) +
         " (ESR " + hex(esr) + ")";
}

}  // namespace

std::string describe_walk(const RtlWalkRequest& req) {
  return std::string(arch::to_string(req.access)) + " at EL" +
         (req.el == arch::ExceptionLevel::kEl0 ? "0" : "1") + " of va " + hex(req.va.value()) +
         " asid " + std::to_string(req.asid.value()) + " (ttbr " + hex(req.ttbr.value()) + ")";
}

PtwLockstep::PtwLockstep(PageTableWalker& walker, RtlPtw& rtl, bool hw_af_update)
    : m_walker(walker), m_rtl(rtl), m_hw_af_update(hw_af_update) {
  if (walker.walk_cache().enabled())
    throw std::invalid_argument(std::string(walker.name()) +
                                ".walk_cache.mode: the walker lock-step needs it off");
}

bool PtwLockstep::mismatch(const RtlWalkRequest& req, const std::string& what,
                           const std::string& expected, const std::string& actual) {
  m_report = "walk " + std::to_string(m_compared) + " (" + describe_walk(req) + "): " + what +
             " differs\n  expected (C++): " + expected + "\n  actual (RTL):   " + actual;
  return false;
}

bool PtwLockstep::step(const RtlWalkRequest& req) {
  if (failed()) return false;
  // RTL first: with HwAfUpdate its write-back is what the C++ walker must then read.
  const RtlWalkResult r = m_rtl.walk(req);
  const auto& writes = m_rtl.writes();
  for (; m_writes_seen < writes.size(); ++m_writes_seen) {
    const RtlDescriptorWrite& w = writes[m_writes_seen];
    const bool af_update = m_hw_af_update && !(w.before & kAfBit) && w.after == (w.before | kAfBit);
    if (!af_update)
      return mismatch(req, "descriptor write at " + hex(w.pa.value()),
                      m_hw_af_update ? "only AF set in " + hex(w.before) : "no write",
                      "wrote " + hex(w.after) + " over " + hex(w.before));
  }

  arch::MemType types[8];
  for (unsigned i = 0; i < 8; ++i)
    types[i] = arch::decode_mair_attr(arch::mair_attr(req.mair, i)).type;
  sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
  WalkResult e = m_walker.walk(req.va, req.ttbr, req.asid, types, req.access, req.el, delay);
  const bool entry_valid = !e.fault.is_fault();
  if (entry_valid && !arch::permits(e.entry.perm, req.access, req.el)) {
    e.fault.kind = arch::FaultKind::kPermission;  // as Mmu::b_transport
    e.fault.level = e.entry.level;
  }
  const uint64_t esr = e.fault.esr();

  const std::string expected =
      describe_outcome(entry_valid, e.entry, e.fault.kind, e.fault.level, esr);
  const std::string actual = describe_outcome(r.entry_valid, r.entry, r.fault, r.level, r.esr);
  if (e.fault.kind != r.fault) return mismatch(req, "fault kind", expected, actual);
  if (e.fault.is_fault() && (e.fault.level != r.level || esr != r.esr))
    return mismatch(req, "fault syndrome", expected, actual);
  if (entry_valid != r.entry_valid) return mismatch(req, "translation", expected, actual);
  if (entry_valid)
    if (const char* field = entry_difference(e.entry, r.entry))
      return mismatch(req, std::string("entry ") + field, expected, actual);
  ++m_compared;
  return true;
}

}  // namespace mmusim::rtl
