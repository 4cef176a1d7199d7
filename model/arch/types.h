// Strong types used at every API boundary of mmusim: addresses, ASIDs and
// cycle counts are never bare integers whose meaning the reader must guess.
#pragma once

#include <cstdint>
#include <functional>

namespace mmusim {

// A 64-bit value with a tag so that a VirtAddr cannot be passed where a
// PhysAddr is expected. Arithmetic with plain offsets is allowed; mixing two
// different tags is not.
template <typename Tag>
class Address {
 public:
  constexpr Address() = default;
  constexpr explicit Address(uint64_t value) : m_value(value) {}
  constexpr uint64_t value() const { return m_value; }

  constexpr Address operator+(uint64_t offset) const { return Address(m_value + offset); }
  constexpr Address operator-(uint64_t offset) const { return Address(m_value - offset); }
  constexpr uint64_t operator-(Address other) const { return m_value - other.m_value; }
  constexpr Address& operator+=(uint64_t offset) {
    m_value += offset;
    return *this;
  }
  constexpr bool operator==(Address o) const { return m_value == o.m_value; }
  constexpr bool operator!=(Address o) const { return m_value != o.m_value; }
  constexpr bool operator<(Address o) const { return m_value < o.m_value; }
  constexpr bool operator<=(Address o) const { return m_value <= o.m_value; }
  constexpr bool operator>(Address o) const { return m_value > o.m_value; }
  constexpr bool operator>=(Address o) const { return m_value >= o.m_value; }

  // Aligns down to a power-of-two boundary.
  constexpr Address align_down(uint64_t alignment) const {
    return Address(m_value & ~(alignment - 1));
  }
  constexpr uint64_t offset_in(uint64_t alignment) const { return m_value & (alignment - 1); }

 private:
  uint64_t m_value = 0;
};

struct VirtTag {};
struct PhysTag {};
using VirtAddr = Address<VirtTag>;
using PhysAddr = Address<PhysTag>;

// Address-space identifier (TTBR0_EL1.ASID, 16 bits with TCR_EL1.AS=1).
class Asid {
 public:
  constexpr Asid() = default;
  constexpr explicit Asid(uint16_t value) : m_value(value) {}
  constexpr uint16_t value() const { return m_value; }
  constexpr bool operator==(Asid o) const { return m_value == o.m_value; }
  constexpr bool operator!=(Asid o) const { return m_value != o.m_value; }

 private:
  uint16_t m_value = 0;
};

// A count of core clock cycles. Simulated time is kept in cycles inside
// components and converted to sc_time in one place (model/sim/clock.h).
class Cycles {
 public:
  constexpr Cycles() = default;
  constexpr explicit Cycles(uint64_t count) : m_count(count) {}
  constexpr uint64_t count() const { return m_count; }
  constexpr Cycles operator+(Cycles o) const { return Cycles(m_count + o.m_count); }
  constexpr Cycles operator-(Cycles o) const { return Cycles(m_count - o.m_count); }
  constexpr Cycles operator*(uint64_t n) const { return Cycles(m_count * n); }
  constexpr Cycles& operator+=(Cycles o) {
    m_count += o.m_count;
    return *this;
  }
  constexpr bool operator==(Cycles o) const { return m_count == o.m_count; }
  constexpr bool operator!=(Cycles o) const { return m_count != o.m_count; }
  constexpr bool operator<(Cycles o) const { return m_count < o.m_count; }
  constexpr bool operator>(Cycles o) const { return m_count > o.m_count; }

 private:
  uint64_t m_count = 0;
};

}  // namespace mmusim

template <typename Tag>
struct std::hash<mmusim::Address<Tag>> {
  size_t operator()(mmusim::Address<Tag> a) const noexcept {
    return std::hash<uint64_t>()(a.value());
  }
};
