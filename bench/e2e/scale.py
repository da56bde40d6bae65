#!/usr/bin/python3
"""Scale benchmark: the full grid over a synthetic 180,000-question dataset.

The dataset is the MedMCQA dev set repeated with new ids (`ID~K` for copy
K) until it has --questions questions. The grid is the original study's:
S1, S2, S4 and S3 with phrasedp, inferdpt and santext+ at eps 1, 2, 3,
i.e. 12 cells a question (about 2.2 million at 180,000 questions). Both
models are `privqa sim-server --time-scale 0` (no simulated latency) with
no rate limits (tests/fixtures/sim/unlimited.toml), so the runner itself is
what is measured. The response
cache is in `refresh` mode: every request is sent and its reply stored,
although the copies repeat the same texts.

Each backend (SQLite, and PostgreSQL through the tests' throw-away server)
runs the grid twice: over the 4,183 dev questions (the reference) and over
the synthetic set. For each run it prints the runner's wall time, CPU
(user + system) and CPU per cell, peak RSS, the store's size, and the wall
time and peak RSS of `privqa status` and `privqa report` on the finished
store.

Usage: bench/e2e/scale.py [--build build/release] [--backends sqlite,postgres]
       [--questions 180000] [--work DIR] [--pg-helper build/asan/privqa_test_postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from run_e2e import run_measured
from workers_scaling import start_sim

ROOT = Path(__file__).resolve().parents[2]
CELLS_PER_QUESTION = 12
# The built-in profiles without their rate limits.
UNLIMITED = ROOT / "tests" / "fixtures" / "sim" / "unlimited.toml"


def fail(message: str) -> None:
    print(f"scale: {message}", file=sys.stderr)
    sys.exit(1)


def write_synthetic(dev: Path, out: Path, questions: int) -> None:
    rows = [json.loads(line) for line in dev.read_text().splitlines() if line.strip()]
    with out.open("w") as f:
        for i in range(questions):
            copy, row = divmod(i, len(rows))
            question = dict(rows[row])
            question["id"] = f"{question['id']}~{copy}"
            f.write(json.dumps(question) + "\n")


def config_text(dataset: Path, output: str) -> str:
    return f"""[dataset]
path = "{dataset}"

[experiment]
output = "{output}"
seed = 7
scenarios = ["S1", "S2", "S3", "S4"]
epsilons = [1.0, 2.0, 3.0]
mechanisms = ["phrasedp", "inferdpt", "santext+"]
local = "local"
remote = "remote"
cache = "refresh"

[phrasedp]
variant = "old"
candidates = 10

[providers.local]
base_url = "${{SIM_URL}}"
model = "sim-local"
max_in_flight = 256

[providers.remote]
base_url = "${{SIM_URL}}"
model = "sim-remote"
max_in_flight = 256
"""


def store_mib(output: str, port: int | None, schema: str | None) -> float:
    if port is None:
        path = Path(output)
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 2**20
    query = ("SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
             "JOIN pg_namespace n ON n.oid = c.relnamespace "
             f"WHERE n.nspname = '{schema}' AND c.relkind IN ('r', 'm')")
    out = subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", "postgres",
                          "-At", "-c", query], capture_output=True, text=True, check=True).stdout
    return int(out.strip()) / 2**20


def measure(binary: Path, backend: str, name: str, dataset: Path, questions: int, work: Path,
            port: int | None) -> dict:
    schema = None
    if port is None:
        output = str(work / f"{name}.db")
        for old in work.glob(f"{name}.db*"):
            old.unlink()
    else:
        schema = f"scale_{name}_{int(time.time())}"
        output = f"postgresql://postgres@127.0.0.1:{port}/postgres?schema={schema}"
    config = work / f"{backend}-{name}.toml"
    config.write_text(config_text(dataset, output))
    sim, url = start_sim(binary, dataset, UNLIMITED, ["--time-scale", "0"])
    env = {**os.environ, "SIM_URL": url}
    try:
        # Exit 4: finished, some cells errors (a PhraseDP question whose
        # candidates all fail the filter is an error cell at every eps).
        wall, cpu, rss = run_measured([str(binary), "run", "--quiet", str(config)], env,
                                      work / f"{backend}-{name}-run.out", ok_codes=(0, 4))
    finally:
        sim.terminate()
        sim.wait(timeout=60)
    cells = questions * CELLS_PER_QUESTION
    status_wall, _, status_rss = run_measured([str(binary), "status", output], env,
                                              work / f"{backend}-{name}-status.out")
    report_dir = work / f"{backend}-{name}-report"
    shutil.rmtree(report_dir, ignore_errors=True)
    report_wall, _, report_rss = run_measured(
        [str(binary), "report", output, "--out", str(report_dir)], env,
        work / f"{backend}-{name}-report.out")
    result = {
        "backend": backend, "run": name, "questions": questions, "cells": cells,
        "wall_s": wall, "cpu_s": cpu, "cpu_ms_per_cell": 1000 * cpu / cells,
        "peak_rss_mib": rss // 1024,
        "store_mib": store_mib(output, port, schema), "status_s": status_wall, "status_rss_mib": status_rss // 1024,
        "report_s": report_wall, "report_rss_mib": report_rss // 1024,
    }
    print(json.dumps(result), flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", default="build/release")
    parser.add_argument("--pg-helper", default="build/asan/privqa_test_postgres")
    parser.add_argument("--data", default=os.environ.get("PRIVQA_DATA_DIR", str(ROOT.parent / "shared" / "data")))
    parser.add_argument("--questions", type=int, default=180_000)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--work", help="folder for the dataset and the stores (default: a temporary one)")
    args = parser.parse_args()

    binary = Path(args.build) / "privqa"
    dev = Path(args.data) / "medmcqa" / "dev.json"
    backends = args.backends.split(",")
    for needed in (binary, dev) + ((Path(args.pg_helper),) if "postgres" in backends else ()):
        if not needed.exists():
            fail(f"{needed} does not exist")
    unknown = set(backends) - {"sqlite", "postgres"}
    if unknown:
        fail(f"unknown backend(s) {', '.join(sorted(unknown))}: sqlite or postgres")

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(args.work) if args.work else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        synthetic = work / f"synthetic-{args.questions}.jsonl"
        if not synthetic.exists():
            write_synthetic(dev, synthetic, args.questions)
        reference_questions = sum(1 for line in dev.read_text().splitlines() if line.strip())
        results = []
        for backend in backends:
            port = None
            state = work / "postgres.state"
            if backend == "postgres":
                subprocess.run([args.pg_helper, "start", str(state)], check=True)
                fields = state.read_text().split()
                if not fields or not fields[0].isdigit():
                    fail(f"no PostgreSQL server: {state.read_text().strip()}")
                port = int(fields[0])
            try:
                results.append(measure(binary, backend, "dev", dev, reference_questions, work, port))
                results.append(measure(binary, backend, "synthetic", synthetic, args.questions, work, port))
            finally:
                if port is not None:
                    subprocess.run([args.pg_helper, "stop", str(state)], check=False)

    print("\n| backend | questions | cells | wall | CPU | CPU / cell | peak RSS | store | status | report |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r['backend']} | {r['questions']:,} | {r['cells']:,} | {r['wall_s']:.0f} s | {r['cpu_s']:.0f} s "
              f"| {r['cpu_ms_per_cell']:.3f} ms | {r['peak_rss_mib']} MiB | {r['store_mib']:,.0f} MiB "
              f"| {r['status_s']:.1f} s | {r['report_s']:.1f} s ({r['report_rss_mib']} MiB) |")
    for backend in backends:
        rows = {r["run"]: r for r in results if r["backend"] == backend}
        ratio = rows["synthetic"]["cpu_ms_per_cell"] / rows["dev"]["cpu_ms_per_cell"]
        print(f"{backend}: CPU per cell, synthetic / dev = {ratio:.2f}")


if __name__ == "__main__":
    main()
