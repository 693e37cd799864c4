"""Spec -> arrays for sequence tasks, with everything needed to use the model afterwards.

``load_sequence_dataset(spec)`` returns a data-layer ``Dataset`` (same fields as images, so
the job path, events and store treat it alike) whose ``extra`` holds what the task needs
later: the vocabulary (text), the scaler and split (series), the alphabet (chars).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from synaptic_core.data.types import DataError, Dataset
from synaptic_core.sequences.chars import Alphabet, char_windows
from synaptic_core.sequences.datasets import ENTRIES, locate, read_chars, read_series, read_text_rows
from synaptic_core.sequences.series import sine, split_series
from synaptic_core.sequences.text import Vocabulary
from synaptic_core.specs import RunSpec


@dataclass
class SequenceDataset(Dataset):
    extra: dict[str, Any] = field(default_factory=dict)


def _label(entry, source: str, path, used: int, available: int) -> str:
    where = {"local": f"local data dir ({path.parent if path else ''})", "bundled": "bundled sample, offline"
             if entry.bundled_is_sample else "bundled copy, offline", "generated": "generated"}[source]
    return f"{entry.title} — {where}, {used:,} of {available:,} training {entry.noun} used"


def _subset(n: int, subset: int, seed: int) -> np.ndarray:
    order = np.random.default_rng(seed).permutation(n)
    return order[:subset] if 0 < subset < n else order


def _text(spec: RunSpec, entry, source, path) -> SequenceDataset:
    tr_x, tr_y, te_x, te_y = read_text_rows(entry.name, path)
    keep = _subset(len(tr_x), spec.subset, spec.seed)
    texts = [tr_x[i] for i in keep]
    vocab = Vocabulary.build(texts, spec.vocab_size)  # from training texts only
    return SequenceDataset(
        name=entry.name, task="text", x_train=vocab.encode(texts, spec.seq_len), y_train=tr_y[keep],
        x_test=vocab.encode(te_x, spec.seq_len), y_test=te_y, class_names=list(entry.class_names),
        source=source, source_label=_label(entry, source, path, len(keep), len(tr_x)),
        n_train_available=len(tr_x), path=path,
        extra={"vocab": list(vocab.words), "seq_len": spec.seq_len, "test_texts": te_x})


def _series(spec: RunSpec, entry, source, path) -> SequenceDataset:
    values = read_series(path) if path else sine(spec.n_points, spec.cycle, spec.noise, spec.seed)
    try:
        s = split_series(values, spec.look_back, spec.train_ratio)
    except ValueError as e:
        raise DataError(str(e)) from e
    return SequenceDataset(
        name=entry.name, task="series", x_train=s.x_train, y_train=s.y_train, x_test=s.x_test, y_test=s.y_test,
        class_names=[], source=source,
        source_label=_label(entry, source, path, s.split, s.split).replace(" training ", " training-period "),
        n_train_available=s.split, path=path, extra={"split": s})


def _chars(spec: RunSpec, entry, source, path) -> SequenceDataset:
    text = read_chars(path)
    alphabet = Alphabet.of(text)
    ids = alphabet.encode(text)
    cut = int(len(ids) * 0.9)  # the last 10% of the text is the held-out set, in order
    x_tr, y_tr = char_windows(ids[:cut], spec.seq_len, spec.stride)
    x_te, y_te = char_windows(ids[cut:], spec.seq_len, spec.seq_len)
    keep = np.sort(_subset(len(x_tr), spec.subset, spec.seed))
    return SequenceDataset(
        name=entry.name, task="chars", x_train=x_tr[keep], y_train=y_tr[keep], x_test=x_te, y_test=y_te,
        class_names=list(alphabet.chars), source=source,
        source_label=_label(entry, source, path, len(keep), len(x_tr)).replace(" characters used",
                                                                              " windows used"),
        n_train_available=len(x_tr), path=path,
        extra={"alphabet": alphabet.chars, "seq_len": spec.seq_len, "seed_text": text[cut:cut + spec.seq_len]})


def load_sequence_dataset(spec: RunSpec) -> SequenceDataset:
    entry = ENTRIES[spec.dataset]
    source, path = locate(entry.name, spec.source)
    if path is not None and not path.exists():
        raise DataError(f"{entry.title}: {path} is missing (the bundled file ships in assets/data/).")
    try:
        return {"text": _text, "series": _series, "chars": _chars}[entry.task](spec, entry, source, path)
    except (OSError, ValueError, KeyError) as e:
        if isinstance(e, DataError):
            raise
        raise DataError(f"{entry.title}: could not read {path}: {e}.") from e
