"""Synthetic pen-drawn digits as extra training data for the digit reader.

MNIST was written with pens on US census forms: it holds few 1s with a flag and a base, few
crossed 7s, few open 4s. ``add_synthetic_digits`` renders drawings of training-range writers
(``writer_seeds("train")``; the evaluation writers are never used) through the page's own
preprocessing, so the model also sees those variants in the form the page feeds it.
"""

from __future__ import annotations

import numpy as np

from synaptic_core.digits.handwriting import handwriting_set, writer_seeds
from synaptic_core.digits.preprocess import preprocess


def synthetic_digits(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` preprocessed (28, 28, 1) uint8 digits (rounded up to whole writers) and their labels."""
    writers = -(-n // 10)
    seeds = writer_seeds("train")
    start = (seed * 100_003) % (len(seeds) - writers)
    images, labels = handwriting_set(writers, seed_range=seeds[start:start + writers])
    x = np.stack([preprocess(im) for im in images])[..., None]
    return x[:n], labels[:n]


def add_synthetic_digits(x: np.ndarray, y: np.ndarray, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The training set plus ``n`` synthetic digits, shuffled together."""
    xs, ys = synthetic_digits(n, seed)
    x_all, y_all = np.concatenate([x, xs.astype(x.dtype)]), np.concatenate([y, ys.astype(y.dtype)])
    order = np.random.default_rng(seed).permutation(len(y_all))
    return x_all[order], y_all[order]
