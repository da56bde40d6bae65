#!/usr/bin/env bash
# Builds the libFuzzer targets in build/fuzz with clang and runs each for
# FUZZ_SECONDS seconds, one after the other, starting from its seeds.
#   tests/fuzz/run.sh [SECONDS] [TARGET...]     (make fuzz FUZZ_SECONDS=N)
# The corpus grows in build/fuzz/corpus/TARGET (the seeds in the source tree
# are only read); crash inputs land in build/fuzz/artifacts/TARGET. Fails if
# any target finds a crash, a leak, a timeout or runs out of memory.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(dataset answer_parser run_config openai_codec embeddings)

cxx="$(command -v clang++-14 || command -v clang++ || true)"
runtime_ok() {
  [ -n "$cxx" ] && echo 'extern "C" int LLVMFuzzerTestOneInput(const char*, unsigned long) { return 0; }' |
    "$cxx" -x c++ -fsanitize=fuzzer - -o /dev/null 2>/dev/null
}
if ! runtime_ok; then
  # A fresh machine: setup.sh installs clang and libclang-rt-14-dev.
  scripts/setup.sh release
  cxx="$(command -v clang++-14 || command -v clang++)"
fi

build=build/fuzz
if [ ! -f "$build/build.ninja" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER="$cxx" \
    -DPRIVQA_FUZZ=ON -DPRIVQA_TESTS=OFF -DPRIVQA_BENCH=OFF
fi
binaries=()
for t in "${targets[@]}"; do binaries+=("privqa_${t}_fuzz"); done
cmake --build "$build" -j "$(nproc)" --target "${binaries[@]}"

summary=()
failed=0
for t in "${targets[@]}"; do
  corpus="$build/corpus/$t"
  artifacts="$build/artifacts/$t/"
  mkdir -p "$corpus" "$artifacts"
  cp -n tests/fuzz/seeds/"$t"/* "$corpus"/
  log="$build/logs/$t.log"
  mkdir -p "$build/logs"
  echo "fuzz: $t for ${seconds}s (log $log)"
  status=0
  # The scratch files of the targets go to a directory of the build, not /tmp.
  TMPDIR="$PWD/$build" "$build/privqa_${t}_fuzz" "$corpus" -max_total_time="$seconds" \
    -timeout=10 -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 \
    -artifact_prefix="$artifacts" >"$log" 2>&1 || status=$?
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
  files="$(find "$corpus" -type f | wc -l)"
  kib="$(find "$corpus" -type f -printf '%s\n' | awk '{s += $1} END {printf "%.0f", s / 1024}')"
  if [ "$status" -ne 0 ]; then
    failed=1
    grep -E "^==[0-9]+==ERROR|SUMMARY|Test unit written" "$log" | head -5 || true
    summary+=("$(printf '%-14s FAILED (exit %d): see %s' "$t" "$status" "$log")")
  else
    summary+=("$(printf '%-14s %12s execs in %ss, corpus %s files, %s KiB' "$t" "${execs:-?}" \
      "$seconds" "$files" "$kib")")
  fi
done
echo
printf '%s\n' "${summary[@]}"
exit "$failed"
