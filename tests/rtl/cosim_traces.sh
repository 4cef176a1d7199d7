#!/bin/sh
# cosim_traces.sh MMUSIM: lock-step (mmusim cosim trace) on lackey traces of small real programs
# (sort, gzip, sqlite3), made here with valgrind as tests/testbench/cachegrind_test.cpp makes
# them; nothing large is committed. Exit 77 (skipped) without valgrind.
set -eu
mmusim=$1
command -v valgrind >/dev/null 2>&1 || { echo "valgrind is not installed"; exit 77; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
printf 'pear\napple\nfig\nkiwi\nbanana\n' > words.txt
seq 1 400 > text.txt
printf 'create table t(a);\ninsert into t values (1),(2),(3);\nselect sum(a) from t;\n' > q.sql
# run NAME STDIN COMMAND...: traces COMMAND itself (no shell in between) reading STDIN.
run() {
  name=$1
  input=$2
  shift 2
  valgrind --tool=lackey --trace-mem=yes --log-file="$name.lk" "$@" < "$input" > /dev/null \
    2> "$name.err"
  SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 "$mmusim" cosim trace "$name.lk" --quiet > "$name.out"
  echo "$name: $(cat "$name.out")"
  grep -q "accesses compared, .* no difference" "$name.out"
}
run sort /dev/null sort words.txt
run gzip /dev/null gzip -c -n text.txt
if command -v sqlite3 >/dev/null 2>&1; then
  run sqlite3 q.sql sqlite3 :memory:
fi
