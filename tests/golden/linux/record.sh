#!/bin/sh
# Records golden transcripts from the host kernel: for each script given (all
# *.scn here by default), sets its first line to "# golden: Linux <uname -r>"
# and writes the Linux replayer's transcript to the .out beside it.
#   tests/golden/linux/record.sh REPLAYER [SCRIPT.scn ...]
# REPLAYER is the built mmusim_linux_replay, e.g.
#   build/testbench/linux_replay/mmusim_linux_replay
set -eu
if [ $# -lt 1 ]; then
  echo "usage: $0 REPLAYER [SCRIPT.scn ...]" >&2
  exit 2
fi
replayer=$1
shift
dir=$(cd "$(dirname "$0")" && pwd)
[ $# -gt 0 ] || set -- "$dir"/*.scn
kernel=$(uname -r)
for scn in "$@"; do
  tmp=$(mktemp)
  {
    echo "# golden: Linux $kernel"
    sed '1{/^# golden: Linux /d;}' "$scn"
  } >"$tmp"
  mv "$tmp" "$scn"
  "$replayer" "$scn" >"${scn%.scn}.out"
  echo "recorded ${scn%.scn}.out"
done
