#!/usr/bin/env bash
# Submits a whole experiment to Slurm (docs/cluster.md):
#
#   examples/slurm/submit.sh CONFIG TASKS OUTPUT [sbatch options...]
#
# OUTPUT a postgresql:// URL: a job array of TASKS workers on that store.
# OUTPUT a SQLite path (runs/whole.db): a job array of TASKS shards, each into
# OUTPUT.shards/shard-I.db, and a job that runs once every shard succeeded
# (--dependency=afterok) and merges them into OUTPUT. Options after OUTPUT
# (--time, --partition, --gres=gpu:1, ...) go to the array's sbatch.
# Prints the job ids: the array's, then the merge's.
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: $0 CONFIG TASKS OUTPUT [sbatch options...]" >&2
  exit 2
fi
config="$(realpath "$1")"
tasks="$2"
output="$3"
shift 3
here="$(cd "$(dirname "$0")" && pwd)"
bin="${PRIVQA_BIN:-privqa}"
export PRIVQA_CONFIG="$config" PRIVQA_BIN="$bin"

case "$output" in
  postgresql://* | postgres://*)
    export PRIVQA_OUTPUT="$output"
    sbatch --parsable --array="0-$((tasks - 1))" "$@" "$here/privqa_worker.sh"
    ;;
  *)
    output="$(realpath -m "$output")"
    export PRIVQA_OUTPUT="$output.shards"
    array=$(sbatch --parsable --array="0-$((tasks - 1))" "$@" "$here/privqa_worker.sh")
    echo "$array"
    shards=()
    for ((i = 0; i < tasks; i++)); do shards+=("$PRIVQA_OUTPUT/shard-$i.db"); done
    sbatch --parsable --job-name=privqa-merge --dependency="afterok:$array" \
      --wrap="$(printf '%q ' "$bin" merge "$output" "${shards[@]}")"
    ;;
esac
