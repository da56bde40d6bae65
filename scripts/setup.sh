#!/usr/bin/env bash
# Idempotent setup on Debian: installs the packages privqa builds with, fetches
# the npm packages (embedding table, test clients) into .cache/npm, then
# configures and builds one variant.
#   scripts/setup.sh release   build/release: optimized, for runs and benchmarks
#   scripts/setup.sh asan      build/asan: AddressSanitizer + UBSan, warnings as errors, for tests
#   scripts/setup.sh tsan      build/tsan: ThreadSanitizer, the multi-threaded suites only
set -euo pipefail
cd "$(dirname "$0")/.."
variant="${1:-release}"

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates mold
  clang clang-format libclang-rt-14-dev
  libboost-dev libboost-system-dev libcurl4-openssl-dev libsqlite3-dev libpq-dev
  nlohmann-json3-dev libtomlplusplus-dev libcli11-dev libfmt-dev
  libxxhash-dev libutf8proc-dev libeigen3-dev
  libgtest-dev libgmock-dev libbenchmark-dev zlib1g-dev
  python3 python3-numpy python3-pandas
  postgresql-15  # the server the PostgreSQL store's tests start
  munge slurm-wlm  # the single-node cluster the Slurm test starts (tests/slurm_cluster.h)
  python3-dev pybind11-dev python3-pytest python3-build python3-setuptools python3-wheel
  chromium
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm packages pinned by scripts/npm/package-lock.json.
npm_dir=.cache/npm
if ! cmp -s scripts/npm/package-lock.json "$npm_dir/package-lock.json" ||
   [ ! -d "$npm_dir/node_modules" ]; then
  echo "setup: fetching npm packages into $npm_dir"
  mkdir -p "$npm_dir"
  cp scripts/npm/package.json scripts/npm/package-lock.json "$npm_dir/"
  (cd "$npm_dir" && npm ci --no-audit --no-fund --loglevel=error)
fi

# release builds the privqa binary (what `make demo` runs; `make bench`
# builds its benchmarks itself) and the Python package; asan builds the
# library, the binary, the Python package and every test suite.
case "$variant" in
  release) flags=(-DCMAKE_BUILD_TYPE=Release) targets=(privqa privqa_python) ;;
  asan)
    flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DPRIVQA_SANITIZE=ON -DPRIVQA_WERROR=ON
           -DPRIVQA_BENCH=OFF)
    targets=(all)
    ;;
  tsan)
    # The suites with code on several threads (make test-tsan), and the
    # program that starts the PostgreSQL server the store's tests share
    # (ctest fixture `postgres`, tests/postgres_server.h). Warnings are
    # the asan build's to enforce: GCC 12 under TSan reports false
    # -Warray-bounds in libstdc++'s string code.
    flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DPRIVQA_TSAN=ON -DPRIVQA_BENCH=OFF)
    targets=(privqa_dp_tests privqa_store_tests privqa_llm_tests privqa_exp_tests
             privqa_test_postgres)
    ;;
  *) echo "setup: unknown variant '$variant' (release|asan|tsan)" >&2; exit 2 ;;
esac
build="build/$variant"
started=$(date +%s)
cmake -S . -B "$build" -G Ninja "${flags[@]}" >/dev/null
cmake --build "$build" -j "$(nproc)" --target "${targets[@]}"
echo "setup: built $build (${targets[*]}) in $(($(date +%s) - started)) s"

# `import privqa` for the system python3 (docs/python.md): build/release/python
# goes on its path through a .pth file in the user's site-packages.
if [ "$variant" = release ]; then
  site=$(/usr/bin/python3 -m site --user-site)
  mkdir -p "$site"
  echo "$PWD/build/release/python" >"$site/privqa.pth"
  echo "setup: python3 imports privqa from build/release/python ($site/privqa.pth)"
fi
