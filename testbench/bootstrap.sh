#!/usr/bin/env bash
# Sets up a fresh Debian machine for mmusim and runs it:
#   bash testbench/bootstrap.sh run [mmusim run options]   build, run the default workload
#   bash testbench/bootstrap.sh test                       build, run every test
#   bash testbench/bootstrap.sh bench                      build, run the benchmarks
# Installs missing Debian packages (apt-get, as root or through sudo), builds
# into ./build (Release), and reuses that build on later calls.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
mode=${1:-run}
shift || true

packages=(build-essential cmake pkg-config libsystemc-dev verilator libgtest-dev
          libbenchmark-dev clang-format valgrind zstd libzstd-dev
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
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1

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
  *)
    echo "usage: bash testbench/bootstrap.sh run|test|bench [args]" >&2
    exit 2
    ;;
esac
