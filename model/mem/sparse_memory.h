// Host storage for a large, mostly untouched physical range: 4 KB pages are
// allocated on first write (reads of untouched bytes return zero and
// allocate nothing), so a 48-bit space costs only what is touched.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

namespace mmusim {

class SparseMemory {
 public:
  static constexpr uint64_t kChunkBytes = 4096;

  explicit SparseMemory(uint64_t size_bytes);
  ~SparseMemory();
  SparseMemory(const SparseMemory&) = delete;
  SparseMemory& operator=(const SparseMemory&) = delete;

  uint64_t size() const { return m_size; }
  uint64_t touched_bytes() const { return m_touched_chunks * kChunkBytes; }

  // Offsets are relative to the start of the range; callers check bounds.
  // An access inside one 4 KB chunk takes the inline path (a write: one
  // already written).
  void read(uint64_t offset, uint8_t* dst, uint64_t len) const {
    const uint64_t in_chunk = offset % kChunkBytes;
    if (in_chunk + len > kChunkBytes) return read_slow(offset, dst, len);
    if (const uint8_t* chunk = chunk_for_read(offset / kChunkBytes))
      copy(dst, chunk + in_chunk, len);
    else
      std::memset(dst, 0, len);
  }
  void write(uint64_t offset, const uint8_t* src, uint64_t len) {
    const uint64_t in_chunk = offset % kChunkBytes;
    if (in_chunk + len <= kChunkBytes) {
      if (uint8_t* chunk = chunk_for_read(offset / kChunkBytes)) {
        copy(chunk + in_chunk, src, len);
        return;
      }
    }
    write_slow(offset, src, len);
  }
  void fill(uint64_t offset, uint8_t value, uint64_t len);
  bool contains(uint64_t offset, uint64_t len) const {
    return len <= m_size && offset <= m_size - len;
  }

 private:
  uint8_t* chunk_for_write(uint64_t index);
  // The chunk, or nullptr when it was never written.
  uint8_t* chunk_for_read(uint64_t index) const {
    const Leaf* leaf = m_top[index >> kLeafBits].get();
    return leaf ? leaf->chunks[index & ((uint64_t{1} << kLeafBits) - 1)] : nullptr;
  }
  void read_slow(uint64_t offset, uint8_t* dst, uint64_t len) const;
  void write_slow(uint64_t offset, const uint8_t* src, uint64_t len);
  // The sizes accesses have, as fixed-size copies.
  static void copy(uint8_t* dst, const uint8_t* src, uint64_t len) {
    switch (len) {
      case 8:
        std::memcpy(dst, src, 8);
        break;
      case 4:
        std::memcpy(dst, src, 4);
        break;
      default:
        std::memcpy(dst, src, len);
    }
  }

  // Two-level radix directory: chunk index -> [top][leaf] -> chunk. Leaves
  // of 2^18 pointers (1 GB of memory each) are allocated on first write, so
  // a lookup is two dependent loads and no hashing.
  static constexpr unsigned kLeafBits = 18;
  struct Leaf {
    uint8_t* chunks[uint64_t{1} << kLeafBits] = {};
  };

  uint64_t m_size;
  std::vector<std::unique_ptr<Leaf>> m_top;
  uint64_t m_touched_chunks = 0;
};

}  // namespace mmusim
