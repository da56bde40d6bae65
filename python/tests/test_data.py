"""privqa.parse_answer and privqa.load_questions."""

import json

import pytest

import privqa
from conftest import SAMPLE_QUESTIONS

OPTIONS = ["Potassium", "Sodium", "Chloride", "Calcium"]


@pytest.mark.parametrize("reply,want", [
    ("Let me think. Sodium channels open first. Answer: B", (1, "statement")),
    ("The correct option is d", (3, "statement")),
    ("Only (C) fits the description", (2, "marker")),
    ("c", (2, "letter")),
    ("Chloride", (2, "option_text")),
    ("A and C", (None, "unparsed")),
    ("I cannot answer this.", (None, "unparsed")),
])
def test_parse_answer_follows_the_documented_rules(reply, want):
    assert privqa.parse_answer(reply, OPTIONS) == want


def test_load_questions_reads_the_file(tmp_path):
    records = [json.loads(line) for line in open(SAMPLE_QUESTIONS, encoding="utf-8")]
    rows = privqa.load_questions(SAMPLE_QUESTIONS, as_frame=False)
    assert [r["id"] for r in rows] == [r["id"] for r in records]
    first, raw = rows[0], records[0]
    assert first["question"] == raw["question"]
    assert first["options"] == [raw["opa"], raw["opb"], raw["opc"], raw["opd"]]
    assert first["answer"] == raw["cop"] - 1  # the sample's cop counts from 1
    assert first["subject"] == raw["subject_name"]
    frame = privqa.load_questions(SAMPLE_QUESTIONS)
    assert list(frame["id"]) == [r["id"] for r in records]
    assert {"question", "options", "answer", "subject", "topic"} <= set(frame.columns)


def test_load_questions_with_a_mapping(tmp_path):
    csv = tmp_path / "q.csv"
    csv.write_text("qid,stem,a,b,gold\nx1,Is water wet?,yes,no,A\nx2,Is fire cold?,yes,no,B\n")
    rows = privqa.load_questions(csv, "id=qid,question=stem,options=a|b,answer=gold,"
                                      "answer_encoding=letter", as_frame=False)
    assert [(r["id"], r["question"], r["options"]) for r in rows] == [
        ("x1", "Is water wet?", ["yes", "no"]), ("x2", "Is fire cold?", ["yes", "no"])]
    assert [r["answer"] for r in rows] == [0, 1]


def test_load_questions_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.jsonl"):
        privqa.load_questions(tmp_path / "missing.jsonl")
    with pytest.raises(ValueError, match="mapping"):
        privqa.load_questions(SAMPLE_QUESTIONS, "nonsense")
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n")
    with pytest.raises(privqa.Error):
        privqa.load_questions(bad)
