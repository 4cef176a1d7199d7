// Lock-step checker of the RTL TLB against the C++ Tlb: both get the same stream of lookups,
// fills and invalidations, and the first operation whose outcome differs stops the run with a
// report naming the operation index, the operation, the expected (C++) and the actual (RTL)
// result.
//
// Compared: on a lookup hit/miss, the physical address, the entry hit (page size, level, ASID,
// global, AttrIndx, memory type, permissions) and the way it hit in; on a fill the way it went
// to and whether the replacement policy evicted a valid entry. The C++ way is recovered from
// the entry's position: the first fill into the empty TLB lands in way 0 of its set
// (Replacement contract: invalid ways are filled lowest first), which fixes the base of the
// bank's entry array. Only the unified organisation is comparable (the RTL has no split banks).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/mmu/tlb.h"
#include "model/rtl/rtl_tlb.h"

namespace mmusim::rtl {

struct TlbOp {
  enum class Kind : uint8_t { kLookup, kFill, kInvVaAsid, kInvVa, kInvAsid, kInvAll };
  Kind kind = Kind::kLookup;
  VirtAddr va;
  Asid asid;
  TlbEntry translation;  // kFill: what the walker produced (size, output, attributes)

  std::string describe() const;
};

class TlbLockstep {
 public:
  // Throws std::invalid_argument when `model` is not a unified TLB.
  TlbLockstep(Tlb& model, RtlTlb& rtl);

  // Applies `op` to both sides; false at the first difference (see report()). An RTL that
  // stops answering throws RtlStuck.
  bool step(const TlbOp& op);
  // Steps through `ops` until the first difference; true when all of them agreed.
  bool run(const std::vector<TlbOp>& ops);

  uint64_t compared() const { return m_compared; }
  uint64_t lookups() const { return m_lookups; }
  bool failed() const { return !m_report.empty(); }
  // Empty while both sides agree; else "op N (<op>): <what> expected <C++> actual <RTL>".
  const std::string& report() const { return m_report; }

 private:
  bool mismatch(const TlbOp& op, const std::string& what, const std::string& expected,
                const std::string& actual);
  // Way of an entry of the C++ TLB, from its position in the bank.
  unsigned way_of(const TlbEntry* e) const;

  Tlb& m_model;
  RtlTlb& m_rtl;
  unsigned m_ways;
  unsigned m_sets;
  const TlbEntry* m_base = nullptr;  // entry 0 of the C++ bank, known after the first fill
  uint64_t m_compared = 0;
  uint64_t m_lookups = 0;
  std::string m_report;
};

// The first field in which two translations differ ("page size", "output address", ...), or
// nullptr when they agree.
const char* entry_difference(const TlbEntry& a, const TlbEntry& b);
// "0x1f".
std::string hex(uint64_t v);
// "4K va 0x... -> pa 0x... L3 asid 5 nG AttrIndx 2 Normal-WB AP=rw pxn uxn", for reports.
std::string describe_entry(const TlbEntry& e);

}  // namespace mmusim::rtl
