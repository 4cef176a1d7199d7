// SHA-256 (FIPS 180-4), for the sweep's result keys: small, no library.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mmusim::sweep {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t size);
  void update(std::string_view text) { update(text.data(), text.size()); }
  // The digest as 64 lowercase hex digits; the object is spent afterwards.
  std::string hex();

 private:
  void block(const uint8_t* p);
  uint32_t m_h[8];
  uint8_t m_buf[64];
  size_t m_buf_len = 0;
  uint64_t m_total = 0;  // bytes
};

std::string sha256_hex(std::string_view text);
// The digest of a file's bytes; throws std::runtime_error naming the file
// when it cannot be read.
std::string sha256_file(const std::string& path);

}  // namespace mmusim::sweep
