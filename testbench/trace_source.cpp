#include "testbench/trace_source.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>

namespace mmusim {

namespace {
constexpr size_t kBlockBytes = 4 << 20;  // decoded text held at once
constexpr unsigned char kZstdMagic[4] = {0x28, 0xb5, 0x2f, 0xfd};
}  // namespace

TraceSource::TraceSource(std::string path) : m_path(std::move(path)) {
  m_file = std::fopen(m_path.c_str(), "rb");
  if (!m_file) throw TraceError(m_path + ": cannot open: " + std::strerror(errno));
  struct stat st {};
  if (fstat(fileno(m_file), &st) != 0 || !S_ISREG(st.st_mode)) {
    std::fclose(m_file);
    m_file = nullptr;
    throw TraceError(m_path + ": not a regular file (a trace is read more than once)");
  }
  m_file_size = static_cast<uint64_t>(st.st_size);
  unsigned char magic[4] = {};
  std::rewind(m_file);
  const size_t got = std::fread(magic, 1, sizeof magic, m_file);
  std::rewind(m_file);
  if (got == sizeof magic && std::memcmp(magic, kZstdMagic, sizeof magic) == 0) {
    m_zstd = ZSTD_createDCtx();
    if (!m_zstd) throw TraceError(m_path + ": zstd: out of memory");
    m_in.resize(ZSTD_DStreamInSize());
  } else if (m_file_size > 0) {
    void* map = mmap(nullptr, m_file_size, PROT_READ, MAP_PRIVATE, fileno(m_file), 0);
    if (map != MAP_FAILED) {
      madvise(map, m_file_size, MADV_SEQUENTIAL);
      m_map = map;
      m_data = static_cast<const char*>(map);
      m_end = m_file_size;
      m_eof = true;  // nothing to refill
      return;
    }
  }
  m_buf.resize(kBlockBytes + kMaxLineBytes);
  m_data = m_buf.data();
}

TraceSource::~TraceSource() {
  if (m_map) munmap(m_map, m_file_size);
  if (m_zstd) ZSTD_freeDCtx(m_zstd);
  if (m_file) std::fclose(m_file);
}

void TraceSource::fail(const std::string& what) const {
  throw TraceError(m_path + ":" + std::to_string(m_line + 1) + ": " + what);
}

void TraceSource::rewind() {
  m_line = 0;
  if (m_map) {
    m_begin = 0;
    return;
  }
  std::rewind(m_file);
  if (m_zstd) ZSTD_DCtx_reset(m_zstd, ZSTD_reset_session_only);
  m_in_pos = m_in_size = 0;
  m_frame_open = false;
  m_begin = m_end = 0;
  m_eof = false;
  m_line = 0;
  m_file_offset = 0;
}

bool TraceSource::refill() {
  if (m_eof) return false;
  // Keep the partial line at the front; decode behind it.
  if (m_begin > 0) {
    std::memmove(m_buf.data(), m_buf.data() + m_begin, m_end - m_begin);
    m_end -= m_begin;
    m_begin = 0;
  }
  const size_t room = m_buf.size() - m_end;
  if (!m_zstd) {
    const size_t got = std::fread(m_buf.data() + m_end, 1, room, m_file);
    if (got == 0) {
      if (std::ferror(m_file)) fail(std::string("read error: ") + std::strerror(errno));
      m_eof = true;
      return false;
    }
    m_end += got;
    m_file_offset += got;
    return true;
  }
  ZSTD_outBuffer out{m_buf.data() + m_end, room, 0};
  while (out.pos == 0) {
    bool input_done = false;
    if (m_in_pos == m_in_size) {
      m_in_size = std::fread(m_in.data(), 1, m_in.size(), m_file);
      m_in_pos = 0;
      m_file_offset += m_in_size;
      if (m_in_size == 0) {
        if (std::ferror(m_file)) fail(std::string("read error: ") + std::strerror(errno));
        if (!m_frame_open) {
          m_eof = true;
          return false;
        }
        input_done = true;  // the decoder may still hold output to flush
      }
    }
    ZSTD_inBuffer in{m_in.data(), m_in_size, m_in_pos};
    const size_t r = ZSTD_decompressStream(m_zstd, &out, &in);
    m_in_pos = in.pos;
    if (ZSTD_isError(r)) throw TraceError(m_path + ": zstd: " + ZSTD_getErrorName(r));
    m_frame_open = r != 0;  // 0: a frame just ended (another may follow)
    if (input_done && out.pos == 0 && m_frame_open)
      throw TraceError(m_path + ": zstd: truncated stream");
  }
  m_end += out.pos;
  return true;
}

bool TraceSource::next_line(std::string_view& line) {
  size_t scan = m_begin;
  for (;;) {
    const void* nl = std::memchr(m_data + scan, '\n', m_end - scan);
    if (nl) {
      const size_t at = static_cast<size_t>(static_cast<const char*>(nl) - m_data);
      size_t len = at - m_begin;
      if (len > kMaxLineBytes) fail("line longer than 1 MB");
      if (len > 0 && m_data[m_begin + len - 1] == '\r') --len;
      line = std::string_view(m_data + m_begin, len);
      m_begin = at + 1;
      ++m_line;
      return true;
    }
    if (m_end - m_begin > kMaxLineBytes) fail("line longer than 1 MB");
    const size_t seen = m_end - m_begin;
    if (!refill()) {
      if (m_begin == m_end) return false;
      size_t len = m_end - m_begin;
      if (m_data[m_begin + len - 1] == '\r') --len;
      line = std::string_view(m_data + m_begin, len);
      m_begin = m_end;
      ++m_line;
      return true;
    }
    scan = m_begin + seen;
  }
}

}  // namespace mmusim
