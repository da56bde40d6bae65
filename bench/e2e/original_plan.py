#!/usr/bin/python3
"""The user's original parallelization plan, as a baseline for privqa.

This script runs the default experiment grid the way the user's planning
document describes it (four levels of thread pools around a per-question
pipeline), against the same OpenAI-compatible server privqa talks to
(normally `privqa sim-server`). It exists to be timed next to `privqa run`
on the same server, data and configuration.

The four levels of the document:
  Level 1  the eps-independent scenarios S1, S2, S4 of a question run in
           parallel (a pool of 3 threads);
  Level 2  for one eps, the S3 mechanisms (phrasedp, inferdpt, santext+) run
           in parallel (a pool of one thread per mechanism);
  Level 3  the eps values run in parallel (a pool of one thread per eps),
           each doing Level 2;
  Level 4  questions run in batches of --batch-size (default 10) in parallel;
           a batch waits for its slowest question before the next starts.
Within a question, Level 1 and Level 3 run at the same time (the document
does not say whether they overlap; overlapping them is the faster reading).
After each question finishes, the whole results file (--out) is rewritten,
as the original script did for its incremental writes (here as compact JSON
through a temporary file and a rename; see ResultsFile for its cost).
Every request opens its own connection, as urllib does.

Requests are the ones privqa sends, field for field: the same prompt texts,
a system message then a user message, temperature 0 (0.7 and top_p 0.95 for
paraphrases), max_tokens 512 for a chain of thought, 64 for an answer, 150
for paraphrases, `n` = --candidates for PhraseDP, and a per-request `seed`.
The JSON body is serialised as privqa's library does (sorted keys, no
spaces, UTF-8). Only the `seed` values differ: privqa derives them from its
secret run seed through a ChaCha20 stream, this plan from a BLAKE2b hash of
(run seed, question id, purpose, sample). The simulator's replies and
latencies are a function of the exact body, so the two runs draw them
independently from the same distributions.

Differences from privqa's requests and work:
  * InferDPT and SanText+ texts are not computed here: they are read from
    --sanitized, the JSON Lines file written beforehand by
        privqa sanitize --mech inferdpt,santext+ --eps 1,2,3 \\
            --dataset FILE --first N --corpus FILE --out SANITIZED
    The original script ran these (slow) Python mechanisms inside the timed
    loop; leaving them out makes the baseline faster than the original was.
    The texts differ from those a `privqa run` cell draws (the random
    streams are keyed differently), so the S3 CoT requests are the same kind
    of request, not the same bytes.
  * PhraseDP: the candidate request (one request with n samples to the local
    model, as privqa sends it) is sent once per (mechanism, eps) task, as in
    the document, where every eps task is independent; privqa sends it once
    per question and shares the candidates across eps. The identical bodies
    get identical replies; the cost is 2 more local requests per question
    (with 3 eps values); each eps task waits for one paraphrase request
    either way, so its critical path is the same.
    --share-candidates sends it once per question, as privqa does.
    The selection step (docs/mechanisms.md, "PhraseDP (selection step)")
    is implemented here with a bag-of-words cosine similarity standing in
    for privqa's SIF sentence encoder over word vectors: candidates are
    filtered as privqa filters them, scored u_i = cos(bow(candidate),
    bow(original)), and one is drawn with Pr(i) proportional to
    exp(-eps * (1 - u_i)). The chosen text can therefore differ from
    privqa's choice.
  * Retries are a simple script's: on HTTP 429 or 5xx, a connection error,
    a timeout or an unreadable reply, sleep (Retry-After when the server
    sends it, else --backoff seconds doubling per attempt, capped at 30 s)
    and try again, up to --max-retries times. No rate limiter, no
    concurrency control: every thread sends as soon as it is ready.
  * Answers are parsed with a port of privqa's answer parser (statement,
    marker, lone letter, option text), so accuracies are comparable; the
    original script's parser had known defects.

Output: the results file (--out, JSON, rewritten after each question) and,
at the end, one JSON line on stdout: wall_seconds, questions, cells,
requests per model, retries, failed_requests, errors (cells that ended in
an error), and accuracy per scenario / mechanism / eps. Errors are counted
apart and excluded from accuracy, as privqa does.

Standard library only; run with /usr/bin/python3 (3.11).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import hashlib
import http.client
import json
import math
import os
import random
import re
import socket
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

# ---------------------------------------------------------------------------
# Prompts: privqa's default_prompts() (src/privqa/exp/prompts.cpp), verbatim.

SYSTEM_PROMPT = "You are a careful medical expert."
ANSWER_PROMPT = (
    "Answer the multiple-choice question below.\n\n"
    "Question: {question}\n\n"
    "Options:\n{options}\n\n"
    'Reply with the letter of the correct option only, in the form "Answer: X".'
)
ANSWER_WITH_COT_PROMPT = (
    "Answer the multiple-choice question below. An expert's notes on it come first; use them "
    "where they help.\n\n"
    "Reasoning:\n{cot}\n\n"
    "Question: {question}\n\n"
    "Options:\n{options}\n\n"
    'Reply with the letter of the correct option only, in the form "Answer: X".'
)
COT_PROMPT = (
    "Think through the medical question below step by step: recall the relevant facts and "
    "explain what the answer is likely to be. Do not ask for more information.\n\n"
    "Question: {question}"
)
PARAPHRASE_PROMPT = (
    "Paraphrase the question below so that it is more general: keep what is needed to answer "
    "it and remove names, ages, places, dates and other identifying details. Reply with the "
    "paraphrase only.\n\n"
    "Question: {question}"
)

# Request parameters privqa uses (run_config.h defaults, exp/plan.h).
MAX_COT_TOKENS = 512
MAX_ANSWER_TOKENS = 64
PARAPHRASE_MAX_TOKENS = 150
PARAPHRASE_TEMPERATURE = 0.7
PARAPHRASE_TOP_P = 0.95

MECHANISMS = ("phrasedp", "inferdpt", "santext+")
PRECOMPUTED_MECHANISMS = ("inferdpt", "santext+")
BACKOFF_CAP_SECONDS = 30.0


class InputError(Exception):
    """A problem with the command line or an input file; exit status 2."""


def render(template: str, values: dict[str, str]) -> str:
    """Fills {name} placeholders in one pass, as privqa's render_template does
    (so braces inside a question's text are never touched)."""
    return re.sub(r"\{([a-z_]+)\}", lambda m: values.get(m.group(1), m.group(0)), template)


def format_options(options: list[str]) -> str:
    return "\n".join(f"{chr(ord('A') + i)}) {text}" for i, text in enumerate(options))


def request_seed(run_seed: int, question_id: str, purpose: str, sample: int = 0) -> int:
    """A per-request `seed` field: distinct per question, purpose and sample,
    the same on a rerun. privqa draws its from a stream keyed by the secret
    run seed, so the numbers differ while their role is the same."""
    key = f"{run_seed}|{question_id}|{purpose}|{sample}".encode("utf-8")
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "little") >> 1


# ---------------------------------------------------------------------------
# Data.


@dataclass
class Question:
    id: str
    text: str
    options: list[str]
    gold: int  # 0-based; -1 = unlabelled
    line: int


def _scalar_text(value: Any) -> Optional[str]:
    """Strings as they are, numbers and booleans as JSON writes them."""
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, int, float)):
        return json.dumps(value)
    return None


def _read_json_lines(path: str) -> list[tuple[int, dict[str, Any]]]:
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file")
    except UnicodeDecodeError as e:
        raise InputError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start})")
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror}")
    records = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as e:
            raise InputError(f"{path}:{number}: not valid JSON: {e.msg} at column {e.colno}")
        if not isinstance(value, dict):
            raise InputError(f"{path}:{number}: a record must be a JSON object")
        records.append((number, value))
    if not records:
        raise InputError(f"{path}: the file has no records")
    return records


def _detect_answer_base(path: str, records: list[tuple[int, dict[str, Any]]]) -> int:
    """As privqa's loader: 0 if some `cop` is 0, 1 if some is 4, else refuse."""
    values = {r.get("cop") for _, r in records if isinstance(r.get("cop"), int)}
    zero, four = 0 in values, 4 in values
    if zero and not four:
        return 0
    if four and not zero:
        return 1
    if not values - {-1}:
        return 0
    why = "both 0 and 4 occur" if zero else "only values 1..3 occur"
    raise InputError(
        f"{path}: cannot tell whether 'cop' counts from 0 (HuggingFace copy) or from 1 "
        f"(original MedMCQA release): {why}; pass --answer-base 0 or 1"
    )


def _question_from(path: str, number: int, r: dict[str, Any], base: int) -> Question:
    where = f"{path}:{number}"
    qid = _scalar_text(r.get("id"))
    if qid is None or not qid.strip():
        raise InputError(f"{where}: field 'id': missing or not a string")
    text = r.get("question")
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"{where}: field 'question': missing, empty or not a string")
    options = []
    for name in ("opa", "opb", "opc", "opd"):
        option = _scalar_text(r.get(name))
        if option is None or not option.strip():
            raise InputError(f"{where}: field '{name}': missing, empty or not a string")
        options.append(option)
    cop = r.get("cop")
    if isinstance(cop, str) and re.fullmatch(r"\s*-?\d+\s*", cop):
        cop = int(cop)
    if not isinstance(cop, int) or isinstance(cop, bool):
        raise InputError(f"{where}: field 'cop': expected an integer, got {json.dumps(cop)}")
    if cop == -1:
        gold = -1
    elif base <= cop < base + len(options):
        gold = cop - base
    else:
        raise InputError(f"{where}: field 'cop': {cop} is outside {base}..{base + len(options) - 1}")
    return Question(qid, text, options, gold, number)


def load_questions(path: str, limit: int, answer_base: Optional[int]) -> list[Question]:
    """The first `limit` questions (0 = all) of a MedMCQA JSON Lines file."""
    records = _read_json_lines(path)
    base = answer_base if answer_base is not None else _detect_answer_base(path, records)
    if limit > 0:
        records = records[:limit]
    questions, seen = [], {}
    for number, r in records:
        q = _question_from(path, number, r, base)
        if q.id in seen:
            raise InputError(f"{path}:{number}: field 'id': '{q.id}' is already used on line {seen[q.id]}")
        seen[q.id] = number
        questions.append(q)
    return questions


@dataclass
class SanitizedText:
    text: str
    original: Optional[str]  # the text that was sanitized, when the file says
    line: int


def load_sanitized(path: str) -> dict[tuple[str, str, float], SanitizedText]:
    """(question id, mechanism, eps) -> sanitized text, from `privqa sanitize` batch output."""
    table: dict[tuple[str, str, float], SanitizedText] = {}
    for number, r in _read_json_lines(path):
        for name, kind in (("id", str), ("mechanism", str), ("sanitized", str), ("eps", (int, float))):
            if not isinstance(r.get(name), kind) or isinstance(r.get(name), bool):
                raise InputError(f"{path}:{number}: field '{name}': missing or of the wrong type")
        original = r.get("original") if isinstance(r.get("original"), str) else None
        table[(r["id"], r["mechanism"], float(r["eps"]))] = SanitizedText(r["sanitized"], original, number)
    return table


def check_sanitized(
    path: str,
    table: dict[tuple[str, str, float], SanitizedText],
    dataset: str,
    questions: list[Question],
    mechanisms: list[str],
    epsilons: list[float],
) -> None:
    """Every S3 cell of a precomputed mechanism has its text, sanitized from this question."""
    for mech in (m for m in mechanisms if m in PRECOMPUTED_MECHANISMS):
        for eps in epsilons:
            for q in questions:
                entry = table.get((q.id, mech, eps))
                if entry is None:
                    raise InputError(
                        f"{path}: no sanitized text for question '{q.id}' ({dataset}:{q.line}), "
                        f"mechanism {mech}, eps {eps:g}; write one with privqa sanitize --mech "
                        f"{','.join(PRECOMPUTED_MECHANISMS)} --eps ... --dataset {dataset} --first N --out {path}"
                    )
                if entry.original is not None and entry.original != q.text:
                    raise InputError(
                        f"{path}:{entry.line}: field 'original': differs from the question text of "
                        f"'{q.id}' at {dataset}:{q.line}; was the file written from another dataset?"
                    )


# ---------------------------------------------------------------------------
# HTTP.


class RequestFailed(Exception):
    pass


class _Retryable(Exception):
    def __init__(self, message: str, retry_after: Optional[float] = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass
class Counters:
    requests: dict[str, int] = field(default_factory=dict)
    retries: int = 0
    failed_requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count_request(self, model: str, retry: bool) -> None:
        with self.lock:
            self.requests[model] = self.requests.get(model, 0) + 1
            self.retries += retry

    def count_failure(self) -> None:
        with self.lock:
            self.failed_requests += 1


def _retry_after(headers: Any) -> Optional[float]:
    value = headers.get("Retry-After") if headers is not None else None
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None  # an HTTP date: fall back to the backoff


class ChatClient:
    """POST {base_url}/chat/completions with urllib, one connection per request."""

    def __init__(self, base_url: str, timeout: float, max_retries: int, backoff: float, counters: Counters) -> None:
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.counters = counters
        # The server is on loopback: proxy variables of the environment must not reroute it.
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        self.headers = {"Content-Type": "application/json"}
        key = os.environ.get("PRIVQA_BASELINE_API_KEY")
        if key:
            self.headers["Authorization"] = "Bearer " + key

    def chat(self, body: dict[str, Any]) -> list[str]:
        # privqa's JSON library writes keys sorted, no spaces, UTF-8 unescaped;
        # the simulator's replies depend on these exact bytes.
        data = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        for attempt in range(self.max_retries + 1):
            self.counters.count_request(body["model"], attempt > 0)
            try:
                return self._post(data)
            except _Retryable as e:
                if attempt == self.max_retries:
                    self.counters.count_failure()
                    raise RequestFailed(f"{body['model']}: {e} (gave up after {attempt + 1} attempts)")
                wait = e.retry_after if e.retry_after is not None else self.backoff * 2**attempt
                time.sleep(min(wait, BACKOFF_CAP_SECONDS))
            except RequestFailed:
                self.counters.count_failure()
                raise
        raise AssertionError("unreachable")

    def _post(self, data: bytes) -> list[str]:
        request = urllib.request.Request(self.url, data=data, headers=self.headers, method="POST")
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as e:
            detail = e.read()[:200].decode("utf-8", "replace")
            if e.code == 429 or e.code >= 500:
                raise _Retryable(f"HTTP {e.code}: {detail}", _retry_after(e.headers))
            raise RequestFailed(f"HTTP {e.code}: {detail}")
        except (urllib.error.URLError, http.client.HTTPException, ConnectionError, socket.timeout, TimeoutError) as e:
            raise _Retryable(f"connection: {getattr(e, 'reason', e)}")
        try:
            reply = json.loads(raw)
            return [choice["message"]["content"] for choice in reply["choices"]]
        except (ValueError, KeyError, TypeError) as e:
            raise _Retryable(f"unreadable reply ({type(e).__name__}): {raw[:120]!r}")


# ---------------------------------------------------------------------------
# Answer parsing: a port of privqa's exp/answer_parser.cpp.

_ANSWER_THEN_LETTER = re.compile(
    r"(?:answer|correct option|correct choice|best option|best choice|right option|"
    r"i (?:would |will |')?(?:choose|pick|select|go with))s?"
    r"\s*(?:is|would be|will be|should be|=|:|-)?\s*[:\-]?\s*(?:option|choice)?\s*"
    r"[\(\[]?\s*([a-z])\s*[\)\]]?(?![a-z0-9'\-])",
    re.IGNORECASE,
)
_LETTER_THEN_CORRECT = re.compile(r"(?:^|[^A-Za-z0-9])\(?([A-Z])\)?\s*(?:is|would be)\s+(?:the\s+)?(?:correct|right|best)")
_MORE_LETTERS = re.compile(r"\s*\)?\s*(?:,|and|&|or|/)\s*\(?[A-Z]\)?(?![A-Za-z0-9])")
_MARKER = re.compile(r"\(([A-Z])\)|(?:^|[^A-Za-z0-9(])([A-Z])\)|\b[Oo]ption\s+([A-Za-z])(?![A-Za-z0-9])")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _strip_markdown(reply: str) -> str:
    """Markdown marks removed, ASCII whitespace runs collapsed to one space, ends trimmed."""
    return " ".join(w for w in re.split(r"[ \t\n\v\f\r]+", re.sub(r"[*_#`]", "", reply)) if w)


def _letter_index(text: str, pos: int, n: int) -> int:
    c = text[pos]
    if c == "a" and pos + 2 < len(text) and text[pos + 1] == " " and text[pos + 2].isascii() and text[pos + 2].isalpha():
        return -1  # the article: "the answer is a benign tumour"
    index = ord(c.upper()) - ord("A")
    return index if 0 <= index < n else -1


def _last_statement(text: str, n: int) -> int:
    best, best_pos = -1, -1
    for pattern in (_ANSWER_THEN_LETTER, _LETTER_THEN_CORRECT):
        for m in pattern.finditer(text):
            pos = m.start(1)
            if _MORE_LETTERS.match(text, pos + 1):
                continue  # "answer is A and C" names no single letter
            index = _letter_index(text, pos, n)
            if index >= 0 and pos > best_pos:
                best, best_pos = index, pos
    return best


def _single_marker(text: str, n: int) -> int:
    seen = set()
    for m in _MARKER.finditer(text):
        for g in (1, 2, 3):
            if m.group(g) is not None:
                index = _letter_index(text, m.start(g), n)
                if index >= 0:
                    seen.add(index)
    return seen.pop() if len(seen) == 1 else -1


def _lone_letter(text: str, n: int) -> int:
    core = [c for c in text if c.isascii() and c.isalnum()]
    if len(core) != 1 or not core[0].isalpha():
        return -1
    if any(not (c.isascii() and c.isalnum()) and c not in "()[]. :!" for c in text):
        return -1
    index = ord(core[0].upper()) - ord("A")
    return index if 0 <= index < n else -1


def _option_text(text: str, options: list[str]) -> int:
    reply = text.translate(_ASCII_LOWER)
    texts = [_strip_markdown(o).translate(_ASCII_LOWER) for o in options]
    contained = []
    for i, t in enumerate(texts):
        if not t:
            continue
        if reply == t:
            return i
        if t in reply:
            contained.append(i)
    # An option inside a longer matched option ("Vitamin A" in "Vitamin A and D") does not count.
    contained = [i for i in contained if not any(j != i and len(texts[j]) > len(texts[i]) and texts[i] in texts[j] for j in contained)]
    return contained[0] if len(contained) == 1 else -1


def parse_answer(reply: str, options: list[str]) -> int:
    """Option index named by a reply, -1 when it names none."""
    text = _strip_markdown(reply)
    n = len(options)
    for rule in (_last_statement, _single_marker, _lone_letter):
        index = rule(text, n)
        if index >= 0:
            return index
    return _option_text(text, options)


# ---------------------------------------------------------------------------
# PhraseDP selection (docs/mechanisms.md, "PhraseDP (selection step)"), with a
# bag-of-words encoder.

_META_FIRST_WORDS = {"here", "sure", "certainly", "okay", "ok", "paraphrase", "paraphrased", "rewrite", "rewritten", "note", "generalized", "below"}
_STOPWORDS = set(
    "a an the of to in on at for by with and or not no is are was were be been being which what who whom "
    "whose this that these those it its as from into than then there their they he she his her him".split()
)


def filter_candidates(original: str, lines: list[str]) -> list[str]:
    """privqa's filter: trimmed; not 10 characters or shorter, not the original,
    not meta-text, no repeats (all case-insensitive)."""
    original_folded = original.strip().lower()
    seen, out = set(), []
    for line in lines:
        text = line.strip()
        folded = text.lower()
        first = re.match(r"[a-z]*", folded).group(0)
        if len(text.encode("utf-8")) <= 10 or folded == original_folded:
            continue
        if "paraphrase" in folded or first in _META_FIRST_WORDS or folded in seen:
            continue
        seen.add(folded)
        out.append(text)
    return out


def _bag_of_words(text: str) -> dict[str, int]:
    bag: dict[str, int] = {}
    for word in re.findall(r"[a-z0-9]+", text.lower()):
        if word not in _STOPWORDS:
            bag[word] = bag.get(word, 0) + 1
    return bag


def cosine(a: dict[str, int], b: dict[str, int]) -> float:
    dot = sum(count * b.get(word, 0) for word, count in a.items())
    norm = math.sqrt(sum(c * c for c in a.values())) * math.sqrt(sum(c * c for c in b.values()))
    return dot / norm if norm > 0 else 0.0


def select_candidate(original: str, candidates: list[str], eps: float, rng: random.Random) -> str:
    """Pr(i) proportional to exp(-eps (1 - u_i)), u_i = cosine to the original."""
    reference = _bag_of_words(original)
    scores = [-eps * (1 - cosine(_bag_of_words(c), reference)) for c in candidates]
    top = max(scores)
    weights = [math.exp(s - top) for s in scores]
    return rng.choices(candidates, weights=weights, k=1)[0]


# ---------------------------------------------------------------------------
# The experiment.


@dataclass
class Settings:
    local_model: str
    remote_model: str
    seed: int
    candidates: int
    share_candidates: bool
    mechanisms: list[str]
    epsilons: list[float]


class Experiment:
    def __init__(self, client: ChatClient, settings: Settings, sanitized: dict[tuple[str, str, float], SanitizedText]) -> None:
        self.client = client
        self.s = settings
        self.sanitized = sanitized
        self.candidate_cache: dict[str, concurrent.futures.Future] = {}
        self.cache_lock = threading.Lock()

    # -- requests ----------------------------------------------------------

    def _chat(self, model: str, prompt: str, purpose: str, q: Question, n: Optional[int] = None) -> list[str]:
        paraphrase = purpose == "paraphrase"
        body: dict[str, Any] = {
            "model": model,
            "messages": [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": prompt}],
            "temperature": PARAPHRASE_TEMPERATURE if paraphrase else 0.0,
            "max_tokens": PARAPHRASE_MAX_TOKENS if paraphrase else MAX_ANSWER_TOKENS if purpose == "answer" else MAX_COT_TOKENS,
            "seed": request_seed(self.s.seed, q.id, purpose),
        }
        if paraphrase:
            body["top_p"] = PARAPHRASE_TOP_P
        if n is not None:
            body["n"] = n
        choices = self.client.chat(body)
        if not choices:
            raise RequestFailed(f"{model}: the reply has no choices")
        return choices

    def _cot(self, text: str, q: Question) -> str:
        return self._chat(self.s.remote_model, render(COT_PROMPT, {"question": text}), "cot", q)[0]

    def _answer(self, model: str, q: Question, cot: str = "") -> dict[str, Any]:
        values = {"question": q.text, "options": format_options(q.options), "cot": cot}
        prompt = render(ANSWER_WITH_COT_PROMPT if cot else ANSWER_PROMPT, values)
        raw = self._chat(model, prompt, "answer", q)[0]
        parsed = parse_answer(raw, q.options)
        return {"raw_answer": raw, "parsed": parsed, "correct": parsed >= 0 and parsed == q.gold}

    # -- scenarios -----------------------------------------------------------

    def scenario_1_local(self, q: Question) -> dict[str, Any]:
        return self._answer(self.s.local_model, q)

    def scenario_2_remote_cot(self, q: Question) -> dict[str, Any]:
        cot = self._cot(q.text, q)
        return {"cot": cot, **self._answer(self.s.local_model, q, cot)}

    def scenario_4_remote(self, q: Question) -> dict[str, Any]:
        return self._answer(self.s.remote_model, q)

    def _phrasedp_lines(self, q: Question) -> list[str]:
        prompt = render(PARAPHRASE_PROMPT, {"question": q.text})
        replies = self._chat(self.s.local_model, prompt, "paraphrase", q, n=self.s.candidates)
        return [line for reply in replies for line in reply.split("\n")]

    def _shared_phrasedp_lines(self, q: Question) -> list[str]:
        with self.cache_lock:
            future = self.candidate_cache.get(q.id)
            owner = future is None
            if owner:
                future = self.candidate_cache[q.id] = concurrent.futures.Future()
        if owner:
            try:
                future.set_result(self._phrasedp_lines(q))
            except Exception as e:  # noqa: BLE001 - handed to every waiting eps task
                future.set_exception(e)
        return future.result()

    def phrasedp(self, q: Question, eps: float) -> str:
        lines = self._shared_phrasedp_lines(q) if self.s.share_candidates else self._phrasedp_lines(q)
        usable = filter_candidates(q.text, lines)
        if not usable:
            raise RequestFailed(f"phrasedp: none of the {len(lines)} candidate lines is a usable paraphrase")
        rng = random.Random(f"{self.s.seed}|{q.id}|S3|phrasedp|{eps:g}")
        return select_candidate(q.text, usable, eps, rng)

    def scenario_3_private_cot(self, q: Question, mechanism: str, eps: float) -> dict[str, Any]:
        text = self.phrasedp(q, eps) if mechanism == "phrasedp" else self.sanitized[(q.id, mechanism, eps)].text
        cot = self._cot(text, q)
        return {"sanitized": text, "cot": cot, **self._answer(self.s.local_model, q, cot)}

    # -- the document's levels -------------------------------------------------

    @staticmethod
    def _cell(run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """One failed scenario must not stop the others: its error is recorded."""
        try:
            return {"status": "ok", **run()}
        except RequestFailed as e:
            return {"status": "error", "error": str(e)}

    def level_1(self, q: Question) -> dict[str, dict[str, Any]]:
        with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
            futures = {
                "S1": pool.submit(self._cell, lambda: self.scenario_1_local(q)),
                "S2": pool.submit(self._cell, lambda: self.scenario_2_remote_cot(q)),
                "S4": pool.submit(self._cell, lambda: self.scenario_4_remote(q)),
            }
            return {name: f.result() for name, f in futures.items()}

    def level_2(self, q: Question, eps: float) -> dict[str, dict[str, Any]]:
        with concurrent.futures.ThreadPoolExecutor(max_workers=len(self.s.mechanisms)) as pool:
            futures = {
                mech: pool.submit(self._cell, lambda mech=mech: self.scenario_3_private_cot(q, mech, eps))
                for mech in self.s.mechanisms
            }
            return {mech: f.result() for mech, f in futures.items()}

    def level_3(self, q: Question) -> dict[str, dict[str, dict[str, Any]]]:
        with concurrent.futures.ThreadPoolExecutor(max_workers=len(self.s.epsilons)) as pool:
            futures = {f"{eps:g}": pool.submit(self.level_2, q, eps) for eps in self.s.epsilons}
            return {eps: f.result() for eps, f in futures.items()}

    def process_question(self, q: Question) -> dict[str, Any]:
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            independent = pool.submit(self.level_1, q)
            dependent = pool.submit(self.level_3, q) if self.s.mechanisms and self.s.epsilons else None
            results: dict[str, Any] = dict(independent.result())
            if dependent is not None:
                results["S3"] = dependent.result()
        if self.s.share_candidates:
            with self.cache_lock:
                self.candidate_cache.pop(q.id, None)
        return {"id": q.id, "line": q.line, "gold": q.gold, "results": results}


class ResultsFile:
    """The results JSON, rewritten whole after every question (the original's incremental write).

    The rewrite costs O(questions so far), so a run costs O(n^2) in all: about 400 s of
    encoding alone (26 MB files) over the 4,183 MedMCQA dev questions. It is written compact
    with the json module's C encoder (json.dumps without indent), the fastest the standard
    library offers; an indented json.dump, as a script usually writes, is about 3x slower.
    """

    def __init__(self, path: str, meta: dict[str, Any]) -> None:
        self.path = path
        self.meta = meta
        self.questions: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    def add(self, result: dict[str, Any]) -> None:
        with self.lock:
            self.questions.append(result)
            self.write()

    def write(self) -> None:
        temporary = self.path + ".tmp"
        text = json.dumps({"meta": self.meta, "questions": self.questions}, ensure_ascii=False)
        with open(temporary, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(temporary, self.path)


def run_batches(experiment: Experiment, questions: list[Question], batch_size: int, out: ResultsFile) -> None:
    """Level 4: batches of questions in parallel; each batch waits for its slowest question."""

    def one(q: Question) -> None:
        out.add(experiment.process_question(q))

    for start in range(0, len(questions), batch_size):
        batch = questions[start : start + batch_size]
        with concurrent.futures.ThreadPoolExecutor(max_workers=batch_size) as pool:
            for future in [pool.submit(one, q) for q in batch]:
                future.result()


def accuracy(questions: list[dict[str, Any]]) -> tuple[dict[str, dict[str, Any]], int, int]:
    """Per cell kind: n (answered cells with a gold answer), correct, accuracy, unparsed, errors."""
    table: dict[str, dict[str, Any]] = {}
    cells = errors = 0

    def count(key: str, cell: dict[str, Any], gold: int) -> None:
        nonlocal cells, errors
        row = table.setdefault(key, {"n": 0, "correct": 0, "accuracy": 0.0, "unparsed": 0, "errors": 0})
        cells += 1
        if cell["status"] != "ok":
            row["errors"] += 1
            errors += 1
            return
        if gold < 0:
            return
        row["n"] += 1
        row["correct"] += bool(cell["correct"])
        row["unparsed"] += cell["parsed"] < 0

    for q in questions:
        for name in ("S1", "S2", "S4"):
            count(name, q["results"][name], q["gold"])
        for eps, mechanisms in q["results"].get("S3", {}).items():
            for mech, cell in mechanisms.items():
                count(f"S3|{mech}|{eps}", cell, q["gold"])
    for row in table.values():
        row["accuracy"] = round(row["correct"] / row["n"], 4) if row["n"] else 0.0
    order = lambda k: (k.split("|")[0], k)  # noqa: E731 - S1, S2, S3..., S4
    return {k: table[k] for k in sorted(table, key=order)}, cells, errors


# ---------------------------------------------------------------------------
# Command line.


def _list_of(kind: Callable[[str], Any], name: str) -> Callable[[str], list[Any]]:
    def parse(text: str) -> list[Any]:
        items = [t.strip() for t in text.split(",") if t.strip()]
        try:
            return [kind(t) for t in items]
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name}: '{text}' is not a comma-separated list")

    return parse


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="original_plan.py",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "Baseline for privqa's end-to-end benchmark: the experiment grid run as the user's\n"
            "original plan parallelizes it (Level 1: S1, S2, S4 in parallel; Level 2: mechanisms\n"
            "in parallel; Level 3: eps values in parallel; Level 4: batches of questions), against\n"
            "an OpenAI-compatible server such as `privqa sim-server`. Sends the requests privqa\n"
            "sends (same prompts, fields and seeds). See the module docstring for the details."
        ),
        epilog=(
            "example:\n"
            "  privqa sanitize --mech inferdpt,santext+ --eps 1,2,3 --dataset dev.json --first 100 \\\n"
            "      --corpus dev.json --out san.jsonl\n"
            "  /usr/bin/python3 bench/e2e/original_plan.py --dataset dev.json --limit 100 \\\n"
            "      --sanitized san.jsonl --base-url http://127.0.0.1:PORT/v1 --out results.json\n\n"
            "stdout: one JSON line at the end: wall_seconds, questions, cells, requests (per model),\n"
            "retries, failed_requests, errors (cells), accuracy {\"S1\", \"S2\", \"S3|MECH|EPS\", \"S4\":\n"
            "{n, correct, accuracy, unparsed, errors}}; a failed cell's error is in the results file.\n"
            "exit status: 0 done (cells that failed are counted in `errors`), 1 the results file\n"
            "cannot be written, 2 bad arguments or input files.\n"
            "Environment: PRIVQA_BASELINE_API_KEY, if set, is sent as a Bearer token."
        ),
    )
    p.add_argument("--dataset", required=True, help="MedMCQA JSON Lines file (question, opa..opd, cop, id)")
    p.add_argument("--limit", type=int, default=0, help="use only the first N questions (default 0 = all)")
    p.add_argument("--answer-base", type=int, choices=(0, 1), help="`cop` counts from 0 or 1 (default: detected as privqa does)")
    p.add_argument("--sanitized", help="JSONL from `privqa sanitize --mech inferdpt,santext+ --eps ... --dataset ... --out`; "
                   "required when inferdpt or santext+ is among --mechanisms")
    p.add_argument("--base-url", required=True, help="OpenAI-compatible base URL, e.g. http://127.0.0.1:PORT/v1")
    p.add_argument("--local-model", default="sim-local", help="model name of the local model (default sim-local)")
    p.add_argument("--remote-model", default="sim-remote", help="model name of the remote model (default sim-remote)")
    p.add_argument("--out", required=True, help="results JSON file, rewritten after every question")
    p.add_argument("--batch-size", type=int, default=10, help="questions in parallel per batch, Level 4 (default 10)")
    p.add_argument("--mechanisms", type=_list_of(str, "--mechanisms"), default=list(MECHANISMS),
                   help="S3 mechanisms, comma-separated, from phrasedp,inferdpt,santext+ (default all three)")
    p.add_argument("--eps", type=_list_of(float, "--eps"), default=[1.0, 2.0, 3.0], help="eps values (default 1,2,3)")
    p.add_argument("--seed", type=int, default=1, help="run seed, as privqa's [experiment] seed (default 1)")
    p.add_argument("--candidates", type=int, default=10, help="PhraseDP paraphrases per request, sent as n (default 10)")
    p.add_argument("--share-candidates", action="store_true",
                   help="generate PhraseDP candidates once per question, as privqa does (default: once per eps task, as the document)")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds per HTTP request (default 30)")
    p.add_argument("--max-retries", type=int, default=5, help="retries per request after the first attempt (default 5)")
    p.add_argument("--backoff", type=float, default=1.0, help="first wait in seconds when no Retry-After is sent; doubles (default 1)")
    args = p.parse_args(argv)
    for name in ("limit", "max_retries"):
        if getattr(args, name) < 0:
            p.error(f"--{name.replace('_', '-')} must be >= 0")
    for name in ("batch_size", "candidates"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be >= 1")
    if args.timeout <= 0 or args.backoff < 0:
        p.error("--timeout must be > 0 and --backoff >= 0")
    unknown = [m for m in args.mechanisms if m not in MECHANISMS]
    if unknown:
        p.error(f"--mechanisms: unknown {', '.join(unknown)} (phrasedp, inferdpt, santext+)")
    if any(not (e > 0 and math.isfinite(e)) for e in args.eps):
        p.error("--eps: every value must be a finite number > 0")
    if any(m in PRECOMPUTED_MECHANISMS for m in args.mechanisms) and not args.sanitized:
        p.error("--sanitized is required for inferdpt and santext+ (or leave them out of --mechanisms)")
    if not re.match(r"https?://", args.base_url):
        p.error(f"--base-url: '{args.base_url}' is not an http(s) URL")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    try:
        questions = load_questions(args.dataset, args.limit, args.answer_base)
        sanitized: dict[tuple[str, str, float], SanitizedText] = {}
        if any(m in PRECOMPUTED_MECHANISMS for m in args.mechanisms):
            sanitized = load_sanitized(args.sanitized)
            check_sanitized(args.sanitized, sanitized, args.dataset, questions, args.mechanisms, args.eps)
    except InputError as e:
        print(f"original_plan.py: {e}", file=sys.stderr)
        return 2

    settings = Settings(args.local_model, args.remote_model, args.seed, args.candidates, args.share_candidates, args.mechanisms, args.eps)
    counters = Counters()
    client = ChatClient(args.base_url, args.timeout, args.max_retries, args.backoff, counters)
    meta = {"dataset": args.dataset, "questions": len(questions), "batch_size": args.batch_size,
            "mechanisms": args.mechanisms, "eps": args.eps, "base_url": args.base_url}
    out = ResultsFile(args.out, meta)
    try:
        out.write()  # fail now, not after the first question, if the file cannot be written
        started = time.monotonic()
        run_batches(Experiment(client, settings, sanitized), questions, args.batch_size, out)
        wall = time.monotonic() - started
    except OSError as e:
        print(f"original_plan.py: {args.out}: cannot write the results: {e.strerror or e}", file=sys.stderr)
        return 1

    table, cells, errors = accuracy(out.questions)
    summary = {
        "wall_seconds": round(wall, 3),
        "questions": len(questions),
        "cells": cells,
        "requests": dict(sorted(counters.requests.items())),
        "retries": counters.retries,
        "failed_requests": counters.failed_requests,
        "errors": errors,
        "accuracy": table,
    }
    print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
