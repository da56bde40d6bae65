#!/usr/bin/python3
"""End-to-end benchmark: privqa's runner against the simulated provider.

For every limit setting, fault setting and question count, this starts
`privqa sim-server` with realistic latency profiles, runs the default grid
(S1, S2, S4 and S3 with PhraseDP, InferDPT, SanText+ at eps 1, 2, 3) with
`privqa run`, and reports:

  wall        seconds from the start of `privqa run` to its exit
  bound       max(critical path of one cell, requests_p / rate_p + tail_p)
              over providers p, where requests_p counts the requests that
              reached p (retries of injected faults included; hedge copies
              and refusals by p's limit left out); tail_p is the shortest
              chain after p's last request (its fastest reply that ends a
              cell, or that leads to the fastest final step); and the
              critical path is that of the cell holding the slowest request:
              its simulated latency plus the fastest possible steps before
              and after it in PhraseDP's chain (local paraphrases, remote
              CoT, local answer)
  ratio       wall / bound
  burst ratio wall / the bound with the rate term less the simulator's burst
              allowance (BURST_SECONDS): the provider admits that many seconds
              of its rate at once, which the bound above leaves out, so only
              this one is a true lower bound on the wall time
  cpu/1k req  runner user + system CPU seconds per 1,000 requests sent
  peak RSS    the runner's maximum resident set

Latencies are multiplied by the time scale of the setting, and the limits
given to the simulator and to the runner are divided by it, so a run keeps
the shape of the real experiment (requests in flight = rate x latency) in a
fraction of the time. With --baseline, bench/e2e/original_plan.py (the
user's original plan in Python) runs against a fresh simulator with the same
setting, and its wall time is reported beside privqa's.

Each case runs --repeat times (default 5); a summary table then gives per
case the median and the worst wall time and ratio: these machines are noisy,
and one run (or the best of several) says little. Run i of a case gives the
simulator the seed --seed + i, so the runs also sample its draws (latency
jitter, reply lengths, which requests fail); with --fixed-seed every run has
the same draws and differs from the others only by the machine's noise.

With --trace, the first run of each case also prints its admitted-rate
trace: per second of the run, the requests each simulated provider admitted
and those its limit refused (429), from the simulator's log.

Usage: bench/e2e/run_e2e.py [--build build/release] [--sizes 100,500,...]
       [--settings default,high] [--faults 0,0.1] [--repeat 5] [--baseline]
       [--seed 1] [--fixed-seed] [--trace] [--json FILE]
       [--limits configured|stated|found]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


@dataclass
class Setting:
    """Provider limits in requests per minute of real time, and the time scale."""

    name: str
    local_rpm: float
    remote_rpm: float
    time_scale: float
    # The original plan waits for the slowest question of each batch of 10:
    # at the high setting's longer latencies it runs for hours at full size.
    baseline_max_size: int


# The default setting follows typical paid-tier limits; the high-limit one
# needs ten times more requests in flight for the same throughput.
SETTINGS = {
    "default": Setting("default", local_rpm=2000, remote_rpm=1000, time_scale=0.05,
                       baseline_max_size=4183),
    "high": Setting("high", local_rpm=20000, remote_rpm=10000, time_scale=0.5,
                    baseline_max_size=500),
}

# Latency (base + per output token, lognormal jitter) chosen so that a local
# answer takes ~0.3 s, a local call for 10 paraphrases ~1 s (n samples are
# generated in parallel, so the longest choice counts) and a remote CoT ~2 s.
# Skill fields repeat the simulator's built-in profiles.
PROFILES = {
    "sim-local": dict(skill=0.33, cot_helpfulness=0.3, cot_misleading=0.5, follow_rate=0.6,
                      unparsed_rate=0.02, latency_base_ms=150, latency_per_token_ms=45,
                      latency_jitter_sigma=0.3),
    "sim-remote": dict(skill=0.73, cot_helpfulness=0.6, cot_misleading=0.5, follow_rate=0.85,
                       unparsed_rate=0.005, latency_base_ms=700, latency_per_token_ms=24,
                       latency_jitter_sigma=0.4),
}
BURST_SECONDS = 1.0
# The client's default floor of hedge delays, in the setting's seconds.
HEDGE_MIN_DELAY_SECONDS = 1.0
FAULT_KINDS = ["429", "500", "503", "reset", "stall", "malformed"]


def fail(message: str) -> None:
    print(f"run_e2e: {message}", file=sys.stderr)
    sys.exit(1)


def write_profiles(path: Path, setting: Setting) -> dict[str, float]:
    """Writes the simulator's profile file; returns each model's rate in requests/s."""
    rpm = {"sim-local": setting.local_rpm, "sim-remote": setting.remote_rpm}
    lines = []
    for name, fields in PROFILES.items():
        lines.append(f"[profile.{name}]")
        lines += [f"{k} = {v}" for k, v in fields.items()]
        lines.append(f"rpm = {rpm[name] / setting.time_scale}")
        lines.append("tpm = 0")
        lines.append(f"burst_seconds = {BURST_SECONDS}")
        lines.append("")
    path.write_text("\n".join(lines))
    return {name: r / setting.time_scale / 60.0 for name, r in rpm.items()}


def write_config(path: Path, dataset: Path, setting: Setting, timeout: float,
                 rpm_in_config: bool = True) -> None:
    # The client's default backoff (0.5 s doubling to 60 s), on the same clock.
    backoff = 0.5 * setting.time_scale
    backoff_cap = 60 * setting.time_scale
    # And its default floor of hedge delays.
    hedge_min_delay = HEDGE_MIN_DELAY_SECONDS * setting.time_scale
    # The client may spend most of the simulator's burst allowance at once;
    # the rest absorbs requests the network reorders (at the full depth, a
    # run at 20,000 rpm drew 131 429s).
    burst = 0.8 * BURST_SECONDS
    providers = ""
    for name, rpm in (("local", setting.local_rpm), ("remote", setting.remote_rpm)):
        providers += f"""
[providers.{name}]
base_url = "${{PRIVQA_SIM_URL}}"
model = "sim-{name}"
max_in_flight = 2048
{f"rpm = {rpm / setting.time_scale}" if rpm_in_config else ""}
burst = {burst}
timeout = {timeout}
max_attempts = 8
backoff = {backoff}
backoff_cap = {backoff_cap}
hedge_min_delay = {hedge_min_delay}
"""
    path.write_text(f"""[dataset]
path = "{dataset}"

[experiment]
output = "run.db"
seed = 1
scenarios = ["S1", "S2", "S3", "S4"]
epsilons = [1.0, 2.0, 3.0]
mechanisms = ["phrasedp", "inferdpt", "santext+"]
local = "local"
remote = "remote"
""" + providers)


class SimServer:
    """A `privqa sim-server` process on a free loopback port."""

    def __init__(self, binary: Path, dataset: Path, profiles: Path, setting: Setting,
                 faults: float, log: Path, stall_seconds: float, limit_headers: bool = True,
                 seed: int = 1):
        args = [str(binary), "sim-server", "--dataset", str(dataset), "--port", "0",
                "--profiles", str(profiles), "--time-scale", str(setting.time_scale),
                "--seed", str(seed), "--log", str(log), "--stall-seconds", str(stall_seconds),
                "--fault-retry-after", str(setting.time_scale)]
        if not limit_headers:
            args.append("--no-limit-headers")
        if faults > 0:
            for kind in FAULT_KINDS:
                args += [f"--fault-{kind}", str(faults / len(FAULT_KINDS))]
        # Its banner and any error go beside its log, not between the tables.
        self.messages = log.with_name(log.stem + "-sim.txt")
        with self.messages.open("w") as messages:
            self.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=messages,
                                            text=True)
        line = self.process.stdout.readline().strip() if self.process.stdout else ""
        # The log's clock starts just before the server listens.
        self.started = time.monotonic()
        prefix = "listening on "
        if not line.startswith(prefix):
            self.stop()
            fail(f"sim-server did not start (first line: {line!r}); it said:\n"
                 f"{self.messages.read_text()[-2000:]}")
        self.url = line[len(prefix):]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def request_kind(entry: dict) -> str:
    """Which step of a cell a logged request is: paraphrase, cot, answer or other."""
    body = entry.get("body")
    if not isinstance(body, dict):
        return "other"
    text = " ".join(m.get("content", "") for m in body.get("messages", [])
                    if isinstance(m.get("content"), str))
    if "Paraphrase" in text:
        return "paraphrase"
    if "Reasoning:" in text:  # the CoT inside may itself mention "step by step"
        return "answer_with_cot"
    if "step by step" in text:
        return "cot"
    return "answer"


@dataclass
class LogSummary:
    charged: dict[str, int] = field(default_factory=dict)  # model -> requests counted by its limit
    received: int = 0
    # (model, kind) -> each distinct request's latency (see read_log)
    delays: dict[tuple[str, str], list[float]] = field(default_factory=dict)


def read_log(path: Path) -> LogSummary:
    """Counts and latencies from the simulator's request log.

    A request's latency is that of its first fault-free arrival, or less
    when a later copy (a hedge, sent after t seconds) answered sooner: the
    least over its fault-free arrivals of (t + delay). Faulted arrivals are
    left out, as the bound leaves out the time faults cost."""
    summary = LogSummary()
    first: dict[str, tuple[float, float, str, str]] = {}  # body -> (t, latency, model, kind)
    with path.open() as f:
        for line in f:
            entry = json.loads(line)
            summary.received += 1
            model = entry.get("model")
            if not model or entry.get("fault") == "rate_limit":
                continue
            # Every request that reached the provider counts against its limit,
            # an injected fault too; a refusal by the limit itself does not.
            summary.charged[model] = summary.charged.get(model, 0) + 1
            if entry.get("status") != 200 or entry.get("fault") != "none":
                continue
            body = json.dumps(entry.get("body"), sort_keys=True)
            time_, delay = entry["time"], entry.get("delay", 0.0)
            if body not in first:
                first[body] = (time_, delay, model, request_kind(entry))
            else:
                t0, latency, m, kind = first[body]
                first[body] = (t0, min(latency, time_ - t0 + delay), m, kind)
    for _, latency, model, kind in first.values():
        summary.delays.setdefault((model, kind), []).append(latency)
    return summary


def rate_trace(path: Path, offset: float, rates: dict[str, float]) -> str:
    """A markdown table: per second from the start of `privqa run` (the
    simulator's log time less `offset`), the requests each provider admitted
    and those its limit refused, against its configured rate."""
    models = sorted(rates)
    admitted: dict[tuple[int, str], int] = {}
    refused: dict[tuple[int, str], int] = {}
    last = 0
    with path.open() as f:
        for line in f:
            entry = json.loads(line)
            model = entry.get("model")
            if model not in rates:
                continue
            second = max(0, int(entry["time"] - offset))
            last = max(last, second)
            counts = refused if entry.get("fault") == "rate_limit" else admitted
            counts[(second, model)] = counts.get((second, model), 0) + 1
    head = " | ".join(f"{m} admitted (of {rates[m]:.0f}/s) | {m} 429" for m in models)
    lines = [f"| second | {head} |", "|---|" + "---|---|" * len(models)]
    for second in range(last + 1):
        cells = " | ".join(f"{admitted.get((second, m), 0)} | {refused.get((second, m), 0)}"
                           for m in models)
        lines.append(f"| {second} | {cells} |")
    return "\n".join(lines)


def hedges_by_model(output: str) -> dict[str, int]:
    """Hedge copies per simulated model, from privqa run's summary lines."""
    found = {}
    for name, hedges in re.findall(r"^\s+(local|remote)\s+\d+ requests .*?(\d+) hedges", output,
                                   re.MULTILINE):
        found[f"sim-{name}"] = int(hedges)
    return found


def lower_bound(summary: LogSummary, rates: dict[str, float],
                hedges: dict[str, int]) -> tuple[float, float, float]:
    """(bound, critical path, rate term) in seconds. Hedge copies do not
    count in the rate term: a run needs none of them."""

    def fastest(model: str, kind: str) -> float:
        return min(summary.delays.get((model, kind), [0.0]))

    def slowest(model: str, kind: str) -> float:
        return max(summary.delays.get((model, kind), [0.0]))

    # The run lasts at least as long as the cell holding the slowest request:
    # that request, plus the fastest possible steps before and after it.
    answer = fastest("sim-local", "answer_with_cot")
    cot = fastest("sim-remote", "cot")
    critical = max(
        slowest("sim-local", "paraphrase") + cot + answer,
        fastest("sim-local", "paraphrase") + slowest("sim-remote", "cot") + answer,
        slowest("sim-local", "answer_with_cot"),
        slowest("sim-local", "answer"),
        slowest("sim-remote", "answer"))
    # After a provider's last request the run still waits for its reply and
    # for the steps its cell has left: at least the shortest such chain.
    tail = {
        "sim-local": min(answer, fastest("sim-local", "answer")),
        "sim-remote": min(fastest("sim-remote", "answer"), cot + answer),
    }
    rate_term = max(((n - hedges.get(m, 0)) / rates[m] + tail.get(m, 0.0)
                     for m, n in summary.charged.items() if m in rates), default=0.0)
    return max(critical, rate_term), critical, rate_term


def run_measured(args: list[str], env: dict[str, str], log: Path,
                 ok_codes: tuple[int, ...] = (0,)) -> tuple[float, float, int]:
    """Runs a command; returns (wall seconds, user+system CPU seconds, peak RSS KiB)."""
    start = time.monotonic()
    with log.open("w") as out:
        process = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
    wall = time.monotonic() - start
    if os.waitstatus_to_exitcode(status) not in ok_codes:
        fail(f"{' '.join(args)} failed (exit {os.waitstatus_to_exitcode(status)}); "
             f"output in {log}:\n{log.read_text()[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def bench_privqa(binary: Path, dataset: Path, size: int, setting: Setting, faults: float,
                 work: Path, window: int | None, trace: bool = False,
                 limits: str = "configured", seed: int = 1) -> dict:
    profiles = work / "profiles.toml"
    rates = write_profiles(profiles, setting)
    # 30 s, on the setting's clock: above the slowest normal reply (a long
    # remote CoT takes up to ~12 s), so only stalls are abandoned and retried.
    # A stall lasts two timeouts.
    timeout = 30 * setting.time_scale
    config = work / "run.toml"
    write_config(config, dataset, setting, timeout, rpm_in_config=limits == "configured")
    log = work / "requests.jsonl"
    sim = SimServer(binary, dataset, profiles, setting, faults, log, stall_seconds=2 * timeout,
                    limit_headers=limits != "found", seed=seed)
    try:
        env = dict(os.environ, PRIVQA_SIM_URL=sim.url)
        # The simulator's log counts from its start; the trace, from the run's.
        offset = time.monotonic() - sim.started
        db = work / "run.db"
        wall, cpu, rss = run_measured(
            [str(binary), "run", str(config), "--limit", str(size), "--output", str(db),
             "--quiet"] + (["--window", str(window)] if window else []), env,
            work / "privqa.out", ok_codes=(0, 4))  # 4: finished, some cells errors
    finally:
        sim.stop()
    summary = read_log(log)
    output = (work / "privqa.out").read_text()
    hedges = hedges_by_model(output)
    # Cells that ended as errors (exit 4): under injected faults, a call can
    # use up its attempts.
    errors = re.search(r"(\d+) cells ended as errors", output)
    bound, critical, rate_term = lower_bound(summary, rates, hedges)
    if trace:
        print(f"\nAdmitted-rate trace, {setting.name} setting, {faults:.0%} faults, {size} "
              f"questions ({wall:.1f} s):\n\n{rate_trace(log, offset, rates)}\n", flush=True)
    return {"runner": "privqa", "setting": setting.name, "faults": faults, "size": size,
            "seed": seed, "wall": wall, "bound": bound, "critical_path": critical, "rate_term": rate_term,
            "ratio": wall / bound if bound > 0 else None,
            "burst_ratio": wall / max(critical, rate_term - BURST_SECONDS),
            "requests": summary.received,
            "charged": summary.charged, "hedges": hedges,
            "mean_latency": {f"{m}/{k}": statistics.fmean(v) / setting.time_scale
                             for (m, k), v in sorted(summary.delays.items()) if v},
            "cpu_per_1k": 1000 * cpu / max(1, summary.received), "cpu": cpu,
            "peak_rss_mib": rss / 1024, "error_cells": int(errors.group(1)) if errors else 0}


def sanitize_for_baseline(binary: Path, dataset: Path, size: int, out: Path) -> None:
    subprocess.run([str(binary), "sanitize", "--mech", "inferdpt,santext+", "--eps", "1,2,3",
                    "--dataset", str(dataset), "--first", str(size), "--corpus", str(dataset),
                    "--out", str(out)],
                   check=True, stdout=subprocess.DEVNULL)


def bench_baseline(binary: Path, dataset: Path, size: int, setting: Setting, sanitized: Path,
                   work: Path) -> dict:
    profiles = work / "profiles.toml"
    write_profiles(profiles, setting)
    log = work / "baseline-requests.jsonl"
    sim = SimServer(binary, dataset, profiles, setting, 0.0, log, stall_seconds=30)
    try:
        out = work / "baseline.out"
        wall, cpu, rss = run_measured(
            ["/usr/bin/python3", str(HERE / "original_plan.py"), "--base-url", sim.url,
             "--local-model", "sim-local", "--remote-model", "sim-remote",
             "--dataset", str(dataset), "--limit", str(size), "--sanitized", str(sanitized),
             "--out", str(work / "baseline-results.json")], dict(os.environ), out)
    finally:
        sim.stop()
    return {"runner": "original_plan", "setting": setting.name, "faults": 0.0, "size": size,
            "wall": wall, "requests": read_log(log).received, "cpu": cpu,
            "peak_rss_mib": rss / 1024}


def print_row(r: dict) -> None:
    if r["runner"] == "privqa":
        print(f"| {r['setting']} | {r['faults']:.0%} | {r['size']} | {r['wall']:.1f} | "
              f"{r['bound']:.1f} ({r['critical_path']:.2f} / {r['rate_term']:.1f}) | {r['ratio']:.3f} | {r['burst_ratio']:.3f} | {r['requests']} ({sum(r['hedges'].values())}) | {r['cpu_per_1k']:.2f} | "
              f"{r['peak_rss_mib']:.0f} |"
              + (f" {r['error_cells']} cells ended as errors" if r["error_cells"] else ""),
              flush=True)
    else:
        print(f"| {r['setting']} | original plan | {r['size']} | {r['wall']:.1f} | | | | "
              f"{r['requests']} | | {r['peak_rss_mib']:.0f} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", default=str(ROOT / "build" / "release"),
                        help="build directory holding the privqa binary")
    parser.add_argument("--dataset", default=None,
                        help="MedMCQA dev file (default: $PRIVQA_DATA_DIR/medmcqa/dev.json)")
    parser.add_argument("--sizes", default="100,500,2000,4183")
    parser.add_argument("--settings", default="default,high")
    parser.add_argument("--faults", default="0,0.1", help="shares of injected faults")
    parser.add_argument("--baseline", action="store_true",
                        help="also run the original plan (bench/e2e/original_plan.py)")
    parser.add_argument("--baseline-max-size", type=int, default=None,
                        help="largest size at which the original plan runs (default: 4183 "
                        "at the default setting, 500 at the high one)")
    parser.add_argument("--window", type=int, default=None,
                        help="questions in flight for privqa (default: its config default)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each case")
    parser.add_argument("--seed", type=int, default=1,
                        help="the simulator's seed in each case's first run (run i: seed + i)")
    parser.add_argument("--fixed-seed", action="store_true",
                        help="give the simulator the same seed in every run")
    parser.add_argument("--trace", action="store_true",
                        help="print the admitted-rate trace of each case's first run")
    parser.add_argument("--json", default=None, help="append one JSON line per run here")
    parser.add_argument("--limits", default="configured",
                        choices=["configured", "stated", "found"],
                        help="how privqa knows the providers' limits: its config's rpm "
                        "(configured), only the x-ratelimit-limit-* headers the simulator "
                        "sends (stated), or neither, from 429s alone (found)")
    args = parser.parse_args()
    if args.repeat < 1:
        fail("--repeat must be at least 1")

    binary = Path(args.build) / "privqa"
    if not binary.exists():
        fail(f"{binary} not found: build first (make build)")
    data_dir = Path(os.environ.get("PRIVQA_DATA_DIR", ROOT.parent / "shared" / "data"))
    dataset = Path(args.dataset) if args.dataset else data_dir / "medmcqa" / "dev.json"
    if not dataset.exists():
        fail(f"{dataset} not found (set PRIVQA_DATA_DIR)")
    dataset = dataset.resolve()
    sizes = [int(s) for s in args.sizes.split(",")]
    faults = [float(f) for f in args.faults.split(",")]
    try:
        settings = [SETTINGS[s] for s in args.settings.split(",")]
    except KeyError as e:
        fail(f"unknown setting {e}; known: {', '.join(SETTINGS)}")

    print(f"# {time.strftime('%Y-%m-%d %H:%M')} {os.uname().nodename}, {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.2f}; limits {args.limits}; simulator seed "
          + (f"{args.seed} in every run" if args.fixed_seed else f"{args.seed} + run index"))
    print("| setting | faults | questions | wall s | bound s (critical path / rate) | ratio | "
          "burst ratio | requests (hedges) | CPU s/1k req | peak RSS MiB |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    json_out = open(args.json, "a") if args.json else None
    runs: dict[tuple[str, float, int], list[dict]] = {}
    with tempfile.TemporaryDirectory(prefix="privqa-e2e-") as tmp:
        work = Path(tmp)
        sanitized = work / "sanitized.jsonl"
        def baseline_cap(setting: Setting) -> int:
            return args.baseline_max_size or setting.baseline_max_size

        if args.baseline:
            sanitize_for_baseline(binary, dataset,
                                  min(max(sizes), max(baseline_cap(s) for s in settings)),
                                  sanitized)
        for setting in settings:
            for size in sizes:
                rows = []
                for share in faults:
                    for repeat in range(args.repeat):
                        run_dir = work / f"{setting.name}-{size}-{share}"
                        run_dir.mkdir()
                        row = bench_privqa(binary, dataset, size, setting, share, run_dir,
                                           args.window, trace=args.trace and repeat == 0,
                                           limits=args.limits,
                                           seed=args.seed + (0 if args.fixed_seed else repeat))
                        rows.append(row)
                        runs.setdefault((setting.name, share, size), []).append(row)
                        shutil.rmtree(run_dir)
                if args.baseline and size <= baseline_cap(setting):
                    run_dir = work / f"{setting.name}-{size}-baseline"
                    run_dir.mkdir()
                    base = bench_baseline(binary, dataset, size, setting, sanitized, run_dir)
                    base["privqa_speedup"] = base["wall"] / rows[0]["wall"]
                    rows.append(base)
                    shutil.rmtree(run_dir)
                for r in rows:
                    print_row(r)
                    if json_out:
                        json_out.write(json.dumps(r) + "\n")
                        json_out.flush()
                if args.baseline and size <= baseline_cap(setting):
                    print(f"|  | speedup over the original plan: "
                          f"{rows[-1]['privqa_speedup']:.1f}x | | | | | | | |", flush=True)
    print_summary(runs)


def print_summary(runs: dict[tuple[str, float, int], list[dict]]) -> None:
    print("\n| setting | faults | questions | runs | wall s median / max | "
          "ratio median / max |")
    print("|---|---|---|---|---|---|")
    for (setting, share, size), rows in runs.items():
        walls = [r["wall"] for r in rows]
        ratios = [r["ratio"] for r in rows if r["ratio"] is not None]
        ratio = (f"{statistics.median(ratios):.3f} / {max(ratios):.3f}" if ratios else "")
        print(f"| {setting} | {share:.0%} | {size} | {len(rows)} | "
              f"{statistics.median(walls):.1f} / {max(walls):.1f} | {ratio} |", flush=True)


if __name__ == "__main__":
    main()
