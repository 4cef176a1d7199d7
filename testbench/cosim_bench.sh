#!/bin/sh
# cosim_bench.sh [MMUSIM] [ACCESSES]: host speed of the platform with the C++ MMU (mmu.impl=cpp),
# the Verilated RTL MMU (mmu.impl=rtl) and both in lock-step (mmusim cosim), on the same
# synthetic workload (zipf over 64 MB: TLB hits and misses, walks through the L1D).
set -eu
mmusim=${1:-build-co/testbench/mmusim}
n=${2:-20000}
w="--quiet --set workload.pattern=zipf --set workload.region=67108864 --set workload.accesses=$n"
now() { date +%s.%N; }
rate() { awk -v a="$1" -v t0="$2" -v t1="$3" 'BEGIN { printf "%9d accesses %8.2f s %10.0f accesses/s\n", a, t1 - t0, a / (t1 - t0) }'; }
for impl in cpp rtl; do
  t0=$(now)
  out=$(SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 "$mmusim" run $w --set mmu.impl=$impl)
  t1=$(now)
  a=$(echo "$out" | sed -n 's/^simulated \([0-9]*\) accesses.*/\1/p')
  printf "mmu.impl=%-5s" "$impl"; rate "$a" "$t0" "$t1"
  if [ "$impl" = cpp ]; then
    cpp_t=$(awk -v t0="$t0" -v t1="$t1" 'BEGIN { print t1 - t0 }')
    cpp_a=$a
  fi
done
t0=$(now)
out=$(SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 "$mmusim" cosim run $w)
t1=$(now)
# The same workload accesses (the MMU compares more: fault retries and page-split parts).
printf "cosim        "; rate "$cpp_a" "$t0" "$t1"
awk -v c="$cpp_t" -v t0="$t0" -v t1="$t1" \
  'BEGIN { printf "lock-step overhead: cosim takes %.0fx the time of mmu.impl=cpp\n", (t1 - t0) / c }'
echo "  $out"
