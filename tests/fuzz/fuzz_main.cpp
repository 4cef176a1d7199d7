// mmusim_fuzz: runs mmusim on the seed files of one input format and on
// seeded mutations of them, each in a child process with a time and memory
// limit, and fails on a crash, a hang, a runaway allocation, a sanitizer
// report or an exit status other than 0, 1 or 2 (docs/fuzzing.md).
//
//   mmusim_fuzz --format F --mmusim PATH --corpus DIR... --aux DIR [--runs N]
//               [--seconds S] [--seed S] [--crash-dir D] [--timeout T] [--memory-mb M]
//               [--sanitized] [--max-failures K] [--no-seeds] [--input I]
//   mmusim_fuzz --format F --mmusim PATH --aux DIR --replay FILE [--sanitized]
// MMUSIM_FUZZ_ARGS in the environment is appended to the options.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "tests/fuzz/fuzz_lib.h"

namespace fs = std::filesystem;
using namespace mmusim::fuzz;

namespace {

constexpr const char* kUsage =
    "usage: mmusim_fuzz --format script|config|trace|sweep --mmusim PATH --aux DIR\n"
    "                   [--corpus DIR]... [--runs N] [--seconds S] [--seed S]\n"
    "                   [--crash-dir DIR] [--timeout SECONDS] [--memory-mb MB] [--sanitized]\n"
    "                   [--max-failures K] [--no-seeds] [--input I] [--replay FILE] [--verbose]\n"
    "  Runs every seed file of the corpus folders, then N seeded mutations of them\n"
    "  (or until S seconds have passed), each in a child process with a wall-clock,\n"
    "  CPU and memory limit. A failing input is saved in the crash folder with a\n"
    "  .txt naming the outcome and the command that replays it. Exit 1 if any input\n"
    "  failed. --input I runs mutation I of the seed alone; --replay FILE runs FILE.\n"
    "  --sanitized: mmusim is built with ASan (memory limit through ASAN_OPTIONS).\n"
    "  MMUSIM_FUZZ_ARGS in the environment is appended to the options.\n";

struct Options {
  Format format = Format::kScript;
  bool have_format = false;
  std::string mmusim;
  std::string aux;
  std::vector<std::string> corpus;
  uint64_t runs = 100;
  double seconds = 0;  // 0: no time budget
  uint64_t seed = 1;
  std::string crash_dir = "fuzz-crashes";
  Limits limits;
  uint64_t max_failures = 20;
  bool seeds = true;
  long long input = -1;
  std::string replay;
  bool verbose = false;
};

[[noreturn]] void usage(const std::string& what) {
  std::fprintf(stderr, "mmusim_fuzz: %s\n\n%s", what.c_str(), kUsage);
  std::exit(2);
}

Options parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(a + " needs a value");
      return argv[++i];
    };
    auto number = [&]() -> double {
      const std::string v = value();
      char* end = nullptr;
      const double d = std::strtod(v.c_str(), &end);
      if (v.empty() || *end != '\0' || d < 0) usage(a + ": '" + v + "' is not a number");
      return d;
    };
    if (a == "--format") {
      if (!parse_format(value(), o.format)) usage("unknown format");
      o.have_format = true;
    } else if (a == "--mmusim") {
      o.mmusim = value();
    } else if (a == "--aux") {
      o.aux = value();
    } else if (a == "--corpus") {
      o.corpus.push_back(value());
    } else if (a == "--runs") {
      o.runs = static_cast<uint64_t>(number());
    } else if (a == "--seconds") {
      o.seconds = number();
    } else if (a == "--seed") {
      o.seed = static_cast<uint64_t>(number());
    } else if (a == "--crash-dir") {
      o.crash_dir = value();
    } else if (a == "--timeout") {
      o.limits.timeout_seconds = number();
    } else if (a == "--memory-mb") {
      o.limits.memory_mb = static_cast<uint64_t>(number());
    } else if (a == "--sanitized") {
      o.limits.sanitized = true;
    } else if (a == "--max-failures") {
      o.max_failures = static_cast<uint64_t>(number());
    } else if (a == "--no-seeds") {
      o.seeds = false;
    } else if (a == "--input") {
      o.input = static_cast<long long>(number());
    } else if (a == "--replay") {
      o.replay = value();
    } else if (a == "--verbose") {
      o.verbose = true;
    } else if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else {
      usage("unexpected argument '" + a + "'");
    }
  }
  if (!o.have_format) usage("--format is required");
  if (o.mmusim.empty()) usage("--mmusim is required");
  if (o.aux.empty()) usage("--aux is required");
  o.mmusim = fs::absolute(o.mmusim).string();
  o.aux = fs::absolute(o.aux).string();
  if (o.replay.empty() && o.corpus.empty()) usage("--corpus is required");
  return o;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot read");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
  if (!out) throw std::runtime_error(path + ": cannot write");
}

// Configuration keys and enum values, from `mmusim config`: words for the
// config and sweep mutators.
std::vector<std::string> config_words(const std::string& mmusim) {
  std::vector<std::string> words;
  const std::string cmd = "'" + mmusim + "' config 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return words;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, p)) {
    const std::string line = buf;
    const size_t eq = line.find(" = ");
    if (eq == std::string::npos || line.find(' ') < eq) continue;
    words.push_back(line.substr(0, eq));
    const size_t en = line.find("(enum, ");
    if (en != std::string::npos) {
      std::istringstream alts(line.substr(en + 7, line.find(')', en) - en - 7));
      for (std::string w; alts >> w;)
        if (w != "|") words.push_back(w);
    }
  }
  pclose(p);
  return words;
}

struct Input {
  std::string label;  // seed:NAME or mutation index
  std::string name;   // file name stem for the crash folder
  std::string ext;
  std::string bytes;
};

struct Runner {
  const Options& opt;
  std::string tmp_root;
  uint64_t counter = 0;

  // Runs one input in a fresh folder (the sweep's output lands there too).
  Outcome run(const Input& in, std::vector<std::string>& argv_out) {
    const std::string dir = tmp_root + "/" + std::to_string(counter++);
    fs::create_directories(dir);
    const std::string input_path = dir + "/input" + in.ext;
    write_file(input_path, in.bytes);
    if (opt.format == Format::kSweep) {  // the spec's workload files, relative to it
      for (const fs::directory_entry& e : fs::directory_iterator(opt.aux))
        fs::create_symlink(e.path(), dir + "/" + e.path().filename().string());
    }
    argv_out = command_for(opt.format, opt.mmusim, input_path, in.bytes, opt.aux);
    Outcome o = run_child(argv_out, dir, opt.limits);
    std::error_code ec;
    fs::remove_all(dir, ec);
    return o;
  }
};

std::string replay_command(const Options& o, const std::string& file) {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  std::vector<std::string> argv{ec ? std::string("mmusim_fuzz") : self.string(),
                                "--format",
                                format_name(o.format),
                                "--mmusim",
                                o.mmusim,
                                "--aux",
                                o.aux,
                                "--replay",
                                file};
  if (o.limits.sanitized) argv.push_back("--sanitized");
  return shell_join(argv);
}

std::string describe(const Outcome& o) {
  std::ostringstream s;
  s << outcome_name(o.kind);
  if (!o.detail.empty()) s << ": " << o.detail;
  return s.str();
}

int replay(const Options& opt) {
  Runner runner{opt,
                fs::temp_directory_path().string() + "/mmusim-fuzz-" + std::to_string(getpid())};
  Input in{"replay", "replay", extension_of(opt.replay), read_file(opt.replay)};
  std::vector<std::string> argv;
  const Outcome o = runner.run(in, argv);
  std::error_code ec;
  fs::remove_all(runner.tmp_root, ec);
  std::printf("command: %s\n", shell_join(argv, 300).c_str());
  std::printf("outcome: %s (exit %d, signal %d, %.2f s, peak RSS %llu MB)\n", describe(o).c_str(),
              o.exit_status, o.signal, o.seconds,
              static_cast<unsigned long long>(o.peak_rss_kb / 1024));
  std::printf("stderr (tail):\n%s\n", o.stderr_tail.c_str());
  return o.failed() ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  // MMUSIM_FUZZ_ARGS: more options after the command line's (a longer campaign of the tests).
  std::vector<std::string> words(argv, argv + argc);
  if (const char* extra = std::getenv("MMUSIM_FUZZ_ARGS")) {
    std::istringstream in(extra);
    for (std::string w; in >> w;)
      words.push_back(w);
  }
  std::vector<char*> args;
  for (std::string& w : words)
    args.push_back(w.data());
  const Options opt = parse_args(static_cast<int>(args.size()), args.data());
  try {
    if (!opt.replay.empty()) return replay(opt);

    const std::vector<SeedFile> corpus = load_corpus(opt.format, opt.corpus);
    if (corpus.empty()) {
      std::fprintf(stderr, "mmusim_fuzz: no %s seed files in the corpus folders\n",
                   format_name(opt.format));
      return 2;
    }
    std::vector<std::string> extra;
    if (opt.format == Format::kConfig || opt.format == Format::kSweep)
      extra = config_words(opt.mmusim);
    // Seeds named finding-* (failures found before, kept until fixed) run as they are but are
    // not mutated: their mutations would fail the same way and use up the run.
    std::vector<SeedFile> bases;
    for (const SeedFile& f : corpus)
      if (fs::path(f.path).filename().string().rfind("finding-", 0) != 0) bases.push_back(f);
    if (bases.empty()) bases = corpus;
    const Mutator mutator(bases, extra);

    Runner runner{opt, fs::temp_directory_path().string() + "/mmusim-fuzz-" +
                           format_name(opt.format) + "-" + std::to_string(getpid())};
    fs::create_directories(opt.crash_dir);
    const auto t0 = std::chrono::steady_clock::now();
    auto elapsed = [&] {
      return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    };

    std::vector<Input> inputs;
    if (opt.seeds && opt.input < 0)
      for (const SeedFile& s : corpus) {
        const std::string stem = fs::path(s.path).stem().string();
        inputs.push_back(Input{"seed " + s.path,
                               std::string(format_name(opt.format)) + "-seed-" + stem,
                               extension_of(s.path), s.bytes});
      }
    const uint64_t first = opt.input >= 0 ? static_cast<uint64_t>(opt.input) : 0;
    const uint64_t last = opt.input >= 0 ? first + 1 : opt.runs;

    uint64_t tried = 0, failures = 0;
    std::map<std::string, uint64_t> by_status;
    std::vector<std::pair<double, std::string>> slowest;
    auto one = [&](const Input& in) {
      std::vector<std::string> cmd;
      const Outcome o = runner.run(in, cmd);
      ++tried;
      const std::string status =
          o.failed() ? outcome_name(o.kind) : "exit " + std::to_string(o.exit_status);
      ++by_status[status];
      slowest.emplace_back(o.seconds, in.label);
      std::sort(slowest.rbegin(), slowest.rend());
      if (slowest.size() > 5) slowest.pop_back();
      if (opt.verbose)
        std::printf("%-40s %-18s %6.2f s %5llu MB\n", in.label.c_str(), status.c_str(), o.seconds,
                    static_cast<unsigned long long>(o.peak_rss_kb / 1024));
      if (!o.failed()) return;
      ++failures;
      const std::string file = fs::absolute(opt.crash_dir).string() + "/" + in.name + in.ext;
      write_file(file, in.bytes);
      std::ostringstream txt;
      txt << "input:   " << in.label << "\n"
          << "outcome: " << describe(o) << "\n"
          << "exit " << o.exit_status << ", signal " << o.signal << ", " << o.seconds
          << " s, peak RSS " << o.peak_rss_kb / 1024 << " MB\n"
          << "command: " << shell_join(cmd, 300) << "\n"
          << "replay:  " << replay_command(opt, file) << "\n"
          << "stderr (tail):\n"
          << o.stderr_tail << "\n";
      write_file(file + ".txt", txt.str());
      std::printf("FAIL %s: %s\n  saved %s\n  replay: %s\n", in.label.c_str(), describe(o).c_str(),
                  file.c_str(), replay_command(opt, file).c_str());
      std::fflush(stdout);
    };

    auto budget_left = [&] {
      return failures < opt.max_failures && (opt.seconds <= 0 || elapsed() < opt.seconds);
    };
    for (const Input& in : inputs) {
      if (!budget_left()) break;
      one(in);
    }
    for (uint64_t i = first; i < last && budget_left(); ++i) {
      Rng rng(input_seed(opt.seed, i));
      const SeedFile& base = bases[rng.below(bases.size())];
      std::string bytes = mutator.mutate(base.bytes, rng);
      char name[96];
      std::snprintf(name, sizeof name, "%s-s%llu-i%llu", format_name(opt.format),
                    static_cast<unsigned long long>(opt.seed), static_cast<unsigned long long>(i));
      one(Input{"mutation " + std::to_string(i) + " of " + fs::path(base.path).filename().string(),
                name, extension_of(base.path), std::move(bytes)});
    }
    std::error_code ec;
    fs::remove_all(runner.tmp_root, ec);

    std::printf("\n%s: %llu inputs in %.1f s (%zu seed files, seed %llu), %llu failed\n",
                format_name(opt.format), static_cast<unsigned long long>(tried), elapsed(),
                corpus.size(), static_cast<unsigned long long>(opt.seed),
                static_cast<unsigned long long>(failures));
    for (const auto& [status, n] : by_status)
      std::printf("  %-18s %llu\n", status.c_str(), static_cast<unsigned long long>(n));
    std::printf("slowest:\n");
    for (const auto& [s, label] : slowest)
      std::printf("  %7.2f s  %s\n", s, label.c_str());
    if (failures)
      std::printf("failing inputs saved in %s\n", fs::absolute(opt.crash_dir).string().c_str());
    if (failures >= opt.max_failures)
      std::printf("stopped after %llu failures\n", static_cast<unsigned long long>(failures));
    return failures ? 1 : 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mmusim_fuzz: %s\n", e.what());
    return 2;
  }
}
