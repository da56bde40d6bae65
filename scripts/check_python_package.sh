#!/usr/bin/env bash
# Checks the Python package as a user outside the repository gets it
# (docs/python.md, "Install"), offline: `python3 -m build --no-isolation`
# makes an sdist and a wheel from it, the wheel installs into a fresh venv,
# and `pip install ./python` installs into a folder; from each, a python3
# started in another folder imports privqa and sanitizes a text. Every
# build compiles the engine in Release (ccache makes repeats quick).
#   scripts/check_python_package.sh
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Sanitizes with the repository's small table (no fetched embeddings needed).
smoke() {
  (cd "$work" && PYTHONNOUSERSITE=1 "$@" - "$repo/tests/fixtures/embed/sample_table.txt" <<'PY'
import sys

import privqa

table = privqa.Embeddings.load(sys.argv[1], cache=False)
m = privqa.Mechanism("santext+", 2, embeddings=table, corpus=["the patient has a fever"], seed=1)
text = m.sanitize("the patient has a fever")
assert len(text.split()) == 5, text
print(f"  privqa from {privqa.__file__}: {text!r}")
PY
  )
}

echo "check: python3 -m build --no-isolation (sdist, then the wheel from it)"
(cd python && /usr/bin/python3 -m build --no-isolation --outdir "$work/dist" >"$work/build.log" 2>&1) ||
  { tail -30 "$work/build.log"; exit 1; }
ls "$work/dist"
/usr/bin/python3 -m venv --system-site-packages "$work/venv"
"$work/venv/bin/pip" install -q --no-index --no-deps "$work"/dist/*.whl
smoke "$work/venv/bin/python"

echo "check: pip install --no-build-isolation --no-index --target DIR ./python"
/usr/bin/python3 -m pip install -q --no-build-isolation --no-index --no-deps \
  --target "$work/target" ./python >"$work/pip.log" 2>&1 || { tail -30 "$work/pip.log"; exit 1; }
PYTHONPATH="$work/target" smoke /usr/bin/python3
echo "check: the Python package builds and installs"
