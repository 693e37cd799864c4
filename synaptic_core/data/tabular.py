"""The tabular sets (UCI sonar, IBM telco churn): parse, split, encode, standardise.

Order matters for honesty: the raw table is parsed once (and cached), then for each load it is
split into train/test *first* (stratified, deterministic for a seed), and only then are the
one-hot categories and the standardisation statistics taken -- from the training rows alone,
so nothing about the test rows leaks into the features the model trains on.

Churn's quirk: 11 rows have a blank ``TotalCharges``. They are all customers with tenure 0,
who have not been billed yet, so the blank means 0.0; the rows are kept (7,043 in all).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from .images import READ_ERRORS, file_signature
from .types import DataError

TEST_RATIO = 0.2
_CHURN_TARGET = "Churn"
_CHURN_ID = "customerID"
_CHURN_NUMERIC = ("SeniorCitizen", "tenure", "MonthlyCharges", "TotalCharges")
_SONAR_LABELS = {"M": 0, "R": 1}  # class_names ("mine", "rock")

Table = tuple[pd.DataFrame, np.ndarray]  # features (not yet encoded), int64 labels


def read_table(name: str, path: Path) -> Table:
    """The parsed, cleaned table of ``name`` at ``path`` (cached per path and file version)."""
    try:
        signature = file_signature(path)
    except OSError as exc:
        raise DataError(f"Could not read {path}: {exc.strerror or exc}.") from exc
    return _read_cached(name, str(path), signature)


@lru_cache(maxsize=8)
def _read_cached(name: str, path_str: str, signature: tuple) -> Table:
    path = Path(path_str)
    try:
        return _read_sonar(path) if name == "sonar" else _read_churn(path)
    except DataError:
        raise
    except (*READ_ERRORS, pd.errors.ParserError) as exc:
        raise DataError(f"Could not read {path}: {type(exc).__name__}: {exc}.") from exc


def _read_sonar(path: Path) -> Table:
    df = pd.read_csv(path, header=None)
    if df.shape[1] != 61:
        raise DataError(f"Could not read {path}: {df.shape[1]} columns, expected 60 features and a label.")
    labels = df.iloc[:, 60].astype(str).str.strip()
    unknown = sorted(set(labels) - set(_SONAR_LABELS))
    if unknown:
        raise DataError(f"Could not read {path}: labels {unknown} are not M or R.")
    features = df.iloc[:, :60].apply(pd.to_numeric, errors="raise").astype(np.float64)
    features.columns = [f"band_{i + 1}" for i in range(60)]
    return features, labels.map(_SONAR_LABELS).to_numpy(np.int64)


def _read_churn(path: Path) -> Table:
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in (_CHURN_ID, _CHURN_TARGET, *_CHURN_NUMERIC) if c not in df.columns]
    if missing:
        raise DataError(f"Could not read {path}: no column {', '.join(missing)} (is it the telco churn CSV?).")
    target = df.pop(_CHURN_TARGET).str.strip()
    if not set(target) <= {"Yes", "No"}:
        raise DataError(f"Could not read {path}: Churn values {sorted(set(target) - {'Yes', 'No'})} "
                        "are not Yes or No.")
    df = df.drop(columns=[_CHURN_ID])
    for col in _CHURN_NUMERIC:
        text = df[col].str.strip()
        if col == "TotalCharges":
            text = text.replace("", "0")  # blank only where tenure is 0: nothing billed yet
        df[col] = pd.to_numeric(text, errors="raise").astype(np.float64)
    return df, (target == "Yes").to_numpy(np.int64)


def stratified_split(y: np.ndarray, test_ratio: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Row indices (train, test), each class split ``1 - test_ratio : test_ratio``; same seed, same split."""
    rng = np.random.default_rng(seed)
    train, test = [], []
    for c in np.unique(y):
        rows = rng.permutation(np.flatnonzero(y == c))
        n_test = int(round(len(rows) * test_ratio))
        test.append(rows[:n_test])
        train.append(rows[n_test:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def one_hot(train: pd.DataFrame, test: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Numeric columns pass through; each text column becomes one 0/1 column per value seen in *train*."""
    cats = [c for c in train.columns if not pd.api.types.is_numeric_dtype(train[c])]
    out = []
    for frame in (train, test):
        parts = [frame.drop(columns=cats)]
        for c in cats:
            values = sorted(train[c].unique())
            seen = frame[c].where(frame[c].isin(values))  # a value unseen in train -> all zeros
            coded = pd.Categorical(seen, categories=values)
            parts.append(pd.get_dummies(coded, prefix=c, dtype=np.float64).set_axis(frame.index))
        out.append(pd.concat(parts, axis=1))
    return out[0], out[1]


def standardise(train: np.ndarray, test: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(x - mean) / std`` with mean and std of the *training* rows; constant columns get std 1."""
    mean = train.mean(axis=0)
    std = train.std(axis=0)
    std = np.where(std > 0, std, 1.0)
    return (train - mean) / std, (test - mean) / std, mean, std


def make_tabular(name: str, path: Path, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(x_train, y_train, x_test, y_test)``: x float32 standardised, y int64; split by ``seed``."""
    features, y = read_table(name, path)
    tr, te = stratified_split(y, TEST_RATIO, seed)
    x_tr, x_te = one_hot(features.iloc[tr], features.iloc[te])
    x_tr, x_te, _, _ = standardise(x_tr.to_numpy(np.float64), x_te.to_numpy(np.float64))
    return x_tr.astype(np.float32), y[tr], x_te.astype(np.float32), y[te]
