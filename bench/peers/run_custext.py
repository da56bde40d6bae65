#!/usr/bin/python3
"""Runs the original CusText+ (CusText/sst2/utils.py of a CusText checkout)
on MedMCQA questions, at each eps, the way its main.py does before training
(get_customized_mapping, then generate_new_sents_s1), with --save_stop_words
True (the "+") and top_k 20, "conservative" mapping, in this one process.

utils.py imports torch, transformers, matplotlib and NLTK, none of which the
sanitization uses except NLTK's English stopword list, a download that is not
to be had here. Stand-ins take their place; the stopword list is privqa's
(src/privqa/text/stopwords.cpp), so both sides keep the same words. The
mapping, the probabilities and the sampling are the checkout's own code.

Inputs as the original expects them: the questions pre-tokenized (lower case,
punctuation split off: the original splits on spaces and the table is lower
case) in datasets/medmcqa/train.tsv, and the table as text in
embeddings/NAME.txt. The original writes 300 zeros into used rows, so it
needs 300-dimensional vectors: give a table padded to 300 (wink_to_glove.py
--pad 300; zeros change no dot product or cosine).

Usage: run_custext.py CHECKOUT GLOVE_TXT_300 DEV_JSON WORK_DIR EPS[,EPS...]
"""
import json
import os
import re
import sys
import types


def _stopwords(repo_root):
    source = os.path.join(repo_root, "src", "privqa", "text", "stopwords.cpp")
    with open(source, encoding="utf-8") as f:
        return re.findall(r'"([a-z\']+)"', f.read())


def _install_stand_ins(stopwords):
    def module(name, **attrs):
        m = types.ModuleType(name)
        m.__dict__.update(attrs)
        sys.modules[name] = m
        return m

    class _Anything:
        def __init__(self, *args, **kwargs):
            pass

    module("torch", manual_seed=lambda seed: None, tensor=None)
    module("torch.nn", Module=_Anything)
    module("torch.optim")
    module("torch.nn.functional")
    module("torch.utils")
    module("torch.utils.data", Dataset=_Anything, DataLoader=_Anything,
           SubsetRandomSampler=_Anything)
    module("matplotlib")
    module("matplotlib.pyplot")
    module("nltk", download=lambda *args, **kwargs: True)
    module("nltk.corpus", stopwords=types.SimpleNamespace(words=lambda language: stopwords))
    module("nltk.tokenize", word_tokenize=str.split)
    module("transformers", BertTokenizer=_Anything, BertForSequenceClassification=_Anything)


def _write_task(dev_json, work):
    os.makedirs(os.path.join(work, "datasets", "medmcqa"), exist_ok=True)
    token = re.compile(r"\w+|[^\w\s]")
    with open(dev_json, encoding="utf-8") as f:
        questions = [json.loads(line)["question"] for line in f if line.strip()]
    for split, rows in (("train", questions), ("dev", []), ("test", [])):
        with open(os.path.join(work, "datasets", "medmcqa", split + ".tsv"), "w",
                  encoding="utf-8") as out:
            out.write("sentence\tlabel\n")
            for q in rows:
                out.write(" ".join(token.findall(q.lower())) + "\t0\n")


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    checkout, glove, dev_json, work, eps_list = sys.argv[1:]
    repo_root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    _install_stand_ins(_stopwords(repo_root))
    _write_task(dev_json, work)
    os.makedirs(os.path.join(work, "embeddings"), exist_ok=True)
    link = os.path.join(work, "embeddings", "table.txt")
    if os.path.lexists(link):
        os.remove(link)
    os.symlink(os.path.abspath(glove), link)
    for folder in ("p_dict/table/conservative", "sim_word_dict/table/conservative",
                   "privatized_dataset/table/conservative"):
        os.makedirs(os.path.join(work, folder), exist_ok=True)
    os.chdir(work)
    sys.path.insert(0, os.path.join(checkout, "CusText", "sst2"))
    sys.argv = ["main.py", "--dataset", "medmcqa", "--top_k", "20", "--embedding_type", "table",
                "--mapping_strategy", "conservative", "--privatization_strategy", "s1",
                "--save_stop_words", "True"]
    import utils  # the checkout's; parses sys.argv on import

    train, _, test = utils.load_data(utils.args.dataset)
    for eps in eps_list.split(","):
        utils.args.eps = float(eps)
        sim_word_dict, p_dict = utils.get_customized_mapping(eps=float(eps), top_k=20)
        utils.generate_new_sents_s1(df=train.copy(), sim_word_dict=sim_word_dict, p_dict=p_dict,
                                    save_stop_words=True)
        utils.generate_new_sents_s1(df=test.copy(), sim_word_dict=sim_word_dict, p_dict=p_dict,
                                    save_stop_words=True, type="test")


if __name__ == "__main__":
    main()
