// mmusim_scriptgen --seed N [--ops K] [--features LIST]: prints a seeded
// random syscall script (see script_generator.h).
#include <cstdio>
#include <string>

#include "testbench/script/script_parser.h"
#include "testbench/scriptgen/script_generator.h"

namespace {

constexpr const char* kUsage =
    "usage: mmusim_scriptgen --seed N [--ops K] [--features LIST]\n"
    "Prints a random syscall script, a pure function of the options.\n"
    "  --seed N         the seed (required)\n"
    "  --ops K          operations before the final maps (default 40)\n"
    "  --features LIST  comma-separated families: anon, files, mremap, madvise,\n"
    "                   msync, growsdown, rawflags, or all (default all); loads,\n"
    "                   stores and maps are always generated\n";

int usage_error(const std::string& what) {
  std::fprintf(stderr, "mmusim_scriptgen: %s\n\n%s", what.c_str(), kUsage);
  return 2;
}

}  // namespace

int main(int argc, char* argv[]) {
  using namespace mmusim;
  scriptgen::GeneratorOptions o;
  bool have_seed = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (a != "--seed" && a != "--ops" && a != "--features")
      return usage_error("unexpected argument '" + a + "'");
    if (i + 1 >= argc) return usage_error(a + " needs a value");
    const std::string v = argv[++i];
    std::string what;
    uint64_t n = 0;
    if (a == "--features") {
      const auto f = scriptgen::parse_features(v, &what);
      if (!f) return usage_error(what);
      o.features = *f;
    } else if (!script::parse_number(v, n, what)) {
      return usage_error(a + ": " + what);
    } else if (a == "--seed") {
      o.seed = n;
      have_seed = true;
    } else if (n > 1000000) {
      return usage_error("--ops: " + v + " is more than 1000000");
    } else {
      o.ops = static_cast<unsigned>(n);
    }
  }
  if (!have_seed) return usage_error("--seed is required");
  std::fputs(scriptgen::generate_script(o).c_str(), stdout);
  return 0;
}
