// A fixed-size array of trivially copyable elements whose all-zero bytes
// are their initial state, taken from the host as zero pages that are only
// backed by memory once written (mmap of anonymous memory; small arrays
// use calloc). A cache of 2^27 lines costs the host the lines it uses, not
// 3 GB of zeroes at construction.
#pragma once

#include <sys/mman.h>

#include <cstdlib>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>

namespace mmusim {

template <typename T>
class ZeroedArray {
  static_assert(std::is_trivially_copyable_v<T>, "elements are moved as bytes");

 public:
  ZeroedArray() = default;
  explicit ZeroedArray(size_t n) : m_size(n) {
    const size_t bytes = n * sizeof(T);
    if (bytes == 0) return;
    if (bytes >= kMmapBytes) {
      void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
      if (p == MAP_FAILED) throw std::bad_alloc();
      m_data = static_cast<T*>(p);
      m_mapped = true;
    } else {
      m_data = static_cast<T*>(std::calloc(n, sizeof(T)));
      if (!m_data) throw std::bad_alloc();
    }
  }
  ~ZeroedArray() { release(); }
  ZeroedArray(const ZeroedArray&) = delete;
  ZeroedArray& operator=(const ZeroedArray&) = delete;
  ZeroedArray(ZeroedArray&& o) noexcept { *this = std::move(o); }
  ZeroedArray& operator=(ZeroedArray&& o) noexcept {
    if (this != &o) {
      release();
      m_data = o.m_data;
      m_size = o.m_size;
      m_mapped = o.m_mapped;
      o.m_data = nullptr;
      o.m_size = 0;
    }
    return *this;
  }

  T& operator[](size_t i) { return m_data[i]; }
  const T& operator[](size_t i) const { return m_data[i]; }
  size_t size() const { return m_size; }
  // Every element back to zero (mapped arrays give their pages back).
  void clear() {
    const size_t bytes = m_size * sizeof(T);
    if (m_mapped && ::madvise(m_data, bytes, MADV_DONTNEED) == 0) return;
    if (bytes) std::memset(static_cast<void*>(m_data), 0, bytes);
  }

 private:
  static constexpr size_t kMmapBytes = size_t{1} << 20;
  void release() {
    if (!m_data) return;
    if (m_mapped)
      ::munmap(m_data, m_size * sizeof(T));
    else
      std::free(m_data);
    m_data = nullptr;
  }
  T* m_data = nullptr;
  size_t m_size = 0;
  bool m_mapped = false;
};

}  // namespace mmusim
