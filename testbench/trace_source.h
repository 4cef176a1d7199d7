// Reads a text trace line by line, once, from a file, a pipe or stdin ("-"):
// plain, zstd, gzip or xz (detected by the stream's magic bytes, not by the
// file name; bzip2 and lz4 are recognised and refused by name). A plain
// regular file is mapped into memory; a plain pipe is read in large blocks;
// compressed input is decoded in large blocks by a thread of its own, up to
// three blocks ahead of the reader. No allocation and no stream I/O per
// line; memory is bounded whatever the input (4 MB blocks, a 1 MB line
// limit, the decoder's window: zstd's default 128 MB limit, xz's dictionary
// limited to 256 MB). Lines are handed out as views into the mapping or a
// block, valid until the next call.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace mmusim {

// Bad input at the edge: an unreadable or corrupt file, a malformed line.
// The message is "FILE: ..." or "FILE:LINE: ..."; it quotes input only
// through quote_input() (printable and bounded).
struct TraceError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// `bytes` for an error message: at most `max_bytes` of it, in single quotes,
// with every byte outside printable ASCII (and the quote and backslash) as
// \xNN, and "..." after the quote when it was cut.
std::string quote_input(std::string_view bytes, size_t max_bytes = 40);

class TraceSource {
 public:
  enum class Format : uint8_t { kPlain, kZstd, kGzip, kXz };

  // `path` "-" reads stdin. Throws TraceError naming `path` when it cannot
  // be opened or is in a format it does not read.
  explicit TraceSource(std::string path);
  ~TraceSource();
  TraceSource(const TraceSource&) = delete;
  TraceSource& operator=(const TraceSource&) = delete;

  // The next line without its end of line ("\n" or "\r\n"); false at the
  // end. A last line without a newline is a line. A line longer than
  // kMaxLineBytes throws TraceError, or with skip_long_lines() is read to
  // its end without being kept and returned empty with line_too_long(). A
  // read error or a corrupt or truncated compressed stream throws.
  bool next_line(std::string_view& line);
  void skip_long_lines(bool on) { m_skip_long = on; }
  bool line_too_long() const { return m_too_long; }  // of the line last returned

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

  // Lets the kernel drop the pages of a mapped file behind the read position:
  // file pages, but they count in the resident set, which would otherwise
  // grow to the file's size. Safe at any time (a page touched again is read
  // back from the file).
  void release_consumed();

  const std::string& path() const { return m_path; }
  uint64_t line_number() const { return m_line; }  // of the line last returned
  Format format() const { return m_format; }
  bool compressed() const { return m_format != Format::kPlain; }
  static const char* format_name(Format f);
  // Input bytes consumed so far and the input's size (0 when unknown: a
  // pipe), for progress output.
  uint64_t file_offset() const {
    return m_map ? m_begin : m_file_offset.load(std::memory_order_relaxed);
  }
  uint64_t file_size() const { return m_file_size; }

  static constexpr size_t kMaxLineBytes = 1 << 20;

  struct Decoder;  // one compressed format (trace_source.cpp)

 private:
  struct Pipeline;  // the decoder thread and its blocks (trace_source.cpp)
  // Makes more text available after m_end (the partial line before it kept);
  // false when the input is exhausted.
  bool refill();
  // Decoder thread: decodes into out[0, room); 0 at the end of the input.
  size_t decode(char* out, size_t room);
  void decode_ahead();
  // Up to `n` raw input bytes into `dst`; 0 at the end. Throws on a read error.
  size_t read_input(char* dst, size_t n);
  [[noreturn]] void fail(const std::string& what) const;

  std::string m_path;
  int m_fd = -1;
  bool m_own_fd = false;
  Format m_format = Format::kPlain;
  // Compressed input only; the decoder, its input and m_in_* belong to the
  // decoder thread once it runs.
  std::unique_ptr<Decoder> m_decoder;
  std::unique_ptr<Pipeline> m_pipe;
  int m_block = -1;        // the pipeline block m_data points into
  std::vector<char> m_in;  // compressed input block
  size_t m_in_pos = 0, m_in_size = 0;
  bool m_in_eof = false;
  std::vector<char> m_buf;       // decoded text
  void* m_map = nullptr;         // a mapped plain file, or nullptr
  size_t m_released = 0;         // bytes of it given back (release_consumed)
  const char* m_data = nullptr;  // the text: m_map or m_buf
  size_t m_begin = 0, m_end = 0;
  bool m_eof = false;
  bool m_skip_long = false, m_too_long = false;
  uint64_t m_line = 0;
  std::atomic<uint64_t> m_file_offset{0};
  uint64_t m_file_size = 0;
};

}  // namespace mmusim
