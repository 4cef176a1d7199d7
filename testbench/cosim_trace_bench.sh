#!/bin/sh
# cosim_trace_bench.sh MMUSIM [MMUSIM2 ...]: host speed of the RTL lock-step (`mmusim cosim
# trace`) on a real program's memory trace, in translations per second. The trace (lackey, of
# `xz -1` compressing 100 KB of text, cut to LINES lines, default 1000000) is recorded here with
# valgrind, as tests/rtl/cosim_traces.sh does; nothing large is committed. Each binary runs RUNS
# times (default 3), interleaved with the others so that they see the same load on a shared
# machine; the medians and their ratios to the first binary are printed. Exit 77 without valgrind.
#
#   RUNS=5 LINES=2000000 testbench/cosim_trace_bench.sh before/mmusim build/testbench/mmusim
#
# rtl/s: translations compared / host seconds inside the RTL side (what the lock-step costs);
# wall/s: translations compared / wall-clock seconds of the whole run.
set -eu
[ $# -ge 1 ] || { echo "usage: $0 MMUSIM [MMUSIM2 ...]" >&2; exit 2; }
command -v valgrind >/dev/null 2>&1 || { echo "valgrind is not installed"; exit 77; }
runs=${RUNS:-3}
lines=${LINES:-1000000}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
seq 1 20000 > "$dir/in.txt"
valgrind --tool=lackey --trace-mem=yes --log-file="$dir/full.lk" xz -1 -c "$dir/in.txt" \
  > /dev/null 2> /dev/null
head -n "$lines" "$dir/full.lk" > "$dir/xz.lk"
rm -f "$dir/full.lk"
export SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1
now() { date +%s.%N; }
i=0
for r in $(seq 1 "$runs"); do
  n=0
  for m in "$@"; do
    n=$((n + 1))
    t0=$(now)
    out=$("$m" cosim trace "$dir/xz.lk" --quiet)
    t1=$(now)
    echo "$out" | grep -q "no difference" || { echo "$m: $out" >&2; exit 1; }
    echo "$out" | awk -v n="$n" -v t0="$t0" -v t1="$t1" '
      /accesses compared/ {
        c = $2; s = $0; sub(/.*RTL /, "", s); sub(/\).*/, "", s)
        printf "%d %d %.6f %.6f\n", n, c, c / s, c / (t1 - t0) }' >> "$dir/results"
  done
done
awk -v runs="$runs" '
  function median(a, k,   i, j, t) {
    for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2 }
  { b = $1; k[b]++; rtl[b, k[b]] = $3; wall[b, k[b]] = $4; compared[b] = $2; if (b > nb) nb = b }
  END {
    for (b = 1; b <= nb; b++) {
      for (i = 1; i <= k[b]; i++) { x[i] = rtl[b, i]; y[i] = wall[b, i] }
      mr[b] = median(x, k[b]); mw[b] = median(y, k[b])
      printf "binary %d: %d translations compared, median of %d: rtl/s %9.0f  wall/s %9.0f", b,
             compared[b], k[b], mr[b], mw[b]
      if (b > 1) printf "  (x%.2f, x%.2f of binary 1)", mr[b] / mr[1], mw[b] / mw[1]
      printf "\n" } }' "$dir/results"
