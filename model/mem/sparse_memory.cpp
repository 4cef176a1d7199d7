#include "model/mem/sparse_memory.h"

#include <algorithm>

namespace mmusim {

SparseMemory::SparseMemory(uint64_t size_bytes)
    : m_size(size_bytes),
      m_top((size_bytes / kChunkBytes + (uint64_t{1} << kLeafBits) - 1) >> kLeafBits) {}

SparseMemory::~SparseMemory() {
  for (auto& leaf : m_top)
    if (leaf)
      for (uint8_t* chunk : leaf->chunks)
        delete[] chunk;
}

uint8_t* SparseMemory::chunk_for_write(uint64_t index) {
  auto& leaf = m_top[index >> kLeafBits];
  if (!leaf) leaf = std::make_unique<Leaf>();
  uint8_t*& chunk = leaf->chunks[index & ((uint64_t{1} << kLeafBits) - 1)];
  if (!chunk) {
    chunk = new uint8_t[kChunkBytes]();
    ++m_touched_chunks;
  }
  return chunk;
}

void SparseMemory::read_slow(uint64_t offset, uint8_t* dst, uint64_t len) const {
  while (len > 0) {
    const uint64_t in_chunk = offset % kChunkBytes;
    const uint64_t n = std::min(len, kChunkBytes - in_chunk);
    const uint8_t* chunk = chunk_for_read(offset / kChunkBytes);
    if (chunk)
      std::memcpy(dst, chunk + in_chunk, n);
    else
      std::memset(dst, 0, n);
    offset += n;
    dst += n;
    len -= n;
  }
}

void SparseMemory::write_slow(uint64_t offset, const uint8_t* src, uint64_t len) {
  while (len > 0) {
    const uint64_t in_chunk = offset % kChunkBytes;
    const uint64_t n = std::min(len, kChunkBytes - in_chunk);
    std::memcpy(chunk_for_write(offset / kChunkBytes) + in_chunk, src, n);
    offset += n;
    src += n;
    len -= n;
  }
}

void SparseMemory::fill(uint64_t offset, uint8_t value, uint64_t len) {
  while (len > 0) {
    const uint64_t in_chunk = offset % kChunkBytes;
    const uint64_t n = std::min(len, kChunkBytes - in_chunk);
    const uint64_t index = offset / kChunkBytes;
    // Zero-filling an untouched page keeps it untouched.
    if (value != 0 || chunk_for_read(index) != nullptr)
      std::memset(chunk_for_write(index) + in_chunk, value, n);
    offset += n;
    len -= n;
  }
}

}  // namespace mmusim
