// Host storage for a large, mostly untouched physical range: 4 KB pages are
// allocated on first write (reads of untouched bytes return zero and
// allocate nothing), so a 48-bit space costs only what is touched.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <unordered_map>

namespace mmusim {

class SparseMemory {
 public:
  static constexpr uint64_t kChunkBytes = 4096;

  explicit SparseMemory(uint64_t size_bytes) : m_size(size_bytes) {}

  uint64_t size() const { return m_size; }
  uint64_t touched_bytes() const { return m_chunks.size() * kChunkBytes; }

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

  uint64_t m_size;
  std::unordered_map<uint64_t, std::unique_ptr<uint8_t[]>> m_chunks;
  // One-entry lookup cache: consecutive accesses mostly hit the same page.
  mutable uint64_t m_last_index = ~uint64_t{0};
  mutable uint8_t* m_last_chunk = nullptr;
};

}  // namespace mmusim
