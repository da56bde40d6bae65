#!/usr/bin/env bash
# Build-time benchmark: what `make test` costs on a fresh clone.
#   bench/build_time.sh [RUNS] [--no-tests]
# Clones HEAD into a temporary folder RUNS times (default 3), runs
# `make test` there with ccache disabled (a fresh machine has no cache), and
# prints per run the build's and the tests' wall time, the five slowest tests,
# and the time of a fixed CPU task (hashing 1 GB of zeros on one core), so
# that a run slowed by the machine shows as such; then, from the last run's
# ninja log, the compile time per target and the slowest units.
# The Debian packages must be installed already (scripts/setup.sh does it).
set -euo pipefail
# (sed -n 1,Np rather than head: head's early exit would end sort with
# SIGPIPE, which pipefail makes fatal.)
cd "$(dirname "$0")/.."
runs="${1:-3}"
tests=1
[ "${2:-}" = "--no-tests" ] && tests=0
export CCACHE_DISABLE=1
export PRIVQA_DATA_DIR="${PRIVQA_DATA_DIR:-$(cd ../shared/data && pwd)}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for i in $(seq 1 "$runs"); do
  rm -rf "$work/clone"
  git clone -q . "$work/clone"
  # The npm packages are not part of the build; reuse them.
  [ -d .cache ] && ln -s "$PWD/.cache" "$work/clone/.cache"
  calibration_start=$(date +%s%N)
  head -c 1000000000 /dev/zero | sha256sum >/dev/null
  calibration=$((($(date +%s%N) - calibration_start) / 1000000))
  start=$(date +%s)
  if ! (cd "$work/clone" && scripts/setup.sh asan >"$work/build.log" 2>&1); then
    echo "run $i: the build failed:" >&2
    grep -E "error|FAILED" "$work/build.log" | head -20 >&2
    exit 1
  fi
  built=$(date +%s)
  result="skipped"
  if [ "$tests" = 1 ]; then
    if (cd "$work/clone" && ctest --test-dir build/asan -j 2 --timeout 900 >"$work/test.log" 2>&1); then
      result=$(grep -Eo '[0-9]+% tests passed.*' "$work/test.log")
    else
      result="FAILED: $(grep -Eo '[0-9]+% tests passed.*' "$work/test.log")"
    fi
  fi
  done_at=$(date +%s)
  echo "run $i: build $((built - start)) s, tests $((done_at - built)) s, make test $((done_at - start)) s ($result); CPU task ${calibration} ms"
  if [ "$tests" = 1 ]; then
    grep -E "Test +#[0-9]+:" "$work/test.log" | awk '{ print $(NF - 1), $4 }' | sort -rn | sed -n 1,5p |
      sed 's/^/    /'
  fi
done
log="$work/clone/build/asan/.ninja_log"
echo
echo "compile seconds per target (last run, summed over its units):"
awk 'NR > 1 { t = ($2 - $1) / 1000; n = $4; sub(/^CMakeFiles\//, "", n); sub(/\.dir\/.*/, "", n);
              s[n] += t; c[n]++ }
     END { for (k in s) printf "%8.1f %3d %s\n", s[k], c[k], k }' "$log" | sort -rn | sed -n 1,15p
echo
echo "slowest units (seconds):"
awk 'NR > 1 { printf "%8.1f %s\n", ($2 - $1) / 1000, $4 }' "$log" | sort -rn | sed -n 1,15p
