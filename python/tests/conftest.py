"""Shared fixtures of the Python package's tests: the repository's small
word-vector table and sample questions, and the privqa binary (for the
simulated provider). ctest sets PRIVQA_BINARY and PYTHONPATH."""

import os
import pathlib
import shutil

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SAMPLE_TABLE = ROOT / "tests" / "fixtures" / "embed" / "sample_table.txt"
SAMPLE_QUESTIONS = ROOT / "data" / "sample" / "medmcqa_sample.jsonl"


@pytest.fixture(scope="session")
def binary():
    path = os.environ.get("PRIVQA_BINARY", "")
    if not path or not os.path.exists(path):
        pytest.skip("PRIVQA_BINARY does not name the built privqa binary (ctest sets it)")
    return path


@pytest.fixture(scope="session")
def sample_table(tmp_path_factory):
    """The test table, loaded from a copy (the loader's cache stays out of the tree)."""
    import privqa

    copy = tmp_path_factory.mktemp("embed") / "sample_table.txt"
    shutil.copy(SAMPLE_TABLE, copy)
    return privqa.Embeddings.load(copy, cache=False)


@pytest.fixture(scope="session")
def sample_texts():
    import privqa

    return [q["question"] for q in privqa.load_questions(SAMPLE_QUESTIONS, as_frame=False)]
