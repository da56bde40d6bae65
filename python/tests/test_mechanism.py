"""privqa.Mechanism: every word-level mechanism of the command line, the same
texts as `privqa sanitize` for the same seed, errors with the command line's
messages, and sanitize_many running with the GIL released."""

import json
import math
import subprocess
import threading
import time

import pytest

import privqa
from conftest import SAMPLE_QUESTIONS

WORD_LEVEL = [m["name"] for m in privqa.mechanisms() if m["word_level"]]


def test_the_catalogue_has_the_command_lines_mechanisms():
    assert {"santext", "santext+", "custext", "custext+", "tem", "inferdpt", "cmp",
            "mahalanobis", "vickrey"} <= set(WORD_LEVEL)
    assert {"phrasedp", "dpprompt"} <= {m["name"] for m in privqa.mechanisms()
                                        if not m["word_level"]}


@pytest.mark.parametrize("name", WORD_LEVEL)
def test_every_word_level_mechanism_sanitizes(name, sample_table, sample_texts):
    m = privqa.Mechanism(name, 2.0, embeddings=sample_table, corpus=sample_texts, seed=3)
    assert (m.name, m.eps) == (name, 2.0)
    text, stats = m.sanitize(sample_texts[0], with_stats=True)
    assert isinstance(text, str) and text
    assert stats["words"] > 0
    assert stats["kept"] + stats["replaced"] + stats["dropped"] <= stats["words"] + stats["numbers"]
    # A fixed seed reproduces the outputs; each call draws afresh.
    again = privqa.Mechanism(name, 2.0, embeddings=sample_table, corpus=sample_texts, seed=3)
    assert again.sanitize(sample_texts[0]) == text
    many = again.sanitize_many(sample_texts, threads=2)
    assert len(many) == len(sample_texts)
    assert again.sanitize_many(sample_texts, threads=1) != many


def test_params_are_checked_and_defaulted(sample_table, sample_texts):
    m = privqa.Mechanism("santext+", 1, embeddings=sample_table, corpus=sample_texts,
                         p=0.5, sensitive_ratio=0.5)
    assert m.params["p"] == "0.5" and m.params["oov"] == "replace"
    with pytest.raises(ValueError, match="'p'|p:|p "):
        privqa.Mechanism("santext+", 1, embeddings=sample_table, corpus=sample_texts, p=1.5)
    with pytest.raises(ValueError, match="nonsense"):
        privqa.Mechanism("santext+", 1, embeddings=sample_table, corpus=sample_texts, nonsense=1)


def test_without_a_seed_the_streams_differ(sample_table, sample_texts):
    a = privqa.Mechanism("santext", 1, embeddings=sample_table, corpus=sample_texts)
    b = privqa.Mechanism("santext", 1, embeddings=sample_table, corpus=sample_texts)
    # 30 questions of ~10 words each resampled at eps 1: equal only if the
    # seeds are (probability far below 1e-12).
    assert a.sanitize_many(sample_texts) != b.sanitize_many(sample_texts)


@pytest.mark.parametrize("name", ["santext+", "custext+", "inferdpt"])
def test_first_call_gives_the_command_lines_texts(name, binary, sample_table, tmp_path):
    questions = privqa.load_questions(SAMPLE_QUESTIONS, as_frame=False)
    table = tmp_path / "table.txt"
    table.write_bytes(open(sample_table.path, "rb").read())
    out = subprocess.run(
        [binary, "sanitize", "--dataset", str(SAMPLE_QUESTIONS), "--mech", name, "--eps", "2",
         "--seed", "7", "--embeddings", str(table), "--threads", "2"],
        capture_output=True, text=True, check=True).stdout
    cli = [json.loads(line)["sanitized"] for line in out.splitlines()]
    m = privqa.Mechanism(name, 2, embeddings=sample_table,
                         corpus=[q["question"] for q in questions], seed=7)
    got = m.sanitize_many([q["question"] for q in questions], ids=[q["id"] for q in questions])
    assert got == cli


def cli_error(binary, *args):
    r = subprocess.run([binary, "sanitize", "a text", *args], capture_output=True, text=True)
    assert r.returncode == 2
    return r.stderr


def test_errors_carry_the_command_lines_messages(binary, sample_table, sample_texts):
    with pytest.raises(ValueError) as e:
        privqa.Mechanism("nosuch", 1, embeddings=sample_table)
    assert "unknown mechanism 'nosuch'" in str(e.value)
    assert str(e.value) in cli_error(binary, "--mech", "nosuch", "--eps", "1")
    for eps in (0, -1, math.nan, math.inf):
        with pytest.raises(ValueError, match="eps") as e:
            privqa.Mechanism("tem", eps, embeddings=sample_table, corpus=sample_texts)
    body = str(e.value).split(": ", 1)[1]
    assert body in cli_error(binary, "--mech", "tem", "--eps", "inf")
    with pytest.raises(ValueError, match="runs inside an experiment"):
        privqa.Mechanism("phrasedp", 1, embeddings=sample_table, corpus=sample_texts)
    with pytest.raises(ValueError, match="corpus="):
        privqa.Mechanism("santext+", 1, embeddings=sample_table)
    with pytest.raises(FileNotFoundError):
        privqa.Mechanism("santext+", 1, embeddings=sample_table, corpus="/nonexistent/q.jsonl")
    # CMP's output distribution (noise mass over a word's Voronoi cell) has no closed form.
    m = privqa.Mechanism("cmp", 1, embeddings=sample_table, corpus=sample_texts, seed=1)
    with pytest.raises(ValueError, match="no closed-form output distribution"):
        m.distribution("nerve")
    with pytest.raises(ValueError, match="threads"):
        m.sanitize_many(["a"], threads=0)
    s = privqa.Mechanism("santext+", 1, embeddings=sample_table, corpus=sample_texts, seed=1)
    with pytest.raises(ValueError, match="not a word the mechanism samples"):
        s.distribution("no-such-word-xyz")


def timed(mechanism, texts, spans, barrier):
    barrier.wait()
    start = time.perf_counter()
    mechanism.sanitize_many(texts, threads=1)
    spans.append((start, time.perf_counter()))


def test_sanitize_many_releases_the_gil(sample_table, sample_texts):
    m = privqa.Mechanism("santext", 3, embeddings=sample_table, corpus=sample_texts, seed=5)
    texts = sample_texts * 40
    # Each call spends nearly all its time inside the engine (converting the
    # texts in and out is a small share), so the middle half of its
    # [start, end] lies inside the engine call. Had the call kept the GIL,
    # two calls could not be in the engine at once and those middle halves
    # could not overlap; released, they run side by side from the barrier.
    spans, barrier = [], threading.Barrier(2)
    workers = [threading.Thread(target=timed, args=(m, texts, spans, barrier)) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    (a0, a1), (b0, b1) = spans
    mid = lambda s, e: (s + (e - s) / 4, e - (e - s) / 4)
    (a_lo, a_hi), (b_lo, b_hi) = mid(a0, a1), mid(b0, b1)
    assert max(a_lo, b_lo) < min(a_hi, b_hi), spans
