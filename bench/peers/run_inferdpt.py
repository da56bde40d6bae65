#!/usr/bin/python3
"""Runs the original InferDPT perturbation (func.py of an InferDPT
checkout) on MedMCQA questions at each eps, the way its main.py does:
token vectors from data/cl100_embeddings.json (the first VOCAB entries),
the sorted-distance and sensitivity files made by init_func on first use
and read back, then perturb_sentence per text.

Inputs: the original reads GPT-4 token embeddings and tokenizes with
tiktoken; neither can be fetched here. The VOCAB most frequent one-word rows
of the table stand in for the tokens (privqa's InferDPT takes its vocabulary
the same way, --param vocab_size), and a stand-in tokenizer splits words and
punctuation, lowercased, each word with the leading space tiktoken gives it.
torch and transformers are imported but unused; stand-ins take their place.

init_func computes every pairwise distance in Python and writes them as
JSON: at the original's 11,000 tokens that is 60 million pairs (hours, and
a JSON document too large for this machine's memory), so VOCAB is an
argument. Its files are kept in WORK_DIR/data, as the original keeps them,
and their making is timed and printed apart from the perturbation.

Usage: run_inferdpt.py CHECKOUT GLOVE_TXT DEV_JSON WORK_DIR EPS[,EPS...] VOCAB
"""
import json
import os
import re
import sys
import time
import types

_WORD = re.compile(r"\w+|[^\w\s]")


class _Encoding:
    """tiktoken's interface over a word list: encode gives ids, and an id's
    bytes are " word", the leading space as tiktoken gives it."""

    def __init__(self):
        self.ids = {}
        self.words = []

    def encode(self, text):
        out = []
        for word in _WORD.findall(text.lower()):
            if word not in self.ids:
                self.ids[word] = len(self.words)
                self.words.append(word)
            out.append(self.ids[word])
        return out

    def decode_single_token_bytes(self, token):
        return (" " + self.words[token]).encode("latin-1", "replace")


def _install_stand_ins():
    encoding = _Encoding()
    tiktoken = types.ModuleType("tiktoken")
    tiktoken.encoding_for_model = lambda model: encoding
    transformers = types.ModuleType("transformers")
    transformers.GPT2Tokenizer = object
    sys.modules.update({"tiktoken": tiktoken, "transformers": transformers})


def _write_embeddings(glove, path, vocab):
    one_word = re.compile(r"^[a-z]+$")
    rows = {}
    with open(glove, encoding="utf-8") as f:
        for line in f:
            word, values = line.split(" ", 1)
            if one_word.match(word):
                rows[word] = [float(v) for v in values.split()]
                if len(rows) == vocab:
                    break
    with open(path, "w", encoding="utf-8") as out:
        json.dump(rows, out)


def main():
    if len(sys.argv) != 7:
        sys.exit(__doc__)
    checkout, glove, dev_json, work, eps_list, vocab = sys.argv[1:]
    _install_stand_ins()
    os.makedirs(os.path.join(work, "data"), exist_ok=True)
    embeddings = os.path.join(work, "data", "cl100_embeddings.json")
    if not os.path.exists(embeddings):
        _write_embeddings(glove, embeddings, int(vocab))
    with open(dev_json, encoding="utf-8") as f:
        questions = [json.loads(line)["question"] for line in f if line.strip()]
    os.chdir(work)
    sys.path.insert(0, checkout)
    import func  # the checkout's

    # As main.py: the first vocab entries, then init_func if its files are missing.
    with open("./data/cl100_embeddings.json", encoding="utf-8") as f:
        table = json.load(f)
    token_to_vector = {t: func.np.array(v) for t, v in list(table.items())[:int(vocab)]}
    if not os.path.exists("./data/sorted_cl100_embeddings.json"):
        start = time.monotonic()
        func.init_func(1.0, token_to_vector)
        print(f"init_func: {time.monotonic() - start:.1f} s", file=sys.stderr)
    with open("./data/sorted_cl100_embeddings.json", encoding="utf-8") as f:
        sorted_distances = json.load(f)
    with open("./data/sensitivity_of_embeddings.json", encoding="utf-8") as f:
        sensitivity = func.np.array(json.load(f))
    start = time.monotonic()
    with open("sanitized.txt", "w", encoding="utf-8") as out:
        for eps in eps_list.split(","):
            for q in questions:
                out.write(func.perturb_sentence(q, float(eps), "gpt-4", token_to_vector,
                                                sorted_distances, sensitivity) + "\n")
    print(f"perturb_sentence: {time.monotonic() - start:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
