#!/bin/sh
# Sanitizes every MedMCQA dev question at eps 1, 2, 3 with SanText+, CusText+
# and InferDPT in one privqa process (state builds included), then runs the
# numpy reference (bench/reference/dp_reference.py) on the same inputs, and
# prints wall time and peak RSS of both.
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
  echo "== privqa run $i"
  /usr/bin/time -f "privqa wall %e s, peak RSS %M KB" "$build/privqa" sanitize \
    --mech santext+,custext+,inferdpt --eps 1,2,3 --dataset "$dev" --out "$out" --threads 2
  i=$((i + 1))
done
echo "== numpy reference"
/usr/bin/time -f "reference wall %e s, peak RSS %M KB" /usr/bin/python3 \
  "$here/reference/dp_reference.py" "$wink" "$dev"
