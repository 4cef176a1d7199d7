#include "testbench/trace_source.h"

#include <fcntl.h>
#include <lzma.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <mutex>
#include <thread>

namespace mmusim {

namespace {
constexpr size_t kBlockBytes = 4 << 20;      // decoded text held at once
constexpr size_t kInBytes = 256 << 10;       // compressed input read at once
constexpr uint64_t kXzMemLimit = 256 << 20;  // xz -9 needs 65 MB
}  // namespace

std::string quote_input(std::string_view bytes, size_t max_bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  const bool cut = bytes.size() > max_bytes;
  if (cut) bytes = bytes.substr(0, max_bytes);
  std::string out = "'";
  for (const char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\') {
      out += ch;
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  out += cut ? "'..." : "'";
  return out;
}

// One compressed format. step() decodes from in[in_pos, in_size) into
// out[0, room), advancing in_pos and returning the bytes produced; `at_eof`:
// no input follows what is given. done(): the stream so far is complete
// (what follows, if anything, starts a new frame or member).
struct TraceSource::Decoder {
  virtual ~Decoder() = default;
  virtual size_t step(const char* in, size_t in_size, size_t& in_pos, char* out, size_t room,
                      bool at_eof) = 0;
  virtual bool done() const = 0;
  std::string error;  // set by step() on corrupt input
};

namespace {

struct ZstdDecoder final : TraceSource::Decoder {
  ZstdDecoder() : ctx(ZSTD_createDCtx()) {}
  ~ZstdDecoder() override { ZSTD_freeDCtx(ctx); }
  size_t step(const char* in, size_t in_size, size_t& in_pos, char* out, size_t room,
              bool) override {
    ZSTD_inBuffer ib{in, in_size, in_pos};
    ZSTD_outBuffer ob{out, room, 0};
    const size_t r = ZSTD_decompressStream(ctx, &ob, &ib);
    if (ZSTD_isError(r)) {
      error = std::string("zstd: ") + ZSTD_getErrorName(r);
      return 0;
    }
    // 0: a frame just ended (another may follow). A call that did nothing
    // (no input left) changes nothing.
    if (ib.pos != in_pos || ob.pos != 0) frame_open = r != 0;
    in_pos = ib.pos;
    return ob.pos;
  }
  bool done() const override { return !frame_open; }
  ZSTD_DCtx* ctx;
  bool frame_open = false;
};

struct GzipDecoder final : TraceSource::Decoder {
  GzipDecoder() {
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) error = "gzip: out of memory";
  }
  ~GzipDecoder() override { inflateEnd(&z); }
  size_t step(const char* in, size_t in_size, size_t& in_pos, char* out, size_t room,
              bool) override {
    // Zero bytes after a member are padding (as gzip(1) ignores them).
    while (!member_open && in_pos < in_size && in[in_pos] == 0)
      ++in_pos;
    if (!member_open && in_pos < in_size) {
      // Concatenated members (gzip a b > c, pigz) decode as one text.
      if (inflateReset(&z) != Z_OK) {
        error = "gzip: cannot reset the decoder";
        return 0;
      }
      member_open = true;
    }
    if (!member_open) return 0;
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in + in_pos));
    z.avail_in = static_cast<uInt>(in_size - in_pos);
    z.next_out = reinterpret_cast<Bytef*>(out);
    z.avail_out = static_cast<uInt>(room);
    const int r = inflate(&z, Z_NO_FLUSH);
    in_pos = in_size - z.avail_in;
    const size_t produced = room - z.avail_out;
    if (r == Z_STREAM_END) {
      member_open = false;
    } else if (r != Z_OK && r != Z_BUF_ERROR) {
      error = std::string("gzip: ") + (z.msg ? z.msg : "corrupt stream");
      return 0;
    }
    return produced;
  }
  bool done() const override { return !member_open; }
  z_stream z{};
  bool member_open = true;
};

struct XzDecoder final : TraceSource::Decoder {
  XzDecoder() {
    if (lzma_stream_decoder(&s, kXzMemLimit, LZMA_CONCATENATED) != LZMA_OK)
      error = "xz: out of memory";
  }
  ~XzDecoder() override { lzma_end(&s); }
  size_t step(const char* in, size_t in_size, size_t& in_pos, char* out, size_t room,
              bool at_eof) override {
    s.next_in = reinterpret_cast<const uint8_t*>(in + in_pos);
    s.avail_in = in_size - in_pos;
    s.next_out = reinterpret_cast<uint8_t*>(out);
    s.avail_out = room;
    const lzma_ret r = lzma_code(&s, at_eof ? LZMA_FINISH : LZMA_RUN);
    in_pos = in_size - s.avail_in;
    const size_t produced = room - s.avail_out;
    switch (r) {
      case LZMA_OK:
        break;
      case LZMA_STREAM_END:
        ended = true;
        break;
      case LZMA_BUF_ERROR:  // no progress possible: the caller judges (truncated)
        break;
      case LZMA_MEMLIMIT_ERROR:
        error = "xz: decoding needs more than 256 MB of memory";
        break;
      case LZMA_MEM_ERROR:
        error = "xz: out of memory";
        break;
      case LZMA_FORMAT_ERROR:
        error = "xz: not an xz stream";
        break;
      case LZMA_OPTIONS_ERROR:
        error = "xz: unsupported compression options";
        break;
      case LZMA_DATA_ERROR:
        error = "xz: corrupt stream";
        break;
      default:
        error = "xz: decoder error " + std::to_string(static_cast<int>(r));
        break;
    }
    return produced;
  }
  bool done() const override { return ended; }
  lzma_stream s = LZMA_STREAM_INIT;
  bool ended = false;
};

}  // namespace

// Compressed input is decoded by a thread of its own, a few blocks ahead of
// the reader (the replay): on a host with a spare core the decoding costs
// the replay nothing. Each block has room for a partial line in front of
// its text, where the reader moves the line that the previous block ended
// in; the blocks are reused in turn, so memory stays fixed.
struct TraceSource::Pipeline {
  static constexpr int kBlocks = 3;
  struct Block {
    std::vector<char> mem = std::vector<char>(kMaxLineBytes + kBlockBytes);
    size_t size = 0;    // text bytes after the head room
    bool last = false;  // the input ends here (or `error`)
    std::string error;
  };
  Block blocks[kBlocks];
  std::mutex mu;
  std::condition_variable cv;
  int free_blocks = kBlocks, filled = 0, next_write = 0, next_read = 0;
  bool stop = false;
  std::thread thread;
};

const char* TraceSource::format_name(Format f) {
  switch (f) {
    case Format::kZstd:
      return "zstd";
    case Format::kGzip:
      return "gzip";
    case Format::kXz:
      return "xz";
    default:
      return "plain";
  }
}

TraceSource::TraceSource(std::string path) : m_path(std::move(path)) {
  if (m_path == "-") {
    m_fd = STDIN_FILENO;
  } else {
    m_fd = ::open(m_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (m_fd < 0) throw TraceError(m_path + ": cannot open: " + std::strerror(errno));
    m_own_fd = true;
  }
  struct stat st {};
  if (fstat(m_fd, &st) != 0) {
    const int e = errno;
    if (m_own_fd) ::close(m_fd);
    throw TraceError(m_path + ": cannot open: " + std::strerror(e));
  }
  if (S_ISDIR(st.st_mode)) {
    if (m_own_fd) ::close(m_fd);
    throw TraceError(m_path + ": is a directory");
  }
  const bool regular = S_ISREG(st.st_mode);
  if (regular) m_file_size = static_cast<uint64_t>(st.st_size);

  // The first bytes tell the format; they stay the first bytes of the input.
  m_in.resize(kInBytes);
  try {
    while (m_in_size < 6 && !m_in_eof) {
      const size_t got = read_input(m_in.data() + m_in_size, m_in.size() - m_in_size);
      if (got == 0) m_in_eof = true;
      m_in_size += got;
    }
  } catch (...) {
    if (m_own_fd) ::close(m_fd);
    throw;
  }
  const auto* m = reinterpret_cast<const unsigned char*>(m_in.data());
  auto starts = [&](std::initializer_list<unsigned char> magic) {
    if (m_in_size < magic.size()) return false;
    size_t i = 0;
    for (const unsigned char c : magic)
      if (m[i++] != c) return false;
    return true;
  };
  auto refuse = [&](const char* what) {
    if (m_own_fd) ::close(m_fd);
    throw TraceError(m_path + ": " + what +
                     " input; traces are read as plain text, zstd, gzip or xz");
  };
  if (starts({0x28, 0xb5, 0x2f, 0xfd})) {
    m_format = Format::kZstd;
    m_decoder = std::make_unique<ZstdDecoder>();
  } else if (starts({0x1f, 0x8b})) {
    m_format = Format::kGzip;
    m_decoder = std::make_unique<GzipDecoder>();
  } else if (starts({0xfd, '7', 'z', 'X', 'Z', 0x00})) {
    m_format = Format::kXz;
    m_decoder = std::make_unique<XzDecoder>();
  } else if (starts({'B', 'Z', 'h'})) {
    refuse("bzip2-compressed");
  } else if (starts({0x04, 0x22, 0x4d, 0x18})) {
    refuse("lz4-compressed");
  }
  if (m_decoder && !m_decoder->error.empty()) {
    if (m_own_fd) ::close(m_fd);
    throw TraceError(m_path + ": " + m_decoder->error);
  }

  if (m_format == Format::kPlain && regular && m_file_size > 0) {
    void* map = mmap(nullptr, m_file_size, PROT_READ, MAP_PRIVATE, m_fd, 0);
    if (map != MAP_FAILED) {
      madvise(map, m_file_size, MADV_SEQUENTIAL);
      m_map = map;
      m_data = static_cast<const char*>(map);
      m_end = m_file_size;
      m_eof = true;  // nothing to refill
      m_in = {};
      return;
    }
  }
  if (m_decoder) {
    static const char kNothing = 0;
    m_data = &kNothing;
    m_pipe = std::make_unique<Pipeline>();
    m_pipe->thread = std::thread([this] { decode_ahead(); });
    return;
  }
  m_buf.resize(kBlockBytes + kMaxLineBytes);
  m_data = m_buf.data();
  if (m_format == Format::kPlain) {
    // What the format check read is the start of the text.
    std::memcpy(m_buf.data(), m_in.data(), m_in_size);
    m_end = m_in_size;
    m_in = {};
    m_in_size = 0;
    if (m_in_eof) m_eof = true;
  }
}

TraceSource::~TraceSource() {
  if (m_pipe) {
    {
      std::lock_guard<std::mutex> lock(m_pipe->mu);
      m_pipe->stop = true;
    }
    m_pipe->cv.notify_all();
    m_pipe->thread.join();  // it stops at its next block
  }
  if (m_map) munmap(m_map, m_file_size);
  if (m_own_fd) ::close(m_fd);
}

void TraceSource::fail(const std::string& what) const {
  throw TraceError(m_path + ":" + std::to_string(m_line + 1) + ": " + what);
}

void TraceSource::release_consumed() {
  constexpr size_t kChunk = 16 << 20;
  if (!m_map || m_begin < m_released + kChunk) return;
  const size_t upto = m_begin & ~(kChunk - 1);
  madvise(static_cast<char*>(m_map) + m_released, upto - m_released, MADV_DONTNEED);
  m_released = upto;
}

size_t TraceSource::read_input(char* dst, size_t n) {
  for (;;) {
    const ssize_t got = ::read(m_fd, dst, n);
    if (got >= 0) {
      m_file_offset.fetch_add(static_cast<uint64_t>(got), std::memory_order_relaxed);
      return static_cast<size_t>(got);
    }
    if (errno != EINTR) throw TraceError(m_path + ": read error: " + std::strerror(errno));
  }
}

size_t TraceSource::decode(char* out, size_t room) {
  const char* name = format_name(m_format);
  int stalls = 0;
  for (;;) {
    if (m_in_pos == m_in_size && !m_in_eof) {
      m_in_pos = 0;
      m_in_size = read_input(m_in.data(), m_in.size());
      if (m_in_size == 0) m_in_eof = true;
    }
    const size_t before = m_in_pos;
    const size_t got = m_decoder->step(m_in.data(), m_in_size, m_in_pos, out, room, m_in_eof);
    if (!m_decoder->error.empty()) throw TraceError(m_path + ": " + m_decoder->error);
    if (got > 0) return got;
    const bool input_left = m_in_pos < m_in_size;
    if (m_in_eof && !input_left && m_decoder->done()) return 0;
    // No output: the decoder wants more input, or, with none left, the
    // stream ends in the middle.
    if (m_in_pos != before) {
      stalls = 0;
    } else if (m_in_eof || input_left) {
      if (++stalls > 2)
        throw TraceError(m_path + ": " + name +
                         (m_in_eof ? ": truncated stream" : ": decoder makes no progress"));
    }
  }
}

void TraceSource::decode_ahead() {
  Pipeline& p = *m_pipe;
  for (;;) {
    int idx;
    {
      std::unique_lock<std::mutex> lock(p.mu);
      p.cv.wait(lock, [&] { return p.stop || p.free_blocks > 0; });
      if (p.stop) return;
      idx = p.next_write;
      p.next_write = (p.next_write + 1) % Pipeline::kBlocks;
      --p.free_blocks;
    }
    Pipeline::Block& b = p.blocks[idx];
    char* out = b.mem.data() + kMaxLineBytes;
    b.size = 0;
    b.last = false;
    try {
      while (b.size < kBlockBytes) {
        const size_t got = decode(out + b.size, kBlockBytes - b.size);
        if (got == 0) {
          b.last = true;
          break;
        }
        b.size += got;
      }
    } catch (const std::exception& e) {
      b.error = e.what();
      b.last = true;
    } catch (...) {
      b.error = m_path + ": " + format_name(m_format) + ": decoding failed";
      b.last = true;
    }
    {
      std::lock_guard<std::mutex> lock(p.mu);
      ++p.filled;
    }
    p.cv.notify_all();
    if (b.last) return;
  }
}

bool TraceSource::refill() {
  if (m_eof) return false;
  if (m_pipe) {
    Pipeline& p = *m_pipe;
    int idx;
    {
      std::unique_lock<std::mutex> lock(p.mu);
      p.cv.wait(lock, [&] { return p.filled > 0; });
      idx = p.next_read;
      p.next_read = (p.next_read + 1) % Pipeline::kBlocks;
      --p.filled;
    }
    Pipeline::Block& b = p.blocks[idx];
    if (!b.error.empty()) throw TraceError(b.error);
    // The partial line goes in front of the new text (next_line keeps it
    // within kMaxLineBytes), then the block it was in is free.
    const size_t partial = m_end - m_begin;
    char* base = b.mem.data();
    std::memcpy(base + kMaxLineBytes - partial, m_data + m_begin, partial);
    if (m_block >= 0) {
      {
        std::lock_guard<std::mutex> lock(p.mu);
        ++p.free_blocks;
      }
      p.cv.notify_all();
    }
    m_block = idx;
    m_data = base;
    m_begin = kMaxLineBytes - partial;
    m_end = kMaxLineBytes + b.size;
    m_eof = b.last;
    return b.size > 0;
  }
  // Plain input that is not a mapped file: keep the partial line at the
  // front and read behind it.
  if (m_begin > 0) {
    std::memmove(m_buf.data(), m_buf.data() + m_begin, m_end - m_begin);
    m_end -= m_begin;
    m_begin = 0;
  }
  const size_t got = read_input(m_buf.data() + m_end, m_buf.size() - m_end);
  if (got == 0) {
    m_eof = true;
    return false;
  }
  m_end += got;
  return true;
}

bool TraceSource::next_line(std::string_view& line) {
  m_too_long = false;
  size_t scan = m_begin;
  bool dropped = false;  // the start of a too long line has been dropped
  auto too_long = [&](size_t next) {
    if (!m_skip_long) fail("line longer than 1 MB");
    m_too_long = true;
    line = std::string_view();
    m_begin = next;
    ++m_line;
    return true;
  };
  for (;;) {
    const void* nl = std::memchr(m_data + scan, '\n', m_end - scan);
    if (nl) {
      const size_t at = static_cast<size_t>(static_cast<const char*>(nl) - m_data);
      size_t len = at - m_begin;
      if (dropped || len > kMaxLineBytes) return too_long(at + 1);
      if (len > 0 && m_data[m_begin + len - 1] == '\r') --len;
      line = std::string_view(m_data + m_begin, len);
      m_begin = at + 1;
      ++m_line;
      return true;
    }
    if (m_end - m_begin > kMaxLineBytes) {
      if (!m_skip_long) fail("line longer than 1 MB");
      dropped = true;
      m_begin = m_end;  // memory stays bounded: drop it as it comes
    }
    const size_t seen = m_end - m_begin;
    if (!refill()) {
      if (dropped) return too_long(m_end);
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
