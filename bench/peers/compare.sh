#!/bin/sh
# A mechanism side by side with its original implementation, on every
# MedMCQA dev question at eps 1, 2, 3, on both cores and on one (taskset -c 0):
#   santext  SanText+ (p 0.3, w 0.9): run_SanText.py of a SanText checkout,
#            driven by run_santext.py
#   custext  CusText+ (top_k 20, conservative, stopwords kept): utils.py of a
#            CusText checkout, driven by run_custext.py; privqa with the
#            original's candidate pool (every table row)
#   inferdpt InferDPT: func.py of an InferDPT checkout, driven by
#            run_inferdpt.py, both with the INFERDPT_VOCAB (default 1000) most
#            frequent words; the original's one-time precomputation (init_func)
#            runs before the timed runs, as its files persist between runs
# Prints each run's wall time, CPU time and peak RSS, then the median and
# worst of each and the ratios.
# Usage: bench/peers/compare.sh BUILD_DIR santext|custext|inferdpt CHECKOUT [RUNS]
#   PRIVQA_EMBEDDINGS: the wink JSON (its GloVe-text copies are made once in
#   WORK, default /tmp/privqa-peers; no path may hold a space). The checkout
#   is fetched by whoever runs the benchmark and never committed.
set -eu
usage="usage: bench/peers/compare.sh BUILD_DIR santext|custext|inferdpt CHECKOUT [RUNS]"
build=${1:?$usage}
mech=${2:?$usage}
checkout=${3:?$usage}
runs=${4:-5}
here=$(cd "$(dirname "$0")" && pwd)
dev=${PRIVQA_DATA_DIR:-$here/../../../shared/data}/medmcqa/dev.json
wink=${PRIVQA_EMBEDDINGS:?set PRIVQA_EMBEDDINGS to the wink JSON}
work=${WORK:-/tmp/privqa-peers}
mkdir -p "$work"
case "$mech" in
  santext)
    table="$work/wink.txt"
    [ -f "$table" ] || /usr/bin/python3 "$here/wink_to_glove.py" "$wink" "$table"
    privqa_args="--mech santext+"
    # The last argument: the pool's processes.
    original="/usr/bin/python3 $here/run_santext.py $checkout $table $dev $work/santext 1,2,3"
    original_2="$original 2"
    original_1="$original 1" ;;
  custext)
    table="$work/wink300.txt"
    [ -f "$table" ] || /usr/bin/python3 "$here/wink_to_glove.py" --pad 300 "$wink" "$table"
    privqa_args="--mech custext+ --param pool_size=0 --param pool_rows=all"
    # One process; its threads are NumPy's.
    original_2="/usr/bin/python3 $here/run_custext.py $checkout $table $dev $work/custext 1,2,3"
    original_1=$original_2 ;;
  inferdpt)
    table="$work/wink.txt"
    [ -f "$table" ] || /usr/bin/python3 "$here/wink_to_glove.py" "$wink" "$table"
    vocab=${INFERDPT_VOCAB:-1000}
    privqa_args="--mech inferdpt --param vocab_size=$vocab"
    original_2="/usr/bin/python3 $here/run_inferdpt.py $checkout $table $dev $work/inferdpt-$vocab"
    original_2="$original_2 1,2,3 $vocab"
    original_1=$original_2
    [ -f "$work/inferdpt-$vocab/data/sorted_cl100_embeddings.json" ] || {
      echo "== the original's one-time precomputation (init_func), untimed"
      sh -c "$original_2" > /dev/null
    } ;;
  *) echo "$usage" >&2; exit 2 ;;
esac
log="$work/$mech.times"
: > "$log"

# measure LABEL CMD...: one run, appended to the log as "LABEL wall cpu rss_kb".
measure() {
  label=$1
  shift
  /usr/bin/time -f "$label %e %U %S %M" -o "$work/time.out" "$@" > /dev/null 2> "$work/stderr.out" ||
    { cat "$work/stderr.out"; exit 1; }
  awk '{printf "%s %.2f %.2f %d\n", $1, $2, $3 + $4, $5}' "$work/time.out" | tee -a "$log"
}

i=1
while [ "$i" -le "$runs" ]; do
  echo "== run $i ($(cut -d' ' -f1-3 /proc/loadavg) load): label wall_s cpu_s peak_rss_kb"
  # shellcheck disable=SC2086 # privqa_args is a list of options
  measure privqa-2 "$build/privqa" sanitize $privqa_args --eps 1,2,3 --dataset "$dev" \
    --out "$work/privqa.jsonl" --threads 2
  measure original-2 sh -c "$original_2"
  # shellcheck disable=SC2086
  measure privqa-1 taskset -c 0 "$build/privqa" sanitize $privqa_args --eps 1,2,3 \
    --dataset "$dev" --out "$work/privqa.jsonl" --threads 1
  measure original-1 taskset -c 0 sh -c "$original_1"
  i=$((i + 1))
done

# Median and worst (the largest) wall time and peak RSS of each label.
summary() {
  grep "^$1 " "$log" | sort -k2 -n | awk -v label="$1" '
    { wall[NR] = $2; rss[NR] = $4 }
    END {
      m = (NR % 2) ? wall[(NR + 1) / 2] : (wall[NR / 2] + wall[NR / 2 + 1]) / 2
      worst_rss = 0; for (i = 1; i <= NR; ++i) if (rss[i] > worst_rss) worst_rss = rss[i]
      printf "%s %.2f %.2f %d\n", label, m, wall[NR], worst_rss / 1024
    }'
}
echo "== summary: label median_wall_s worst_wall_s peak_rss_mib"
for label in privqa-2 original-2 privqa-1 original-1; do summary "$label"; done | tee "$work/summary"
awk '{m[$1] = $2; w[$1] = $3}
     END {
       printf "2 cores: original / privqa = %.1fx (median), %.1fx (worst against worst)\n",
              m["original-2"] / m["privqa-2"], w["original-2"] / w["privqa-2"]
       printf "1 core:  original / privqa = %.1fx (median), %.1fx (worst against worst)\n",
              m["original-1"] / m["privqa-1"], w["original-1"] / w["privqa-1"]
     }' "$work/summary"
