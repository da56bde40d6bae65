#!/bin/sh
# Sanitizes every MedMCQA dev question at eps 1, 2, 3 with the mechanisms in
# MECHS (default SanText+, CusText+ and InferDPT; e.g. MECHS=cmp,mahalanobis,vickrey)
# in one privqa process (state builds included), then runs the numpy
# reference (bench/reference/dp_reference.py, with REFERENCE_ARGS, e.g.
# "--noise-only 400" for CMP, Mahalanobis and Vickrey alone on 400
# questions; REFERENCE_RUNS times, default 1) on the same inputs, and
# prints wall time, CPU time (user + sys), peak RSS and the load average
# before each run (the machine may be shared: compare CPU times too).
# Usage: bench/dp_compare.sh BUILD_DIR [RUNS]   (PRIVQA_EMBEDDINGS: the wink JSON)
# TEM and CusText are compared at the end (tem_custext); TEM_ONLY=1 runs
# only that part, TEM_FIRST=N sets its number of questions (default 500).
set -eu
build=${1:?usage: bench/dp_compare.sh BUILD_DIR [RUNS]}
runs=${2:-3}
mechs=${MECHS:-santext+,custext+,inferdpt}
here=$(cd "$(dirname "$0")" && pwd)
dev=${PRIVQA_DATA_DIR:-$here/../../shared/data}/medmcqa/dev.json
wink=${PRIVQA_EMBEDDINGS:?set PRIVQA_EMBEDDINGS to the wink JSON}
out=$(mktemp)
trap 'rm -f "$out"' EXIT

# TEM and CusText on the first TEM_FIRST questions (V and the CusText sets
# from all of them, --corpus): TEM draws one Gumbel per word within gamma, at
# these eps nearly all of V. Then the numpy TEM on the same questions.
tem_custext() {
  tem_first=${TEM_FIRST:-500}
  j=1
  while [ "$j" -le "$runs" ]; do
    echo "== privqa TEM/CusText run $j ($(cut -d' ' -f1-3 /proc/loadavg) load)"
    /usr/bin/time -f "privqa wall %e s, user %U s, sys %S s, peak RSS %M KB" "$build/privqa" \
      sanitize --mech tem,custext --eps 1,2,3 --dataset "$dev" --corpus "$dev" \
      --first "$tem_first" --out "$out" --threads 2
    j=$((j + 1))
  done
  echo "== numpy TEM reference ($(cut -d' ' -f1-3 /proc/loadavg) load)"
  /usr/bin/time -f "reference wall %e s, user %U s, sys %S s, peak RSS %M KB" /usr/bin/python3 \
    "$here/reference/dp_reference.py" "$wink" "$dev" "$tem_first"
}
if [ -n "${TEM_ONLY:-}" ]; then
  tem_custext
  exit 0
fi
i=1
while [ "$i" -le "$runs" ]; do
  echo "== privqa run $i ($(cut -d' ' -f1-3 /proc/loadavg) load)"
  /usr/bin/time -f "privqa wall %e s, user %U s, sys %S s, peak RSS %M KB" "$build/privqa" sanitize \
    --mech "$mechs" --eps 1,2,3 --dataset "$dev" --out "$out" --threads 2
  i=$((i + 1))
done
i=1
while [ "$i" -le "${REFERENCE_RUNS:-1}" ]; do
  echo "== numpy reference run $i ($(cut -d' ' -f1-3 /proc/loadavg) load)"
  # shellcheck disable=SC2086 # REFERENCE_ARGS is a list of options
  /usr/bin/time -f "reference wall %e s, user %U s, sys %S s, peak RSS %M KB" /usr/bin/python3 \
    "$here/reference/dp_reference.py" ${REFERENCE_ARGS:-} "$wink" "$dev"
  i=$((i + 1))
done
tem_custext
