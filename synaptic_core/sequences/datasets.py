"""Readers of the sequence datasets' files: IMDB and smaller sentiment sets (text), airline
passengers (series), tiny-shakespeare (characters).

The sets themselves are rows of the one dataset registry (``synaptic_core.data.registry``),
found like every other set (``$SYNAPTIC_DATA_DIR``, then the bundled copy or sample in
``assets/data/``). Each reader returns raw material (texts and labels, a series, a string);
turning it into arrays depends on spec parameters (vocabulary size, look-back, ...) and
happens in ``synaptic_core.sequences.prepare``.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import lzma
from functools import lru_cache
from pathlib import Path

import numpy as np

from synaptic_core.data.registry import ENTRIES as REGISTRY
from synaptic_core.data.registry import Entry, get_entry
from synaptic_core.data.sources import iter_sources

ASSETS = Path(__file__).resolve().parents[2] / "assets" / "data"
SEQUENCE_TASKS = ("text", "series", "chars")  # the task kinds whose readers live here

#: the sequence sets' rows of the one dataset registry, by name (kept for callers of the old table;
#: new code reads synaptic_core.data.registry or list_datasets())
ENTRIES: dict[str, Entry] = {e.name: e for e in REGISTRY if e.task in SEQUENCE_TASKS}


def locate(name: str, source: str = "auto") -> tuple[str, Path | None]:
    """("local" | "bundled" | "generated", path) without reading anything; source="bundled" skips the data dir.

    The data layer's own resolution order (synaptic_core.data.sources), for pages that read raw values.
    """
    entry = get_entry(name)
    if entry.generated:
        return "generated", None
    found = [c for c in iter_sources(entry, allow_download=False) if source != "bundled" or c.source == "bundled"]
    if found:
        return found[0].source, found[0].path
    return "bundled", ASSETS / entry.bundled_file if entry.bundled_file else None


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
