#!/bin/sh
# Sanitizes every MedMCQA dev question at eps 1, 2, 3 with SanText+, CusText+
# and InferDPT in one privqa process (state builds included), then runs the
# numpy reference (bench/reference/dp_reference.py) on the same inputs, and
# prints wall time, CPU time (user + sys), peak RSS and the load average
# before each run (the machine may be shared: compare CPU times too).
# Usage: bench/dp_compare.sh BUILD_DIR [RUNS]   (PRIVQA_EMBEDDINGS: the wink JSON)
set -eu
build=${1:?usage: bench/dp_compare.sh BUILD_DIR [RUNS]}
runs=${2:-3}
here=$(cd "$(dirname "$0")" && pwd)
dev=${PRIVQA_DATA_DIR:-$here/../../shared/data}/medmcqa/dev.json
wink=${PRIVQA_EMBEDDINGS:?set PRIVQA_EMBEDDINGS to the wink JSON}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
i=1
while [ "$i" -le "$runs" ]; do
  echo "== privqa run $i ($(cut -d' ' -f1-3 /proc/loadavg) load)"
  /usr/bin/time -f "privqa wall %e s, user %U s, sys %S s, peak RSS %M KB" "$build/privqa" sanitize \
    --mech santext+,custext+,inferdpt --eps 1,2,3 --dataset "$dev" --out "$out" --threads 2
  i=$((i + 1))
done
echo "== numpy reference ($(cut -d' ' -f1-3 /proc/loadavg) load)"
/usr/bin/time -f "reference wall %e s, user %U s, sys %S s, peak RSS %M KB" /usr/bin/python3 \
  "$here/reference/dp_reference.py" "$wink" "$dev"
