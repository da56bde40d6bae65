#!/usr/bin/env bash
# The explorer at the full MedMCQA dev grid: `privqa report STORE --format
# html --no-privacy` (report.html and explorer.html) timed RUNS times
# (default 5), then the explorer's first paint in headless Chromium RUNS
# times (bench/explorer_first_paint.js); each with its median and worst.
#   bench/explorer_time.sh BUILD_DIR STORE [RUNS]
# A STORE that does not exist is made first (not timed): all 4,183 dev
# questions under S1, S2, S4 and S3 with santext+, inferdpt and custext+ at
# eps 1, 2, 3 (50,196 cells) against the simulator.
# PRIVQA_DATA_DIR: the folder holding medmcqa/dev.json (default ../shared/data).
set -euo pipefail
build=${1:?usage: bench/explorer_time.sh BUILD_DIR STORE [RUNS]}
store=$(realpath -m "${2:?usage: bench/explorer_time.sh BUILD_DIR STORE [RUNS]}")
runs=${3:-5}
here=$(cd "$(dirname "$0")" && pwd)
data=$(realpath "${PRIVQA_DATA_DIR:-$here/../../shared/data}")
work=$(mktemp -d)
sim=""
trap '[ -n "$sim" ] && kill "$sim"; rm -rf "$work"' EXIT
if [ ! -e "$store" ]; then
  "$build/privqa" sim-server --dataset "$data/medmcqa/dev.json" --seed 5 --time-scale 0 \
    --profiles "$here/../tests/fixtures/sim/unlimited.toml" > "$work/sim.out" &
  sim=$!
  until grep -q "listening on" "$work/sim.out"; do sleep 0.2; done
  url=$(sed -n 's/^listening on //p' "$work/sim.out")
  cat > "$work/run.toml" <<TOML
[dataset]
path = "$data/medmcqa/dev.json"

[experiment]
output = "$store"
seed = 11
scenarios = ["S1", "S2", "S3", "S4"]
epsilons = [1.0, 2.0, 3.0]
mechanisms = ["santext+", "inferdpt", "custext+"]
local = "local"
remote = "remote"
TOML
  for name in local remote; do
    printf '\n[providers.%s]\nbase_url = "%s"\nmodel = "sim-%s"\nmax_in_flight = 256\ntimeout = 30\n' \
      "$name" "$url" "$name" >> "$work/run.toml"
  done
  "$build/privqa" run --quiet "$work/run.toml"
  kill "$sim"
  sim=""
fi
times=()
for ((i = 1; i <= runs; i++)); do
  start=$(date +%s.%N)
  "$build/privqa" report "$store" --format html --no-privacy --out "$work/report" > /dev/null
  end=$(date +%s.%N)
  times+=("$(echo "$end - $start" | bc)")
  echo "report run $i: ${times[-1]} s"
done
printf '%s\n' "${times[@]}" | sort -n | awk '{ t[NR] = $1 } END {
  m = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
  printf "report (html + explorer): median %.2f s, worst %.2f s over %d runs\n", m, t[NR], NR }'
ls -l "$work/report/explorer.html"
echo "chunk files: $(ls "$work/report/explorer-data" | wc -l), $(du -sh "$work/report/explorer-data" | cut -f1)"
node "$here/explorer_first_paint.js" "$work/report/explorer.html" "$runs"
