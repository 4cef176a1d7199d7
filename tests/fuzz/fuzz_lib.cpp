#include "tests/fuzz/fuzz_lib.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

namespace mmusim::fuzz {

namespace fs = std::filesystem;

uint64_t Rng::next() {
  uint64_t z = (m_state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t Rng::below(uint64_t n) {
  return n == 0 ? 0 : next() % n;
}

uint64_t input_seed(uint64_t seed, uint64_t index) {
  Rng r(seed * 0x100000001b3ULL ^ (index + 0x51ed27));
  r.next();
  return r.next();
}

bool parse_format(const std::string& name, Format& out) {
  if (name == "script")
    out = Format::kScript;
  else if (name == "config")
    out = Format::kConfig;
  else if (name == "trace")
    out = Format::kTrace;
  else if (name == "sweep")
    out = Format::kSweep;
  else
    return false;
  return true;
}

const char* format_name(Format f) {
  switch (f) {
    case Format::kScript:
      return "script";
    case Format::kConfig:
      return "config";
    case Format::kTrace:
      return "trace";
    case Format::kSweep:
      return "sweep";
  }
  return "?";
}

std::string extension_of(const std::string& path) {
  const std::string name = fs::path(path).filename().string();
  const size_t dot = name.rfind('.');
  return dot == std::string::npos ? std::string() : name.substr(dot);
}

bool has_format_extension(Format f, const std::string& path) {
  const std::string ext = extension_of(path);
  switch (f) {
    case Format::kScript:
      return ext == ".scn";
    case Format::kConfig:
      return ext == ".json" || ext == ".yaml" || ext == ".yml" || ext == ".set";
    case Format::kTrace:
      return ext == ".lackey";
    case Format::kSweep:
      return ext == ".yaml" || ext == ".yml" || ext == ".json";
  }
  return false;
}

std::vector<SeedFile> load_corpus(Format f, const std::vector<std::string>& dirs) {
  std::vector<SeedFile> out;
  for (const std::string& d : dirs) {
    std::error_code ec;
    for (const fs::directory_entry& e : fs::directory_iterator(d, ec)) {
      if (!e.is_regular_file() || !has_format_extension(f, e.path().string())) continue;
      std::ifstream in(e.path(), std::ios::binary);
      std::ostringstream s;
      s << in.rdbuf();
      out.push_back(SeedFile{e.path().string(), s.str()});
    }
    if (ec) throw std::runtime_error(d + ": " + ec.message());
  }
  std::sort(out.begin(), out.end(),
            [](const SeedFile& a, const SeedFile& b) { return a.path < b.path; });
  return out;
}

// ---------------------------------------------------------------------------
// Mutator

namespace {

bool is_word_start(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}
bool is_word_char(char c) {
  return is_word_start(c) || (c >= '0' && c <= '9') || c == '.';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

struct Span {
  size_t pos, len;
};

// Numbers: [-]digits, 0x hex digits, an optional size suffix letter.
std::vector<Span> find_numbers(const std::string& s) {
  std::vector<Span> out;
  for (size_t i = 0; i < s.size() && out.size() < 20000;) {
    if (!is_digit(s[i]) || (i > 0 && (is_word_char(s[i - 1])))) {
      ++i;
      continue;
    }
    size_t start = i > 0 && s[i - 1] == '-' ? i - 1 : i;
    size_t j = i;
    if (s[j] == '0' && j + 1 < s.size() && (s[j + 1] == 'x' || s[j + 1] == 'X')) {
      j += 2;
      while (j < s.size() && is_hex(s[j]))
        ++j;
    } else {
      while (j < s.size() && (is_digit(s[j]) || s[j] == '.'))
        ++j;
    }
    if (j < s.size() && std::strchr("KMGTPE", s[j]) && s[j] != '\0') ++j;
    out.push_back(Span{start, j - start});
    i = j;
  }
  return out;
}

std::vector<Span> find_words(const std::string& s) {
  std::vector<Span> out;
  for (size_t i = 0; i < s.size() && out.size() < 20000;) {
    if (!is_word_start(s[i]) || (i > 0 && is_word_char(s[i - 1]))) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < s.size() && is_word_char(s[j]))
      ++j;
    out.push_back(Span{i, j - i});
    i = j;
  }
  return out;
}

// Tokens: runs of bytes other than blanks and JSON/YAML/lackey punctuation
// ("PROT_READ|PROT_WRITE", "0x1000", "4K", "sys_mmap").
bool is_token_char(char c) {
  return !std::strchr(" \t\r\n,:{}[]()\"'=", c) || c == '\0';
}

std::vector<Span> find_tokens(const std::string& s) {
  std::vector<Span> out;
  for (size_t i = 0; i < s.size() && out.size() < 20000;) {
    if (!is_token_char(s[i]) || s[i] == '\0') {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < s.size() && is_token_char(s[j]) && s[j] != '\0')
      ++j;
    out.push_back(Span{i, j - i});
    i = j;
  }
  return out;
}

std::vector<Span> find_lines(const std::string& s) {
  std::vector<Span> out;
  size_t pos = 0;
  while (pos < s.size()) {
    const size_t nl = s.find('\n', pos);
    const size_t end = nl == std::string::npos ? s.size() : nl + 1;
    out.push_back(Span{pos, end - pos});
    pos = end;
  }
  return out;
}

const char* const kBoundaryNumbers[] = {
    "0",
    "1",
    "-1",
    "2",
    "3",
    "7",
    "8",
    "63",
    "64",
    "4095",
    "4096",
    "4097",
    "65535",
    "65536",
    "2097152",
    "1073741824",
    "2147483647",
    "2147483648",
    "-2147483648",
    "4294967295",
    "4294967296",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "18446744073709551615",
    "18446744073709551616",
    "99999999999999999999999999",
    "0x0",
    "0x1",
    "0xfff",
    "0x1000",
    "0x1fffff",
    "0x200000",
    "0x7ffffffff000",
    "0x7fffffffffff",
    "0x800000000000",
    "0xfffffffff000",
    "0xffffffffffff",
    "0x1000000000000",
    "0x7fffffffffffffff",
    "0x8000000000000000",
    "0xfffffffffffff000",
    "0xffffffffffffffff",
    "0x10000000000000000",
    "0x",
    "1e308",
    "1e-308",
    "1.5",
    "-0",
    "0.0",
    "nan",
    "inf",
};

const char* const kSizes[] = {"0K", "1K", "4K", "8K", "64K", "1M",     "2M",  "16M",  "64M", "1G",
                              "4G", "1T", "1P", "1E", "16E", "16383G", "17E", "255T", "1k",  "4KK"};

const char kInterestingBytes[] = {'\0', '\xff', '\n', '\r', '\t', ' ', '[', ']', '{', '}',  '"',
                                  '\'', ':',    '-',  ',',  '#',  '|', '&', '*', '!', '\\', '\x80'};

}  // namespace

Mutator::Mutator(const std::vector<SeedFile>& corpus, std::vector<std::string> extra_words,
                 size_t max_bytes)
    : m_max_bytes(max_bytes) {
  std::set<std::string> lines, tokens;
  std::set<std::string> words(extra_words.begin(), extra_words.end());
  for (const SeedFile& f : corpus) {
    for (const Span& l : find_lines(f.bytes))
      if (lines.size() < 20000) lines.insert(f.bytes.substr(l.pos, l.len));
    for (const Span& w : find_words(f.bytes))
      if (words.size() < 20000) words.insert(f.bytes.substr(w.pos, w.len));
    for (const Span& t : find_tokens(f.bytes))
      if (tokens.size() < 20000 && t.len <= 64) tokens.insert(f.bytes.substr(t.pos, t.len));
  }
  m_tokens.assign(tokens.begin(), tokens.end());
  m_lines.assign(lines.begin(), lines.end());
  m_words.assign(words.begin(), words.end());
}

unsigned Mutator::kinds() {
  return 19;
}

std::string Mutator::mutate_once(const std::string& in, unsigned kind, Rng& rng) const {
  std::string s = in;
  auto pos = [&](bool inclusive_end) { return rng.below(s.size() + (inclusive_end ? 1 : 0)); };
  auto pick_span = [&](const std::vector<Span>& v) { return v[rng.below(v.size())]; };
  auto some_length = [&]() -> size_t {
    static const size_t kLengths[] = {2, 8, 64, 1000, 4096, 65536, 300000};
    return kLengths[rng.below(sizeof kLengths / sizeof kLengths[0])];
  };
  switch (kind) {
    case 0:  // flip a bit
      if (!s.empty()) s[pos(false)] ^= static_cast<char>(1u << rng.below(8));
      break;
    case 1:  // an interesting byte over one
      if (!s.empty()) s[pos(false)] = kInterestingBytes[rng.below(sizeof kInterestingBytes)];
      break;
    case 2: {  // insert random bytes
      std::string b;
      const size_t n = 1 + rng.below(8);
      for (size_t i = 0; i < n; ++i)
        b += rng.chance(50) ? kInterestingBytes[rng.below(sizeof kInterestingBytes)]
                            : static_cast<char>(rng.below(256));
      s.insert(pos(true), b);
      break;
    }
    case 3:  // delete a range
      if (!s.empty()) {
        const size_t p = pos(false);
        s.erase(p, 1 + rng.below(std::min<size_t>(64, s.size() - p)));
      }
      break;
    case 4:  // repeat a range
      if (!s.empty()) {
        const size_t p = pos(false);
        const std::string chunk = s.substr(p, 1 + rng.below(std::min<size_t>(32, s.size() - p)));
        std::string rep;
        for (size_t n = 1 + rng.below(some_length()); n > 0 && rep.size() < m_max_bytes; --n)
          rep += chunk;
        s.insert(p, rep);
      }
      break;
    case 5: {  // splice a line of another seed at a line start
      if (m_lines.empty()) break;
      const std::vector<Span> lines = find_lines(s);
      const size_t p = lines.empty() ? 0 : lines[rng.below(lines.size())].pos;
      std::string l = m_lines[rng.below(m_lines.size())];
      if (l.empty() || l.back() != '\n') l += '\n';
      s.insert(p, l);
      break;
    }
    case 6: {  // delete a line
      const std::vector<Span> lines = find_lines(s);
      if (!lines.empty()) {
        const Span l = pick_span(lines);
        s.erase(l.pos, l.len);
      }
      break;
    }
    case 7: {  // repeat a line
      const std::vector<Span> lines = find_lines(s);
      if (lines.empty()) break;
      const Span l = pick_span(lines);
      std::string line = s.substr(l.pos, l.len);
      if (line.back() != '\n') line += '\n';
      std::string rep;
      for (size_t n = 1 + rng.below(rng.chance(80) ? 8 : some_length());
           n > 0 && rep.size() < m_max_bytes; --n)
        rep += line;
      s.insert(l.pos, rep);
      break;
    }
    case 8: {  // swap two lines
      const std::vector<Span> lines = find_lines(s);
      if (lines.size() < 2) break;
      Span a = pick_span(lines), b = pick_span(lines);
      if (a.pos == b.pos) break;
      if (a.pos > b.pos) std::swap(a, b);
      const std::string la = s.substr(a.pos, a.len), lb = s.substr(b.pos, b.len);
      s = s.substr(0, a.pos) + lb + s.substr(a.pos + a.len, b.pos - a.pos - a.len) + la +
          s.substr(b.pos + b.len);
      break;
    }
    case 9: {  // a number to a boundary value
      const std::vector<Span> nums = find_numbers(s);
      if (nums.empty()) break;
      const Span n = pick_span(nums);
      s.replace(n.pos, n.len, kBoundaryNumbers[rng.below(std::size(kBoundaryNumbers))]);
      break;
    }
    case 10: {  // a number to a size with a suffix
      const std::vector<Span> nums = find_numbers(s);
      const std::string size = kSizes[rng.below(std::size(kSizes))];
      if (nums.empty()) {
        s.insert(pos(true), size);
      } else {
        const Span n = pick_span(nums);
        s.replace(n.pos, n.len, size);
      }
      break;
    }
    case 11: {  // arithmetic on a decimal or hex number
      const std::vector<Span> nums = find_numbers(s);
      if (nums.empty()) break;
      const Span n = pick_span(nums);
      const std::string text = s.substr(n.pos, n.len);
      const bool hex = text.size() > 2 && text[1] == 'x';
      const unsigned long long v = std::strtoull(text.c_str(), nullptr, hex ? 16 : 10);
      static const long long kDelta[] = {1, -1, 2, 4095, 4096, -4096, 0x1000000, 64};
      unsigned long long r = v + static_cast<unsigned long long>(kDelta[rng.below(8)]);
      if (rng.chance(20)) r = v * 2;
      if (rng.chance(10)) r = v << 12;
      char buf[32];
      std::snprintf(buf, sizeof buf, hex ? "0x%llx" : "%llu", r);
      s.replace(n.pos, n.len, buf);
      break;
    }
    case 12: {  // a word to a dictionary word
      if (m_words.empty()) break;
      const std::vector<Span> words = find_words(s);
      const std::string w = m_words[rng.below(m_words.size())];
      if (words.empty() || rng.chance(10)) {
        s.insert(pos(true), w);
      } else {
        const Span at = pick_span(words);
        s.replace(at.pos, at.len, w);
      }
      break;
    }
    case 13: {  // nested brackets, balanced or not, or deeply indented YAML
      static const size_t kDepths[] = {8, 64, 1000, 100000};
      const size_t d = kDepths[rng.below(4)];
      std::string b;
      switch (rng.below(4)) {
        case 0:
          b = std::string(d, '[') + std::string(d, ']');
          break;
        case 1:
          b = std::string(d, '{');
          break;
        case 2:
          for (size_t i = 0; i < d; ++i)
            b += "{\"a\":";
          b += "1" + std::string(d, '}');
          break;
        default:
          for (size_t i = 0; i < std::min<size_t>(d, 2000); ++i)
            b += std::string(i, ' ') + "a:\n";
          break;
      }
      s.insert(pos(true), b);
      break;
    }
    case 14: {  // a very long line or token
      static const char kFill[] = {'A', '9', 'f', ' ', '-', '0'};
      s.insert(pos(true), std::string(std::min(some_length(), m_max_bytes), kFill[rng.below(6)]));
      break;
    }
    case 15:  // NUL bytes
      s.insert(pos(true), std::string(1 + rng.below(3), '\0'));
      break;
    case 16:  // truncate
      if (!s.empty()) s.resize(pos(false));
      break;
    case 17: {  // line endings and blank lines
      if (rng.chance(50)) {
        std::string t;
        for (char c : s)
          t += c == '\n' ? std::string("\r\n") : std::string(1, c);
        s = t;
      } else {
        s.insert(pos(true), std::string(1 + rng.below(1000), '\n'));
      }
      break;
    }
    case 18: {  // a token to a token of the corpus (an argument, flags, a size, a name)
      const std::vector<Span> tokens = find_tokens(s);
      if (tokens.empty() || m_tokens.empty()) break;
      const Span at = pick_span(tokens);
      s.replace(at.pos, at.len, m_tokens[rng.below(m_tokens.size())]);
      break;
    }
    default:
      break;
  }
  if (s.size() > m_max_bytes) s.resize(m_max_bytes);
  return s;
}

std::string Mutator::mutate(const std::string& input, Rng& rng) const {
  std::string s = input;
  const unsigned n = 1 + static_cast<unsigned>(rng.below(rng.chance(60) ? 2 : 8));
  for (unsigned i = 0; i < n; ++i)
    s = mutate_once(s, static_cast<unsigned>(rng.below(kinds())), rng);
  return s;
}

// ---------------------------------------------------------------------------
// Commands

std::string shell_join(const std::vector<std::string>& argv, size_t max_arg) {
  std::string out;
  for (const std::string& whole : argv) {
    if (!out.empty()) out += ' ';
    const std::string a = whole.size() <= max_arg ? whole
                                                  : whole.substr(0, max_arg) + "...(" +
                                                        std::to_string(whole.size()) + " bytes)";
    bool plain = !a.empty();
    for (char c : a)
      plain &= std::isalnum(static_cast<unsigned char>(c)) || std::strchr("-_./=:,+@%", c);
    if (plain) {
      out += a;
      continue;
    }
    out += '\'';
    for (char c : a) {
      if (c == '\'')
        out += "'\\''";
      else
        out += c;
    }
    out += '\'';
  }
  return out;
}

namespace {

// The options of an input's "mmusim-fuzz-args:" line that its format allows.
std::vector<std::string> directive_args(Format f, const std::string& input) {
  static const std::string kMarker = "mmusim-fuzz-args:";
  std::vector<std::string> out;
  const size_t at = input.find(kMarker);
  if (at == std::string::npos) return out;
  const size_t end = input.find('\n', at);
  std::istringstream words(input.substr(at + kMarker.size(), end - at - kMarker.size()));
  std::vector<std::string> w;
  for (std::string t; words >> t;)
    w.push_back(t);
  std::set<std::string> flags, valued = {"--phys-mem", "--swap", "--set"};
  if (f == Format::kScript) flags = {"--compare"};
  if (f == Format::kTrace) flags = {"--skip-bad-lines", "--relocate"};
  if (f == Format::kSweep) valued.clear();
  // exec limits one argument to 128 KB: longer ones are dropped.
  for (std::string& a : w)
    if (a.size() > 100000) a.clear();
  for (size_t i = 0; i < w.size(); ++i) {
    if (flags.count(w[i])) {
      out.push_back(w[i]);
    } else if (valued.count(w[i]) && i + 1 < w.size()) {
      out.push_back(w[i]);
      out.push_back(w[++i]);
    }
  }
  return out;
}

}  // namespace

std::vector<std::string> command_for(Format f, const std::string& mmusim,
                                     const std::string& input_path, const std::string& input,
                                     const std::string& aux_dir) {
  std::vector<std::string> argv{mmusim};
  const std::string tiny = aux_dir + "/tiny.scn";
  switch (f) {
    case Format::kScript:
      argv.insert(argv.end(), {"script", input_path});
      break;
    case Format::kTrace:
      argv.insert(argv.end(), {"trace", input_path, "--quiet"});
      break;
    case Format::kSweep:
      argv.insert(argv.end(), {"sweep", input_path, "-j", "1", "--quiet"});
      break;
    case Format::kConfig:
      argv.insert(argv.end(), {"script", tiny});
      if (extension_of(input_path) == ".set") {
        // One --set per line; exec takes no NUL, limits each argument (128 KB) and all of them
        // with their pointers (ARG_MAX, 2 MB with an 8 MB stack): lines past 512 KB are dropped.
        size_t total = 0;
        for (const Span& l : find_lines(input)) {
          std::string line = input.substr(l.pos, l.len);
          if (!line.empty() && line.back() == '\n') line.pop_back();
          line = line.substr(0, line.find('\0'));
          if (line.empty() || line[0] == '#' || line.size() > 100000) continue;
          if ((total += line.size() + 1 + sizeof "--set" + 2 * sizeof(char*)) > 512 * 1024) break;
          argv.insert(argv.end(), {"--set", line});
        }
        return argv;
      }
      argv.insert(argv.end(), {"--config", input_path});
      break;
  }
  for (const std::string& a : directive_args(f, input))
    argv.push_back(a);
  return argv;
}

// ---------------------------------------------------------------------------
// Child runner

const char* outcome_name(Outcome::Kind k) {
  switch (k) {
    case Outcome::Kind::kOk:
      return "ok";
    case Outcome::Kind::kBadExit:
      return "bad-exit-status";
    case Outcome::Kind::kSignal:
      return "signal";
    case Outcome::Kind::kSanitizer:
      return "sanitizer";
    case Outcome::Kind::kTimeout:
      return "timeout";
    case Outcome::Kind::kMemory:
      return "memory-limit";
    case Outcome::Kind::kOrphans:
      return "left-processes";
    case Outcome::Kind::kError:
      return "driver-error";
  }
  return "?";
}

bool find_sanitizer_report(const std::string& text, std::string& line) {
  static const char* const kPatterns[] = {"ERROR: AddressSanitizer",
                                          "ERROR: LeakSanitizer",
                                          "AddressSanitizer:DEADLYSIGNAL",
                                          "ERROR: UndefinedBehaviorSanitizer",
                                          "SUMMARY: UndefinedBehaviorSanitizer",
                                          " runtime error: ",
                                          "WARNING: AddressSanitizer failed to allocate"};
  size_t best = std::string::npos;
  for (const char* p : kPatterns)
    best = std::min(best, text.find(p));
  if (best == std::string::npos) return false;
  const size_t start = text.rfind('\n', best);
  const size_t b = start == std::string::npos ? 0 : start + 1;
  line = text.substr(b, text.find('\n', best) - b);
  return true;
}

namespace {

struct GroupUsage {
  uint64_t rss_kb = 0;
  unsigned live = 0;  // processes not yet zombies
};

// Sums the RSS of the live processes of process group `pgid` (/proc).
GroupUsage group_usage(pid_t pgid) {
  GroupUsage u;
  DIR* d = opendir("/proc");
  if (!d) return u;
  static const long kPageKb = sysconf(_SC_PAGESIZE) / 1024;
  while (dirent* e = readdir(d)) {
    if (!is_digit(e->d_name[0])) continue;
    char path[300];
    std::snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
    const int fd = open(path, O_RDONLY);
    if (fd < 0) continue;
    char buf[1024];
    const ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) continue;
    buf[n] = '\0';
    const char* p = std::strrchr(buf, ')');
    if (!p) continue;
    // Fields after the command: state ppid pgrp ... rss is the 22nd of them.
    char state = 0;
    long long pgrp = 0;
    std::istringstream f(p + 2);
    std::string tok;
    long long rss = 0;
    for (int i = 0; i < 22 && f >> tok; ++i) {
      if (i == 0) state = tok[0];
      if (i == 2) pgrp = std::atoll(tok.c_str());
      if (i == 21) rss = std::atoll(tok.c_str());
    }
    if (pgrp != pgid || state == 'Z' || state == 'X') continue;
    ++u.live;
    u.rss_kb += static_cast<uint64_t>(rss) * static_cast<uint64_t>(kPageKb);
  }
  closedir(d);
  return u;
}

std::string read_file_head(const std::string& path, size_t max) {
  std::ifstream in(path, std::ios::binary);
  std::string s(max, '\0');
  in.read(s.data(), static_cast<std::streamsize>(max));
  s.resize(static_cast<size_t>(in.gcount()));
  return s;
}

std::string tail_of(const std::string& path, size_t max) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  const std::streamoff size = in.tellg();
  if (size <= 0) return "";
  const std::streamoff from = size > static_cast<std::streamoff>(max) ? size - max : 0;
  in.seekg(from);
  std::string s(static_cast<size_t>(size - from), '\0');
  in.read(s.data(), static_cast<std::streamsize>(s.size()));
  return s;
}

}  // namespace

Outcome run_child(const std::vector<std::string>& argv, const std::string& workdir,
                  const Limits& limits) {
  Outcome o;
  const std::string err_path = workdir + "/stderr.txt";
  std::vector<char*> cargv;
  for (const std::string& a : argv)
    cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  std::string asan_options;
  if (limits.sanitized) {
    // RLIMIT_AS cannot be used: ASan reserves terabytes of shadow. Its own RSS
    // limit and allocation cap take the place; a report exits with 99.
    const char* old = std::getenv("ASAN_OPTIONS");
    asan_options = std::string(old ? old : "") + (old && *old ? ":" : "") +
                   "hard_rss_limit_mb=" + std::to_string(limits.memory_mb) +
                   ":max_allocation_size_mb=" + std::to_string(limits.memory_mb) +
                   ":allocator_may_return_null=0:exitcode=99:log_path=" + workdir + "/sanitizer";
  }
  const auto t0 = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid < 0) {
    o.kind = Outcome::Kind::kError;
    o.detail = std::string("fork: ") + std::strerror(errno);
    return o;
  }
  if (pid == 0) {
    setpgid(0, 0);
    auto limit = [](int what, uint64_t value) {
      rlimit r{static_cast<rlim_t>(value), static_cast<rlim_t>(value)};
      setrlimit(what, &r);
    };
    limit(RLIMIT_CORE, 0);
    limit(RLIMIT_CPU, limits.cpu_seconds ? limits.cpu_seconds
                                         : static_cast<uint64_t>(limits.timeout_seconds) + 5);
    limit(RLIMIT_FSIZE, limits.file_mb << 20);
    if (!limits.sanitized) limit(RLIMIT_AS, (limits.memory_mb + 256) << 20);
    if (chdir(workdir.c_str()) != 0) _exit(126);
    const int null_fd = open("/dev/null", O_RDWR);
    const int err_fd = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (null_fd < 0 || err_fd < 0) _exit(126);
    dup2(null_fd, 0);
    dup2(null_fd, 1);
    dup2(err_fd, 2);
    if (limits.sanitized) {
      setenv("ASAN_OPTIONS", asan_options.c_str(), 1);
      setenv("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1:exitcode=99", 0);
    }
    execv(cargv[0], cargv.data());
    const char msg[] = "mmusim-fuzz: exec failed\n";
    if (write(2, msg, sizeof msg - 1) < 0) _exit(127);
    _exit(127);
  }
  setpgid(pid, pid);
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  int status = 0;
  rusage ru{};
  bool exited = false;
  auto sleep_us = std::chrono::microseconds(500);
  auto next_rss_check = 0.02;
  while (!exited) {
    const pid_t r = wait4(pid, &status, WNOHANG, &ru);
    if (r == pid) {
      exited = true;
      break;
    }
    const double t = elapsed();
    if (t > limits.timeout_seconds) {
      o.kind = Outcome::Kind::kTimeout;
      o.detail = "no exit within " + std::to_string(limits.timeout_seconds) + " s";
    } else if (t >= next_rss_check) {
      next_rss_check = t + 0.02;
      const GroupUsage u = group_usage(pid);
      o.peak_rss_kb = std::max(o.peak_rss_kb, u.rss_kb);
      if (u.rss_kb > limits.memory_mb * 1024) {
        o.kind = Outcome::Kind::kMemory;
        o.detail = "process group RSS " + std::to_string(u.rss_kb / 1024) + " MB over " +
                   std::to_string(limits.memory_mb) + " MB";
      }
    }
    if (o.kind != Outcome::Kind::kOk) {
      kill(-pid, SIGKILL);
      wait4(pid, &status, 0, &ru);
      break;
    }
    std::this_thread::sleep_for(sleep_us);
    sleep_us = std::min(sleep_us * 2, std::chrono::microseconds(10000));
  }
  o.seconds = elapsed();
  o.peak_rss_kb = std::max(o.peak_rss_kb, static_cast<uint64_t>(ru.ru_maxrss));
  // Anything the child started must be gone with it (a sweep's points).
  if (o.kind == Outcome::Kind::kOk) {
    for (int i = 0; i < 50 && group_usage(pid).live > 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    const GroupUsage u = group_usage(pid);
    if (u.live > 0) {
      o.kind = Outcome::Kind::kOrphans;
      o.detail = std::to_string(u.live) + " process(es) of its group still running after it exited";
    }
  }
  kill(-pid, SIGKILL);

  // Sanitizer output goes to workdir/sanitizer.PID (log_path): one file per process of the group.
  std::string err = read_file_head(err_path, 4 << 20);
  o.stderr_tail = tail_of(err_path, 4000);
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(workdir, ec)) {
    if (e.path().filename().string().rfind("sanitizer.", 0) != 0) continue;
    const std::string log = read_file_head(e.path().string(), 1 << 20);
    err += "\n" + log;
    o.stderr_tail += "\n[" + e.path().filename().string() + "]\n" + log.substr(0, 4000);
  }
  if (WIFEXITED(status)) o.exit_status = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) o.signal = WTERMSIG(status);
  std::string report;
  if (o.kind == Outcome::Kind::kTimeout || o.kind == Outcome::Kind::kMemory) {
    if (find_sanitizer_report(err, report)) o.detail += "; " + report;
  } else if (find_sanitizer_report(err, report)) {
    o.kind = Outcome::Kind::kSanitizer;
    o.detail = report;
  } else if (err.find("bad_alloc") != std::string::npos) {
    // Without ASan, RLIMIT_AS turns a runaway allocation into std::bad_alloc.
    o.kind = Outcome::Kind::kMemory;
    o.detail = "allocation failed (std::bad_alloc) under the " + std::to_string(limits.memory_mb) +
               " MB limit";
  } else if (o.signal != 0) {
    o.kind = Outcome::Kind::kSignal;
    o.detail = std::string("killed by signal ") + std::to_string(o.signal) + " (" +
               strsignal(o.signal) + ")";
    if (o.signal == SIGXCPU) o.detail += ": CPU time limit";
  } else if (o.exit_status == 127 && err.find("mmusim-fuzz: exec failed") != std::string::npos) {
    o.kind = Outcome::Kind::kError;
    o.detail = "the driver could not start the command (exec failed)";
  } else if (o.exit_status != 0 && o.exit_status != 1 && o.exit_status != 2) {
    o.kind = Outcome::Kind::kBadExit;
    o.detail = "exit status " + std::to_string(o.exit_status);
  }
  return o;
}

}  // namespace mmusim::fuzz
