"""privqa from Python: the text DP mechanisms, the embedding table, the
answer parser, question files and experiment runs, over the same C++ engine
as the ``privqa`` command (docs/python.md).

Errors are Python exceptions carrying the command line's message: bad input
is ``ValueError`` (``KeyError`` for a word not in the table), a missing file
``FileNotFoundError``, and other failures of the engine ``privqa.Error``.
"""

from __future__ import annotations

import json
import os
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

from . import _core
from ._core import Error, parse_answer

__all__ = [
    "Embeddings",
    "Error",
    "Mechanism",
    "Run",
    "load_questions",
    "mechanisms",
    "open_run",
    "parse_answer",
    "run",
]

PathLike = Union[str, "os.PathLike[str]"]

Embeddings = _core.Embeddings
_tables: Dict[Tuple[str, bool], "Embeddings"] = {}


def _load_embeddings(path: Optional[PathLike] = None, cache: bool = True) -> "Embeddings":
    """The table at ``path`` (default: ``PRIVQA_EMBEDDINGS`` or the wink
    table fetched by scripts/setup.sh), loaded once per process: later calls
    with the same path return the same object. ``cache`` lets the loader
    write and memory-map its binary cache beside the file."""
    resolved = os.path.realpath(os.fspath(path) if path is not None else
                                _core.default_embeddings_path())
    key = (resolved, cache)
    table = _tables.get(key)
    if table is None:
        table = _core.Embeddings._load(resolved, cache)
        _tables[key] = table
    return table


Embeddings.load = staticmethod(_load_embeddings)


def mechanisms() -> List[Dict[str, Any]]:
    """The mechanisms the engine has: name, word_level, needs_corpus, summary.
    ``Mechanism`` takes the word-level ones (those of ``privqa sanitize``)."""
    return [dict(name=n, word_level=w, needs_corpus=c, summary=s)
            for n, w, c, s in _core.mechanism_names()]


def _param_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class Mechanism:
    """A word-level text DP mechanism at one eps, built once.

    ``Mechanism(name, eps, *, embeddings=None, corpus=None, seed=None, **params)``:
    ``name`` as in ``privqa sanitize --mech`` (santext, santext+, custext,
    custext+, tem, inferdpt, cmp, mahalanobis, vickrey); ``params`` as its
    ``--param key=value`` (docs/mechanisms.md lists them). ``embeddings``: an
    ``Embeddings`` (default ``Embeddings.load()``). ``corpus``: the texts (or
    a question file) whose words form the vocabulary of the corpus-based
    mechanisms. ``seed``: fixes the random streams for a reproducible
    experiment; without it the seed is drawn from the OS, as the command
    line does (a seed is a secret key).

    Each call draws from fresh streams: call n (0, 1, ...) keys text i by
    (seed, ids[i], "sanitize", name, eps, n), so the first call with the
    question ids as ids returns ``privqa sanitize --dataset``'s texts for the
    same seed.
    """

    def __init__(self, name: str, eps: float, *, embeddings: Optional["Embeddings"] = None,
                 corpus: Union[None, PathLike, Iterable[str]] = None,
                 seed: Optional[int] = None, **params: Any) -> None:
        if embeddings is None:
            embeddings = Embeddings.load()
        if corpus is None:
            texts: List[str] = []
        elif isinstance(corpus, (str, os.PathLike)):
            texts = [q["question"] for q in _core.load_questions(os.fspath(corpus), "")]
        else:
            texts = list(corpus)
        self.embeddings = embeddings
        self._impl = _core._Mechanism(name, float(eps), embeddings, texts, seed,
                                      {k: _param_text(v) for k, v in params.items()})

    @property
    def name(self) -> str:
        return self._impl.name

    @property
    def eps(self) -> float:
        return self._impl.eps

    @property
    def params(self) -> Dict[str, str]:
        """Every parameter, given or defaulted, as text."""
        return self._impl.params

    def __repr__(self) -> str:
        return f"Mechanism({self.name!r}, eps={self.eps:g})"

    def sanitize(self, text: str, *, id: str = "text", with_stats: bool = False):
        """The sanitized text (with ``with_stats``: and a dict of counts:
        words, numbers, replaced, kept, dropped, oov, sampled, eps_spent)."""
        return self._impl.sanitize_many([text], [id], 1, with_stats)[0]

    def sanitize_many(self, texts: Sequence[str], threads: Optional[int] = None, *,
                      ids: Optional[Sequence[str]] = None, with_stats: bool = False) -> list:
        """Every text sanitized, in order, on ``threads`` worker threads
        (default: all cores) with the GIL released. ``ids`` key the texts'
        random streams (default: their positions, "0", "1", ...)."""
        texts = list(texts)
        ids = [str(i) for i in range(len(texts))] if ids is None else [str(i) for i in ids]
        if threads is not None and threads < 1:
            raise ValueError(f"threads: {threads} is not a count (give 1 or more, or None)")
        return self._impl.sanitize_many(texts, ids, threads or 0, with_stats)

    def distribution(self, word: str) -> Dict[str, float]:
        """The exact output distribution of ``word`` that sanitizing samples
        from, {output word: probability} (SanText, SanText+, CusText,
        CusText+, TEM); it includes the rules that keep a word unchanged."""
        return self._impl.distribution(word)


def load_questions(path: PathLike, mapping: Optional[str] = None, *, as_frame: Optional[bool] = None):
    """The questions of a file (MedMCQA, MedQA, or JSONL/CSV with a
    ``mapping`` as ``privqa data --map``): a pandas DataFrame when pandas is
    installed (``as_frame=False``: a list of dicts). Each question has id,
    question, options, answer (0-based index or None), subject, topic,
    context and meta."""
    rows = _core.load_questions(os.fspath(path), mapping or "")
    if as_frame is False:
        return rows
    try:
        import pandas
    except ImportError:
        if as_frame:
            raise
        return rows
    return pandas.DataFrame(rows)


class Run:
    """A run's store, read as ``privqa report`` reads it."""

    def __init__(self, data: Dict[str, Any]) -> None:
        self._data = data
        self.store: str = data["store"]
        self.label: str = data["label"]
        self.simulated: bool = data["simulated"]
        self.title: str = data["title"]
        self.created_at: str = data["created_at"]
        self.fingerprint: str = data["fingerprint"]
        self.config: Dict[str, Any] = json.loads(data["config_json"])
        self.notes: List[str] = data["notes"]
        self._cells: List[Dict[str, Any]] = json.loads(data["cells_json"])

    def __repr__(self) -> str:
        return f"Run({self.store!r}, {len(self._cells)} cells)"

    def records(self) -> List[Dict[str, Any]]:
        """One dict per stored cell, the experiment's then the attacks', with
        the fields of ``privqa export --details`` (question_id, subject,
        scenario, mechanism, eps, eps_spent, repeat, status, gold, answer,
        parse_method, correct, sanitized, cot, raw_answer, error, tokens,
        timing, cost, details; docs/reports.md)."""
        return self._cells

    def accuracy(self) -> List[Dict[str, Any]]:
        """The report's accuracy table: per scenario (S3: mechanism and eps)
        n, correct, unparsed, errors, accuracy and its Wilson 95% interval
        (ci_low, ci_high); eps is None outside S3."""
        return self._data["accuracy"]

    def to_pandas(self):
        """The cells as a pandas DataFrame."""
        import pandas
        return pandas.DataFrame(self.records())

    def accuracy_frame(self):
        """The accuracy table as a pandas DataFrame."""
        import pandas
        return pandas.DataFrame(self.accuracy())


def open_run(path: PathLike) -> Run:
    """The run stored at ``path`` (a ``privqa run`` output: a SQLite file, or a
    ``postgresql://`` URL)."""
    return Run(_core.open_run(os.fspath(path)))


def run(config_path: PathLike, *, dataset: Optional[PathLike] = None, limit: Optional[int] = None,
        output: Optional[PathLike] = None, window: Optional[int] = None,
        cache: Optional[str] = None, shard: Optional[str] = None,
        quiet: bool = False) -> Dict[str, Any]:
    """Runs (or resumes) the experiment of a TOML config, as ``privqa run``
    with the same overrides (``shard="I/N"`` as ``--shard``: one shard of
    the cells into a store of its own); progress goes to stderr unless
    ``quiet``.
    Ctrl-C stops after the cells in flight are stored and raises
    KeyboardInterrupt; running again resumes. Returns the run's summary
    (output, cells_planned, cells_already_done, cells_ok, cells_error,
    cells_not_run, wall_seconds, paused)."""
    return _core.run(os.fspath(config_path),
                     dataset=os.fspath(dataset) if dataset is not None else "",
                     limit=limit or 0,
                     output=os.fspath(output) if output is not None else "",
                     window=window or 0, cache=cache or "", shard=shard or "", quiet=quiet)
