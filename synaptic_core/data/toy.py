"""The 2-D toy sets of tensorflow/playground (``src/dataset.ts``), ported to numpy.

Same geometry and the same *noise semantics* as the playground, where noise means different
things per set:

* ``circle`` and ``xor``: points are drawn without noise, but the *label* is decided at a
  jittered position (``p + U(-r, r) * noise``), so noise flips labels near the border;
* ``gauss``: noise sets the variance of both blobs, linearly from 0.5 (noise 0) to 4 (noise 0.5),
  extrapolated above 0.5 as d3's linear scale does;
* ``spiral``: noise jitters the positions by ``U(-1, 1) * noise``.

The playground's slider "noise 0..50" is ``noise / 100`` here, so spec.noise 0.5 is the
playground's maximum (the spec allows up to 1.0). Labels -1/+1 become classes 0/1. As in the
playground, all points are generated, shuffled, and the first ``train_ratio`` share is the
training set. Differences: a numpy Generator seeded with ``seed`` replaces ``Math.random``,
and an odd ``n_points`` gives exactly ``n_points`` points (the playground would make one more).
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

Generator = Callable[[np.random.Generator, int, float], tuple[np.ndarray, np.ndarray]]


def _halves(n: int) -> tuple[int, int]:
    """Points of the positive and the negative class."""
    return n - n // 2, n // 2


def _angles(rng: np.random.Generator, r: np.ndarray) -> np.ndarray:
    angle = rng.uniform(0, 2 * np.pi, len(r))
    return np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1)


def circle(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """Positives in the disc r < 2.5, negatives in the ring 3.5 < r < 5; labels from jittered points."""
    radius = 5.0
    n_pos, n_neg = _halves(n)
    inner = _angles(rng, rng.uniform(0, radius * 0.5, n_pos))
    outer = _angles(rng, rng.uniform(radius * 0.7, radius, n_neg))
    xy = np.concatenate([inner, outer])
    jitter = rng.uniform(-radius, radius, xy.shape) * noise
    label = np.hypot(*(xy + jitter).T) < radius * 0.5
    return xy, label.astype(np.int64)


def xor(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """Uniform in [-5, 5]^2 pushed 0.3 away from the axes; positive where x*y >= 0 (after jitter)."""
    xy = rng.uniform(-5, 5, (n, 2))
    xy += np.where(xy > 0, 0.3, -0.3)
    jitter = rng.uniform(-5, 5, xy.shape) * noise
    p = xy + jitter
    return xy, (p[:, 0] * p[:, 1] >= 0).astype(np.int64)


def gauss(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """Positives around (2, 2), negatives around (-2, -2); variance 0.5 + 7 * noise."""
    variance = 0.5 + noise * (4 - 0.5) / 0.5
    n_pos, n_neg = _halves(n)
    std = np.sqrt(variance)
    pos = rng.normal(2, std, (n_pos, 2))
    neg = rng.normal(-2, std, (n_neg, 2))
    return np.concatenate([pos, neg]), np.r_[np.ones(n_pos, np.int64), np.zeros(n_neg, np.int64)]


def spiral(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """Two spirals of 1.75 turns out to radius 5, the negative one turned by pi."""
    parts, labels = [], []
    for count, delta, label in zip(_halves(n), (0.0, np.pi), (1, 0)):
        i = np.arange(count)
        r = i / count * 5
        t = 1.75 * i / count * 2 * np.pi + delta
        xy = np.stack([r * np.sin(t), r * np.cos(t)], axis=1)
        parts.append(xy + rng.uniform(-1, 1, xy.shape) * noise)
        labels.append(np.full(count, label, np.int64))
    return np.concatenate(parts), np.concatenate(labels)


GENERATORS: dict[str, Generator] = {"circle": circle, "xor": xor, "gauss": gauss, "spiral": spiral}


def make_toy(name: str, n_points: int, noise: float, train_ratio: float, seed: int
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Generate, shuffle and split a toy set: ``(x_train, y_train, x_test, y_test)``, x float32 (N, 2)."""
    rng = np.random.default_rng(seed)
    xy, y = GENERATORS[name](rng, int(n_points), float(noise))
    order = rng.permutation(len(y))
    xy, y = xy[order].astype(np.float32), y[order]
    split = int(np.floor(len(y) * train_ratio))
    return xy[:split], y[:split], xy[split:], y[split:]


# -- input features (tensorflow/playground's "features" column) ------------------------------------------
# The playground feeds the network x1, x2 and five fixed functions of them; picking x1² and x2² lets a
# model with no hidden layer separate the circle (it becomes a threshold on x1² + x2²). Each feature is
# computed here and nowhere else: training's arrays (``with_features``), the decision-boundary grid
# (``boundary_grid``) and the serving endpoint all call ``feature_matrix``. ``FEATURE_CODE`` is the same
# formula as numpy source over columns ``x1``, ``x2`` (for an exported script); a test checks they agree.
FEATURES: dict[str, tuple[str, Callable[[np.ndarray, np.ndarray], np.ndarray]]] = {
    "x1": ("x₁", lambda x1, x2: x1),
    "x2": ("x₂", lambda x1, x2: x2),
    "x1sq": ("x₁²", lambda x1, x2: x1 * x1),
    "x2sq": ("x₂²", lambda x1, x2: x2 * x2),
    "x1x2": ("x₁·x₂", lambda x1, x2: x1 * x2),
    "sin_x1": ("sin x₁", lambda x1, x2: np.sin(x1)),
    "sin_x2": ("sin x₂", lambda x1, x2: np.sin(x2)),
}
FEATURE_CODE: dict[str, str] = {"x1": "x1", "x2": "x2", "x1sq": "x1 * x1", "x2sq": "x2 * x2", "x1x2": "x1 * x2",
                                "sin_x1": "np.sin(x1)", "sin_x2": "np.sin(x2)"}
RAW_FEATURES = ("x1", "x2")


def feature_title(name: str) -> str:
    """"x₁²" for "x1sq": what a widget or a chart shows."""
    return FEATURES[name][0] if name in FEATURES else str(name)


def feature_matrix(xy: np.ndarray, features: Sequence[str] = RAW_FEATURES) -> np.ndarray:
    """(N, 2) points -> (N, len(features)) float32 inputs, one column per feature in the given order.

    Computed in float64 and rounded once to float32, so every caller gets the same numbers.
    """
    xy = np.asarray(xy, dtype=np.float64)
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise ValueError(f"toy points must be shaped (N, 2), got {xy.shape}")
    unknown = [f for f in features if f not in FEATURES]
    if unknown or not features:
        raise ValueError(f"unknown toy features {unknown}: choose from {', '.join(FEATURES)}")
    x1, x2 = xy[:, 0], xy[:, 1]
    return np.stack([FEATURES[f][1](x1, x2) for f in features], axis=1).astype(np.float32)


def with_features(ds: Any, features: Sequence[str]) -> Any:
    """The toy Dataset with its inputs as ``features``; the raw points stay in ``extra`` ("points_train",
    "points_test") for the scatter plots and the boundary grid's range."""
    ds.extra["points_train"], ds.extra["points_test"] = ds.x_train, ds.x_test
    ds.extra["features"] = list(features)
    ds.x_train, ds.x_test = feature_matrix(ds.x_train, features), feature_matrix(ds.x_test, features)
    return ds


def boundary_grid(points: np.ndarray, features: Sequence[str] = RAW_FEATURES, resolution: int = 50
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(xs, ys, inputs)``: a resolution x resolution grid over the points' range (10% margin), and the
    model's inputs at its nodes (row-major: ``inputs[i * len(xs) + j]`` is ``(xs[j], ys[i])``)."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    pad = 0.1 * (hi - lo + 1e-9)
    xs = np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution)
    ys = np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution)
    gx, gy = np.meshgrid(xs, ys)
    return xs, ys, feature_matrix(np.stack([gx.ravel(), gy.ravel()], axis=1), features)
