// The fuzz driver's parts (docs/fuzzing.md): a seeded, format-aware mutator,
// the command line each input format runs, and a child runner that enforces
// a wall-clock, CPU and memory limit per input and judges the outcome.
// Plain C++ and POSIX; no SystemC.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mmusim::fuzz {

// splitmix64: small, seedable, the same sequence on every host.
class Rng {
 public:
  explicit Rng(uint64_t seed) : m_state(seed) {}
  uint64_t next();
  uint64_t below(uint64_t n);  // [0, n), n > 0
  bool chance(unsigned percent) { return below(100) < percent; }

 private:
  uint64_t m_state;
};

// The seed of input `index` of a campaign with seed `seed`: every input can be
// regenerated alone (--seed S --input I).
uint64_t input_seed(uint64_t seed, uint64_t index);

enum class Format { kScript, kConfig, kTrace, kSweep };
bool parse_format(const std::string& name, Format& out);
const char* format_name(Format f);

struct SeedFile {
  std::string path;
  std::string bytes;
};

// The seed files of a format under the given folders (not recursive), by
// extension, sorted by path.
std::vector<SeedFile> load_corpus(Format f, const std::vector<std::string>& dirs);
bool has_format_extension(Format f, const std::string& path);

class Mutator {
 public:
  // `corpus` supplies lines to splice and words to substitute; `extra_words`
  // adds a dictionary (e.g. every configuration key).
  Mutator(const std::vector<SeedFile>& corpus, std::vector<std::string> extra_words,
          size_t max_bytes = 1 << 20);

  // A mutation of the input: 1 to 8 stacked mutations (byte flips,
  // inserts, deletes, line splices and repeats, numbers to boundary values
  // and sizes, dictionary words, corpus tokens, nested brackets, long lines,
  // NUL bytes).
  std::string mutate(const std::string& input, Rng& rng) const;

  // One mutation by number, for tests (kinds() of them).
  std::string mutate_once(const std::string& input, unsigned kind, Rng& rng) const;
  static unsigned kinds();

  const std::vector<std::string>& words() const { return m_words; }

 private:
  std::vector<std::string> m_lines;
  std::vector<std::string> m_words;
  std::vector<std::string> m_tokens;
  size_t m_max_bytes;
};

// What one run of an input did.
struct Outcome {
  enum class Kind { kOk, kBadExit, kSignal, kSanitizer, kTimeout, kMemory, kOrphans, kError };
  Kind kind = Kind::kOk;
  int exit_status = -1;  // if it exited
  int signal = 0;        // if a signal ended it
  double seconds = 0;    // wall clock
  uint64_t peak_rss_kb = 0;
  std::string detail;  // what failed, e.g. the sanitizer's first report line
  std::string stderr_tail;

  bool failed() const { return kind != Kind::kOk; }
};
const char* outcome_name(Outcome::Kind k);

struct Limits {
  double timeout_seconds = 10;  // wall clock, whole process group
  unsigned cpu_seconds = 0;     // RLIMIT_CPU (0: timeout + 5)
  uint64_t memory_mb = 2048;  // RSS of the process group (polled); also RLIMIT_AS unless sanitized
  bool sanitized = false;     // the program is built with ASan: no RLIMIT_AS, ASAN_OPTIONS instead
  uint64_t file_mb = 256;     // RLIMIT_FSIZE
};

// Runs argv[0] with argv in a new process group, in `workdir`, stdout to
// /dev/null and stderr to workdir/stderr.txt (sanitized: sanitizer output to
// workdir/sanitizer.PID, read with it); kills the whole group on a
// limit. Exit status must be 0, 1 or 2; no signal, no sanitizer report, no
// process of the group left running after the child exits.
Outcome run_child(const std::vector<std::string>& argv, const std::string& workdir,
                  const Limits& limits);

// Whether stderr holds a sanitizer report (its first line goes to `line`).
bool find_sanitizer_report(const std::string& stderr_text, std::string& line);

// The arguments a format runs: argv for `mmusim` on the input written to
// `input_path`. `aux_dir` holds the tiny script configs run against.
// Inputs may carry a line "mmusim-fuzz-args: ARGS" (after a comment marker);
// the options in it that the format allows are appended (see docs/fuzzing.md).
std::vector<std::string> command_for(Format f, const std::string& mmusim,
                                     const std::string& input_path, const std::string& input,
                                     const std::string& aux_dir);

// Input file name extension for a mutated input of a seed (keeps the seed's:
// the config reader picks JSON or YAML by it).
std::string extension_of(const std::string& path);

// Shell-quoted command line, for reports; arguments longer than max_arg are elided.
std::string shell_join(const std::vector<std::string>& argv, size_t max_arg = SIZE_MAX);

}  // namespace mmusim::fuzz
