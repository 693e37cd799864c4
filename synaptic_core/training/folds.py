"""k-fold cross-validation: which training rows validate a run that is one fold of K.

Why: on a small tabular set (sonar: 208 rows, ~20 validation rows at the usual 10 % split) one
validation split is noisy enough to pick the wrong hyperparameters. A cross-validated search trial
trains K runs, each holding out one fold, and scores the mean. A run is one fold, named by its spec
(``cv_folds`` = K, ``cv_fold`` = k), so it stays an ordinary, reproducible run.

Folds are stratified (each class spread evenly over the folds, so a rare class is in every fold) and
seeded by the spec's seed (the K runs of a trial share it, so their folds partition the rows exactly);
a regression target (float labels) gets plain shuffled folds. The test set is never touched.
"""

from __future__ import annotations

from typing import Any

import numpy as np

MAX_FOLDS = 20


class FoldError(ValueError):
    """Fold settings that cannot split these rows (message in words)."""


def fold_ids(y: Any, folds: int, seed: int) -> np.ndarray:
    """The fold (0..folds-1) of every row: stratified by class when ``y`` holds classes, seeded."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:  # one-hot labels
        y = y.argmax(axis=1)
    y = y.reshape(len(y), -1)[:, 0] if y.ndim > 1 else y
    rng = np.random.default_rng(seed)
    ids = np.empty(len(y), dtype=np.int64)
    if np.issubdtype(y.dtype, np.floating) and not np.all(np.equal(np.mod(y, 1), 0)):
        order = rng.permutation(len(y))  # a regression target: shuffled folds
        ids[order] = np.arange(len(y)) % folds
        return ids
    offset = 0
    for cls in np.unique(y):  # each class dealt round the folds, continuing where the last one stopped
        rows = np.flatnonzero(y == cls)
        rows = rows[rng.permutation(len(rows))]
        ids[rows] = (np.arange(len(rows)) + offset) % folds
        offset += len(rows)
    return ids


def check(folds: int, fold: int, n_rows: int) -> None:
    """FoldError unless ``folds`` is 2..MAX_FOLDS, ``fold`` one of them, and every fold gets a row."""
    if not 2 <= int(folds) <= MAX_FOLDS:
        raise FoldError(f"cross-validation folds: 2 to {MAX_FOLDS} (0 = off), not {folds}")
    if not 0 <= int(fold) < int(folds):
        raise FoldError(f"the validation fold must be 0 to {int(folds) - 1} for {folds} folds, not {fold}")
    if n_rows < folds:
        raise FoldError(f"{n_rows} training rows cannot make {folds} folds")


def fold_split(x: Any, y: Any, folds: int, fold: int, seed: int) -> tuple[Any, Any, tuple[Any, Any]]:
    """``(x_fit, y_fit, (x_val, y_val))``: fold ``fold`` of ``folds`` validates, the others train."""
    check(folds, fold, len(y))
    ids = fold_ids(y, int(folds), int(seed))
    val = ids == int(fold)
    return x[~val], y[~val], (x[val], y[val])
