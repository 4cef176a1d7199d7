// Stage-1 fault syndromes, encoded as ESR_ELx (Arm ARM D17.2 "ESR_EL1";
// ISS encodings for Instruction and Data Aborts).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "model/arch/types.h"

namespace mmusim::arch {

enum class AccessKind : uint8_t { kRead, kWrite, kFetch };
enum class ExceptionLevel : uint8_t { kEl0, kEl1 };

std::string_view to_string(AccessKind k);

enum class FaultKind : uint8_t {
  kNone,
  kAddressSize,  // VA outside the 48-bit TTBR0 range
  kTranslation,
  kAccessFlag,
  kPermission,
  kAlignment,
  kExternal,  // synchronous external abort: a bus error on the access or on a walk
};

std::string_view to_string(FaultKind k);

// Fault status codes (DFSC/IFSC, ISS[5:0]).
namespace fsc {
constexpr uint8_t kAddressSizeL0 = 0b000000;   // + level
constexpr uint8_t kTranslationL0 = 0b000100;   // + level
constexpr uint8_t kAccessFlagL0 = 0b001000;    // + level
constexpr uint8_t kPermissionL0 = 0b001100;    // + level
constexpr uint8_t kExternal = 0b010000;        // not on a walk
constexpr uint8_t kExternalWalkL0 = 0b010100;  // + level
constexpr uint8_t kAlignment = 0b100001;
}  // namespace fsc

// Exception classes (ESR_ELx.EC, bits [31:26]).
namespace ec {
constexpr uint8_t kInstrAbortLowerEl = 0x20;
constexpr uint8_t kInstrAbortSameEl = 0x21;
constexpr uint8_t kDataAbortLowerEl = 0x24;
constexpr uint8_t kDataAbortSameEl = 0x25;
}  // namespace ec

struct FaultSyndrome {
  FaultKind kind = FaultKind::kNone;
  int8_t level = -1;  // lookup level, -1 where the fault is not tied to one
  AccessKind access = AccessKind::kRead;
  ExceptionLevel el = ExceptionLevel::kEl0;
  VirtAddr va;

  bool is_fault() const { return kind != FaultKind::kNone; }
  uint8_t fault_status_code() const;
  // ESR_EL1 as the kernel would read it: EC, IL=1, ISS with WnR and DFSC/IFSC.
  uint64_t esr() const;
  // "translation fault, level 3, write at 0x..." for transcripts and logs.
  std::string describe() const;
};

// ESR field positions.
constexpr unsigned kEsrEcShift = 26;
constexpr unsigned kEsrIlBit = 25;
constexpr unsigned kEsrWnrBit = 6;

}  // namespace mmusim::arch
