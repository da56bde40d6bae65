#!/usr/bin/env bash
# Wall time of `privqa attack` over the whole MedMCQA dev set: every question
# sanitized once by SanText, SanText+, CusText+ and TEM at eps 1, 2 and 4
# (`privqa sanitize --dataset ... --out FILE.jsonl`, not timed), then the
# offline attacks on that file RUNS times (default 5); prints each run's wall
# time, then the median and the worst.
#   bench/attack_time.sh BUILD_DIR [RUNS]
# PRIVQA_DATA_DIR: the folder holding medmcqa/dev.json (default ../shared/data).
set -euo pipefail
build=${1:?usage: bench/attack_time.sh BUILD_DIR [RUNS]}
runs=${2:-5}
data=${PRIVQA_DATA_DIR:-$(dirname "$0")/../../shared/data}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$build/privqa" sanitize --dataset "$data/medmcqa/dev.json" --mech santext,santext+,custext+,tem \
  --eps 1,2,4 --seed 1 --out "$work/dev.jsonl"
times=()
for ((i = 1; i <= runs; i++)); do
  start=$(date +%s.%N)
  "$build/privqa" attack "$work/dev.jsonl" --out "$work/attack" > "$work/table.txt"
  end=$(date +%s.%N)
  times+=("$(echo "$end - $start" | bc)")
  echo "run $i: ${times[-1]} s"
done
cat "$work/table.txt"
printf '%s\n' "${times[@]}" | sort -n | awk '{ t[NR] = $1 } END {
  m = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
  printf "median %.2f s, worst %.2f s over %d runs\n", m, t[NR], NR }'
