#!/usr/bin/python3
"""Scaling benchmark: workers and replicas when the local model is the bottleneck.

The local model runs as four simulated replicas (`privqa sim-server
--max-concurrency SLOTS`, a fixed latency per answer), the remote model as
one fast simulator without bounds. The response cache is bypassed, so
every run sends its requests. One experiment (S1, S2, S4 on the first
QUESTIONS MedMCQA dev questions) runs three ways, into a PostgreSQL store
(a new schema each run):

  one worker      one `privqa run`, its local model on replica 0 alone
  four workers    four `privqa run` processes on one store, worker i on
                  replica i (as four nodes each with their own server)
  four replicas   one `privqa run` with all four replicas in base_urls

and reports each case's median and worst wall time over --repeat runs (the
cases alternate, so each sees the same load), the ratios of the medians to
the one-worker case, and whether every run exported the same cells.

PostgreSQL: the tests' helper starts a throw-away server
(build/asan/privqa_test_postgres, or --pg-helper).

Usage: bench/e2e/workers_scaling.py [--build build/release]
       [--pg-helper build/asan/privqa_test_postgres] [--questions 400]
       [--slots 8] [--latency-ms 400] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def fail(message: str) -> None:
    print(f"workers_scaling: {message}", file=sys.stderr)
    sys.exit(1)


def start_sim(binary: Path, dataset: Path, profiles: Path, extra: list[str]) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen([str(binary), "sim-server", "--dataset", str(dataset), "--port", "0",
                                "--profiles", str(profiles), "--seed", "1", *extra],
                               stdout=subprocess.PIPE, text=True)
    line = process.stdout.readline().strip() if process.stdout else ""
    prefix = "listening on "
    if not line.startswith(prefix):
        process.terminate()
        fail(f"sim-server did not start (first line: {line!r})")
    return process, line[len(prefix):]


def config_text(dataset: Path, questions: int, output: str, local_urls: str, window: int) -> str:
    return f"""[dataset]
path = "{dataset}"
first = {questions}

[experiment]
output = "{output}"
seed = 7
scenarios = ["S1", "S2", "S4"]
local = "local"
remote = "remote"
lease_seconds = 10
window = {window}
cache = "bypass"

[providers.local]
{local_urls}
model = "sim-local"
max_in_flight = 64

[providers.remote]
base_url = "${{REMOTE_URL}}"
model = "sim-remote"
max_in_flight = 256
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", default="build/release")
    parser.add_argument("--pg-helper", default="build/asan/privqa_test_postgres")
    parser.add_argument("--data", default=os.environ.get("PRIVQA_DATA_DIR", str(ROOT.parent / "shared" / "data")))
    parser.add_argument("--questions", type=int, default=400)
    parser.add_argument("--slots", type=int, default=8)
    parser.add_argument("--latency-ms", type=float, default=400)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    binary = Path(args.build) / "privqa"
    dataset = Path(args.data) / "medmcqa" / "dev.json"
    for needed in (binary, dataset, Path(args.pg_helper)):
        if not needed.exists():
            fail(f"{needed} does not exist")

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        profiles = tmp / "profiles.toml"
        # Fixed latencies: the local replicas' slots are the bottleneck; the
        # remote model answers at once.
        profiles.write_text(
            f"[profile.sim-local]\nlatency_base_ms = {args.latency_ms}\nlatency_per_token_ms = 0\n"
            "latency_jitter_sigma = 0\n\n"
            "[profile.sim-remote]\nlatency_base_ms = 0\nlatency_per_token_ms = 0\n"
            "latency_jitter_sigma = 0\n")
        state = tmp / "postgres.state"
        subprocess.run([args.pg_helper, "start", str(state)], check=True)
        try:
            fields = state.read_text().split()
            if not fields or not fields[0].isdigit():
                fail(f"no PostgreSQL server: {state.read_text().strip()}")
            database = f"postgresql://postgres@127.0.0.1:{fields[0]}/postgres"
            sims = []
            try:
                replicas = []
                for _ in range(4):
                    process, url = start_sim(binary, dataset, profiles,
                                             ["--max-concurrency", str(args.slots)])
                    sims.append(process)
                    replicas.append(url)
                process, remote = start_sim(binary, dataset, profiles, ["--time-scale", "0"])
                sims.append(process)
                run_cases(binary, dataset, args, tmp, database, replicas, remote)
            finally:
                for process in sims:
                    process.terminate()
                    process.wait(timeout=30)
        finally:
            subprocess.run([args.pg_helper, "stop", str(state)], check=False)


def run_cases(binary: Path, dataset: Path, args: argparse.Namespace, tmp: Path, database: str,
              replicas: list[str], remote: str) -> None:
    # Workers, replicas of the local model each uses, and how its local URLs are given.
    cases = {
        "one worker": (1, 1, 'base_url = "${LOCAL_URL}"'),
        "four workers": (4, 1, 'base_url = "${LOCAL_URL}"'),
        "four replicas": (1, 4, "base_urls = [" + ", ".join(f'"{u}"' for u in replicas) + "]"),
    }
    walls: dict[str, list[float]] = {name: [] for name in cases}
    exports: dict[str, set[str]] = {}
    for run in range(args.repeat):
        for name, (workers, used, local_urls) in cases.items():
            schema = f"{name.replace(' ', '_')}_{run}"
            output = f"{database}?schema={schema}"
            config = tmp / f"{schema}.toml"
            # Questions in flight: what a worker's replicas can work on, twice
            # over (two local answers a question). A larger window only
            # parks questions in one worker that another could run.
            window = 2 * args.slots * used
            config.write_text(config_text(dataset, args.questions, output, local_urls, window))
            started = time.monotonic()
            processes = [
                subprocess.Popen([str(binary), "run", "--quiet", str(config)],
                                 env={**os.environ, "REMOTE_URL": remote, "LOCAL_URL": replicas[w]},
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                for w in range(workers)]
            for p in processes:
                _, err = p.communicate()
                if p.returncode != 0:
                    fail(f"{name}, run {run + 1}: privqa run exited {p.returncode}: {err}")
            wall = time.monotonic() - started
            walls[name].append(wall)
            exported = subprocess.run([str(binary), "export", "--no-timing", output],
                                      capture_output=True, text=True, check=True).stdout
            exports.setdefault(name, set()).add(exported)
            print(f"run {run + 1}: {name:<13} {wall:6.2f} s", flush=True)

    print(f"\n{args.questions} questions x S1, S2, S4; local: 4 replicas of {args.slots} slots, "
          f"{args.latency_ms:.0f} ms an answer; {args.repeat} runs each\n")
    print("| case | wall, median / worst | speed-up of the median over one worker |")
    print("|---|---:|---:|")
    base = statistics.median(walls["one worker"])
    for name, values in walls.items():
        median = statistics.median(values)
        print(f"| {name} | {median:.2f} / {max(values):.2f} s | {base / median:.2f}x |")
    distinct = set().union(*exports.values())
    print(f"\nexports: {'all identical' if len(distinct) == 1 else f'{len(distinct)} different'}")


if __name__ == "__main__":
    main()
