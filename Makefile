# The two commands of the README, plus the developer targets.
#   make demo   set up, build, and run the main job offline
#   make test   set up, build with sanitizers, and run every test
#   make python set up, build the Python package and put it on python3's path
.PHONY: demo test test-tsan lint build python bench fuzz format format-check clean

# make demo DATA=../shared/data/medmcqa/dev.json LIMIT=500 runs on another file.
DATA ?=
LIMIT ?=

demo:
	scripts/setup.sh release
	scripts/demo.sh examples/quickstart.toml "$(DATA)" "$(LIMIT)"

test:
	scripts/setup.sh asan
	ctest --test-dir build/asan -j 2 --output-on-failure --timeout 900

# The suites with code on several threads, under ThreadSanitizer.
test-tsan:
	scripts/setup.sh tsan
	ctest --test-dir build/tsan -j 2 --output-on-failure --timeout 900 -L '^(dp|store|llm|exp)$$'

# clang-tidy and GCC's -Wshadow -Wconversion over the whole tree.
lint:
	scripts/lint.sh

build:
	scripts/setup.sh release

# The Python package (docs/python.md): built in build/release/python and put
# on the system python3's path, as `make demo` and `make build` do too.
python:
	scripts/setup.sh release

bench: build
	cmake --build build/release -j "$$(nproc)" --target privqa_benchmarks
	for b in build/release/privqa_*_bench; do \
	  $$b --benchmark_repetitions=5 --benchmark_report_aggregates_only=true || exit 1; done
	bench/e2e/run_e2e.py --build build/release --baseline

# make fuzz FUZZ_SECONDS=600 runs each libFuzzer target (tests/fuzz) that long.
FUZZ_SECONDS ?= 60

fuzz:
	tests/fuzz/run.sh $(FUZZ_SECONDS)

format:
	find src tests bench python/src -name '*.cpp' -o -name '*.h' | xargs clang-format -i

format-check:
	find src tests bench python/src -name '*.cpp' -o -name '*.h' | xargs clang-format --dry-run -Werror

clean:
	rm -rf build
