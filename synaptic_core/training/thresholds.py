"""Binary classification at any decision threshold: per-class precision, recall and F1, the
confusion matrix, and the precision-recall curve with its area.

A model's default decision is "class 1 when P(class 1) >= 0.5". With a rare class that is
rarely the best cut, so a finished binary run keeps its test scores (``scores.npz``: the true
labels and P(class 1), no pickle) and the page moves the threshold and redraws from them,
with no retraining. Everything here is plain numpy, shared by the evaluation, the page and
the churn benchmark. The area under the precision-recall curve is the *average precision*
(the step-wise sum ``sum((R_n - R_{n-1}) * P_n)`` over distinct thresholds), scikit-learn's
``average_precision_score``; it does not interpolate, so it never flatters a ragged curve.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

SCORES_FILE = "scores.npz"
CURVE_POINTS = 400  # the result keeps at most this many points of the curve (the file keeps every score)
DEFAULT_THRESHOLD = 0.5


def predict(p1: np.ndarray, threshold: float = DEFAULT_THRESHOLD) -> np.ndarray:
    """Class 1 where P(class 1) >= threshold, else 0."""
    return (np.asarray(p1, dtype=np.float64) >= threshold).astype(np.int64)


def _ratio(a: float, b: float) -> float | None:
    return float(a / b) if b else None


def per_class(y_true: np.ndarray, y_pred: np.ndarray) -> list[dict[str, Any]]:
    """Precision, recall, F1 and support of class 0 and class 1 (None where undefined: nothing predicted
    or no true example of that class)."""
    y_true, y_pred = np.asarray(y_true, dtype=np.int64), np.asarray(y_pred, dtype=np.int64)
    out = []
    for c in (0, 1):
        tp = float(np.sum((y_pred == c) & (y_true == c)))
        predicted, actual = float(np.sum(y_pred == c)), float(np.sum(y_true == c))
        precision, recall = _ratio(tp, predicted), _ratio(tp, actual)
        f1 = _ratio(2 * tp, predicted + actual)  # = 2PR/(P+R), and 0 (not None) when one of them is 0
        out.append({"precision": precision, "recall": recall, "f1": f1, "support": int(actual)})
    return out


def report(y_true: np.ndarray, p1: np.ndarray, threshold: float = DEFAULT_THRESHOLD) -> dict[str, Any]:
    """Everything the page shows at one threshold: confusion (rows = true class), accuracy, per class."""
    y_true = np.asarray(y_true, dtype=np.int64)
    y_pred = predict(p1, threshold)
    confusion = np.bincount(y_true * 2 + y_pred, minlength=4).reshape(2, 2)
    return {"threshold": float(threshold), "confusion": confusion.tolist(),
            "accuracy": float((y_pred == y_true).mean()) if len(y_true) else None,
            "per_class": per_class(y_true, y_pred)}


def pr_curve(y_true: np.ndarray, p1: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(precision, recall, thresholds) of class 1, one point per distinct score, highest threshold first,
    ending with the point (recall 0, precision 1) as scikit-learn does. Needs at least one positive."""
    y = np.asarray(y_true, dtype=np.int64)
    s = np.asarray(p1, dtype=np.float64)
    if not np.any(y == 1):
        raise ValueError("the precision-recall curve needs at least one example of class 1")
    order = np.argsort(-s, kind="mergesort")
    s, y = s[order], y[order]
    last = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]  # the last index of each distinct score
    tp = np.cumsum(y == 1)[last].astype(np.float64)
    fp = (last + 1) - tp
    precision = tp / (tp + fp)
    recall = tp / tp[-1]
    # scikit-learn's order: increasing thresholds, and a final (precision 1, recall 0) point
    return np.r_[precision[::-1], 1.0], np.r_[recall[::-1], 0.0], s[last][::-1]


def average_precision(y_true: np.ndarray, p1: np.ndarray) -> float | None:
    """Area under the precision-recall curve of class 1 (average precision); None without positives."""
    if not np.any(np.asarray(y_true) == 1):
        return None
    precision, recall, _ = pr_curve(y_true, p1)
    return float(-np.sum(np.diff(recall) * precision[:-1]))


pr_auc = average_precision  # the name the results and the benchmark use


def best_f1(y_true: np.ndarray, p1: np.ndarray) -> tuple[float, float] | None:
    """(F1 of class 1, threshold) at the threshold that maximises it on these labels; None without positives.
    Chosen on the data it is scored on, so it is an optimistic ceiling, not a test figure."""
    if not np.any(np.asarray(y_true) == 1):
        return None
    precision, recall, thr = pr_curve(y_true, p1)
    p, r = precision[:-1], recall[:-1]
    f1 = np.divide(2 * p * r, p + r, out=np.zeros_like(p), where=(p + r) > 0)
    i = int(np.argmax(f1))
    return float(f1[i]), float(thr[i])


def _thin(n: int, limit: int) -> np.ndarray:
    return np.unique(np.linspace(0, n - 1, limit).round().astype(int)) if n > limit else np.arange(n)


def summary(y_true: np.ndarray, p1: np.ndarray, threshold: float = DEFAULT_THRESHOLD) -> dict[str, Any]:
    """The result's ``binary`` entry: the report at ``threshold``, the PR-AUC, the curve (thinned), the
    share of class 1 (the curve's no-skill line)."""
    out = report(y_true, p1, threshold)
    out["pr_auc"] = average_precision(y_true, p1)
    out["positive_rate"] = float(np.mean(np.asarray(y_true) == 1)) if len(y_true) else None
    if out["pr_auc"] is not None:
        precision, recall, thresholds = pr_curve(y_true, p1)
        keep = _thin(len(thresholds), CURVE_POINTS)
        out["pr_curve"] = {"precision": precision[keep].round(5).tolist(), "recall": recall[keep].round(5).tolist(),
                           "threshold": thresholds[keep].round(5).tolist()}
    return out


def save_scores(path: Path, y_true: np.ndarray, p1: np.ndarray) -> Path:
    """The test labels and P(class 1), for the threshold slider (plain arrays, no pickle)."""
    np.savez_compressed(path, y_true=np.asarray(y_true, dtype=np.int64), p1=np.asarray(p1, dtype=np.float32))
    return Path(path)


def load_scores(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """(y_true, p1) saved by ``save_scores``; ValueError when the file is not such a pair."""
    with np.load(path, allow_pickle=False) as data:
        y, p1 = np.asarray(data["y_true"], dtype=np.int64), np.asarray(data["p1"], dtype=np.float64)
    if y.shape != p1.shape or y.ndim != 1:
        raise ValueError(f"{Path(path).name}: labels {y.shape} and scores {p1.shape} do not match")
    return y, p1
