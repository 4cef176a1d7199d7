#include "sw/mm/vma.h"

#include <iterator>
#include <stdexcept>

namespace mmusim::sw {

namespace {

// VM_SPECIAL (include/linux/mm.h): VMAs that never merge.
constexpr VmFlags kVmSpecial = vm::kIo | vm::kDontexpand | vm::kPfnmap;

bool same_flags(VmFlags a, VmFlags b) {
  return ((a ^ b) & ~vm::kSoftdirty) == 0;
}

// What a range about to be created or changed looks like, for the merge checks.
struct Candidate {
  VirtAddr start;
  VirtAddr end;
  VmFlags flags;
  uint64_t pgoff;  // of `start`
  AnonVmaId anon_vma;
  MappedObjectId object;
};

// Linux can_vma_merge_after(): `prev` may absorb the candidate from the left.
bool can_merge_after(const Vma& prev, const Candidate& c) {
  return prev.end == c.start && same_flags(prev.flags, c.flags) && prev.object == c.object &&
         anon_vmas_compatible(prev.anon_vma, c.anon_vma) && prev.pgoff + prev.pages() == c.pgoff;
}

// Linux can_vma_merge_before(): `next` may absorb the candidate from the right.
bool can_merge_before(const Vma& next, const Candidate& c) {
  return next.start == c.end && same_flags(next.flags, c.flags) && next.object == c.object &&
         anon_vmas_compatible(next.anon_vma, c.anon_vma) &&
         next.pgoff == c.pgoff + ((c.end - c.start) >> arch::kPageShift);
}

// Linux anon_vma_compatible(): `b` may share the anon_vma of `a` (or the
// reverse) when they could have been one VMA but for their access flags.
bool anon_vma_compatible(const Vma& a, const Vma& b) {
  return a.end == b.start && a.object == b.object &&
         ((a.flags ^ b.flags) & ~(vm::kAccessFlags | vm::kSoftdirty)) == 0 &&
         b.pgoff == a.pgoff + a.pages();
}

AnonVmaId first_anon(AnonVmaId a, AnonVmaId b) {
  return a ? a : b;
}

uint64_t start_gap(const Vma& v) {
  if (!(v.flags & vm::kGrowsdown)) return v.start.value();
  return v.start.value() > kStackGuardGap ? v.start.value() - kStackGuardGap : 0;
}

}  // namespace

uint64_t VmaSet::gap_start_before(const_iterator it) const {
  return it == m_vmas.begin() ? 0 : std::prev(it)->second.end.value();
}

void VmaSet::set_gap(const_iterator it) {
  if (it == m_vmas.end()) {
    const uint64_t last = m_vmas.empty() ? 0 : m_vmas.rbegin()->second.end.value();
    m_gaps.set(kGapTop, last < kGapTop ? kGapTop - last : 0);
    return;
  }
  const uint64_t lo = gap_start_before(it);
  const uint64_t hi = start_gap(it->second);
  m_gaps.set(it->first, hi > lo ? hi - lo : 0);
}

void VmaSet::fix_gaps(uint64_t lo, uint64_t hi) {
  m_gaps.erase_range(lo, std::min(hi, kGapTop - 1));
  auto it = m_vmas.lower_bound(lo);
  for (; it != m_vmas.end() && it->first <= hi; ++it)
    set_gap(it);
  set_gap(it);
  if (it != m_vmas.end() && std::next(it) == m_vmas.end()) set_gap(m_vmas.end());
}

std::optional<uint64_t> VmaSet::highest_free(uint64_t len, uint64_t low, uint64_t high) {
  if (high < low || high - low < len) return std::nullopt;
  if (m_gaps.size() == 0) set_gap(m_vmas.end());
  m_ops++;
  // The gap reaching up to `high` (clipped), above the last VMA below high.
  auto next = m_vmas.lower_bound(high);
  auto prev = next == m_vmas.begin() ? m_vmas.end() : std::prev(next);
  if (prev != m_vmas.end() && prev->second.end.value() > high) {
    next = prev;  // high is inside prev: the search continues below it
    prev = next == m_vmas.begin() ? m_vmas.end() : std::prev(next);
  } else {
    const uint64_t gs = std::max(low, prev == m_vmas.end() ? 0 : prev->second.end.value());
    const uint64_t ge = std::min(high, next == m_vmas.end() ? kGapTop : start_gap(next->second));
    if (ge > gs && ge - gs >= len) return ge - len;
    if (prev == m_vmas.end()) return std::nullopt;
    next = prev;
  }
  // Gaps wholly below `next`: the highest one large enough, clipped to low.
  auto key = m_gaps.highest_fit(next->first + 1, len);
  if (!key) return std::nullopt;
  auto it = m_vmas.find(*key);
  const uint64_t ge = start_gap(it->second);
  const uint64_t gs = std::max(low, gap_start_before(it));
  if (ge > gs && ge - gs >= len) return ge - len;
  return std::nullopt;
}

VmaSet::iterator VmaSet::find(VirtAddr va) {
  auto it = find_vma(va);
  if (it != m_vmas.end() && it->second.start > va) return m_vmas.end();
  return it;
}

VmaSet::iterator VmaSet::find_vma(VirtAddr va) {
  m_ops++;
  auto it = m_vmas.upper_bound(va.value());
  if (it != m_vmas.begin()) {
    auto prev = std::prev(it);
    if (prev->second.end > va) return prev;
  }
  return it;
}

VmaSet::iterator VmaSet::find_intersection(VirtAddr start, VirtAddr end) {
  auto it = find_vma(start);
  if (it != m_vmas.end() && it->second.start >= end) return m_vmas.end();
  return it;
}

VmaSet::iterator VmaSet::last_below(VirtAddr va) {
  m_ops++;
  auto it = m_vmas.lower_bound(va.value());
  if (it == m_vmas.begin()) return m_vmas.end();
  return std::prev(it);
}

VmaSet::iterator VmaSet::split(iterator it, VirtAddr at) {
  Vma& lower = it->second;
  if (!(lower.start < at && at < lower.end) || at.offset_in(arch::kPageSize) != 0)
    throw std::logic_error("VmaSet::split: address not strictly inside the VMA");
  m_ops++;
  Vma upper = lower;
  upper.start = at;
  upper.pgoff = lower.pgoff + ((at - lower.start) >> arch::kPageShift);
  lower.end = at;
  auto up = m_vmas.emplace_hint(std::next(it), at.value(), std::move(upper));
  fix_gaps(at.value(), at.value());
  return up;
}

VmaSet::iterator VmaSet::insert(const Vma& vma) {
  m_ops++;
  auto [it, inserted] = m_vmas.emplace(vma.start.value(), vma);
  if (!inserted) throw std::logic_error("VmaSet::insert: overlapping VMA");
  fix_gaps(vma.start.value(), vma.start.value());
  return it;
}

VmaSet::iterator VmaSet::erase(iterator it) {
  m_ops++;
  const uint64_t key = it->first;
  auto next = m_vmas.erase(it);
  fix_gaps(key, key);
  return next;
}

VmaSet::iterator VmaSet::rekey(iterator it, VirtAddr new_start, uint64_t new_pgoff) {
  Vma v = std::move(it->second);
  v.start = new_start;
  v.pgoff = new_pgoff;
  const uint64_t old_key = it->first;
  auto hint = m_vmas.erase(it);
  auto moved = m_vmas.emplace_hint(hint, new_start.value(), std::move(v));
  fix_gaps(std::min(old_key, new_start.value()), std::max(old_key, new_start.value()));
  return moved;
}

VmaSet::iterator VmaSet::expand_down(iterator it, VirtAddr new_start) {
  const Vma& v = it->second;
  if (!(new_start < v.start)) throw std::logic_error("VmaSet::expand_down: not below the VMA");
  if (it != m_vmas.begin() && std::prev(it)->second.end > new_start)
    throw std::logic_error("VmaSet::expand_down: overlaps the VMA below");
  m_ops++;
  return rekey(it, new_start, v.pgoff - ((v.start - new_start) >> arch::kPageShift));
}

VmaSet::iterator VmaSet::insert_merged(const Vma& vma) {
  auto it = insert_merged_impl(vma);
  fix_gaps(vma.start.value(), vma.end.value());
  return m_vmas.find(it->first);
}

VmaSet::iterator VmaSet::insert_merged_impl(const Vma& vma) {
  const Candidate c{vma.start, vma.end, vma.flags, vma.pgoff, vma.anon_vma, vma.object};
  auto next = m_vmas.lower_bound(vma.start.value());
  auto prev = next == m_vmas.begin() ? m_vmas.end() : std::prev(next);
  m_ops++;
  if (vma.flags & kVmSpecial) return insert(vma);

  const bool left = prev != m_vmas.end() && can_merge_after(prev->second, c);
  // Linux can_vma_merge_right(): merging both also needs prev's and next's
  // anon_vmas to agree with each other.
  const bool right = next != m_vmas.end() && can_merge_before(next->second, c) &&
                     (!left || anon_vmas_compatible(prev->second.anon_vma, next->second.anon_vma));
  if (left && right) {
    m_ops += 2;
    prev->second.end = next->second.end;
    prev->second.anon_vma = first_anon(prev->second.anon_vma, next->second.anon_vma);
    m_vmas.erase(next);
    return prev;
  }
  if (left) {
    m_ops++;
    prev->second.end = vma.end;
    return prev;
  }
  if (right) {
    m_ops++;
    return rekey(next, vma.start, vma.pgoff);
  }
  return insert(vma);
}

std::optional<VmaSet::iterator> VmaSet::modify_flags(iterator middle, VirtAddr start, VirtAddr end,
                                                     VmFlags new_flags) {
  const uint64_t lo = middle->second.start.value();
  const uint64_t hi = middle->second.end.value();
  auto r = modify_flags_impl(middle, start, end, new_flags);
  if (r) {
    const uint64_t key = (*r)->first;
    fix_gaps(lo, hi);
    return m_vmas.find(key);
  }
  return r;
}

std::optional<VmaSet::iterator> VmaSet::modify_flags_impl(iterator middle, VirtAddr start,
                                                          VirtAddr end, VmFlags new_flags) {
  Vma& mid = middle->second;
  if (start < mid.start || end > mid.end || !(start < end))
    throw std::logic_error("VmaSet::modify_flags: range not inside the VMA");
  m_ops++;
  const bool left_side = start == mid.start;
  const bool right_side = end == mid.end;
  const uint64_t pgoff = mid.pgoff + ((start - mid.start) >> arch::kPageShift);
  const Candidate c{start, end, new_flags, pgoff, mid.anon_vma, mid.object};
  auto prev = middle == m_vmas.begin() ? m_vmas.end() : std::prev(middle);
  auto next = std::next(middle);

  // Linux vma_merge_existing_range().
  const bool special = ((new_flags | mid.flags) & kVmSpecial) != 0;
  const bool merge_left =
      !special && left_side && prev != m_vmas.end() && can_merge_after(prev->second, c);
  const bool merge_right =
      !special && right_side && next != m_vmas.end() && can_merge_before(next->second, c) &&
      (!merge_left || anon_vmas_compatible(prev->second.anon_vma, next->second.anon_vma));

  if (merge_left && merge_right) {
    m_ops += 3;
    Vma& p = prev->second;
    p.end = next->second.end;
    p.anon_vma = first_anon(first_anon(p.anon_vma, mid.anon_vma), next->second.anon_vma);
    m_vmas.erase(middle);
    m_vmas.erase(next);
    return prev;
  }
  if (merge_left) {
    m_ops += 2;
    Vma& p = prev->second;
    p.end = end;
    p.anon_vma = first_anon(p.anon_vma, mid.anon_vma);
    if (right_side) {
      m_vmas.erase(middle);
    } else {
      rekey(middle, end, pgoff + ((end - start) >> arch::kPageShift));
    }
    return prev;
  }
  if (merge_right) {
    m_ops += 2;
    const AnonVmaId anon = mid.anon_vma;
    if (left_side) {
      m_vmas.erase(middle);
    } else {
      mid.end = start;
    }
    next->second.anon_vma = first_anon(next->second.anon_vma, anon);
    return rekey(next, start, pgoff);
  }

  // No merge: split off the parts outside [start, end) (Linux split_vma()
  // refuses once map_count reaches vm.max_map_count).
  auto it = middle;
  if (start > it->second.start) {
    if (m_vmas.size() >= kMaxMapCount) return std::nullopt;
    it = split(it, start);
  }
  if (end < it->second.end) {
    if (m_vmas.size() >= kMaxMapCount) return std::nullopt;
    split(it, end);
  }
  it->second.flags = new_flags;
  return it;
}

AnonVmaId VmaSet::find_mergeable_anon_vma(iterator it) {
  m_ops++;
  auto next = std::next(it);
  if (next != m_vmas.end() && next->second.anon_vma &&
      anon_vma_compatible(it->second, next->second))
    return next->second.anon_vma;
  if (it != m_vmas.begin()) {
    auto prev = std::prev(it);
    if (prev->second.anon_vma && anon_vma_compatible(prev->second, it->second))
      return prev->second.anon_vma;
  }
  return 0;
}

}  // namespace mmusim::sw
