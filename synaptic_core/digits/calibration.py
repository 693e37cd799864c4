"""Confidence that means something: temperature scaling, its error measure, and when to say "unsure".

A network trained with cross-entropy (and here with augmentation and extra drawn digits) says
100.0% for nearly every clear drawing: its probabilities are not frequencies. Temperature
scaling (Guo et al., 2017) divides the logits by one number T fitted on a *validation* split,
never the test set, minimising the negative log-likelihood: accuracy is unchanged (the order of
the classes is kept) and "90%" comes to mean right about 9 times in 10. The expected calibration
error (ECE) measures the gap: the test predictions are put in bins by their confidence, and the
bins' |accuracy - mean confidence| are averaged, weighted by how many predictions each holds.

The shipped model's T is stored beside it (``<model>.calibration.json``, JSON, never a pickle)
and applied by the reader; the draw page says "unsure" when the calibrated top probability is
under ``UNSURE_BELOW``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

#: calibrated top probability under which the page says it is not sure (it then names two digits)
UNSURE_BELOW = 0.7
BINS = 15
T_RANGE = (0.05, 20.0)  # temperatures outside this are refused: a file holding one is damaged
_EPS = 1e-12


def log_probs(probs: np.ndarray) -> np.ndarray:
    """Logits up to a constant per row: the log of softmax outputs (what a saved model returns)."""
    return np.log(np.clip(np.asarray(probs, np.float64), _EPS, 1.0))


def softmax(logits: np.ndarray) -> np.ndarray:
    z = np.asarray(logits, np.float64)
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def apply_temperature(probs: np.ndarray, temperature: float) -> np.ndarray:
    """softmax(logits / T) from softmax probabilities: T > 1 softens, T < 1 sharpens, T = 1 changes nothing."""
    if temperature == 1.0:
        return np.asarray(probs, np.float64)
    return softmax(log_probs(probs) / temperature)


def nll(logits: np.ndarray, labels: np.ndarray, temperature: float = 1.0) -> float:
    """Mean negative log-likelihood of ``labels`` under softmax(logits / T), in nats."""
    z = np.asarray(logits, np.float64) / temperature
    z = z - z.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return float(-logp[np.arange(len(labels)), np.asarray(labels)].mean())


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The T in ``T_RANGE`` minimising the NLL of softmax(logits / T) (1-D, bounded search on log T).

    Pass logits, or ``log_probs(probs)`` for a model whose output is already a softmax.
    """
    from scipy.optimize import minimize_scalar

    lo, hi = (math.log(t) for t in T_RANGE)
    res = minimize_scalar(lambda s: nll(logits, labels, math.exp(s)), bounds=(lo, hi), method="bounded",
                          options={"xatol": 1e-4})
    return float(math.exp(res.x))


def ece(probs: np.ndarray, labels: np.ndarray, bins: int = BINS) -> float:
    """Expected calibration error of the top class, equal-width confidence bins over (0, 1]."""
    p = np.asarray(probs, np.float64)
    conf, pred = p.max(axis=1), p.argmax(axis=1)
    right = (pred == np.asarray(labels)).astype(np.float64)
    which = np.clip(np.ceil(conf * bins).astype(int) - 1, 0, bins - 1)
    total = 0.0
    for b in range(bins):
        inside = which == b
        if inside.any():
            total += inside.mean() * abs(right[inside].mean() - conf[inside].mean())
    return float(total)


def is_unsure(probs: np.ndarray, threshold: float = UNSURE_BELOW) -> bool:
    """True when the (calibrated) top probability is under ``threshold``."""
    return float(np.max(probs)) < threshold


# -- stored with the model ------------------------------------------------------------------------------
def calibration_path(model_path: str | Path) -> Path:
    """``digit_cnn.keras`` -> ``digit_cnn.calibration.json`` beside it."""
    p = Path(model_path)
    return p.with_name(p.stem + ".calibration.json")


def save_calibration(model_path: str | Path, temperature: float, info: dict[str, Any]) -> Path:
    path = calibration_path(model_path)
    path.write_text(json.dumps({"temperature": float(temperature), **info}, indent=1) + "\n", encoding="utf-8")
    return path


def load_temperature(model_path: str | Path) -> float:
    """The temperature stored beside the model; 1.0 (no change) when there is none or it is not valid."""
    path = calibration_path(model_path)
    try:
        t = float(json.loads(path.read_text(encoding="utf-8"))["temperature"])
    except (OSError, ValueError, KeyError, TypeError):
        return 1.0
    return t if math.isfinite(t) and T_RANGE[0] <= t <= T_RANGE[1] else 1.0
