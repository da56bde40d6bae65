#!/usr/bin/python3
"""Writes the wink embedding table (JSON) as GloVe text: one line a word,
the word then its 100 values, in the table's order (most frequent first).
The original implementations read GloVe text; this is their input.
--pad N appends zeros up to N values a row (an original that assumes 300
dimensions); zeros change no distance, dot product or cosine.

Usage: wink_to_glove.py [--pad N] WINK_JSON OUT_TXT
"""
import json
import os
import sys


def main():
    args = sys.argv[1:]
    pad = 0
    if len(args) == 4 and args[0] == "--pad":
        pad = int(args[1])
        args = args[2:]
    if len(args) != 2:
        sys.exit(__doc__)
    source, target = args
    with open(source, encoding="utf-8") as f:
        wink = json.load(f)
    dims = wink["dimensions"]
    vectors = wink["vectors"]
    zeros = " 0.0" * max(0, pad - dims)
    with open(target + ".tmp", "w", encoding="utf-8") as out:
        for word in wink["words"]:
            # wink appends the norm and the word's index after the vector
            values = vectors[word][:dims]
            out.write(word + " " + " ".join(repr(v) for v in values) + zeros + "\n")
    os.replace(target + ".tmp", target)


if __name__ == "__main__":
    main()
