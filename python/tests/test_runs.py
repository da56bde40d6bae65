"""privqa.run and privqa.open_run on a small experiment against the
simulated provider (privqa sim-server): the cells, the config and the
report's accuracy table with its Wilson intervals."""

import csv
import json
import math
import re
import shutil
import subprocess

import pytest

import privqa
from conftest import ROOT, SAMPLE_QUESTIONS, SAMPLE_TABLE


@pytest.fixture(scope="module")
def sim_url(binary, tmp_path_factory):
    log = tmp_path_factory.mktemp("sim") / "sim.out"
    server = subprocess.Popen(
        [binary, "sim-server", "--dataset", str(SAMPLE_QUESTIONS), "--port", "0", "--seed", "5",
         "--time-scale", "0", "--profiles", str(ROOT / "tests" / "fixtures" / "sim" / "unlimited.toml")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    line = server.stdout.readline()
    assert line.startswith("listening on "), line
    yield line.split()[2]
    server.terminate()
    server.wait(timeout=30)


@pytest.fixture(scope="module")
def config(sim_url, tmp_path_factory):
    d = tmp_path_factory.mktemp("run")
    table = d / "table.txt"
    shutil.copy(SAMPLE_TABLE, table)
    text = (f'[dataset]\npath = "{SAMPLE_QUESTIONS}"\nfirst = 8\n\n'
            f'[experiment]\noutput = "{d / "run.db"}"\nembeddings = "{table}"\nseed = 11\n'
            'scenarios = ["S1", "S2", "S3"]\nmechanisms = ["santext+"]\nepsilons = [1.0, 3.0]\n'
            'local = "local"\nremote = "remote"\n')
    for name in ("local", "remote"):
        text += (f'\n[providers.{name}]\nbase_url = "{sim_url}"\nmodel = "sim-{name}"\n'
                 'max_in_flight = 64\ntimeout = 30\n')
    path = d / "run.toml"
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def store(config):
    summary = privqa.run(config, quiet=True)
    # 8 questions x (S1, S2, S3 at two eps).
    assert summary["cells_planned"] == 32
    assert summary["cells_ok"] + summary["cells_error"] == 32
    assert summary["cells_not_run"] == 0
    return summary["output"]


def test_run_again_resumes(config, store):
    again = privqa.run(config, quiet=True)
    assert again["cells_already_done"] == 32 and again["cells_ok"] == 0


def test_shards_merge_into_the_whole_run(binary, config, store, tmp_path):
    # Two shards run from Python into stores of their own and joined by
    # `privqa merge` hold the cells of the whole run, with the same results.
    shards = []
    for i in range(2):
        out = tmp_path / f"shard{i}.db"
        summary = privqa.run(config, output=out, shard=f"{i}/2", quiet=True)
        assert 0 < summary["cells_planned"] < 32
        shards.append((out, summary["cells_planned"]))
    assert sum(planned for _, planned in shards) == 32
    merged = tmp_path / "merged.db"
    subprocess.run([binary, "merge", str(merged), *(str(out) for out, _ in shards)], check=True,
                   capture_output=True)

    def cells(path):
        exported = subprocess.run([binary, "export", str(path), "--format", "jsonl", "--no-timing"],
                                  check=True, capture_output=True, text=True).stdout
        return sorted(exported.splitlines())

    assert cells(merged) == cells(store)
    with pytest.raises(ValueError, match="shard"):
        privqa.run(config, output=tmp_path / "bad.db", shard="2/2", quiet=True)


LETTERS = "ABCDEFGHIJ"


def test_open_run_cells_and_config(binary, store, tmp_path):
    r = privqa.open_run(store)
    assert r.simulated and r.title.startswith("SIMULATED")
    assert r.config["seed"] == 11
    assert r.config["scenarios"] == ["S1", "S2", "S3"] and r.config["epsilons"] == [1.0, 3.0]
    cells = r.records()
    assert len(cells) == 32
    s3 = [c for c in cells if c["scenario"] == "S3"]
    assert len(s3) == 16 and {c["eps"] for c in s3} == {1.0, 3.0}
    assert all(c["mechanism"] == "santext+" and c["sanitized"] for c in s3)
    assert {c["eps"] for c in cells if c["scenario"] != "S3"} == {None}
    questions = {q["id"]: q for q in privqa.load_questions(SAMPLE_QUESTIONS, as_frame=False)}
    for c in cells:
        q = questions[c["question_id"]]
        assert c["gold"] == LETTERS[q["answer"]] and c["subject"] == q["subject"]
        if c["status"] == "ok":
            index, method = privqa.parse_answer(c["raw_answer"], q["options"])
            assert (c["answer"], c["parse_method"]) == (
                "" if index is None else LETTERS[index], method)
        assert c["correct"] == (c["status"] == "ok" and c["answer"] == c["gold"])
    # The records are the rows of `privqa export --details`.
    exported = tmp_path / "cells.jsonl"
    subprocess.run([binary, "export", store, "--format", "jsonl", "--details", "--out",
                    str(exported)], check=True, capture_output=True)
    with open(exported) as f:
        assert cells == [json.loads(line) for line in f]
    frame = r.to_pandas()
    assert len(frame) == 32 and list(frame["question_id"]) == [c["question_id"] for c in cells]


def wilson(k, n, z=1.959963984540054):
    if n == 0:
        return 0.0, 1.0
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def test_accuracy_is_the_reports(binary, store, tmp_path):
    r = privqa.open_run(store)
    rows = r.accuracy()
    # Per scenario (S3: mechanism and eps), from the cells: n counts the
    # answered cells with a gold answer, an unparsed answer is wrong, errors
    # are left out of n.
    groups = {}
    for c in r.records():
        key = (c["scenario"], c["mechanism"], c["eps"])
        g = groups.setdefault(key, dict(n=0, correct=0, unparsed=0, errors=0))
        if c["status"] != "ok":
            g["errors"] += 1
        elif c["gold"]:
            g["n"] += 1
            g["correct"] += c["correct"]
            g["unparsed"] += c["answer"] == ""
    assert sorted(groups) == sorted((a["scenario"], a["mechanism"], a["eps"]) for a in rows)
    assert sum(g["n"] for g in groups.values()) > 0
    for a in rows:
        g = groups[(a["scenario"], a["mechanism"], a["eps"])]
        assert {k: a[k] for k in g} == g
        assert a["accuracy"] == pytest.approx(g["correct"] / g["n"], abs=1e-12)
        low, high = wilson(g["correct"], g["n"])
        assert a["ci_low"] == pytest.approx(low, abs=1e-12)
        assert a["ci_high"] == pytest.approx(high, abs=1e-12)
    # The same figures as `privqa report`'s accuracy.csv.
    subprocess.run([binary, "report", store, "--out", str(tmp_path), "--no-privacy",
                    "--format", "csv"], check=True, capture_output=True)
    with open(tmp_path / "accuracy.csv", newline="") as f:
        report_rows = list(csv.DictReader(f))
    assert len(report_rows) == len(rows)
    for a, want in zip(rows, report_rows):
        assert (a["scenario"], a["mechanism"], a["eps"]) == (
            want["scenario"], want["mechanism"], float(want["eps"]) if want["eps"] else None)
        assert (a["n"], a["correct"]) == (int(want["n"]), int(want["correct"]))
        for field in ("accuracy", "ci_low", "ci_high"):
            assert a[field] == pytest.approx(float(want[field]), abs=1e-6)
    frame = r.accuracy_frame()
    assert list(frame["n"]) == [a["n"] for a in rows]


def test_errors(tmp_path, config):
    with pytest.raises(FileNotFoundError):
        privqa.open_run(tmp_path / "missing.db")
    not_a_store = tmp_path / "text.db"
    not_a_store.write_text("not a database")
    with pytest.raises(privqa.Error):
        privqa.open_run(not_a_store)
    # A database URL is no file: its errors are the engine's, naming the URL.
    unreachable = "postgresql://postgres@127.0.0.1:1/runs"
    with pytest.raises(privqa.Error, match="^" + re.escape(unreachable) + ": cannot connect: "):
        privqa.open_run(unreachable)
    with pytest.raises(FileNotFoundError):
        privqa.run(tmp_path / "missing.toml")
    with pytest.raises(ValueError, match="cache"):
        privqa.run(config, cache="sometimes", quiet=True)
    bad = tmp_path / "bad.toml"
    bad.write_text(config.read_text().replace('mechanisms = ["santext+"]',
                                              'mechanisms = ["nosuch"]'))
    with pytest.raises(ValueError, match="nosuch"):
        privqa.run(bad, quiet=True)
