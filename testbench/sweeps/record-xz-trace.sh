#!/bin/sh
# record-xz-trace.sh [LINES]: records the real trace that llc-walks.yaml
# replays: valgrind lackey's trace of `xz -1` compressing 20 000 lines of
# text (as mmusim_bench --targets makes it), its first LINES lines (default
# 4000000), zstd-compressed, to traces/xz.lk.zst next to this script. Not
# committed (a few MB); the sweep fails that workload until it is recorded.
set -eu
lines=${1:-4000000}
here=$(cd "$(dirname "$0")" && pwd)
command -v valgrind >/dev/null 2>&1 || { echo "valgrind is not installed" >&2; exit 77; }
command -v zstd >/dev/null 2>&1 || { echo "zstd is not installed" >&2; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
seq 1 20000 > "$dir/in.txt"
valgrind --tool=lackey --trace-mem=yes --log-file="$dir/full.lk" xz -1 -c "$dir/in.txt" \
  > /dev/null 2> /dev/null
mkdir -p "$here/traces"
head -n "$lines" "$dir/full.lk" | zstd -q -f -3 -o "$here/traces/xz.lk.zst"
echo "$here/traces/xz.lk.zst: $(zstd -l "$here/traces/xz.lk.zst" 2>/dev/null | tail -1)"
