// mmusim_difftest: generates seeded random syscall scripts and compares the
// simulator's transcript (`mmusim script --compare`) with the host kernel's
// (`mmusim_linux_replay`). Prints every difference with its seed, script and
// a unified diff; exit status 0 when all agree, 1 when some differ, 2 for bad
// usage.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "testbench/script/script_parser.h"
#include "tests/difftest/difftest.h"

namespace {

constexpr const char* kUsage =
    "usage: mmusim_difftest [options]\n"
    "  --seed S          first seed (default 1)\n"
    "  --count N         number of seeds (default 100)\n"
    "  --ops K           operations per script (default 40)\n"
    "  --features LIST   generator families (default anon; see mmusim_scriptgen)\n"
    "  --keep DIR        keep failing scripts and both transcripts in DIR\n"
    "  --jobs J          scripts compared in parallel (default 2)\n"
    "  --mmusim PATH     simulator binary (default: the one built with this tool)\n"
    "  --replayer PATH   Linux replayer binary (default: the one built with this tool)\n"
    "  --max-reports M   print at most M differences in full (default 20)\n";

int usage_error(const std::string& what) {
  std::fprintf(stderr, "mmusim_difftest: %s\n\n%s", what.c_str(), kUsage);
  return 2;
}

}  // namespace

int main(int argc, char* argv[]) {
  using namespace mmusim;
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
  difftest::Tools tools{MMUSIM_BINARY, MMUSIM_REPLAY_BINARY};
  difftest::DifftestOptions o;
  o.generator.features = scriptgen::kAnon;
  o.jobs = 2;
  uint64_t max_reports = 20;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (i + 1 >= argc)
      return usage_error(a + (a.rfind("--", 0) == 0 ? " needs a value" : ": unexpected argument"));
    const std::string v = argv[++i];
    std::string what;
    uint64_t n = 0;
    auto number = [&]() {
      if (!script::parse_number(v, n, what)) {
        usage_error(a + ": " + what);
        std::exit(2);
      }
      return n;
    };
    if (a == "--seed") {
      o.first_seed = number();
    } else if (a == "--count") {
      o.count = number();
    } else if (a == "--ops") {
      o.generator.ops = static_cast<unsigned>(std::min<uint64_t>(number(), 1000000));
    } else if (a == "--jobs") {
      o.jobs = static_cast<unsigned>(std::max<uint64_t>(1, std::min<uint64_t>(number(), 64)));
    } else if (a == "--max-reports") {
      max_reports = number();
    } else if (a == "--features") {
      const auto f = scriptgen::parse_features(v, &what);
      if (!f) return usage_error(what);
      o.generator.features = *f;
    } else if (a == "--keep") {
      o.keep_dir = v;
    } else if (a == "--mmusim") {
      tools.mmusim = v;
    } else if (a == "--replayer") {
      tools.replayer = v;
    } else {
      return usage_error("unknown option '" + a + "'");
    }
  }
  difftest::DifftestSummary s;
  try {
    s = difftest::run_difftest(tools, o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mmusim_difftest: error: %s\n", e.what());
    return 2;
  }
  uint64_t shown = 0;
  for (const difftest::SeedFailure& f : s.failures) {
    if (shown++ >= max_reports) break;
    std::printf("%s\n", difftest::format_failure(f).c_str());
  }
  std::printf("difftest: %llu scripts (seeds %llu..%llu, --ops %u, --features %s), %zu differ\n",
              static_cast<unsigned long long>(s.runs),
              static_cast<unsigned long long>(o.first_seed),
              static_cast<unsigned long long>(o.first_seed + o.count - 1), o.generator.ops,
              scriptgen::features_string(o.generator.features).c_str(), s.failures.size());
  if (!s.failures.empty()) {
    std::printf("differing seeds:");
    for (const difftest::SeedFailure& f : s.failures)
      std::printf(" %llu", static_cast<unsigned long long>(f.seed));
    std::printf("\n");
  }
  return s.failures.empty() ? 0 : 1;
}
