// Reads a text trace line by line, plain or zstd-compressed (detected by the
// zstd frame magic, not by the file name): a plain file is mapped into
// memory (or, when it cannot be, read in large blocks), a compressed one
// decoded in large blocks; no allocation and no stream I/O per line. Lines
// are handed out as views into the mapping or the block buffer, valid until
// the next call.
#pragma once

#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

struct ZSTD_DCtx_s;

namespace mmusim {

// Bad input at the edge: an unreadable or corrupt file, a malformed line.
// The message is "FILE: ..." or "FILE:LINE: ...".
struct TraceError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class TraceSource {
 public:
  // Throws TraceError naming `path` when it cannot be opened.
  explicit TraceSource(std::string path);
  ~TraceSource();
  TraceSource(const TraceSource&) = delete;
  TraceSource& operator=(const TraceSource&) = delete;

  // The next line without its end of line ("\n" or "\r\n"); false at the
  // end. A last line without a newline is a line. A line longer than
  // kMaxLineBytes, a read error or a corrupt zstd stream throws TraceError.
  bool next_line(std::string_view& line);
  // Starts again from the first line.
  void rewind();

  // For callers that parse in place: the bytes read but not yet consumed
  // (may end in the middle of a line), and consume_line(n) to take the
  // first n of them, which the caller has found to be one line ending in a
  // newline. next_line() refills when no whole line is left.
  const char* buffered_begin() const { return m_data + m_begin; }
  const char* buffered_end() const { return m_data + m_end; }
  void consume_line(size_t bytes) {
    m_begin += bytes;
    ++m_line;
  }

  const std::string& path() const { return m_path; }
  uint64_t line_number() const { return m_line; }  // of the line last returned
  bool compressed() const { return m_zstd != nullptr; }
  // File bytes consumed so far and the file's size, for progress output.
  uint64_t file_offset() const { return m_map ? m_begin : m_file_offset; }
  uint64_t file_size() const { return m_file_size; }

  static constexpr size_t kMaxLineBytes = 1 << 20;

 private:
  // Appends decoded bytes after m_end; false when the input is exhausted.
  bool refill();
  [[noreturn]] void fail(const std::string& what) const;

  std::string m_path;
  std::FILE* m_file = nullptr;
  ZSTD_DCtx_s* m_zstd = nullptr;
  std::vector<char> m_in;  // compressed input block (zstd only)
  size_t m_in_pos = 0, m_in_size = 0;
  bool m_frame_open = false;     // a zstd frame has started and not ended
  std::vector<char> m_buf;       // decoded text
  void* m_map = nullptr;         // a mapped plain file, or nullptr
  const char* m_data = nullptr;  // the text: m_map or m_buf
  size_t m_begin = 0, m_end = 0;
  bool m_eof = false;
  uint64_t m_line = 0;
  uint64_t m_file_offset = 0;
  uint64_t m_file_size = 0;
};

}  // namespace mmusim
