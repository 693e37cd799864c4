"""Sequence datasets: IMDB and smaller sentiment sets (text), airline passengers and a sine (series),
tiny-shakespeare (characters).

Sources, in order: ``$SYNAPTIC_DATA_DIR`` (the file names of ../shared/datasets), then the
bundled copy or sample in ``assets/data/``. Each loader returns raw material (texts and
labels, a series, a string); turning it into arrays depends on spec parameters (vocabulary
size, look-back, ...) and happens in ``synaptic_core.sequences.prepare``.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import lzma
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

ASSETS = Path(__file__).resolve().parents[2] / "assets" / "data"


@dataclass(frozen=True)
class SeqEntry:
    name: str
    title: str
    task: str                     # "text" | "series" | "chars"
    description: str
    citation: str
    licence: str
    local_file: str | None        # name in $SYNAPTIC_DATA_DIR
    bundled_file: str | None      # name in assets/data/
    bundled_is_sample: bool
    noun: str
    class_names: tuple[str, ...] = ()
    defaults: dict[str, Any] = field(default_factory=dict)  # spec values this set needs to make sense


_SENT = ("negative", "positive")
ENTRIES: dict[str, SeqEntry] = {e.name: e for e in (
    SeqEntry("imdb", "IMDB movie reviews", "text",
             "50,000 movie reviews labelled positive or negative (25,000 train, 25,000 test).",
             "Maas et al., 'Learning Word Vectors for Sentiment Analysis', ACL 2011.",
             "No licence stated; the authors ask for a citation.",
             "imdb_reviews.jsonl.xz", "imdb_sample.jsonl.xz", True, "reviews", _SENT,
             {"model": "lstm", "vocab_size": 10000, "seq_len": 200, "embed_dim": 32, "units": 64,
              "batch_size": 64, "epochs": 3, "validation_split": 0.1}),
    SeqEntry("rt-polarity", "Rotten Tomatoes sentence polarity", "text",
             "10,662 one-sentence movie snippets, half positive, half negative (90/10 split).",
             "Pang & Lee, 'Seeing stars', ACL 2005 (sentence polarity dataset v1.0).",
             "No licence stated; the authors ask for a citation.",
             "rt_polarity.jsonl.gz", "rt_polarity.jsonl.gz", False, "sentences", _SENT,
             {"model": "lstm", "vocab_size": 10000, "seq_len": 50, "embed_dim": 32, "units": 32,
              "batch_size": 64, "epochs": 4}),
    SeqEntry("sentences", "Labelled sentences (IMDB, Amazon, Yelp)", "text",
             "3,000 short review sentences from three sites, half positive (80/20 split).",
             "Kotzias et al., 'From Group to Individual Labels using Deep Features', KDD 2015.",
             "UCI Machine Learning Repository; the authors ask for a citation.",
             "sentiment_labelled_sentences", "sentiment_labelled_sentences.jsonl.gz", False, "sentences", _SENT,
             {"model": "lstm", "vocab_size": 4000, "seq_len": 40, "embed_dim": 32, "units": 32,
              "batch_size": 32, "epochs": 10}),
    SeqEntry("airline-passengers", "International airline passengers", "series",
             "Monthly totals of international airline passengers in thousands, 1949-1960 (144 months).",
             "Box & Jenkins (1976), via the Time Series Data Library.", "No licence stated.",
             "airline-passengers.csv", "airline-passengers.csv", False, "months", (),
             {"train_ratio": 0.67, "validation_split": 0.0, "look_back": 1, "units": 4}),
    SeqEntry("sine", "Noisy sine wave", "series",
             "A generated sine (period `cycle` steps) with Gaussian noise `noise`; `n_points` values.",
             "Generated in the app.", "Generated.", None, None, False, "steps", (),
             {"train_ratio": 0.67, "validation_split": 0.0, "look_back": 20, "n_points": 1000, "noise": 0.1}),
    SeqEntry("shakespeare", "Tiny Shakespeare", "chars",
             "1.1 million characters of Shakespeare's plays (Karpathy's char-rnn set); 90/10 split.",
             "Andrej Karpathy, char-rnn (2015).", "Shakespeare's text is public domain.",
             "tinyshakespeare/input.txt", "tinyshakespeare.txt.xz", False, "characters", (),
             {"model": "lstm", "embed_dim": 32, "units": 128, "dropout": 0.2, "seq_len": 100, "stride": 3,
              "batch_size": 256, "validation_split": 0.1, "epochs": 3}),
)}


def _local(entry: SeqEntry) -> Path | None:
    d = os.environ.get("SYNAPTIC_DATA_DIR")
    if d and entry.local_file and (Path(d) / entry.local_file).exists():
        return Path(d) / entry.local_file
    return None


def locate(name: str, source: str = "auto") -> tuple[str, Path | None]:
    """("local" | "bundled" | "generated", path) without reading anything; source="bundled" skips the data dir."""
    e = ENTRIES[name]
    if e.local_file is None and e.bundled_file is None:
        return "generated", None
    p = _local(e) if source != "bundled" else None
    if p is not None:
        return "local", p
    return "bundled", ASSETS / e.bundled_file


def _read_jsonl(path: Path) -> list[dict]:
    opener = lzma.open if path.suffix == ".xz" else gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _read_labelled_dir(path: Path) -> list[dict]:
    """The UCI files: split each line at its LAST tab, lines on '\\n' only (two sentences hold U+0085)."""
    rows = []
    for fname in ("amazon_cells_labelled.txt", "imdb_labelled.txt", "yelp_labelled.txt"):
        text = (path / fname).read_text(encoding="utf-8")
        for line in text.split("\n"):
            if "\t" in line:
                sentence, label = line.rsplit("\t", 1)
                rows.append({"text": sentence, "label": int(label), "source": fname.split("_")[0]})
    return rows


@lru_cache(maxsize=8)
def read_text_rows(name: str, path: Path) -> tuple[list[str], np.ndarray, list[str], np.ndarray]:
    """(train texts, train labels, test texts, test labels) in a fixed order."""
    rows = _read_labelled_dir(path) if path.is_dir() else _read_jsonl(path)
    if rows and "split" in rows[0]:
        train = [r for r in rows if r["split"] == "train"]
        test = [r for r in rows if r["split"] == "test"]
    else:  # no official split: a fixed, stratified-by-shuffle split, independent of the run's seed
        order = np.random.default_rng(12345).permutation(len(rows))
        n_test = len(rows) // 10 if name == "rt-polarity" else len(rows) // 5
        test = [rows[i] for i in order[:n_test]]
        train = [rows[i] for i in order[n_test:]]
    return ([r["text"] for r in train], np.array([r["label"] for r in train], np.int64),
            [r["text"] for r in test], np.array([r["label"] for r in test], np.int64))


@lru_cache(maxsize=4)
def read_series(path: Path) -> np.ndarray:
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    return np.array([float(r[1]) for r in rows[1:] if len(r) > 1], np.float64)


@lru_cache(maxsize=2)
def read_chars(path: Path) -> str:
    if path.suffix == ".xz":
        with lzma.open(path, "rt", encoding="utf-8") as f:
            return f.read()
    return io.open(path, encoding="utf-8").read()
