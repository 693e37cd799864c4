"""The task-record hooks of uploaded tables (``synaptic_core.tasks``): read, prepare a regression, evaluate it.

A CSV upload is stored as text and prepared again for each run, because the split, the fill
values, the one-hot categories and the standardisation all come from the training rows of
*that run's* seed. Classification then goes through the loader's ordinary ``prepare_classes``
(classes, subset); a regression through ``prepare_regression`` here, which also scales the
target with the training rows' mean and std (the network learns a unit-scale output) and
keeps them in ``ds.extra`` so that ``regression_results`` reports errors in the target's units.
Uploaded images need no hook of their own: they are an ``.npz`` the image reader reads.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from synaptic_core.data.images import file_signature
from synaptic_core.data.types import DataError, Dataset, SourceInfo

from .csv_table import TablePlan, table_arrays

MAX_POINTS = 2000  # predicted/actual pairs kept in a result for its plots
_PLAN_KEYS = ("target", "missing", "kind", "numeric", "categorical", "ignored", "class_names", "n_rows",
              "n_missing_rows", "notes")


@lru_cache(maxsize=4)
def _frame(path_str: str, signature: tuple) -> pd.DataFrame:
    text = Path(path_str).read_text("utf-8")
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=True)


def stored_table(name: str) -> tuple[pd.DataFrame, TablePlan]:
    """The stored text of CSV upload ``name`` (all strings) and its plan; DataError when it is gone or unreadable."""
    from .store import read_meta

    meta = read_meta(name)
    if meta is None or meta.get("kind") not in ("classification", "regression"):
        raise DataError(f"The upload {name} is no longer stored on this server: upload the file again.")
    path = Path(meta["path"])
    try:
        frame = _frame(str(path), file_signature(path))
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise DataError(f"Could not read the stored upload {name}: {exc}.") from exc
    return frame, TablePlan(**{k: meta[k] for k in _PLAN_KEYS})


def read_table(entry: Any, path: Path, spec: Any) -> tuple:
    """``(x_train, y_train, x_test, y_test)`` of a stored CSV for ``spec.seed`` (meta from the upload)."""
    frame, plan = stored_table(entry.name)
    x_tr, y_tr, x_te, y_te, _ = table_arrays(frame, plan, spec.seed)
    return x_tr, y_tr, x_te, y_te


def target_scale(y_train: np.ndarray, spec: Any) -> tuple[float, float]:
    """(mean, std) of the training target a regression learns on (after the run's subset): the network
    predicts ``(y - mean) / std``; the server turns its output back into the target's units the same way."""
    from synaptic_core.data.loader import shuffle_subset

    _, y = shuffle_subset(y_train, y_train, spec.subset, spec.seed)
    mean, std = float(np.mean(y)), float(np.std(y))
    return mean, std if std > 0 else 1.0


def prepare_regression(entry: Any, spec: Any, arrays: tuple, source: SourceInfo) -> Dataset:
    """Subset the training rows, scale the target by the training rows' mean and std."""
    from synaptic_core.data.loader import shuffle_subset, source_label

    from .store import read_meta

    x_tr, y_tr, x_te, y_te = arrays
    n_available = len(y_tr)
    mean, std = target_scale(y_tr, spec)
    x_tr, y_tr = shuffle_subset(x_tr, y_tr, spec.subset, spec.seed)
    return Dataset(name=entry.name, task=entry.task, x_train=x_tr, y_train=((y_tr - mean) / std).astype(np.float32),
                   x_test=x_te, y_test=((y_te - mean) / std).astype(np.float32), class_names=[],
                   source=source.source, source_label=source_label(entry, source, len(y_tr), n_available),
                   n_train_available=n_available, path=source.path,
                   extra={"y_mean": mean, "y_std": std, "target": (read_meta(entry.name) or {}).get("target", "")})


def regression_metrics(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """MSE, MAE, RMSE and R² (1 - residual / total sum of squares; 0 when the target is constant)."""
    err = y_pred - y_true
    mse = float(np.mean(err ** 2))
    total = float(np.sum((y_true - y_true.mean()) ** 2))
    r2 = 1.0 - float(np.sum(err ** 2)) / total if total > 0 else 0.0
    return {"mse": mse, "mae": float(np.mean(np.abs(err))), "rmse": float(np.sqrt(mse)), "r2": r2}


def regression_results(spec: Any, model: Any, ds: Dataset, workdir: Path) -> dict[str, Any]:
    """Test MSE (the loss, on the scaled target), MAE, RMSE, R² in the target's units, and points to plot."""
    scaled = np.asarray(model.predict(ds.x_test, batch_size=512, verbose=0), dtype=np.float64).reshape(-1)
    mean, std = ds.extra.get("y_mean", 0.0), ds.extra.get("y_std", 1.0)
    y_true = ds.y_test.astype(np.float64) * std + mean
    y_pred = scaled * std + mean
    test = {"loss": float(np.mean((scaled - ds.y_test) ** 2)), **regression_metrics(y_true, y_pred)}
    keep = np.arange(len(y_true))
    if len(keep) > MAX_POINTS:
        keep = np.sort(np.random.default_rng(0).choice(keep, MAX_POINTS, replace=False))
    return {"test": test, "regression": {"target": ds.extra.get("target", ""), "y_true": y_true[keep].tolist(),
                                         "y_pred": y_pred[keep].tolist(), "y_mean": mean, "y_std": std}}
