#!/usr/bin/python3
"""Runs the original SanText+ (run_SanText.py of a SanText checkout) on
MedMCQA questions, once per eps, as its README runs it (GloVe-format table,
word tokenizer, --method SanText_plus), in this one process.

The script imports torch, transformers and spaCy but, for GloVe tables, uses
only torch.manual_seed and spaCy's English() tokenizer. Debian packages none
of the three, so small stand-ins are put in their place: a no-op seed and a
tokenizer that splits words and punctuation and lowercases (the wink table
is lowercase; privqa folds case the same way). The mechanism, the vocabulary
and sensitive-word selection, the probability matrix and the sampling with
a multiprocessing pool are the checkout's own code.

The questions go in as an SST-2 task: train.tsv holds every question,
dev.tsv none. The checkout also imports scikit-learn, SciPy and tqdm, which
Debian packages: `apt-get install python3-sklearn python3-scipy python3-tqdm`.

Usage: run_santext.py CHECKOUT GLOVE_TXT DEV_JSON OUT_DIR EPS[,EPS...] THREADS
"""
import json
import os
import re
import runpy
import sys
import types


class _Token:
    def __init__(self, text):
        self.text = text


class _English:
    _pattern = re.compile(r"\w+|[^\w\s]")

    def __call__(self, text):
        return [_Token(t.lower()) for t in self._pattern.findall(text)]


def _install_stand_ins():
    torch = types.ModuleType("torch")
    torch.manual_seed = lambda seed: None
    transformers = types.ModuleType("transformers")
    transformers.BertTokenizer = transformers.BertForMaskedLM = object
    spacy = types.ModuleType("spacy")
    lang = types.ModuleType("spacy.lang")
    en = types.ModuleType("spacy.lang.en")
    en.English = _English
    sys.modules.update({"torch": torch, "transformers": transformers, "spacy": spacy,
                        "spacy.lang": lang, "spacy.lang.en": en})


def _write_task(dev_json, data_dir):
    os.makedirs(data_dir, exist_ok=True)
    with open(dev_json, encoding="utf-8") as f:
        questions = [json.loads(line)["question"] for line in f if line.strip()]
    with open(os.path.join(data_dir, "train.tsv"), "w", encoding="utf-8") as out:
        out.write("sentence\tlabel\n")
        for q in questions:
            out.write(" ".join(q.split()) + "\t0\n")
    with open(os.path.join(data_dir, "dev.tsv"), "w", encoding="utf-8") as out:
        out.write("sentence\tlabel\n")
    return len(questions)


def main():
    if len(sys.argv) != 7:
        sys.exit(__doc__)
    checkout, glove, dev_json, out_dir, eps_list, threads = sys.argv[1:]
    _install_stand_ins()
    data_dir = os.path.join(out_dir, "task")
    _write_task(dev_json, data_dir)
    sys.path.insert(0, checkout)
    for eps in eps_list.split(","):
        sys.argv = ["run_SanText.py", "--task", "SST-2", "--method", "SanText_plus",
                    "--embedding_type", "glove", "--word_embedding_path", glove,
                    "--word_embedding_size", "100", "--data_dir", data_dir,
                    "--output_dir", os.path.join(out_dir, "output"), "--epsilon", eps,
                    "--p", "0.3", "--sensitive_word_percentage", "0.9", "--threads", threads]
        runpy.run_path(os.path.join(checkout, "run_SanText.py"), run_name="__main__")


if __name__ == "__main__":
    main()
