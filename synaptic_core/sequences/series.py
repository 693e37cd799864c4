"""Time series: windows, a train-only min-max scaler, the naive baseline, synthetic sine.

No leakage: the split is in time order; the scaler sees only the training period; a test
window may *read* the last ``look_back`` training values (the past is known when the
forecast is made) but no training window ever contains a test-period value, as input or
as target.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class MinMax:
    """Scales to [0, 1] with the training period's min and max (what the seed does with sklearn)."""

    lo: float
    hi: float

    @classmethod
    def fit(cls, values: np.ndarray) -> "MinMax":
        lo, hi = float(np.min(values)), float(np.max(values))
        return cls(lo, hi if hi > lo else lo + 1.0)

    def transform(self, v: np.ndarray) -> np.ndarray:
        return ((np.asarray(v, np.float64) - self.lo) / (self.hi - self.lo)).astype(np.float32)

    def inverse(self, v: np.ndarray) -> np.ndarray:
        return np.asarray(v, np.float64) * (self.hi - self.lo) + self.lo


def windows(values: np.ndarray, look_back: int) -> tuple[np.ndarray, np.ndarray]:
    """X[i] = values[i:i+look_back], y[i] = values[i+look_back]."""
    v = np.asarray(values, np.float32)
    n = len(v) - look_back
    if n <= 0:
        return np.zeros((0, look_back), np.float32), np.zeros((0,), np.float32)
    idx = np.arange(look_back)[None, :] + np.arange(n)[:, None]
    return v[idx], v[look_back:]


@dataclass
class SeriesSplit:
    """Windows ready for a model, plus what is needed to report in the data's own units."""

    x_train: np.ndarray   # (N, look_back, 1) scaled
    y_train: np.ndarray   # (N,) scaled
    x_test: np.ndarray
    y_test: np.ndarray
    scaler: MinMax
    split: int            # index of the first test-period value
    look_back: int
    values: np.ndarray    # the raw series


def split_series(values: np.ndarray, look_back: int, train_ratio: float) -> SeriesSplit:
    """Split in time order at ``train_ratio``; scale with training statistics; window both parts."""
    values = np.asarray(values, np.float64)
    split = int(len(values) * train_ratio)
    if split <= look_back or len(values) - split < 1:
        raise ValueError(f"look_back {look_back} is too long for {len(values)} values with train_ratio "
                         f"{train_ratio:g}: the training period has {split} values.")
    scaler = MinMax.fit(values[:split])
    scaled = scaler.transform(values)
    x_tr, y_tr = windows(scaled[:split], look_back)
    x_te, y_te = windows(scaled[split - look_back:], look_back)
    return SeriesSplit(x_tr[..., None], y_tr, x_te[..., None], y_te, scaler, split, look_back, values)


def rmse(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sqrt(np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2)))


def naive_rmse(s: SeriesSplit) -> dict[str, float]:
    """Predict each value by the one before it: what a network must beat to have learned anything."""
    v = s.values
    train_t = np.arange(s.look_back, s.split)
    test_t = np.arange(s.split, len(v))
    return {"train": rmse(v[train_t], v[train_t - 1]), "test": rmse(v[test_t], v[test_t - 1])}


def sine(n: int, cycle: float, noise: float, seed: int) -> np.ndarray:
    """A sine of period ``cycle`` steps, amplitude 1, offset 2, plus Gaussian noise of std ``noise``."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return 2.0 + np.sin(2 * np.pi * t / cycle) + rng.normal(0.0, noise, n)


def forecast(predict_next, last_window: np.ndarray, steps: int) -> np.ndarray:
    """Roll the one-step model forward, feeding each prediction back in (scaled units)."""
    window = np.asarray(last_window, np.float32).reshape(-1).copy()
    out = []
    for _ in range(steps):
        nxt = float(predict_next(window[None, :, None]))
        out.append(nxt)
        window = np.roll(window, -1)
        window[-1] = nxt
    return np.asarray(out)
