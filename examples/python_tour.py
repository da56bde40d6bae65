#!/usr/bin/env python3
"""The worked example of docs/python.md: one question through every
word-level mechanism at eps 1, 2 and 3; the share of words each keeps as eps
grows (a figure when matplotlib is installed); a run's cells in pandas.

    python3 examples/python_tour.py [RUN_STORE]

RUN_STORE defaults to runs/quickstart.db (made by `make demo`)."""

import os
import sys

import privqa

QUESTIONS = "data/sample/medmcqa_sample.jsonl"
questions = privqa.load_questions(QUESTIONS)        # a DataFrame (pandas installed)
texts = list(questions["question"])
question = texts[1]
print(question)

# 1. One question, every word-level mechanism, eps 1, 2, 3. The corpus-based
# mechanisms take their vocabulary from the sample's questions; seed fixes
# the random streams (without it they are drawn from the OS).
names = [m["name"] for m in privqa.mechanisms() if m["word_level"]]
for name in names:
    for eps in (1, 2, 3):
        m = privqa.Mechanism(name, eps, corpus=texts, seed=7)
        print(f"{name:>12} eps {eps}: {m.sanitize(question)}")

# 2. The share of word tokens each mechanism outputs unchanged, over the
# sample's 30 questions, as eps grows.
grid = [0.5, 1, 2, 4, 8, 16]
kept = {}
for name in names:
    kept[name] = []
    for eps in grid:
        m = privqa.Mechanism(name, eps, corpus=texts, seed=7)
        stats = [s for _, s in m.sanitize_many(texts, with_stats=True)]
        tokens = sum(s["words"] + s["numbers"] for s in stats)
        kept[name].append(sum(s["kept"] for s in stats) / tokens)
    print(f"{name:>12} kept: " + " ".join(f"{k:.2f}" for k in kept[name]))
try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    for name, shares in kept.items():
        plt.plot(grid, shares, marker="o", label=name)
    plt.xscale("log")
    plt.xlabel("eps")
    plt.ylabel("share of words kept")
    plt.legend(fontsize="small")
    plt.savefig("kept_vs_eps.png", dpi=120)
    print("figure: kept_vs_eps.png")
except ImportError:
    print("(matplotlib is not installed: no figure)")

# 3. The exact distribution SanText+ samples a word from.
m = privqa.Mechanism("santext+", 2, corpus=texts, seed=7)
top = sorted(m.distribution("nerve").items(), key=lambda kv: -kv[1])[:5]
print("santext+ eps 2, 'nerve' ->", ", ".join(f"{w} {p:.3f}" for w, p in top))

# 4. A run in pandas: accuracy per scenario with the report's intervals.
store = sys.argv[1] if len(sys.argv) > 1 else "runs/quickstart.db"
if os.path.exists(store):
    run = privqa.open_run(store)
    cells = run.to_pandas()
    print(run.title, "-", len(cells), "cells")
    print(run.accuracy_frame()[["scenario", "mechanism", "eps", "n", "accuracy", "ci_low", "ci_high"]]
          .to_string(index=False))
    s3 = cells[cells.scenario == "S3"]
    print(s3.groupby(["mechanism", "eps"]).correct.mean())
else:
    print(f"no run at {store} (make demo makes one)")
