"""privqa.Embeddings: loading, vectors as views of the table, neighbours."""

import gc

import numpy as np
import pytest

import privqa
from conftest import SAMPLE_TABLE


def parse_glove(path):
    words, rows = [], []
    for line in open(path, encoding="utf-8"):
        parts = line.rstrip("\n").split(" ")
        words.append(parts[0])
        rows.append([float(x) for x in parts[1:]])
    return words, np.array(rows, dtype=np.float32)


def test_vectors_are_the_file_rows(sample_table):
    words, rows = parse_glove(SAMPLE_TABLE)
    assert len(sample_table) == len(words)
    assert sample_table.dims == rows.shape[1]
    for i in (0, 7, len(words) - 1):
        assert sample_table.index(words[i]) == i
        assert sample_table.word(i) == words[i]
        np.testing.assert_array_equal(sample_table.vector(words[i]), rows[i])
    np.testing.assert_array_equal(sample_table.matrix, rows)
    assert words[3] in sample_table and "no-such-word-xyz" not in sample_table


def test_vector_is_a_read_only_view_that_keeps_the_table_alive(tmp_path):
    import shutil
    copy = tmp_path / "t.txt"
    shutil.copy(SAMPLE_TABLE, copy)
    table = privqa.Embeddings.load(copy, cache=False)
    word = table.word(5)
    expected = np.array(table.vector(word))
    v = table.vector(word)
    # No copy: the array's memory belongs to the table object.
    assert v.base is table
    assert not v.flags.owndata and not v.flags.writeable
    with pytest.raises(ValueError):
        v[0] = 1.0
    m = table.matrix
    assert m.base is table
    assert np.shares_memory(m, table.matrix)
    assert v.__array_interface__["data"][0] == m[5].__array_interface__["data"][0]
    # The view outlives every other reference to the table.
    for key in [k for k, t in privqa._tables.items() if t is table]:
        del privqa._tables[key]
    del table, m
    gc.collect()
    np.testing.assert_array_equal(v, expected)


def test_load_is_cached_per_path(sample_table):
    assert privqa.Embeddings.load(sample_table.path, cache=False) is sample_table


def test_neighbors_match_brute_force_cosine(sample_table):
    m = sample_table.matrix.astype(np.float64)
    word = sample_table.word(10)
    q = m[10]
    cos = m @ q / (np.linalg.norm(m, axis=1) * np.linalg.norm(q))
    order = [i for i in np.argsort(-cos, kind="stable") if i != 10][:5]
    got = sample_table.neighbors(word, 5)
    assert [w for w, _ in got] == [sample_table.word(i) for i in order]
    for (_, d), i in zip(got, order):
        assert d == pytest.approx(1 - cos[i], abs=1e-5)
    euclid = sample_table.neighbors(word, 3, metric="euclidean")
    dist = np.linalg.norm(m - q, axis=1)
    order = [i for i in np.argsort(dist, kind="stable") if i != 10][:3]
    assert [w for w, _ in euclid] == [sample_table.word(i) for i in order]


def test_errors(sample_table, tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing.txt"):
        privqa.Embeddings.load(tmp_path / "nothing.txt")
    with pytest.raises(KeyError, match="is not in"):
        sample_table.vector("no-such-word-xyz")
    with pytest.raises(ValueError, match="cosine or euclidean"):
        sample_table.neighbors(sample_table.word(0), 3, metric="manhattan")
    bad = tmp_path / "bad.txt"
    bad.write_text("a 1 2\nb 1\n")
    with pytest.raises(privqa.Error):
        privqa.Embeddings.load(bad, cache=False)
