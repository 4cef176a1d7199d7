#include "model/mem/sparse_memory.h"

#include <algorithm>

namespace mmusim {

const uint8_t* SparseMemory::chunk_for_read(uint64_t index) const {
  if (index == m_last_index) return m_last_chunk;
  auto it = m_chunks.find(index);
  if (it == m_chunks.end()) return nullptr;
  m_last_index = index;
  m_last_chunk = it->second.get();
  return m_last_chunk;
}

uint8_t* SparseMemory::chunk_for_write(uint64_t index) {
  if (index == m_last_index) return m_last_chunk;
  auto& slot = m_chunks[index];
  if (!slot) {
    slot = std::make_unique<uint8_t[]>(kChunkBytes);
    std::memset(slot.get(), 0, kChunkBytes);
  }
  m_last_index = index;
  m_last_chunk = slot.get();
  return m_last_chunk;
}

void SparseMemory::read(uint64_t offset, uint8_t* dst, uint64_t len) const {
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

void SparseMemory::write(uint64_t offset, const uint8_t* src, uint64_t len) {
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
