// An array indexed by a 64-bit number whose elements live in chunks of
// 2^ChunkBits, allocated (value-initialised) at the first write into them:
// host memory follows the indices a run touches, not the size it could
// reach (swap slots of a 16 TiB swap area, page descriptors of a 64 TiB
// DRAM). Reads of an untouched chunk return a default element and allocate
// nothing. Lookups are two dependent loads; nothing is freed before the
// array is.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

namespace mmusim::sw {

template <typename T, unsigned ChunkBits>
class ChunkedArray {
 public:
  static constexpr uint64_t kChunk = uint64_t{1} << ChunkBits;

  // The element at `i`, its chunk allocated (and `init(first, chunk)` run
  // on a new one) if needed.
  template <typename Init>
  T& at(uint64_t i, Init&& init) {
    const uint64_t c = i >> ChunkBits;
    if (c >= m_chunks.size()) m_chunks.resize(c + 1 + (c >> 3));
    std::unique_ptr<T[]>& chunk = m_chunks[c];
    if (!chunk) {
      chunk.reset(new T[kChunk]());
      init(c << ChunkBits, chunk.get());
      ++m_allocated;
    }
    return chunk[i & (kChunk - 1)];
  }
  T& at(uint64_t i) {
    return at(i, [](uint64_t, T*) {});
  }
  // The element at `i`, or nullptr when its chunk was never written.
  const T* find(uint64_t i) const {
    const uint64_t c = i >> ChunkBits;
    if (c >= m_chunks.size() || !m_chunks[c]) return nullptr;
    return &m_chunks[c][i & (kChunk - 1)];
  }
  uint64_t chunks_allocated() const { return m_allocated; }

 private:
  std::vector<std::unique_ptr<T[]>> m_chunks;
  uint64_t m_allocated = 0;
};

}  // namespace mmusim::sw
