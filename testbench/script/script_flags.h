// Flag words of syscall scripts (docs/syscall-script.md, "Lines and
// words"), with their Linux values (include/uapi/asm-generic/mman-common.h,
// mman.h, fcntl.h). Kept here rather than taken from sw/abi.h so that the
// Linux replayer can use the parser without the kernel layer.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace mmusim::script {

enum class FlagFamily : uint8_t {
  kProt,    // PROT_*: bitmask
  kMap,     // MAP_*: bitmask
  kMremap,  // MREMAP_*: bitmask
  kMadv,    // MADV_*: one value
  kMs,      // MS_*: bitmask
  kOpen,    // O_*: one value
  kMt,      // MT_*: one memory type (MAIR index), optionally | MT_ONFAULT (iomap)
};

// MT_ONFAULT: an iomap whose entries the driver inserts on first touch.
constexpr int kMtOnFault = 0x100;

// "PROT" for kProt, ... (the prefix the family's words start with, less '_').
std::string_view family_name(FlagFamily family);

// True when several words of the family may be joined with '|'.
bool is_bitmask(FlagFamily family);

// The value of one flag word of `family`; nullopt when the word is not one
// of its names (including names of other families).
std::optional<int> flag_value(FlagFamily family, std::string_view word);

}  // namespace mmusim::script
