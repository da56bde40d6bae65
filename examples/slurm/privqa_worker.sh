#!/usr/bin/env bash
# One privqa worker per task of a Slurm job array (docs/cluster.md).
#
#   sbatch --array=0-3 examples/slurm/privqa_worker.sh   (submit.sh does this)
#
# Settings, from the environment of sbatch (it passes it on):
#   PRIVQA_CONFIG      the run config (required)
#   PRIVQA_OUTPUT      a postgresql:// URL: every task works on that store
#                      (workers share it); otherwise a folder: task I of N
#                      runs shard I/N into PRIVQA_OUTPUT/shard-I.db
#   PRIVQA_BIN         the privqa binary (default: privqa on PATH)
#   PRIVQA_VLLM_MODEL  when set, start `vllm serve MODEL` on this node first
#                      and point the config's ${PRIVQA_LOCAL_URL} at it
#   PRIVQA_VLLM_PORT   its port (default 8000); PRIVQA_VLLM_ARGS: more flags
#
# 60 s before the job's time limit Slurm sends this script SIGTERM, which it
# passes to privqa: privqa takes no more cells and finishes those in flight.
# What it cannot finish before the limit kills it is lost and run again by
# the next submission of the same command, which resumes.
#SBATCH --job-name=privqa
#SBATCH --cpus-per-task=2
#SBATCH --signal=B:TERM@60
set -euo pipefail

: "${PRIVQA_CONFIG:?set PRIVQA_CONFIG to the run config}"
: "${PRIVQA_OUTPUT:?set PRIVQA_OUTPUT to a postgresql:// URL or a folder for the shards}"
: "${SLURM_ARRAY_TASK_ID:?run this as a job array: sbatch --array=0-N ...}"
bin="${PRIVQA_BIN:-privqa}"

if [ -n "${PRIVQA_VLLM_MODEL:-}" ]; then
  port="${PRIVQA_VLLM_PORT:-8000}"
  # shellcheck disable=SC2086  # PRIVQA_VLLM_ARGS is a list of flags
  vllm serve "$PRIVQA_VLLM_MODEL" --host 127.0.0.1 --port "$port" ${PRIVQA_VLLM_ARGS:-} &
  vllm_pid=$!
  trap 'kill "$vllm_pid" 2>/dev/null || true' EXIT
  export PRIVQA_LOCAL_URL="http://127.0.0.1:$port/v1"
  # Loading a model takes minutes; give up after 30.
  for _ in $(seq 1800); do
    curl -sf "$PRIVQA_LOCAL_URL/models" >/dev/null && break
    kill -0 "$vllm_pid" 2>/dev/null || { echo "privqa_worker: vllm exited" >&2; exit 1; }
    sleep 1
  done
  curl -sf "$PRIVQA_LOCAL_URL/models" >/dev/null ||
    { echo "privqa_worker: vllm did not answer in 30 minutes" >&2; exit 1; }
fi

case "$PRIVQA_OUTPUT" in
  postgresql://* | postgres://*)
    args=(--output "$PRIVQA_OUTPUT")
    ;;
  *)
    : "${SLURM_ARRAY_TASK_COUNT:?run this as a job array: sbatch --array=0-N ...}"
    mkdir -p "$PRIVQA_OUTPUT"
    args=(--shard "$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT"
          --output "$PRIVQA_OUTPUT/shard-$SLURM_ARRAY_TASK_ID.db")
    ;;
esac
# In the background, so the shell can pass SIGTERM on (Slurm signals only
# the batch shell) and stop the vLLM server when privqa ends. The progress
# line every 10 s goes to the job's log.
"$bin" run "$PRIVQA_CONFIG" "${args[@]}" &
privqa_pid=$!
trap 'kill -TERM "$privqa_pid" 2>/dev/null || true' TERM
status=0
wait "$privqa_pid" || status=$?
# A trapped signal ends the first wait early; the second waits for privqa.
if kill -0 "$privqa_pid" 2>/dev/null; then
  status=0
  wait "$privqa_pid" || status=$?
fi
exit "$status"
