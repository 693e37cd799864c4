"""Synthetic pen-drawn digits as extra training data for the digit reader.

MNIST was written with pens on US census forms: it holds few 1s with a flag and a base, few
crossed 7s, few open 4s. ``add_synthetic_digits`` renders drawings of training-range writers
(``writer_seeds("train")``; the evaluation writers are never used) through the page's own
preprocessing, so the model also sees those variants in the form the page feeds it.

Templates lack the variety of real hands, so two thirds of the extra digits
(``RESTROKE_SHARE``) are real MNIST *training* digits (drawn from the rows being fitted, never
the validation or test rows) redrawn the way the canvas draws (``synaptic_core.digits.restroke``:
skeleton, then a round pen of 14-26 px on the 280-px canvas) and preprocessed like a drawing.
"""

from __future__ import annotations

import numpy as np

from synaptic_core.digits.handwriting import handwriting_set, writer_seeds
from synaptic_core.digits.preprocess import preprocess

RESTROKE_SHARE = 2 / 3  # of the extra digits: re-rendered MNIST strokes; the rest from the synthetic writers


def synthetic_digits(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` preprocessed (28, 28, 1) uint8 digits (rounded up to whole writers) and their labels."""
    writers = -(-n // 10)
    seeds = writer_seeds("train")
    start = (seed * 100_003) % (len(seeds) - writers)
    images, labels = handwriting_set(writers, seed_range=seeds[start:start + writers])
    x = np.stack([preprocess(im) for im in images])[..., None]
    return x[:n], labels[:n]


def restroked_digits(x: np.ndarray, y: np.ndarray, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` of the given (28, 28[, 1]) digits, picked at random, redrawn with a canvas pen and preprocessed."""
    from synaptic_core.digits.restroke import restroke

    pick = np.random.default_rng(seed + 7).choice(len(y), size=min(n, len(y)), replace=False)
    return restroke(np.asarray(x)[pick].reshape(-1, 28, 28), seed=seed), np.asarray(y)[pick]


def add_synthetic_digits(x: np.ndarray, y: np.ndarray, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The training set plus ``n`` extra digits, shuffled together: re-rendered training digits
    (``RESTROKE_SHARE``, when ``x`` holds 28x28 digits) and synthetic writers' digits (the rest)."""
    n_re = int(round(n * RESTROKE_SHARE)) if tuple(x.shape[1:3]) == (28, 28) else 0
    xr, yr = restroked_digits(x, y, n_re, seed) if n_re else (x[:0], y[:0])
    xs, ys = synthetic_digits(n - len(yr), seed) if n - len(yr) > 0 else (x[:0], y[:0])
    x_all = np.concatenate([x, xr.reshape((-1, *x.shape[1:])).astype(x.dtype),
                            xs.reshape((-1, *x.shape[1:])).astype(x.dtype)])
    y_all = np.concatenate([y, yr.astype(y.dtype), ys.astype(y.dtype)])
    order = np.random.default_rng(seed).permutation(len(y_all))
    return x_all[order], y_all[order]
