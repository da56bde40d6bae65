"""Reference sanitizers for the dp benchmark, written the way the original
SanText and InferDPT code works: SanText+ builds the full |V| x |S|
probability matrix per eps (softmax of -eps d / 2 over Euclidean distances)
and samples each word from its row; InferDPT (RANTEXT) builds, for every
vocabulary word, the full list of distances to all vocabulary words sorted
ascending, then per token adds Laplace noise, finds the adjacency set by
binary search and samples from it. Same inputs as privqa: the wink table
(its JSON), the MedMCQA dev questions, the same
tokenization rule (letters/digits with inner ' or -), eps 1, 2, 3.

CMP, Mahalanobis and Vickrey (noise in embedding space, nearest of the
20,000 most frequent single-word rows) are written the way their
published descriptions read, one question at a time: per word a normal
vector, a Gamma(d, 1/eps) radius (and Σ_λ^{1/2} for Mahalanobis), then the
distances from the question's noisy vectors to the vocabulary in one
matrix product and the two nearest by argpartition. `--noise-only N`
runs only these three, on the first N questions.

Run with Debian's interpreter: /usr/bin/python3 bench/reference/dp_reference.py WINK.json DEV.json [N | --noise-only N]
(N: TEM alone, on the first N questions, with V from all of them.)
Prints one line per (mechanism, eps): seconds and words/s, then peak RSS.
"""
import json
import math
import re
import resource
import sys
import time

import numpy as np

WORD = re.compile(r"[^\W_]+(?:['\-][^\W_]+)*")
NUMBER = re.compile(r"^\d+(?:[.,]\d+)*$")


def load_table(path):
    """The wink JSON: words in frequency order and a float32 matrix."""
    with open(path) as f:
        data = json.load(f)
    words = data["words"]
    dims = data["dimensions"]
    vectors = data["vectors"]
    matrix = np.zeros((len(words), dims), dtype=np.float32)
    for i, w in enumerate(words):
        matrix[i] = vectors[w][:dims]
    return words, matrix


def tokens(text):
    return WORD.findall(text)


def santext_plus(docs, words, matrix, eps_list, w=0.9, p=0.3, seed=0):
    index = {word: i for i, word in enumerate(words)}
    counts = {}
    for doc in docs:
        for t in tokens(doc):
            f = t.lower()
            counts[f] = counts.get(f, 0) + 1
    vocab = [x for x, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if x in index]
    n_sensitive = int(math.ceil(w * len(vocab) - 1e-9))
    sensitive = vocab[len(vocab) - n_sensitive:]
    word2id = {x: i for i, x in enumerate(vocab)}
    sword_set = set(sensitive)
    all_embed = matrix[[index[x] for x in vocab]].astype(np.float64)
    sens_embed = matrix[[index[x] for x in sensitive]].astype(np.float64)
    rng = np.random.default_rng(seed)
    out = []
    for eps in eps_list:
        start = time.perf_counter()
        # full |V| x |S| matrix, as in the original cal_probability
        sq = (all_embed ** 2).sum(1)[:, None] + (sens_embed ** 2).sum(1)[None, :] \
            - 2 * all_embed @ sens_embed.T
        dist = np.sqrt(np.maximum(sq, 0))
        logits = -eps * dist / 2
        logits -= logits.max(axis=1, keepdims=True)
        prob = np.exp(logits)
        prob /= prob.sum(axis=1, keepdims=True)
        n_words = 0
        for doc in docs:
            new = []
            for t in tokens(doc):
                n_words += 1
                f = t.lower()
                if f in word2id:
                    if f in sword_set or rng.random() <= p:
                        row = prob[word2id[f]]
                        new.append(sensitive[rng.choice(len(row), p=row)])
                    else:
                        new.append(t)
                else:
                    new.append(vocab[rng.integers(len(vocab))])
        out.append(("santext+", eps, time.perf_counter() - start, n_words))
    return out


def inferdpt(docs, words, matrix, eps_list, vocab_size=11000, seed=0):
    vocab = [w for w in words if WORD.fullmatch(w) and not NUMBER.match(w)][:vocab_size]
    vindex = {w: i for i, w in enumerate(vocab)}
    index = {word: i for i, word in enumerate(words)}
    vmat = matrix[[index[w] for w in vocab]].astype(np.float64)
    delta_f = vmat.max(0) - vmat.min(0)
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    # full sorted distance lists for every vocabulary word, as the original precomputes
    sorted_lists = {}
    vsq = (vmat ** 2).sum(1)
    for i in range(0, len(vocab), 512):
        block = vmat[i:i + 512]
        d = np.sqrt(np.maximum((block ** 2).sum(1)[:, None] + vsq[None, :] - 2 * block @ vmat.T, 0))
        order = np.argsort(d, axis=1)
        for r in range(block.shape[0]):
            sorted_lists[vocab[i + r]] = (order[r], d[r][order[r]])
    build = time.perf_counter() - start
    out = []
    for eps in eps_list:
        start = time.perf_counter()
        if eps >= 2 and eps * 19.064721649556482 - 38.1294334077209 > 0:
            divisor = 0.01658160142016071 * math.log(eps * 19.064721649556482 - 38.1294334077209) \
                + 9.311083811697406
        else:
            divisor = eps
        beta = delta_f / divisor
        n_words = 0
        for doc in docs:
            new = []
            for t in tokens(doc):
                n_words += 1
                if NUMBER.match(t):
                    new.append(str(rng.integers(1, 1001)))
                    continue
                f = t.lower()
                if f not in index:
                    continue  # oov = drop
                if f not in sorted_lists:  # outside the vocabulary: its own sorted list
                    x = matrix[index[f]].astype(np.float64)
                    d = np.sqrt(((vmat - x) ** 2).sum(1))
                    order = np.argsort(d)
                    sorted_lists[f] = (order, d[order])
                order, dist = sorted_lists[f]
                radius = np.linalg.norm(rng.laplace(0, beta))
                k = np.searchsorted(dist, radius)
                if k == 0:
                    new.append(t)
                    continue
                u = np.exp(eps / 2 * (radius - dist[:k]) / radius)
                new.append(vocab[order[rng.choice(k, p=u / u.sum())]])
        out.append(("inferdpt", eps, time.perf_counter() - start + (build if eps == eps_list[0] else 0),
                    n_words))
    return out


def corpus_vocabulary(docs, words):
    """The case-folded corpus words with a vector, most frequent first (ties by bytes)."""
    index = {word: i for i, word in enumerate(words)}
    counts = {}
    for doc in docs:
        for t in tokens(doc):
            f = t.lower()
            counts[f] = counts.get(f, 0) + 1
    return [x for x, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if x in index]


def tem(docs, words, matrix, eps_list, first, beta=0.001, seed=0):
    """TEM the way the original code works: per token, the distances to every
    word of V, L = those within gamma, Gumbel noise of scale 2 / eps on -d and
    on the placeholder's -gamma + (2 / eps) ln |V \\ L|, argmax; the
    placeholder gives a uniform word outside L. V = the corpus words with a
    vector (as privqa); the first `first` questions are sanitized."""
    index = {word: i for i, word in enumerate(words)}
    vocab = corpus_vocabulary(docs, words)
    vmat = matrix[[index[x] for x in vocab]].astype(np.float64)
    vsq = (vmat ** 2).sum(1)
    rng = np.random.default_rng(seed)
    out = []
    for eps in eps_list:
        start = time.perf_counter()
        gamma = 2 / eps * math.log((1 - beta) * (len(vocab) - 1) / beta)
        n_words = 0
        for doc in docs[:first]:
            new = []
            for t in tokens(doc):
                n_words += 1
                f = t.lower()
                if f not in index:
                    new.append(vocab[rng.integers(len(vocab))])  # oov = replace
                    continue
                x = matrix[index[f]].astype(np.float64)
                d = np.sqrt(np.maximum(vsq + x @ x - 2 * vmat @ x, 0))
                inside = np.nonzero(d <= gamma)[0]
                outside = len(vocab) - len(inside)
                scores = -d[inside] + rng.gumbel(0, 2 / eps, len(inside))
                bottom = -np.inf if outside == 0 else \
                    -gamma + 2 / eps * math.log(outside) + rng.gumbel(0, 2 / eps)
                if len(inside) > 0 and scores.max() >= bottom:
                    new.append(vocab[inside[np.argmax(scores)]])
                else:
                    new.append(vocab[rng.choice(np.nonzero(d > gamma)[0])])
        out.append(("tem", eps, time.perf_counter() - start, n_words))
    return out


def noisy_embedding(docs, words, matrix, eps_list, kind, vocab_size=20000, lam=0.75, t=0.75,
                    seed=0):
    vocab = [w for w in words if WORD.fullmatch(w) and not NUMBER.match(w)][:vocab_size]
    index = {word: i for i, word in enumerate(words)}
    vmat = matrix[[index[w] for w in vocab]].astype(np.float64)
    vsq = (vmat ** 2).sum(1)
    dims = matrix.shape[1]
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    root = None
    if kind == "mahalanobis":
        sigma = np.cov(vmat.T)
        sigma *= dims / np.trace(sigma)
        values, vectors = np.linalg.eigh(lam * sigma + (1 - lam) * np.eye(dims))
        root = vectors @ np.diag(np.sqrt(np.maximum(values, 0))) @ vectors.T
    build = time.perf_counter() - start
    vickrey = kind.startswith("vickrey")
    out = []
    for eps in eps_list:
        start = time.perf_counter()
        n_words = 0
        for doc in docs:
            toks = tokens(doc)
            n_words += len(toks)
            rows = [index.get(tok.lower()) for tok in toks if not NUMBER.match(tok)]
            rows = [r for r in rows if r is not None]
            if not rows:
                continue
            normal = rng.standard_normal((len(rows), dims))
            direction = normal / np.linalg.norm(normal, axis=1, keepdims=True)
            if root is not None:
                direction = direction @ root.T
            radius = rng.gamma(dims, 1 / eps, size=len(rows))
            noisy = matrix[rows].astype(np.float64) + radius[:, None] * direction
            d = np.sqrt(np.maximum((noisy ** 2).sum(1)[:, None] + vsq[None, :]
                                   - 2 * noisy @ vmat.T, 0))
            two = np.argpartition(d, 1, axis=1)[:, :2]  # the two nearest, in either order
            da = np.take_along_axis(d, two[:, :1], 1)[:, 0]
            db = np.take_along_axis(d, two[:, 1:], 1)[:, 0]
            swap = db < da
            first = np.where(swap, two[:, 1], two[:, 0])
            pick = first
            if vickrey:
                second = np.where(swap, two[:, 0], two[:, 1])
                d1, d2 = np.minimum(da, db), np.maximum(da, db)
                p = t * d1 / (t * d1 + (1 - t) * d2)
                pick = np.where(rng.random(len(rows)) < p, second, first)
            _ = [vocab[i] for i in pick]
        out.append((kind, eps, time.perf_counter() - start + (build if eps == eps_list[0] else 0),
                    n_words))
    return out


def main():
    args = sys.argv[1:]
    noise_only = None
    if "--noise-only" in args:
        at = args.index("--noise-only")
        noise_only = int(args[at + 1])
        del args[at:at + 2]
    table_path, dev_path = args[0], args[1]
    t0 = time.perf_counter()
    words, matrix = load_table(table_path)
    docs = [json.loads(line)["question"] for line in open(dev_path)]
    print(f"load {time.perf_counter() - t0:.1f} s", flush=True)
    if len(args) > 2:  # TEM alone, on the first N questions
        results = tem(docs, words, matrix, [1.0, 2.0, 3.0], int(args[2]))
    else:
        results = []
        if noise_only is None:
            results += santext_plus(docs, words, matrix, [1.0, 2.0, 3.0])
            results += inferdpt(docs, words, matrix, [1.0, 2.0, 3.0])
        subset = docs if noise_only is None else docs[:noise_only]
        for kind in ("cmp", "mahalanobis", "vickrey"):
            results += noisy_embedding(subset, words, matrix, [1.0, 2.0, 3.0], kind)
    for name, eps, seconds, n in results:
        print(f"{name} eps {eps:g}: {seconds:.2f} s, {n / seconds:.0f} words/s", flush=True)
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
