#!/usr/bin/env bash
# Sets up a fresh Debian machine for mmusim and runs it:
#   bash testbench/bootstrap.sh run [mmusim run options]   build, run the default workload
#   bash testbench/bootstrap.sh test                       build, run every test
#   bash testbench/bootstrap.sh bench                      build, run the benchmarks
#   bash testbench/bootstrap.sh asan [ctest options]       ASan+UBSan build, fast tests + fuzz tests
#   bash testbench/bootstrap.sh fuzz [mmusim_fuzz options] ASan+UBSan build, a fuzz campaign per
#                                                          input format (default --seconds 600 each)
# Installs missing Debian packages (apt-get, as root or through sudo), builds
# into ./build (Release; asan and fuzz: ./build-asan, docs/fuzzing.md), and
# reuses that build on later calls.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
mode=${1:-run}
shift || true

packages=(build-essential cmake pkg-config git libsystemc-dev verilator libgtest-dev
          libbenchmark-dev clang-format valgrind
          libyaml-cpp-dev nlohmann-json3-dev libcli11-dev    # config files and options
          zstd libzstd-dev gzip zlib1g-dev xz-utils liblzma-dev  # compressed traces
          sqlite3                                            # a real program for the cachegrind test
          librsvg2-bin imagemagick                           # sweep plots rendered to PNG in a test
          slurmctld slurmd slurm-client munge)  # a real single-node Slurm for the sweep tests
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "bootstrap: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

jobs=$(nproc 2>/dev/null || echo 2)
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
case "$mode" in
  asan|fuzz)
    # RelWithDebInfo: reports with source lines. Without the RTL (Verilated code takes long to
    # build instrumented; the RTL keeps its lock-step tests in the Release build) and benchmarks.
    cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMMUSIM_SANITIZE=address,undefined \
          -DMMUSIM_BUILD_RTL=OFF -DMMUSIM_BUILD_BENCHMARKS=OFF >/dev/null
    # Sanitizer output goes to files (printed at the end): SystemC runs its threads on stacks of
    # its own, and an exception thrown there makes ASan print a warning on stderr, which tests
    # comparing stderr would take for mmusim's (docs/fuzzing.md).
    mkdir -p build-asan/sanitizer-logs
    rm -f build-asan/sanitizer-logs/log.*
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:check_initialization_order=1:strict_string_checks=1:log_path=$PWD/build-asan/sanitizer-logs/log}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:log_path=$PWD/build-asan/sanitizer-logs/log}
    # Prints the sanitizer reports of the run (not the coroutine-stack warnings).
    report_sanitizer_logs() {
      local found=0 f
      for f in build-asan/sanitizer-logs/log.*; do
        [ -e "$f" ] || continue
        if grep -q "ERROR: \|runtime error: " "$f"; then
          echo "=== $f" >&2
          cat "$f" >&2
          found=1
        fi
      done
      return $found
    }
    ;;
  *)
    cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
    ;;
esac

case "$mode" in
  run)
    cmake --build build --target mmusim -j"$jobs"
    exec ./build/testbench/mmusim run "$@"
    ;;
  test)
    cmake --build build -j"$jobs"
    cd build
    exec ctest --output-on-failure -j"$jobs" --timeout 600 "$@"
    ;;
  bench)
    cmake --build build --target mmusim_bench -j"$jobs"
    exec ./build/testbench/mmusim_bench "$@"
    ;;
  asan)
    cmake --build build-asan -j"$jobs"
    status=0
    (cd build-asan && ctest --output-on-failure -j"$jobs" --timeout 600 -LE slow "$@") || status=$?
    report_sanitizer_logs || status=1
    exit $status
    ;;
  fuzz)
    # The fuzz tests with a longer budget: MMUSIM_FUZZ_ARGS is appended to each one's options.
    cmake --build build-asan --target mmusim mmusim_fuzz -j"$jobs"
    export MMUSIM_FUZZ_ARGS="${*:---runs 1000000000 --seconds 600} --max-failures 1000"
    status=0
    (cd build-asan && ctest --output-on-failure -j"$jobs" --timeout 100000 -L fuzz) || status=$?
    report_sanitizer_logs || status=1
    exit $status
    ;;
  *)
    echo "usage: bash testbench/bootstrap.sh run|test|bench|asan|fuzz [args]" >&2
    exit 2
    ;;
esac
