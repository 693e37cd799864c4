"""Word-level text for sentiment: cleaning, tokenising, a frequency vocabulary, fixed-length encoding.

Id 0 is padding and id 1 stands for words outside the vocabulary, as in keras.datasets.imdb.
Sequences are padded and truncated at the front ("pre", Keras' pad_sequences default), so
a long review keeps its ending, where reviewers tend to sum up.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Iterable

import numpy as np

PAD, OOV = 0, 1
_TAG = re.compile(r"<[^>]+>")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def tokenize(text: str) -> list[str]:
    """Lower-case words; HTML tags (IMDB's ``<br />``) become spaces; "don't" stays one word."""
    return _WORD.findall(_TAG.sub(" ", text.lower()))


@dataclass(frozen=True)
class Vocabulary:
    """The ``size - 2`` most frequent training words, each with a fixed id from 2 up."""

    words: tuple[str, ...]

    @classmethod
    def build(cls, texts: Iterable[str], size: int) -> "Vocabulary":
        counts = Counter(w for t in texts for w in tokenize(t))
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[: max(size - 2, 0)]
        return cls(tuple(w for w, _ in ranked))

    @property
    def size(self) -> int:
        return len(self.words) + 2

    def index(self) -> dict[str, int]:
        return {w: i + 2 for i, w in enumerate(self.words)}

    def encode(self, texts: Iterable[str], seq_len: int) -> np.ndarray:
        idx = self.index()
        out = np.zeros((0, seq_len), np.int32)
        rows = []
        for t in texts:
            ids = [idx.get(w, OOV) for w in tokenize(t)][-seq_len:]
            row = np.zeros(seq_len, np.int32)
            if ids:
                row[-len(ids):] = ids
            rows.append(row)
        return np.stack(rows) if rows else out

    def decode(self, ids: Iterable[int]) -> list[str]:
        return ["<oov>" if i == OOV else self.words[i - 2] for i in ids if i != PAD]
