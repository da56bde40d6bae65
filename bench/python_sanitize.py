#!/usr/bin/env python3
"""privqa.Mechanism.sanitize_many against the command line's batch mode
(`privqa sanitize --dataset`) on the same questions, mechanism, eps, seed and
threads, and against the NumPy reference (bench/reference/dp_reference.py)
of the mechanisms it has (SanText+, InferDPT).

Each run sanitizes every question once per mechanism, the CLI and Python in
turn, so both see the same machine load. Timed: the sanitizing phase (the
CLI's own "in X s" on stderr; around sanitize_many in Python) and the
mechanism's build plus that phase in Python (the reference times its
probability matrix or sorted lists with its sampling, so Python's build
and sanitizing are what it is compared with). The first run checks that
both produce the same texts (the first call with the question ids is the
CLI's output). Prints each run, then per mechanism the median and worst of
RUNS and the ratios.

    bench/python_sanitize.py build/release/privqa [--data DEV.json]
        [--mechs santext+,custext+,inferdpt] [--eps 2] [--threads 2] [--runs 5]
        [--reference WINK.json] [--reference-runs N]

It imports privqa from build/release/python (beside the binary), so no
PYTHONPATH is needed. --reference: the wink table's JSON (the reference
reads only that); without it the reference is not run.
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

parser = argparse.ArgumentParser()
parser.add_argument("binary")
parser.add_argument("--data")
parser.add_argument("--mechs", default="santext+,custext+,inferdpt")
parser.add_argument("--eps", type=float, default=2.0)
parser.add_argument("--threads", type=int, default=os.cpu_count())
parser.add_argument("--runs", type=int, default=5)
parser.add_argument("--reference")
parser.add_argument("--reference-runs", type=int)
args = parser.parse_args()

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(args.binary)), "python"))
import privqa  # noqa: E402  (from the build beside the binary)

data = args.data or os.path.join(privqa._core.default_data_dir(), "medmcqa", "dev.json")
mechs = args.mechs.split(",")
questions = privqa.load_questions(data, as_frame=False)
texts = [q["question"] for q in questions]
ids = [q["id"] for q in questions]
table = privqa.Embeddings.load()  # the CLI memory-maps the same cache
print(f"{len(texts)} questions, eps {args.eps:g}, {args.threads} threads, privqa from "
      f"{os.path.dirname(privqa.__file__)}, load {os.getloadavg()[0]:.1f}", flush=True)


def run_cli(mech, out):
    r = subprocess.run([args.binary, "sanitize", "--dataset", data, "--mech", mech,
                        "--eps", f"{args.eps:g}", "--seed", "1", "--threads",
                        str(args.threads), "--out", out],
                       capture_output=True, text=True, check=True)
    return float(re.search(r"words in ([0-9.]+) s", r.stderr).group(1))


def run_python(mech):
    start = time.perf_counter()
    m = privqa.Mechanism(mech, args.eps, embeddings=table, corpus=texts, seed=1)
    phase_start = time.perf_counter()
    sanitized = m.sanitize_many(texts, args.threads, ids=ids)
    end = time.perf_counter()
    return end - phase_start, end - start, sanitized


cli = {m: [] for m in mechs}
py_phase = {m: [] for m in mechs}
py_total = {m: [] for m in mechs}
with tempfile.TemporaryDirectory() as tmp:
    out = os.path.join(tmp, "out.jsonl")
    for run in range(args.runs):
        for mech in mechs:
            cli[mech].append(run_cli(mech, out))
            phase, total, sanitized = run_python(mech)
            py_phase[mech].append(phase)
            py_total[mech].append(total)
            if run == 0:
                with open(out) as f:
                    expected = [json.loads(line)["sanitized"] for line in f]
                assert sanitized == expected, f"{mech}: Python's texts differ from the CLI's"
            print(f"run {run + 1} {mech}: cli {cli[mech][-1]:.3f} s sanitizing; python "
                  f"{phase:.3f} s sanitizing, {total:.3f} s with the build "
                  f"(load {os.getloadavg()[0]:.1f})", flush=True)


def median_worst(values):
    return statistics.median(values), max(values)


print(f"\nmedian / worst of {args.runs} runs (s); ratio python / cli of the medians "
      f"(of the worsts)")
for mech in mechs:
    (cm, cw), (pm, pw), (tm, tw) = (median_worst(v) for v in
                                    (cli[mech], py_phase[mech], py_total[mech]))
    print(f"{mech}: cli {cm:.3f} / {cw:.3f}; python sanitize_many {pm:.3f} / {pw:.3f}; "
          f"ratio {pm / cm:.2f} ({pw / cw:.2f}); python build + sanitize {tm:.3f} / {tw:.3f}")
sys.stdout.flush()

if args.reference:
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference"))
    import dp_reference

    reference = {"santext+": dp_reference.santext_plus, "inferdpt": dp_reference.inferdpt}
    start = time.perf_counter()
    words, matrix = dp_reference.load_table(args.reference)
    print(f"\nreference: table loaded in {time.perf_counter() - start:.1f} s", flush=True)
    for mech in (m for m in mechs if m in reference):
        seconds = []
        for run in range(args.reference_runs or args.runs):
            [(_, _, s, _)] = reference[mech](texts, words, matrix, [args.eps])
            seconds.append(s)
            print(f"reference {mech} run {run + 1}: {s:.2f} s (load "
                  f"{os.getloadavg()[0]:.1f})", flush=True)
        (rm, rw), (tm, tw) = median_worst(seconds), median_worst(py_total[mech])
        print(f"{mech}: reference {rm:.2f} / {rw:.2f} s; python build + sanitize "
              f"{tm:.3f} / {tw:.3f} s; reference / python {rm / tm:.1f}x ({rw / tw:.1f}x)")
