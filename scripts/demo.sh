#!/usr/bin/env bash
# The offline main job: starts the simulated provider on a free loopback
# port, runs a config against it, prints the result table, writes the report
# (privqa report) and prints where it is, stops the simulator.
#   scripts/demo.sh [CONFIG] [DATA_FILE] [LIMIT]
# DATA_FILE replaces the config's dataset (e.g. ../shared/data/medmcqa/dev.json);
# LIMIT keeps its first N questions. Results go to runs/ (one store per data file).
set -euo pipefail
cd "$(dirname "$0")/.."
config="${1:-examples/quickstart.toml}"
data="${2:-}"
limit="${3:-}"
bin="${PRIVQA_BIN:-build/release/privqa}"
sim_data="${data:-data/sample/medmcqa_sample.jsonl}"

mkdir -p runs
log=runs/sim-server.log
"$bin" sim-server --dataset "$sim_data" --port 0 --seed 1 >"$log" 2>&1 &
sim_pid=$!
trap 'kill $sim_pid 2>/dev/null || true; wait $sim_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do
  grep -q '^listening on ' "$log" 2>/dev/null && break
  kill -0 $sim_pid 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.1
done
url=$(sed -n 's/^listening on \(http[^ ]*\).*/\1/p' "$log" | head -1)
[ -n "$url" ] || { echo "demo: the simulator did not start" >&2; cat "$log" >&2; exit 1; }
export PRIVQA_SIM_URL="$url"
echo "demo: simulated provider at $url (SIMULATED results)"

args=()
if [ -n "$data" ]; then
  name=$(basename "$data"); name="${name%.*}"
  args+=(--dataset "$data" --output "runs/demo-$name${limit:+-$limit}.db")
fi
[ -n "$limit" ] && args+=(--limit "$limit")
"$bin" run "$config" "${args[@]}" | tee runs/demo-run.log
store=$(sed -n 's/^run \(.*\): [0-9]* cells planned.*/\1/p' runs/demo-run.log | head -1)
"$bin" report "$store"
