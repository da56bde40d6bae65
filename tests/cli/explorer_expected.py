#!/usr/bin/env python3
"""What the explorer's browser test expects, computed with pandas from the
export CSVs of two runs and the question file, independently of the
explorer: prints one JSON object.

  explorer_expected.py RUN1.csv RUN2.csv QUESTIONS.jsonl MECHANISM EPS

questions: the distinct questions of run 1; pattern_ids: run 1's questions
with S2 right and S3 (MECHANISM, EPS) answered and wrong, sorted; probe: the
first of them with its question text and sanitized text; compare: for each
scenario without eps, b (run 1 right, run 2 wrong) and c (the reverse) over
the questions both answered without error."""
import json
import sys

import pandas as pd

run1, run2, questions, mechanism, eps = sys.argv[1:6]
eps = float(eps)
a = pd.read_csv(run1, keep_default_na=False, na_values={"eps": [""]})
b = pd.read_csv(run2, keep_default_na=False, na_values={"eps": [""]})
for df in (a, b):
    df["question_id"] = df["question_id"].astype(str)
    df["ok"] = df["status"] == "ok"

s2 = a[(a["scenario"] == "S2") & a["ok"]].set_index("question_id")
s3 = a[(a["scenario"] == "S3") & (a["mechanism"] == mechanism) & (a["eps"] == eps) & a["ok"]]
s3 = s3.set_index("question_id")
both = s2.index.intersection(s3.index)
ids = sorted(q for q in both if s2.at[q, "correct"] and not s3.at[q, "correct"])

compare = {}
for scenario in ("S1", "S2", "S4"):
    x = a[(a["scenario"] == scenario) & a["ok"]].set_index("question_id")["correct"]
    y = b[(b["scenario"] == scenario) & b["ok"]].set_index("question_id")["correct"]
    shared = x.index.intersection(y.index)
    compare[scenario] = {
        "b": int(sum(bool(x[q]) and not bool(y[q]) for q in shared)),
        "c": int(sum(not bool(x[q]) and bool(y[q]) for q in shared)),
    }

per_question = a.groupby("question_id").size().unique()
assert len(per_question) == 1, f"questions with different numbers of cells: {per_question}"

texts = pd.read_json(questions, lines=True, dtype={"id": str}).set_index("id")["question"]
probe = ids[0] if ids else None
print(json.dumps({
    "questions": int(a["question_id"].nunique()),
    "cells_per_question": int(per_question[0]),
    "pattern_ids": ids,
    "probe": None if probe is None else {
        "id": probe, "text": texts[probe], "sanitized": s3.at[probe, "sanitized"]},
    "compare": compare,
}))
