#include "model/sim/replacement.h"

#include <stdexcept>
#include <string>

namespace mmusim {

namespace {
constexpr uint64_t kSrripMax = 3;
constexpr uint64_t kSrripInsert = 2;
bool is_pow2(unsigned v) {
  return v != 0 && (v & (v - 1)) == 0;
}
}  // namespace

std::string_view to_string(ReplPolicy p) {
  return util::name_of(kReplPolicyNames, p);
}

std::optional<ReplPolicy> repl_policy_from_name(std::string_view name) {
  return util::from_name(kReplPolicyNames, name);
}

std::string_view repl_policy_names() {
  return "lru | tree-plru | fifo | random | srrip";
}

Replacement::Replacement(ReplPolicy policy, unsigned sets, unsigned ways, uint64_t seed,
                         std::string_view name)
    : m_policy(policy), m_ways(ways), m_state(uint64_t{sets} * ways, 0), m_rng(seed | 1) {
  if (policy == ReplPolicy::kTreePlru && !is_pow2(ways))
    throw std::invalid_argument(std::string(name) +
                                ": tree-plru needs a power-of-two number of ways");
  if (policy == ReplPolicy::kSrrip)
    for (uint64_t& s : m_state)
      s = kSrripMax;
}

void Replacement::plru_point_away(unsigned set, unsigned way) {
  // Walk from the leaf up: node = (ways + way) / 2 at the lowest level.
  unsigned node = m_ways + way;
  while (node > 1) {
    const bool came_from_right = node & 1;
    node >>= 1;
    slot(set, node) = came_from_right ? 0 : 1;  // point to the other subtree
  }
}

void Replacement::touch_other(unsigned set, unsigned way) {
  switch (m_policy) {
    case ReplPolicy::kLru:
      slot(set, way) = ++m_stamp;
      break;
    case ReplPolicy::kTreePlru:
      plru_point_away(set, way);
      break;
    case ReplPolicy::kSrrip:
      slot(set, way) = 0;
      break;
    case ReplPolicy::kFifo:
    case ReplPolicy::kRandom:
      break;
  }
}

void Replacement::fill(unsigned set, unsigned way) {
  switch (m_policy) {
    case ReplPolicy::kLru:
    case ReplPolicy::kFifo:
      slot(set, way) = ++m_stamp;
      break;
    case ReplPolicy::kTreePlru:
      plru_point_away(set, way);
      break;
    case ReplPolicy::kSrrip:
      slot(set, way) = kSrripInsert;
      break;
    case ReplPolicy::kRandom:
      break;
  }
}

void Replacement::invalidate(unsigned set, unsigned way) {
  switch (m_policy) {
    case ReplPolicy::kLru:
    case ReplPolicy::kFifo:
      slot(set, way) = 0;
      break;
    case ReplPolicy::kSrrip:
      slot(set, way) = kSrripMax;
      break;
    case ReplPolicy::kTreePlru:
    case ReplPolicy::kRandom:
      break;  // owners refill invalid ways first anyway
  }
}

unsigned Replacement::victim(unsigned set) {
  switch (m_policy) {
    case ReplPolicy::kLru:
    case ReplPolicy::kFifo: {
      unsigned v = 0;
      for (unsigned w = 1; w < m_ways; ++w)
        if (slot(set, w) < slot(set, v)) v = w;
      return v;
    }
    case ReplPolicy::kTreePlru: {
      unsigned node = 1;
      while (node < m_ways)
        node = 2 * node + static_cast<unsigned>(slot(set, node));
      return node - m_ways;
    }
    case ReplPolicy::kRandom: {
      m_rng ^= m_rng << 13;
      m_rng ^= m_rng >> 7;
      m_rng ^= m_rng << 17;
      return static_cast<unsigned>(m_rng % m_ways);
    }
    case ReplPolicy::kSrrip:
      for (;;) {
        for (unsigned w = 0; w < m_ways; ++w)
          if (slot(set, w) >= kSrripMax) return w;
        for (unsigned w = 0; w < m_ways; ++w)
          ++slot(set, w);
      }
  }
  return 0;
}

}  // namespace mmusim
