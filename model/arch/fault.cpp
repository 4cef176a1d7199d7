#include "model/arch/fault.h"

#include <cstdio>

namespace mmusim::arch {

std::string_view to_string(AccessKind k) {
  switch (k) {
    case AccessKind::kRead:
      return "read";
    case AccessKind::kWrite:
      return "write";
    case AccessKind::kFetch:
      return "fetch";
  }
  return "?";
}

std::string_view to_string(FaultKind k) {
  switch (k) {
    case FaultKind::kNone:
      return "none";
    case FaultKind::kAddressSize:
      return "address-size";
    case FaultKind::kTranslation:
      return "translation";
    case FaultKind::kAccessFlag:
      return "access-flag";
    case FaultKind::kPermission:
      return "permission";
    case FaultKind::kAlignment:
      return "alignment";
    case FaultKind::kExternal:
      return "external-abort";
  }
  return "?";
}

uint8_t FaultSyndrome::fault_status_code() const {
  const uint8_t lvl = static_cast<uint8_t>(level < 0 ? 0 : level & 3);
  switch (kind) {
    case FaultKind::kAddressSize:
      return fsc::kAddressSizeL0 + lvl;
    case FaultKind::kTranslation:
      return fsc::kTranslationL0 + lvl;
    case FaultKind::kAccessFlag:
      return fsc::kAccessFlagL0 + lvl;
    case FaultKind::kPermission:
      return fsc::kPermissionL0 + lvl;
    case FaultKind::kAlignment:
      return fsc::kAlignment;
    case FaultKind::kExternal:
      return level < 0 ? fsc::kExternal : fsc::kExternalWalkL0 + lvl;
    case FaultKind::kNone:
      break;
  }
  return 0;
}

uint64_t FaultSyndrome::esr() const {
  if (kind == FaultKind::kNone) return 0;
  const bool lower = el == ExceptionLevel::kEl0;
  uint64_t ec;
  if (access == AccessKind::kFetch)
    ec = lower ? ec::kInstrAbortLowerEl : ec::kInstrAbortSameEl;
  else
    ec = lower ? ec::kDataAbortLowerEl : ec::kDataAbortSameEl;
  uint64_t esr = (ec << kEsrEcShift) | (uint64_t{1} << kEsrIlBit) | fault_status_code();
  if (access == AccessKind::kWrite) esr |= uint64_t{1} << kEsrWnrBit;
  return esr;
}

std::string FaultSyndrome::describe() const {
  char buf[128];
  std::snprintf(buf, sizeof buf, "%s fault, level %d, %s at 0x%llx (ESR 0x%llx)",
                std::string(to_string(kind)).c_str(), level, std::string(to_string(access)).c_str(),
                static_cast<unsigned long long>(va.value()),
                static_cast<unsigned long long>(esr()));
  return buf;
}

}  // namespace mmusim::arch
