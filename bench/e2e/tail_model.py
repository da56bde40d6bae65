#!/usr/bin/python3
"""How long a run of the high setting lasts after its last CoT, by hedging policy.

A model, not a measurement: it explains why the high setting's runs end
about 3 s after the remote sends its last CoT, whatever the run's size, and
what shorter ends would cost in hedge copies.

When the remote's queue drains, the CoTs it sent during the last CoT
latency are all in flight (at 333/s and ~1.35 s, ~450 of them), and each
still has its local answer to come. The run ends with the slowest of these
chains. Latencies follow the simulator's model, with the figures measured
in a run's log (`bench/e2e/run_e2e.py --sizes 500 --settings high`, seed 4,
first fault-free arrival of each request): a remote CoT takes 1.14 s at the
median and 1.91 s at p90, i.e. a lognormal spread of 0.40, all of it the
profile's jitter (sigma 0.4): its copies are independent draws of the same
length. A local answer with a CoT takes 0.50 s at the median and 0.87 s at
p90 (spread 0.43): the profile's jitter (0.3) and a per-request length
(0.31), which its copies share.

A policy sends copies of a request after `delay` seconds, each after the
one before, up to `copies` in all, or `parallel` at once from the start.
The run's present policy: CoT copies after the median (1.14 s), answer
copies after hedge_min_delay (0.5 s), three copies at most.

Usage: bench/e2e/tail_model.py [--chains 450] [--trials 200]
"""

import argparse
import math
import random
import statistics
from dataclasses import dataclass

from run_e2e import HEDGE_MIN_DELAY_SECONDS, SETTINGS

COT_MEDIAN, COT_JITTER = 1.14, 0.40
ANSWER_MEDIAN, ANSWER_LENGTH_SPREAD, ANSWER_JITTER = 0.50, 0.31, 0.30
HIGH = SETTINGS["high"]
REMOTE_RATE = HIGH.remote_rpm / HIGH.time_scale / 60.0  # requests/s
HEDGE_MIN_DELAY = HEDGE_MIN_DELAY_SECONDS * HIGH.time_scale


@dataclass
class Policy:
    name: str
    cot_delay: float
    answer_delay: float
    copies: int = 3
    cot_parallel: int = 1
    answer_parallel: int = 1


def hedged(median: float, jitter: float, delay: float, copies: int, parallel: int,
           rng: random.Random) -> tuple[float, int]:
    """(latency, copies sent) of one request under the policy."""
    draw = lambda: median * math.exp(jitter * rng.gauss(0, 1))
    best = min(draw() for _ in range(parallel))
    sent = parallel
    for k in range(1, copies - parallel + 1):
        if k * delay >= best:
            break
        best = min(best, k * delay + draw())
        sent += 1
    return best, sent


def trial(policy: Policy, chains: int, rng: random.Random) -> tuple[float, int, int]:
    """(time from the last CoT's sending to the run's end, CoT copies, answer copies)."""
    end = 0.0
    cot_copies = answer_copies = 0
    for i in range(chains):
        sent_before_last = i / REMOTE_RATE
        cot, n = hedged(COT_MEDIAN, COT_JITTER, policy.cot_delay, policy.copies,
                        policy.cot_parallel, rng)
        length = ANSWER_MEDIAN * math.exp(ANSWER_LENGTH_SPREAD * rng.gauss(0, 1))
        answer, m = hedged(length, ANSWER_JITTER, policy.answer_delay, policy.copies,
                           policy.answer_parallel, rng)
        end = max(end, cot + answer - sent_before_last)
        cot_copies += n - 1
        answer_copies += m - 1
    return end, cot_copies, answer_copies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chains", type=int, default=450)
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    policies = [
        Policy("present: copies after the median / hedge_min_delay", COT_MEDIAN, HEDGE_MIN_DELAY),
        Policy("CoT copies after 0.8 s", 0.8, HEDGE_MIN_DELAY),
        Policy("CoT copies after hedge_min_delay (0.5 s), up to five", HEDGE_MIN_DELAY,
               HEDGE_MIN_DELAY, copies=5),
        Policy("two CoTs at once", COT_MEDIAN, HEDGE_MIN_DELAY, cot_parallel=2),
        Policy("two CoTs and two answers at once", COT_MEDIAN, HEDGE_MIN_DELAY, cot_parallel=2,
               answer_parallel=2),
        Policy("no hedging", math.inf, math.inf, copies=1),
    ]
    rng = random.Random(args.seed)
    print(f"{args.chains} chains in flight when the remote's queue drains, {args.trials} trials\n")
    print("| policy | end after the last CoT, s: median / p90 | CoT copies | answer copies |")
    print("|---|---|---|---|")
    for policy in policies:
        runs = [trial(policy, args.chains, rng) for _ in range(args.trials)]
        ends = sorted(r[0] for r in runs)
        print(f"| {policy.name} | {statistics.median(ends):.2f} / "
              f"{ends[int(0.9 * len(ends))]:.2f} | {statistics.fmean(r[1] for r in runs):.0f} | "
              f"{statistics.fmean(r[2] for r in runs):.0f} |")


if __name__ == "__main__":
    main()
