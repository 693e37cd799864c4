"""Loss functions, their gradients, what they do to an outlier, and focal loss.

Every value comes from ``keras.losses`` (the functions ``model.compile(loss=...)`` uses)
and every gradient from ``tf.GradientTape`` on that same call, so the pictures show what
training differentiates. The tests compare the values with the textbook formulas and the
gradients with finite differences.

A loss is drawn against one number, "the prediction", for a fixed target:

* regression losses (MSE, MAE, Huber, log-cosh): prediction and target are real numbers;
* probability losses (binary and categorical cross-entropy, KL divergence): the
  prediction is a probability p. Binary cross-entropy takes the label t in {0, 1} (or a soft
  label); categorical cross-entropy and KL compare the two-class distributions (t, 1 - t)
  and (p, 1 - p);
* margin losses (hinge, squared hinge): the prediction is a raw score, the target is
  -1 or +1 (Keras maps 0/1 labels to -1/+1 itself).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LossInfo:
    """One row of the loss table: its Keras function, kind and formula for the page."""

    name: str
    title: str
    kind: str  # "regression" | "probability" | "margin"
    latex: str
    note: str


LOSSES: dict[str, LossInfo] = {i.name: i for i in (
    LossInfo("mean_squared_error", "MSE", "regression", r"(y - \hat y)^2",
             "Gradient grows with the error: one far outlier dominates the fit."),
    LossInfo("mean_absolute_error", "MAE", "regression", r"|y - \hat y|",
             "Constant gradient: every point pulls equally hard, the fit is a median."),
    LossInfo("huber", "Huber", "regression",
             r"\begin{cases}\tfrac12 r^2 & |r|\le\delta\\ \delta(|r|-\tfrac12\delta) & |r|>\delta\end{cases}",
             "Quadratic near the target, linear beyond delta: MSE's smoothness, MAE's robustness."),
    LossInfo("log_cosh", "log-cosh", "regression", r"\log\cosh(\hat y - y)",
             "Like r²/2 for small errors and |r| - log 2 for large ones; smooth everywhere."),
    LossInfo("binary_crossentropy", "Binary cross-entropy", "probability",
             r"-\,[t\log p + (1-t)\log(1-p)]", "Grows without bound as a confident prediction is wrong."),
    LossInfo("categorical_crossentropy", "Categorical cross-entropy", "probability",
             r"-\sum_k t_k \log p_k", "The multi-class version; on two classes it equals binary cross-entropy."),
    LossInfo("kl_divergence", "KL divergence", "probability", r"\sum_k t_k \log(t_k / p_k)",
             "Cross-entropy minus the target's own entropy: zero when p equals t."),
    LossInfo("hinge", "Hinge", "margin", r"\max(0,\ 1 - t\,s)",
             "Zero once the score is on the right side with margin 1: confident points stop pulling."),
    LossInfo("squared_hinge", "Squared hinge", "margin", r"\max(0,\ 1 - t\,s)^2",
             "Hinge squared: smooth at the margin, punishes large violations more."),
)}

REGRESSION = tuple(n for n, i in LOSSES.items() if i.kind == "regression")
PRED_RANGE = {"regression": (-3.0, 3.0), "probability": (0.001, 0.999), "margin": (-3.0, 3.0)}


def keras_loss(name: str, delta: float = 1.0):
    """The Keras loss function for ``name``: (y_true, y_pred) -> one value per row."""
    import keras

    if name not in LOSSES:
        raise ValueError(f"loss {name!r} is unknown: choose one of {', '.join(LOSSES)}.")
    if name == "huber":
        return lambda t, p: keras.losses.huber(t, p, delta=delta)
    return getattr(keras.losses, name)


def _keras_inputs(name: str, target: float, p):
    """Shape a target and a vector of predictions the way each Keras loss expects them."""
    import tensorflow as tf

    t = tf.fill(tf.shape(p), tf.constant(float(target), p.dtype))
    if name in ("categorical_crossentropy", "kl_divergence"):
        return tf.stack([t, 1.0 - t], axis=1), tf.stack([p, 1.0 - p], axis=1)
    return t[:, None], p[:, None]


def curve(name: str, target: float, preds: np.ndarray, delta: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Loss and d loss / d prediction at each prediction, for one target (float64)."""
    import tensorflow as tf

    p = tf.constant(np.asarray(preds, dtype=np.float64))
    fn = keras_loss(name, delta)
    with tf.GradientTape() as tape:
        tape.watch(p)
        y_true, y_pred = _keras_inputs(name, target, p)
        loss = fn(y_true, y_pred)
    grad = tape.gradient(loss, p)
    return np.asarray(loss, dtype=np.float64), np.asarray(grad, dtype=np.float64)


def finite_difference(name: str, target: float, preds: np.ndarray, delta: float = 1.0,
                      h: float = 1e-6) -> np.ndarray:
    """Central difference of the same Keras loss: the independent check of ``curve``'s gradient."""
    p = np.asarray(preds, dtype=np.float64)
    return (curve(name, target, p + h, delta)[0] - curve(name, target, p - h, delta)[0]) / (2 * h)


def kinks(name: str, target: float) -> tuple[float, ...]:
    """Predictions where the loss has a corner (its gradient jumps): MAE at the target, hinge at the margin."""
    if name == "mean_absolute_error":
        return (float(target),)
    if name == "hinge":
        return (1.0 if target > 0 else -1.0,)  # Keras maps a 0 label to -1
    return ()


def gradient_error(name: str, target: float, preds: np.ndarray, delta: float = 1.0, h: float = 1e-6) -> float:
    """Largest |autodiff - finite difference| / max(1, |gradient|) away from the loss's kinks."""
    p = np.asarray(preds, dtype=np.float64)
    mask = np.ones(p.shape, dtype=bool)
    for k in kinks(name, target):
        mask &= np.abs(p - k) > 10 * h
    if not mask.any():
        return 0.0
    grad = curve(name, target, p[mask], delta)[1]
    fd = finite_difference(name, target, p[mask], delta, h)
    return float(np.max(np.abs(grad - fd) / np.maximum(1.0, np.abs(grad))))


# -- what each loss does to an outlier ---------------------------------------------------

def outlier_data(n: int = 20, shift: float = 15.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Points on y = 0.5 x + 1 with small noise; the last one is moved up by ``shift``."""
    rng = np.random.default_rng(seed)
    x = np.linspace(0.0, 10.0, n)
    y = 0.5 * x + 1.0 + rng.normal(0.0, 0.3, n)
    y[-1] += shift
    return x, y


def fit_line(name: str, x: np.ndarray, y: np.ndarray, delta: float = 1.0,
             rounds: int = 12, size: int = 41) -> tuple[float, float]:
    """(slope, intercept) minimising the mean Keras loss over the points, by grid refinement.

    All four regression losses are convex in (slope, intercept), so a coarse grid followed
    by zooming in around the best cell finds the minimum; it needs only loss values, which
    suits MAE (no useful second derivative) as well as MSE. The line is centred on mean(x)
    so slope and height are searched independently.
    """
    fn = keras_loss(name, delta)
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    xc = x - x.mean()
    span_y = float(np.ptp(y)) or 1.0
    slope_half = 2.0 * span_y / (float(np.ptp(x)) or 1.0)
    a_lo, a_hi, c_lo, c_hi = -slope_half, slope_half, float(y.min()), float(y.max())
    best_a, best_c = 0.0, float(np.median(y))
    for _ in range(rounds):
        a, c = np.meshgrid(np.linspace(a_lo, a_hi, size), np.linspace(c_lo, c_hi, size))
        a, c = a.ravel(), c.ravel()
        preds = a[:, None] * xc[None, :] + c[:, None]
        values = np.asarray(fn(np.broadcast_to(y, preds.shape), preds), dtype=np.float64)
        k = int(np.argmin(values))
        best_a, best_c = float(a[k]), float(c[k])
        da, dc = 2 * (a_hi - a_lo) / (size - 1), 2 * (c_hi - c_lo) / (size - 1)
        a_lo, a_hi, c_lo, c_hi = best_a - da, best_a + da, best_c - dc, best_c + dc
    return best_a, best_c - best_a * float(x.mean())


@dataclass
class OutlierFit:
    """One loss's fit to the data and what the last point (the outlier) contributes to it."""

    name: str
    slope: float
    intercept: float
    loss_share: float  # the outlier's part of the total loss at the fit
    pull: float  # |d loss_outlier / d prediction| at the fit: how hard it drags the line


def outlier_fits(x: np.ndarray, y: np.ndarray, delta: float = 1.0,
                 names: tuple[str, ...] = REGRESSION) -> list[OutlierFit]:
    """Fit a line under each loss; the outlier is the last point."""
    fits = []
    for name in names:
        slope, intercept = fit_line(name, x, y, delta)
        pred = slope * np.asarray(x, dtype=np.float64) + intercept
        per_point = np.asarray(keras_loss(name, delta)(np.asarray(y, np.float64)[:, None], pred[:, None]), np.float64)
        _, grad = curve(name, float(y[-1]), pred[-1:], delta)
        total = float(per_point.sum()) or 1.0
        fits.append(OutlierFit(name, slope, intercept, float(per_point[-1]) / total, abs(float(grad[0]))))
    return fits


# -- focal loss --------------------------------------------------------------------------

def focal_curves(p: np.ndarray, gamma: float) -> dict[str, np.ndarray]:
    """For a positive example predicted with probability p: cross-entropy, focal loss, factor.

    Both losses come from Keras (``binary_crossentropy``, ``binary_focal_crossentropy``
    without class balancing); ``factor`` is (1 - p)^gamma, the weight focal loss puts on
    each example's cross-entropy (it equals focal / ce).
    """
    import keras

    p = np.asarray(p, dtype=np.float64)[:, None]
    ones = np.ones_like(p)
    ce = np.asarray(keras.losses.binary_crossentropy(ones, p), dtype=np.float64)
    focal = np.asarray(keras.losses.binary_focal_crossentropy(ones, p, gamma=gamma), dtype=np.float64)
    return {"ce": ce, "focal": focal, "factor": (1.0 - p[:, 0]) ** gamma}


def imbalance_shares(n_easy: int, p_easy: float, n_hard: int, p_hard: float, gamma: float) -> dict[str, float]:
    """The share of a batch's total loss that the few hard examples carry, CE vs focal.

    ``n_easy`` well-classified examples (probability ``p_easy`` on their true class, the
    majority class) and ``n_hard`` badly classified ones (``p_hard``, the rare class).
    """
    c = focal_curves(np.array([p_easy, p_hard]), gamma)
    out = {}
    for key in ("ce", "focal"):
        easy, hard = n_easy * c[key][0], n_hard * c[key][1]
        out[f"{key}_hard_share"] = float(hard / (easy + hard))
        out[f"{key}_total"] = float(easy + hard)
    return out
