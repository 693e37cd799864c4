"""Rare classes: class weights, resampling and focal loss, applied to the training rows only.

The churn notebook's question is what to do when one class is rare (26% of telco customers
churn). ``spec.imbalance`` picks one answer and ``spec.loss`` may swap the loss:

* ``class_weights``: each class's loss is scaled by ``n / (k * count)`` (scikit-learn's
  "balanced"), given to ``model.fit(class_weight=...)``;
* ``undersample`` / ``oversample``: imbalanced-learn's random under- and oversamplers;
* ``smote``: imbalanced-learn's SMOTE, new minority rows on the segments between a rare row and
  one of its ``k`` nearest rare neighbours;
* ``loss = "focal"``: Keras' own focal cross-entropy (binary for two classes, categorical
  beyond; gamma 2), which scales each example's loss by ``(1 - p_true)^gamma``.

Everything here runs *after* the validation rows were split off and never sees the test set,
so a validation or test score is always measured on the data as it is. Resampling is seeded
(``spec.seed``), so a resumed run trains on the same rows. ``train()`` calls
``prepare_fit`` once, on its one data path; imbalanced-learn (and scikit-learn) is imported
only when a resampler is asked for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

RESAMPLERS = ("undersample", "oversample", "smote")
SMOTE_NEIGHBOURS = 5  # imbalanced-learn's default k
FOCAL_GAMMA = 2.0  # Keras' default (Lin et al. 2017)


class ImbalanceError(ValueError):
    """The handling asked for cannot be applied to this data; the message says why and what to do."""


@dataclass
class FitData:
    """What ``model.fit`` gets: the (possibly resampled) training rows, labels in the loss's form,
    the validation pair in the same form, the class weights, and the class counts before and after."""

    x: np.ndarray
    y: np.ndarray
    val: tuple[np.ndarray, np.ndarray] | None
    class_weight: dict[int, float] | None = None
    counts_before: list[int] = field(default_factory=list)
    counts_after: list[int] = field(default_factory=list)

    def summary(self, method: str) -> dict[str, Any]:
        """For the ``data`` event and the result: the method and the training class counts before/after."""
        return {"method": method, "before": self.counts_before, "after": self.counts_after,
                "class_weight": None if self.class_weight is None else
                [round(self.class_weight[k], 6) for k in sorted(self.class_weight)]}


def class_counts(y: np.ndarray, n_classes: int) -> list[int]:
    """Rows of each class 0..n_classes-1 (integer labels)."""
    return np.bincount(np.asarray(y, dtype=np.int64).ravel(), minlength=n_classes)[:n_classes].astype(int).tolist()


def balanced_weights(y: np.ndarray, n_classes: int) -> dict[int, float]:
    """``n / (k * count)`` per present class (scikit-learn's "balanced"); an absent class gets 1."""
    counts = np.asarray(class_counts(y, n_classes), dtype=np.float64)
    present = counts > 0
    k = int(present.sum())
    return {c: float(len(y) / (k * counts[c])) if present[c] else 1.0 for c in range(n_classes)}


def resample(x: np.ndarray, y: np.ndarray, method: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Training rows resampled by ``method`` (one of RESAMPLERS), seeded; x keeps its shape per row and dtype.

    Images are flattened for the resampler and shaped back; SMOTE's interpolated pixels are rounded
    back to the images' integer type. Token ids (integer inputs other than uint8 pixels) cannot be
    interpolated, so SMOTE refuses them.
    """
    if method not in RESAMPLERS:
        raise ImbalanceError(f"unknown resampling {method!r}: one of {', '.join(RESAMPLERS)}.")
    y = np.asarray(y, dtype=np.int64)
    counts = np.bincount(y)
    present = counts[counts > 0]
    if len(present) < 2:
        raise ImbalanceError("resampling needs at least two classes among the training rows.")
    flat = x.reshape(len(x), -1)
    integer = np.issubdtype(x.dtype, np.integer)
    if method == "smote":
        if integer and x.dtype != np.uint8:
            raise ImbalanceError("SMOTE interpolates between examples, which means nothing for token ids: "
                                 "use oversample or class_weights for text.")
        if present.min() < 2:
            raise ImbalanceError(f"SMOTE needs at least 2 training rows of every class; the rarest has "
                                 f"{int(present.min())}. Use oversample, or more data.")
        from imblearn.over_sampling import SMOTE

        sampler: Any = SMOTE(k_neighbors=min(SMOTE_NEIGHBOURS, int(present.min()) - 1), random_state=seed)
        flat = flat.astype(np.float64)
    elif method == "oversample":
        from imblearn.over_sampling import RandomOverSampler

        sampler = RandomOverSampler(random_state=seed)
    else:
        from imblearn.under_sampling import RandomUnderSampler

        sampler = RandomUnderSampler(random_state=seed)
    x_res, y_res = sampler.fit_resample(flat, y)
    x_res = np.asarray(x_res)
    if integer:
        info = np.iinfo(x.dtype)
        x_res = np.clip(np.rint(x_res), info.min, info.max)
    # shuffle: the samplers append the new rows at the end (Keras shuffles too, but a validation-free
    # resume or an unshuffled consumer must not see one class last)
    order = np.random.default_rng(seed).permutation(len(y_res))
    return x_res[order].astype(x.dtype).reshape((len(y_res), *x.shape[1:])), np.asarray(y_res)[order].astype(np.int64)


def uses_one_hot(spec: Any, task: Any) -> bool:
    """Focal loss on a classification task: Keras' focal losses take one-hot labels."""
    return spec.loss == "focal" and not task.is_regression


def loss_for(spec: Any, task: Any, n_classes: int) -> Any:
    """The loss ``model.compile`` gets: the task's own, or Keras' focal cross-entropy."""
    if spec.loss != "focal":
        return task.loss
    if task.is_regression:
        raise ImbalanceError("focal loss is a classification loss; this dataset is a regression.")
    import keras

    if n_classes == 2:  # two softmax outputs: the binary focal loss of P(class 1), averaged over both columns
        return keras.losses.BinaryFocalCrossentropy(gamma=FOCAL_GAMMA)
    return keras.losses.CategoricalFocalCrossentropy(gamma=FOCAL_GAMMA)


def _one_hot(y: np.ndarray, n_classes: int) -> np.ndarray:
    return np.eye(n_classes, dtype=np.float32)[np.asarray(y, dtype=np.int64)]


def prepare_fit(spec: Any, task: Any, x: np.ndarray, y: np.ndarray,
                val: tuple[np.ndarray, np.ndarray] | None, n_classes: int) -> FitData:
    """The one place rare classes are handled: resample or weight the training rows (never ``val``),
    and put labels in the form the loss needs. ImbalanceError when the choice does not fit the data."""
    method = spec.imbalance
    if task.is_regression:
        if method != "none" or spec.loss == "focal":
            raise ImbalanceError(f"imbalance = {method} and loss = {spec.loss} apply to classification only; "
                                 "this dataset is a regression.")
        return FitData(x, y, val)
    before = class_counts(y, n_classes)
    weights = None
    if method in RESAMPLERS:
        x, y = resample(x, y, method, spec.seed)
    elif method == "class_weights":
        weights = balanced_weights(y, n_classes)
    elif method != "none":
        raise ImbalanceError(f"unknown imbalance handling {method!r}.")
    after = class_counts(y, n_classes)
    if uses_one_hot(spec, task):
        y = _one_hot(y, n_classes)
        val = None if val is None else (val[0], _one_hot(val[1], n_classes))
    return FitData(x, y, val, weights, before, after)


_WORDS = {"class_weights": "class weights", "undersample": "random undersampling",
          "oversample": "random oversampling", "smote": "SMOTE"}


def describe(summary: dict[str, Any] | None, class_names: list[str] | None = None) -> str:
    """One line for the results: what was done to the training rows ("" when nothing was).

    "SMOTE: training rows per class 3,726 / 1,345 → 3,726 / 3,726 (stayed / churned); validation and
    test rows untouched."
    """
    if not summary or summary.get("method") in (None, "none"):
        return ""
    method = summary["method"]
    names = f" ({' / '.join(map(str, class_names))})" if class_names else ""
    before = " / ".join(f"{n:,}" for n in summary.get("before", []))
    if method == "class_weights":
        weights = " / ".join(f"{w:.3g}" for w in summary.get("class_weight") or [])
        return (f"Class weights {weights}{names} for training rows per class {before}; "
                "validation and test rows untouched.")
    after = " / ".join(f"{n:,}" for n in summary.get("after", []))
    return (f"{_WORDS.get(method, method)}: training rows per class {before} → {after}{names}; "
            "validation and test rows untouched.")
