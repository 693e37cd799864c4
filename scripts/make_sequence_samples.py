"""Build the bundled sequence data in assets/data/ from ../shared/datasets (reproducible, seeded).

    python scripts/make_sequence_samples.py [path/to/shared/datasets]

IMDB: a class-balanced sample (4,000 training and 2,000 test reviews, seed 0); the smaller
sets (rt-polarity, labelled sentences, airline passengers, tiny-shakespeare) are copied
whole, re-compressed.
"""

import gzip
import json
import lzma
import shutil
import sys
from pathlib import Path

import numpy as np

SRC = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "shared" / "datasets"
DST = Path(__file__).resolve().parents[1] / "assets" / "data"


def imdb_sample(n_train: int = 4000, n_test: int = 2000, seed: int = 0) -> None:
    with lzma.open(SRC / "imdb_reviews.jsonl.xz", "rt", encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    rng = np.random.default_rng(seed)
    keep = []
    for split, n in (("train", n_train), ("test", n_test)):
        for label in (0, 1):
            idx = [i for i, r in enumerate(rows) if r["split"] == split and r["label"] == label]
            keep += sorted(rng.choice(idx, n // 2, replace=False).tolist())
    with lzma.open(DST / "imdb_sample.jsonl.xz", "wt", encoding="utf-8", preset=9) as f:
        for i in keep:
            f.write(json.dumps(rows[i]) + "\n")


def sentences() -> None:
    from synaptic_core.sequences.datasets import _read_labelled_dir

    rows = _read_labelled_dir(SRC / "sentiment_labelled_sentences")
    with gzip.open(DST / "sentiment_labelled_sentences.jsonl.gz", "wt", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")


def main() -> None:
    DST.mkdir(parents=True, exist_ok=True)
    imdb_sample()
    sentences()
    shutil.copyfile(SRC / "rt_polarity.jsonl.gz", DST / "rt_polarity.jsonl.gz")
    shutil.copyfile(SRC / "airline-passengers.csv", DST / "airline-passengers.csv")
    with open(SRC / "tinyshakespeare" / "input.txt", "rb") as f, lzma.open(DST / "tinyshakespeare.txt.xz", "wb",
                                                                           preset=9) as g:
        g.write(f.read())


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    main()
