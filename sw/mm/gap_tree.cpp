#include "sw/mm/gap_tree.h"

#include <algorithm>

namespace mmusim::sw {

void GapTree::pull(int32_t n) {
  Node& x = m_nodes[n];
  x.max_gap = std::max({x.gap, max_of(x.left), max_of(x.right)});
}

void GapTree::split(int32_t n, uint64_t key, int32_t& lo, int32_t& hi) {
  if (n == kNil) {
    lo = hi = kNil;
    return;
  }
  if (m_nodes[n].key < key) {
    split(m_nodes[n].right, key, m_nodes[n].right, hi);
    lo = n;
  } else {
    split(m_nodes[n].left, key, lo, m_nodes[n].left);
    hi = n;
  }
  pull(n);
}

int32_t GapTree::merge(int32_t a, int32_t b) {
  if (a == kNil) return b;
  if (b == kNil) return a;
  if (m_nodes[a].prio > m_nodes[b].prio) {
    m_nodes[a].right = merge(m_nodes[a].right, b);
    pull(a);
    return a;
  }
  m_nodes[b].left = merge(a, m_nodes[b].left);
  pull(b);
  return b;
}

void GapTree::set(uint64_t key, uint64_t gap) {
  // Update in place when present (the path's maxima are recomputed).
  std::vector<int32_t> path;
  for (int32_t n = m_root; n != kNil;) {
    path.push_back(n);
    if (m_nodes[n].key == key) {
      m_nodes[n].gap = gap;
      for (auto it = path.rbegin(); it != path.rend(); ++it)
        pull(*it);
      return;
    }
    n = key < m_nodes[n].key ? m_nodes[n].left : m_nodes[n].right;
  }
  m_seed = m_seed * 1664525u + 1013904223u;
  int32_t idx;
  if (!m_free.empty()) {
    idx = m_free.back();
    m_free.pop_back();
    m_nodes[idx] = Node{key, gap, gap, m_seed};
  } else {
    idx = static_cast<int32_t>(m_nodes.size());
    m_nodes.push_back(Node{key, gap, gap, m_seed});
  }
  int32_t lo, hi;
  split(m_root, key, lo, hi);
  m_root = merge(merge(lo, idx), hi);
  m_size++;
}

void GapTree::release(int32_t n) {
  if (n == kNil) return;
  release(m_nodes[n].left);
  release(m_nodes[n].right);
  m_free.push_back(n);
  m_size--;
}

void GapTree::erase_range(uint64_t lo_key, uint64_t hi_key) {
  int32_t lo, mid, hi;
  split(m_root, lo_key, lo, mid);
  if (hi_key == UINT64_MAX) {
    hi = kNil;
  } else {
    split(mid, hi_key + 1, mid, hi);
  }
  release(mid);
  m_root = merge(lo, hi);
}

std::optional<uint64_t> GapTree::gap_of(uint64_t key) const {
  for (int32_t n = m_root; n != kNil;) {
    if (m_nodes[n].key == key) return m_nodes[n].gap;
    n = key < m_nodes[n].key ? m_nodes[n].left : m_nodes[n].right;
  }
  return std::nullopt;
}

std::optional<uint64_t> GapTree::best(int32_t n, uint64_t below, uint64_t len) const {
  // Keys in the subtree of a node whose key is < below, on its left, are all
  // < below too: there the max_gap prune alone decides, so the descent
  // visits O(log n) nodes.
  while (n != kNil && m_nodes[n].max_gap >= len) {
    const Node& x = m_nodes[n];
    if (x.key >= below) {
      n = x.left;
      continue;
    }
    if (auto r = best(x.right, below, len)) return r;
    if (x.gap >= len) return x.key;
    n = x.left;
  }
  return std::nullopt;
}

std::optional<uint64_t> GapTree::highest_fit(uint64_t below, uint64_t len) const {
  return best(m_root, below, len);
}

}  // namespace mmusim::sw
