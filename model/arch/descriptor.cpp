#include "model/arch/descriptor.h"

#include <stdexcept>
#include <string>

namespace mmusim::arch {

namespace {

constexpr uint64_t field(uint64_t value, unsigned shift) {
  return value << shift;
}

uint64_t encode_leaf_attrs(const PageAttrs& a) {
  if (a.attr_index > 7) throw std::invalid_argument("PageAttrs.attr_index must be 0-7");
  return field(a.attr_index, bit::kAttrIndx) | field(a.ns, bit::kNs) |
         field(static_cast<uint64_t>(a.ap), bit::kAp) |
         field(static_cast<uint64_t>(a.sh), bit::kSh) | field(a.af, bit::kAf) |
         field(a.ng, bit::kNg) | field(a.dbm, bit::kDbm) | field(a.contiguous, bit::kContiguous) |
         field(a.pxn, bit::kPxn) | field(a.uxn, bit::kUxn);
}

void check_aligned(PhysAddr pa, uint64_t alignment, const char* what) {
  if (pa.offset_in(alignment) != 0 || (pa.value() & ~kOutputAddressMask & ~(alignment - 1)))
    throw std::invalid_argument(std::string(what) +
                                ": output address not aligned or above 48 bits");
}

}  // namespace

bool PageAttrs::operator==(const PageAttrs& o) const {
  return attr_index == o.attr_index && ap == o.ap && sh == o.sh && ns == o.ns && af == o.af &&
         ng == o.ng && dbm == o.dbm && contiguous == o.contiguous && pxn == o.pxn && uxn == o.uxn;
}

Descriptor Descriptor::make_table(PhysAddr next_table, const TableAttrs& a) {
  check_aligned(next_table, kPageSize, "table descriptor");
  return Descriptor(next_table.value() | 0b11 | field(a.pxn, bit::kPxnTable) |
                    field(a.uxn, bit::kUxnTable) | field(a.no_el0, bit::kApTable) |
                    field(a.read_only, bit::kApTable + 1) | field(a.ns, bit::kNsTable));
}

Descriptor Descriptor::make_block(int level, PhysAddr output, const PageAttrs& attrs) {
  if (level != 1 && level != 2)
    throw std::invalid_argument("block descriptors exist only at levels 1 and 2 (4 KB granule)");
  check_aligned(output, level_size(level), "block descriptor");
  return Descriptor(output.value() | 0b01 | encode_leaf_attrs(attrs));
}

Descriptor Descriptor::make_page(PhysAddr output, const PageAttrs& attrs) {
  check_aligned(output, kPageSize, "page descriptor");
  return Descriptor(output.value() | 0b11 | encode_leaf_attrs(attrs));
}

DescType Descriptor::type(int level) const {
  if (!valid()) return DescType::kInvalid;
  const bool table_or_page = bit_at(bit::kTableOrPage);
  if (level == kLastLevel) return table_or_page ? DescType::kPage : DescType::kInvalid;
  if (table_or_page) return DescType::kTable;
  return level == 0 ? DescType::kInvalid : DescType::kBlock;
}

PageAttrs Descriptor::page_attrs() const {
  PageAttrs a;
  a.attr_index = static_cast<uint8_t>((m_raw >> bit::kAttrIndx) & 7);
  a.ns = bit_at(bit::kNs);
  a.ap = static_cast<Ap>((m_raw >> bit::kAp) & 3);
  a.sh = static_cast<Sh>((m_raw >> bit::kSh) & 3);
  a.af = bit_at(bit::kAf);
  a.ng = bit_at(bit::kNg);
  a.dbm = bit_at(bit::kDbm);
  a.contiguous = bit_at(bit::kContiguous);
  a.pxn = bit_at(bit::kPxn);
  a.uxn = bit_at(bit::kUxn);
  return a;
}

TableAttrs Descriptor::table_attrs() const {
  TableAttrs a;
  a.pxn = bit_at(bit::kPxnTable);
  a.uxn = bit_at(bit::kUxnTable);
  a.no_el0 = bit_at(bit::kApTable);
  a.read_only = bit_at(bit::kApTable + 1);
  a.ns = bit_at(bit::kNsTable);
  return a;
}

Descriptor Descriptor::with_ap(Ap ap) const {
  return Descriptor((m_raw & ~(uint64_t{3} << bit::kAp)) |
                    field(static_cast<uint64_t>(ap), bit::kAp));
}

}  // namespace mmusim::arch
