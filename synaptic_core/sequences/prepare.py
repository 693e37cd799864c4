"""The sequence task kinds' data hooks: read a source, then turn it into arrays for the spec.

``read_*(entry, path, spec)`` returns raw material (texts and labels, a series, a string); a
DataError there means the file is bad, and the data layer may fall back to the bundled copy.
``prepare_*(entry, spec, raw, source)`` returns the data layer's one ``Dataset`` (same fields
as images, so the job path, events and store treat it alike) whose ``extra`` holds what the
task needs later: the vocabulary (text), the scaler and split (series), the alphabet (chars).
The task records in ``synaptic_core.tasks`` name these functions.
"""

from __future__ import annotations

import lzma
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from synaptic_core.data.loader import source_label
from synaptic_core.data.types import DataError, Dataset, SourceInfo
from synaptic_core.sequences.chars import Alphabet, char_windows, every_step
from synaptic_core.sequences.datasets import read_chars, read_series, read_text_rows
from synaptic_core.sequences.series import sine, split_series
from synaptic_core.sequences.text import Vocabulary
from synaptic_core.specs import RunSpec

SequenceDataset = Dataset  # every Dataset has ``extra`` now; the old name stays for callers


@contextmanager
def _reading(entry: Any, path: Path | None) -> Iterator[None]:
    """A damaged or unreadable file becomes a DataError that names it."""
    try:
        yield
    except (OSError, EOFError, ValueError, KeyError, IndexError, lzma.LZMAError) as e:
        raise DataError(f"{entry.title}: could not read {path}: {e}.") from e


def _subset(n: int, subset: int, seed: int) -> np.ndarray:
    order = np.random.default_rng(seed).permutation(n)
    return order[:subset] if 0 < subset < n else order


# -- text (sentiment) --------------------------------------------------------------------------------------
def read_text(entry: Any, path: Path, spec: RunSpec) -> tuple[list[str], np.ndarray, list[str], np.ndarray]:
    with _reading(entry, path):
        return read_text_rows(entry.name, path)


def prepare_text(entry: Any, spec: RunSpec, raw: tuple, source: SourceInfo) -> Dataset:
    tr_x, tr_y, te_x, te_y = raw
    keep = _subset(len(tr_x), spec.subset, spec.seed)
    texts = [tr_x[i] for i in keep]
    vocab = Vocabulary.build(texts, spec.vocab_size)  # from training texts only
    return Dataset(
        name=entry.name, task=entry.task, x_train=vocab.encode(texts, spec.seq_len), y_train=tr_y[keep],
        x_test=vocab.encode(te_x, spec.seq_len), y_test=te_y, class_names=list(entry.class_names),
        source=source.source, source_label=source_label(entry, source, len(keep), len(tr_x)),
        n_train_available=len(tr_x), path=source.path,
        extra={"vocab": list(vocab.words), "seq_len": spec.seq_len, "test_texts": te_x})


# -- series (a regression) ---------------------------------------------------------------------------------
def read_series_values(entry: Any, path: Path | None, spec: RunSpec) -> np.ndarray:
    """The file's values, or the generated sine when the set has no file."""
    if path is None:
        return sine(spec.n_points, spec.cycle, spec.noise, spec.seed)
    with _reading(entry, path):
        return read_series(path)


def prepare_series(entry: Any, spec: RunSpec, values: np.ndarray, source: SourceInfo) -> Dataset:
    try:
        s = split_series(values, spec.look_back, spec.train_ratio)
    except ValueError as e:
        raise DataError(str(e)) from e
    return Dataset(
        name=entry.name, task=entry.task, x_train=s.x_train, y_train=s.y_train, x_test=s.x_test, y_test=s.y_test,
        class_names=[], source=source.source,
        source_label=source_label(entry, source, s.split, s.split, what=f"training-period {entry.noun}"),
        n_train_available=s.split, path=source.path, extra={"split": s})


# -- characters (next-character classification, then generation) -------------------------------------------
def read_text_chars(entry: Any, path: Path, spec: RunSpec) -> str:
    with _reading(entry, path):
        return read_chars(path)


def prepare_chars(entry: Any, spec: RunSpec, text: str, source: SourceInfo) -> Dataset:
    alphabet = Alphabet.of(text)
    ids = alphabet.encode(text)
    cut = int(len(ids) * 0.9)  # the last 10% of the text is the held-out set, in order
    # an every-step model learns from whole shifted windows; the test keeps one target per window either way
    x_tr, y_tr = char_windows(ids[:cut], spec.seq_len, spec.stride, all_steps=every_step(spec.model))
    x_te, y_te = char_windows(ids[cut:], spec.seq_len, spec.seq_len)
    keep = np.sort(_subset(len(x_tr), spec.subset, spec.seed))
    return Dataset(
        name=entry.name, task=entry.task, x_train=x_tr[keep], y_train=y_tr[keep], x_test=x_te, y_test=y_te,
        class_names=list(alphabet.chars), source=source.source,
        source_label=source_label(entry, source, len(keep), len(x_tr), what="training windows"),
        n_train_available=len(x_tr), path=source.path,
        extra={"alphabet": alphabet.chars, "seq_len": spec.seq_len, "seed_text": text[cut:cut + spec.seq_len]})


def load_sequence_dataset(spec: RunSpec) -> Dataset:
    """Kept for callers of the old entry point: the data layer's ``load_dataset``."""
    from synaptic_core.data import load_dataset

    return load_dataset(spec)
