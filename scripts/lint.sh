#!/usr/bin/env bash
# make lint: clang-tidy (.clang-tidy) over every source of the project, and
# GCC's -Wshadow and -Wconversion, which the builds leave off because system
# headers are noisy under them. Exits non-zero on any finding.
#   scripts/lint.sh [FILE_REGEX]     (default: every file under src, tests, bench)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v run-clang-tidy >/dev/null || scripts/setup.sh release
regex="${1:-/(src|tests|bench)/}"

# A compile database without precompiled headers or unity units: clang-tidy
# reads each file as written, with clang, and GCC's PCH would not load.
build=build/lint
cmake -S . -B "$build" -G Ninja -DPRIVQA_PCH=OFF -DPRIVQA_UNITY=OFF -DPRIVQA_BENCH=ON \
  -DPRIVQA_TESTS=ON >/dev/null

status=0
echo "lint: clang-tidy"
# Boost 1.74 enables co_await for clang only when told (CMakeLists.txt).
run-clang-tidy -quiet -p "$build" -j "$(nproc)" -extra-arg=-DBOOST_ASIO_HAS_CO_AWAIT=1 "$regex" >"$build/clang-tidy.log" 2>&1 || status=1
grep -E "(warning|error):" "$build/clang-tidy.log" | sort -u || true

echo "lint: g++ -Wshadow -Wconversion"
python3 - "$build/compile_commands.json" "$regex" "$(nproc)" <<'PY' || status=1
import json, re, shlex, subprocess, sys
from concurrent.futures import ThreadPoolExecutor
commands, regex, jobs = json.load(open(sys.argv[1])), re.compile(sys.argv[2]), int(sys.argv[3])
def check(entry):
    args = shlex.split(entry["command"])
    out = args.index("-o")
    del args[out:out + 2]
    args += ["-fsyntax-only", "-Wshadow", "-Wconversion", "-Werror"]
    r = subprocess.run(args, cwd=entry["directory"], capture_output=True, text=True)
    return r.returncode, r.stderr
files = [e for e in commands if regex.search(e["file"])]
failed = 0
with ThreadPoolExecutor(jobs) as pool:
    for code, err in pool.map(check, files):
        if code:
            failed += 1
            sys.stdout.write(err)
print(f"lint: {len(files)} files, {failed} with warnings")
sys.exit(1 if failed else 0)
PY
[ "$status" -eq 0 ] && echo "lint: clean"
exit "$status"
