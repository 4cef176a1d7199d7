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
  void read(uint64_t offset, uint8_t* dst, uint64_t len) const;
  void write(uint64_t offset, const uint8_t* src, uint64_t len);
  void fill(uint64_t offset, uint8_t value, uint64_t len);
  bool contains(uint64_t offset, uint64_t len) const {
    return len <= m_size && offset <= m_size - len;
  }

 private:
  uint8_t* chunk_for_write(uint64_t index);
  const uint8_t* chunk_for_read(uint64_t index) const;

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
