#!/usr/bin/env python3
"""privqa.Mechanism.sanitize_many against the command line's batch mode
(`privqa sanitize --dataset`) on the same questions, mechanism, eps, seed and
threads: both sanitize every question once (the same texts: the first call
with the question ids is the CLI's output). Timed: the sanitizing phase (the
CLI's own "in X s" on stderr; around sanitize_many in Python) and the whole
job (process start or Mechanism construction to the last text). Prints each
run, then the median and worst of RUNS and the ratio Python / CLI.

    PYTHONPATH=build/release/python bench/python_sanitize.py build/release/privqa \
        [--data DEV.json] [--mech santext+] [--eps 2] [--threads 2] [--runs 5]
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import privqa

parser = argparse.ArgumentParser()
parser.add_argument("binary")
parser.add_argument("--data", default=os.path.join(privqa._core.default_data_dir(),
                                                   "medmcqa", "dev.json"))
parser.add_argument("--mech", default="santext+")
parser.add_argument("--eps", type=float, default=2.0)
parser.add_argument("--threads", type=int, default=os.cpu_count())
parser.add_argument("--runs", type=int, default=5)
args = parser.parse_args()

questions = privqa.load_questions(args.data, as_frame=False)
texts = [q["question"] for q in questions]
ids = [q["id"] for q in questions]
table = privqa.Embeddings.load()  # the CLI memory-maps the same cache
print(f"{len(texts)} questions, {args.mech} eps {args.eps:g}, {args.threads} threads, "
      f"load {os.getloadavg()[0]:.1f}")

cli_phase, cli_total, py_phase, py_total = [], [], [], []
with tempfile.TemporaryDirectory() as tmp:
    for run in range(args.runs):
        start = time.perf_counter()
        r = subprocess.run([args.binary, "sanitize", "--dataset", args.data, "--mech", args.mech,
                            "--eps", f"{args.eps:g}", "--seed", "1", "--threads",
                            str(args.threads), "--out", os.path.join(tmp, "out.jsonl")],
                           capture_output=True, text=True, check=True)
        cli_total.append(time.perf_counter() - start)
        cli_phase.append(float(re.search(r"words in ([0-9.]+) s", r.stderr).group(1)))

        start = time.perf_counter()
        m = privqa.Mechanism(args.mech, args.eps, embeddings=table, corpus=texts, seed=1)
        phase_start = time.perf_counter()
        out = m.sanitize_many(texts, args.threads, ids=ids)
        end = time.perf_counter()
        py_phase.append(end - phase_start)
        py_total.append(end - start)
        assert len(out) == len(texts)
        print(f"run {run + 1}: cli {cli_phase[-1]:.3f} s sanitizing, {cli_total[-1]:.3f} s in all;"
              f" python {py_phase[-1]:.3f} s sanitizing, {py_total[-1]:.3f} s with the build")


def summary(name, values):
    return f"{name} median {statistics.median(values):.3f} s, worst {max(values):.3f} s"


print(summary("cli sanitizing", cli_phase) + "; " + summary("python sanitize_many", py_phase))
print(f"ratio python / cli, sanitizing: median "
      f"{statistics.median(py_phase) / statistics.median(cli_phase):.2f}, worst "
      f"{max(py_phase) / max(cli_phase):.2f}")
print(summary("cli whole job", cli_total) + "; " + summary("python build + sanitize", py_total))
sys.stdout.flush()
