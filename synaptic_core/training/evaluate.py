"""What a finished classification run reports: test metrics, confusion matrix, per-class accuracy, mistakes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """Rows are the true class, columns the predicted class."""
    idx = y_true.astype(np.int64) * n_classes + y_pred.astype(np.int64)
    return np.bincount(idx, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def per_class_accuracy(matrix: np.ndarray) -> list[float | None]:
    totals = matrix.sum(axis=1)
    return [float(matrix[i, i] / totals[i]) if totals[i] else None for i in range(len(matrix))]


def save_misclassified(path: Path, x: np.ndarray, y_true: np.ndarray, probs: np.ndarray, limit: int = 64) -> int:
    """The most confident mistakes first (they teach the most); images only. Returns how many."""
    y_pred = probs.argmax(axis=1)
    conf = probs.max(axis=1)
    wrong = np.flatnonzero(y_pred != y_true)
    wrong = wrong[np.argsort(-conf[wrong])][:limit]
    np.savez_compressed(path, x=x[wrong].astype(np.uint8), y_true=y_true[wrong].astype(np.int64),
                        y_pred=y_pred[wrong].astype(np.int64), confidence=conf[wrong].astype(np.float32),
                        index=wrong.astype(np.int64))
    return len(wrong)


def evaluate(model: Any, ds: Any, workdir: Path, batch_size: int = 512, gallery: bool = False) -> dict[str, Any]:
    """Test loss/accuracy, confusion matrix, per-class accuracy; with ``gallery``, the misclassified images;
    for two classes, ``binary`` (``thresholds.summary``) and ``scores_path`` (the test scores)."""
    probs = np.asarray(model.predict(ds.x_test, batch_size=batch_size, verbose=0), dtype=np.float64)
    picked = probs[np.arange(len(ds.y_test)), ds.y_test]
    loss = float(-np.log(np.clip(picked, 1e-7, 1.0)).mean())  # Keras' crossentropy clips at 1e-7 too
    y_pred = probs.argmax(axis=1)
    matrix = confusion_matrix(ds.y_test, y_pred, ds.n_classes)
    out: dict[str, Any] = {
        "test": {"loss": loss, "accuracy": float((y_pred == ds.y_test).mean())},
        "confusion": matrix.tolist(),
        "per_class_accuracy": per_class_accuracy(matrix),
        "misclassified_path": None,
    }
    if ds.n_classes == 2:  # rare-class view: P/R/F1 per class, the PR curve, scores for the threshold slider
        from synaptic_core.training import thresholds

        out["binary"] = thresholds.summary(ds.y_test, probs[:, 1])
        out["scores_path"] = str(thresholds.save_scores(workdir / thresholds.SCORES_FILE, ds.y_test, probs[:, 1]))
    if gallery:
        path = workdir / "misclassified.npz"
        save_misclassified(path, ds.x_test, ds.y_test, probs)
        out["misclassified_path"] = str(path)
    return out


# -- the evaluate hooks of the task records (synaptic_core.tasks): (spec, model, ds, workdir) -> result keys --
def classification_results(spec: Any, model: Any, ds: Any, workdir: Path) -> dict[str, Any]:
    """Toy sets and tables: the classification report, no gallery (their rows are not pictures)."""
    return evaluate(model, ds, workdir)


def image_results(spec: Any, model: Any, ds: Any, workdir: Path) -> dict[str, Any]:
    """Images: the classification report and the gallery of the most confident mistakes."""
    return evaluate(model, ds, workdir, gallery=True)
