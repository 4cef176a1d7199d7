// MAIR_EL1 attribute decoding (Arm ARM D8.5.2 / D17.2 "MAIR_EL1"): each of the
// eight attribute bytes selects Device memory (with its Gathering, Reordering
// and Early-write-acknowledgement properties) or Normal memory (inner and
// outer cacheability with allocation hints).
#pragma once

#include <cstdint>
#include <string_view>

namespace mmusim::arch {

enum class MemType : uint8_t {
  kNormalWriteBack,
  kNormalWriteThrough,
  kNormalNonCacheable,
  kDeviceNGnRnE,
  kDeviceNGnRE,
  kDeviceNGRE,
  kDeviceGRE,
};

constexpr bool is_device(MemType t) {
  return t >= MemType::kDeviceNGnRnE;
}
std::string_view to_string(MemType t);

enum class Cacheability : uint8_t { kNonCacheable, kWriteThrough, kWriteBack };

// One decoded attribute byte. For Normal memory `inner` and `outer` are
// decoded separately; `type` is the inner attribute, which is what the
// modelled L1 honours.
struct MemAttr {
  MemType type = MemType::kDeviceNGnRnE;
  Cacheability inner = Cacheability::kNonCacheable;
  Cacheability outer = Cacheability::kNonCacheable;
  bool inner_read_allocate = false;
  bool inner_write_allocate = false;
  bool inner_transient = false;
  bool tagged = false;  // 0xf0: Tagged Normal (FEAT_MTE2)
  // False for encodings the architecture calls UNPREDICTABLE or reserved
  // (Device with attr[1:0] != 0, Normal other than 0xf0 with a 0b0000
  // inner half).
  bool well_formed = true;
};

// Decodes one MAIR attribute byte.
MemAttr decode_mair_attr(uint8_t attr);

// The attribute byte selected by AttrIndx.
constexpr uint8_t mair_attr(uint64_t mair, unsigned attr_index) {
  return static_cast<uint8_t>(mair >> (8 * (attr_index & 7)));
}

// The MAIR_EL1 value the kernel layer programs, following Linux arm64
// (arch/arm64/include/asm/memory.h MT_* indices) plus three more types so
// that every memory type is reachable:
//   0 Normal WB RA/WA (0xff)   1 Normal tagged (0xf0)  2 Normal NC (0x44)
//   3 Device nGnRnE (0x00)     4 Device nGnRE (0x04)   5 Device nGRE (0x08)
//   6 Device GRE (0x0c)        7 Normal WT RA (0xaa)
constexpr uint64_t kLinuxMair = 0xaa0c08040044f0ffull;
namespace mt {
constexpr uint8_t kNormal = 0;
constexpr uint8_t kNormalTagged = 1;
constexpr uint8_t kNormalNc = 2;
constexpr uint8_t kDeviceNGnRnE = 3;
constexpr uint8_t kDeviceNGnRE = 4;
constexpr uint8_t kDeviceNGRE = 5;
constexpr uint8_t kDeviceGRE = 6;
constexpr uint8_t kNormalWt = 7;
}  // namespace mt

}  // namespace mmusim::arch
