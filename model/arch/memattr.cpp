#include "model/arch/memattr.h"

namespace mmusim::arch {

namespace {

struct Half {
  Cacheability cacheability;
  bool read_allocate;
  bool write_allocate;
  bool transient;
  bool well_formed;
};

// Decodes one 4-bit half of a Normal attribute (MAIR_EL1 Attr<n>[7:4] or [3:0]).
Half decode_half(uint8_t h) {
  const bool r = h & 0b0010;
  const bool w = h & 0b0001;
  switch (h >> 2) {
    case 0b00:  // 0b0000 is not a Normal encoding; 0b00RW is write-through transient
      return {Cacheability::kWriteThrough, r, w, true, h != 0};
    case 0b01:  // 0b0100 non-cacheable; 0b01RW (RW != 00) write-back transient
      if ((h & 3) == 0) return {Cacheability::kNonCacheable, false, false, false, true};
      return {Cacheability::kWriteBack, r, w, true, true};
    case 0b10:
      return {Cacheability::kWriteThrough, r, w, false, true};
    default:
      return {Cacheability::kWriteBack, r, w, false, true};
  }
}

}  // namespace

MemAttr decode_mair_attr(uint8_t attr) {
  MemAttr out;
  if ((attr >> 4) == 0) {  // Device memory: 0b0000ddxx
    static constexpr MemType kDevice[] = {MemType::kDeviceNGnRnE, MemType::kDeviceNGnRE,
                                          MemType::kDeviceNGRE, MemType::kDeviceGRE};
    out.type = kDevice[(attr >> 2) & 3];
    out.well_formed = (attr & 3) == 0;
    return out;
  }
  if (attr == 0xf0) {
    // FEAT_MTE2 Tagged Normal memory: inner and outer write-back, read- and
    // write-allocate, non-transient (Linux's MT_NORMAL_TAGGED).
    out.type = MemType::kNormalWriteBack;
    out.inner = out.outer = Cacheability::kWriteBack;
    out.inner_read_allocate = out.inner_write_allocate = true;
    out.tagged = true;
    return out;
  }
  const Half outer = decode_half(attr >> 4);
  const Half inner = decode_half(attr & 0xf);
  out.inner = inner.cacheability;
  out.outer = outer.cacheability;
  out.inner_read_allocate = inner.read_allocate;
  out.inner_write_allocate = inner.write_allocate;
  out.inner_transient = inner.transient;
  out.well_formed = inner.well_formed && outer.well_formed;
  switch (inner.cacheability) {
    case Cacheability::kWriteBack:
      out.type = MemType::kNormalWriteBack;
      break;
    case Cacheability::kWriteThrough:
      out.type = MemType::kNormalWriteThrough;
      break;
    case Cacheability::kNonCacheable:
      out.type = MemType::kNormalNonCacheable;
      break;
  }
  return out;
}

std::string_view to_string(MemType t) {
  switch (t) {
    case MemType::kNormalWriteBack:
      return "Normal-WB";
    case MemType::kNormalWriteThrough:
      return "Normal-WT";
    case MemType::kNormalNonCacheable:
      return "Normal-NC";
    case MemType::kDeviceNGnRnE:
      return "Device-nGnRnE";
    case MemType::kDeviceNGnRE:
      return "Device-nGnRE";
    case MemType::kDeviceNGRE:
      return "Device-nGRE";
    case MemType::kDeviceGRE:
      return "Device-GRE";
  }
  return "?";
}

}  // namespace mmusim::arch
