"""What an uploaded table's feature columns become, fitted on the training rows: the one copy of the transform.

Training (``csv_table.table_arrays``) and serving (``synaptic_core.serving.tabular``) both go
through ``TableTransform``: ``fit`` learns from the *training* rows of a run's split the fill
value of each column (median of a number, most frequent text), each text column's categories
(sorted), and the mean and standard deviation of every encoded column; ``apply`` turns any rows
(the training rows, the test rows, a prediction request) into the standardised float32 matrix
the network reads. Keeping one implementation is what makes a served prediction equal the
network's answer on the same row in training.

Rows given to ``apply`` are a DataFrame with the feature columns: numbers as floats (NaN when
missing), texts as strings (NaN/None when missing). A text never seen in training becomes all
zeros in its one-hot block (as a test row would); the server refuses such values before.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

MISSING_TEXT = "(missing)"  # the fill value of a text column that is empty in every training row


@dataclass(frozen=True)
class TableTransform:
    """Fill values, categories and standardisation learnt from the training rows of one split."""

    numeric: tuple[str, ...]
    categorical: tuple[str, ...]
    fill: dict[str, Any]                      # column -> the value that replaces a missing cell
    categories: dict[str, tuple[str, ...]]    # text column -> its training values, sorted
    mean: np.ndarray                          # per encoded column
    std: np.ndarray                           # per encoded column (1 where the column is constant)

    @property
    def columns(self) -> list[tuple[str, str | None]]:
        """Encoded columns in order: (number column, None), then (text column, category) per category."""
        return [(c, None) for c in self.numeric] + [(c, v) for c in self.categorical for v in self.categories[c]]

    @property
    def names(self) -> list[str]:
        """Encoded column names: a number keeps its name; a category is ``column_value``."""
        return [c if v is None else f"{c}_{v}" for c, v in self.columns]

    @property
    def n_columns(self) -> int:
        return len(self.mean)

    @classmethod
    def fit(cls, train: pd.DataFrame, numeric: list[str], categorical: list[str]) -> "TableTransform":
        """Learn the transform from the training rows (numbers already floats)."""
        fill: dict[str, Any] = {}
        for name in numeric:
            median = train[name].median()
            fill[name] = 0.0 if median is None or (isinstance(median, float) and math.isnan(median)) else float(median)
        for name in categorical:
            modes = train[name].mode(dropna=True)
            fill[name] = modes.iloc[0] if len(modes) else MISSING_TEXT
        categories = {name: tuple(sorted(train[name].fillna(fill[name]).unique())) for name in categorical}
        blank = cls(tuple(numeric), tuple(categorical), fill, categories, np.zeros(0), np.ones(0))
        encoded = blank._encode(train)
        mean = encoded.mean(axis=0) if len(encoded) else np.zeros(encoded.shape[1])
        std = encoded.std(axis=0) if len(encoded) else np.ones(encoded.shape[1])
        std = np.where(std > 0, std, 1.0)
        return cls(tuple(numeric), tuple(categorical), fill, categories, mean, std)

    def _encode(self, rows: pd.DataFrame) -> np.ndarray:
        """Filled, one-hot encoded, not yet standardised (float64)."""
        parts = [rows[name].astype(np.float64).fillna(self.fill[name]).to_numpy(np.float64)[:, None]
                 for name in self.numeric]
        for name in self.categorical:
            values = rows[name].fillna(self.fill[name]).to_numpy(object)
            cats = self.categories[name]
            parts.append(np.stack([values == v for v in cats], axis=1).astype(np.float64) if cats
                         else np.zeros((len(rows), 0)))
        return np.concatenate(parts, axis=1) if parts else np.zeros((len(rows), 0))

    def apply(self, rows: pd.DataFrame) -> np.ndarray:
        """``rows`` as the network reads them: filled, one-hot, standardised with the training rows' statistics."""
        return ((self._encode(rows) - self.mean) / self.std).astype(np.float32)
