"""The learning-rate finder: a run that sweeps the rate exponentially and records the loss.

Why a run kind and not a page-side loop: "which learning rate?" is answered by training, so it
takes the job path like any run (its own process, live events, the store, Stop within a batch).
A spec with ``lr_find = N`` (batches) is swept instead of trained: from ``LO`` to ``HI`` over N
batches, the rate multiplied by the same factor after each one (Smith 2015; fast.ai's finder).
``train_on_batch`` reports each batch's own loss (fit's batch logs are running means). The sweep
ends early once the loss has clearly diverged (above ``DIVERGE`` times the best smoothed loss).

The suggestion (``suggest_lr``) is the rate where the smoothed loss falls fastest, which is
where training makes the most progress per step; it is kept at or below a tenth of the rate of
the lowest loss (past the minimum the loss is about to blow up). Both numbers are returned.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

LO, HI = 1e-6, 1.0
DIVERGE = 4.0  # stop once the smoothed loss exceeds this multiple of its best
SMOOTH = 0.9  # exponential smoothing of the loss curve (bias-corrected)
EMIT_EVERY = 5  # batches per progress event


def sweep_rates(n: int, lo: float = LO, hi: float = HI) -> np.ndarray:
    """The ``n`` rates of the sweep, ``lo`` to ``hi`` evenly on a log scale."""
    return np.geomspace(lo, hi, num=max(2, int(n)))


def smooth(losses: Sequence[float], beta: float = SMOOTH) -> list[float]:
    """Exponentially smoothed, bias-corrected losses (what the curve and the suggestion use)."""
    out, avg = [], 0.0
    for i, loss in enumerate(losses, start=1):
        avg = beta * avg + (1 - beta) * float(loss)
        out.append(avg / (1 - beta ** i))
    return out


def suggest_lr(lrs: Sequence[float], losses: Sequence[float]) -> dict[str, float | None]:
    """``{"suggested", "steepest", "min_loss_lr"}`` from a sweep (None where the curve is too short).

    steepest: the rate where the smoothed loss falls fastest per log-rate step, looked for before
    the minimum and away from the noisy first tenth of the sweep; min_loss_lr: the rate of the
    lowest smoothed loss; suggested: the steepest point, capped at min_loss_lr / 10.
    """
    lrs = [float(x) for x in lrs]
    finite = [i for i, v in enumerate(losses) if math.isfinite(float(v))]
    if len(finite) < 5:
        return {"suggested": None, "steepest": None, "min_loss_lr": None}
    n = finite[-1] + 1
    sm = smooth([float(v) for v in losses[:n]])
    lo_i = max(1, n // 10)
    best = int(np.argmin(sm[lo_i:])) + lo_i
    min_loss_lr = lrs[best]
    window = sm[lo_i:best + 1]
    if len(window) >= 4:  # central differences, not the one-sided ones at the window's ends
        slopes = np.gradient(np.asarray(window), np.log(np.asarray(lrs[lo_i:best + 1])))[1:-1]
        steepest = lrs[lo_i + 1 + int(np.argmin(slopes))]
    else:
        steepest = min_loss_lr / 10
    return {"suggested": float(min(steepest, min_loss_lr / 10)), "steepest": float(steepest),
            "min_loss_lr": float(min_loss_lr)}


def find_lr(spec: Any, sink: Any, workdir: Path) -> dict[str, Any]:
    """Sweep the learning rate for ``spec.lr_find`` batches; returns the result dict with ``lr_find``."""
    import keras

    from synaptic_core.data import dataset_names
    from synaptic_core.models import model_names
    from synaptic_core.tasks import get_task
    from synaptic_core.training.errors import TrainingError
    from synaptic_core.training.train import _build, _load, _split_validation

    errors = spec.errors(known_datasets=dataset_names(), known_models=model_names())
    if errors:
        raise TrainingError("spec", " ".join(errors))
    keras.utils.set_random_seed(spec.seed)
    ds = _load(spec, sink)
    task = get_task(ds.task)
    x_fit, y_fit, _ = _split_validation(ds, spec.validation_split)
    sink.emit({"type": "data", "dataset": ds.name, "source": ds.source, "source_label": ds.source_label,
               "n_train": int(len(x_fit)), "n_val": 0, "n_test": int(len(ds.x_test)),
               "input_shape": list(ds.input_shape), "n_classes": ds.n_classes, "class_names": [], "task": ds.task})
    model = _build(spec, sink, ds, task)
    rates = sweep_rates(spec.lr_find)
    sink.emit({"type": "status", "stage": "training",
               "message": f"Sweeping the learning rate from {LO:g} to {HI:g} over {len(rates)} batches…"})
    lrs, losses, stopped, diverged = [], [], False, False
    order = np.random.default_rng(spec.seed).permutation(len(x_fit))
    bs = max(1, min(int(spec.batch_size), len(x_fit)))
    t0 = time.perf_counter()
    best = math.inf
    for i, lr in enumerate(rates):
        if sink.should_stop():
            stopped = True
            break
        start = (i * bs) % len(x_fit)
        idx = order[start:start + bs]
        if len(idx) < bs:  # wrap around: a new pass over the shuffled data
            idx = np.concatenate([idx, order[:bs - len(idx)]])
        model.optimizer.learning_rate = float(lr)
        loss = float(model.train_on_batch(x_fit[idx], y_fit[idx], return_dict=True)["loss"])
        lrs.append(float(lr))
        losses.append(loss if math.isfinite(loss) else math.nan)
        smoothed = smooth(losses)[-1] if math.isfinite(loss) else math.inf
        best = min(best, smoothed)
        if (i + 1) % EMIT_EVERY == 0 or i + 1 == len(rates):
            sink.emit({"type": "lr_find", "batch": i + 1, "batches": len(rates), "lr": float(lr),
                       "loss": loss if math.isfinite(loss) else None,
                       "smoothed": smoothed if math.isfinite(smoothed) else None, "t": time.perf_counter() - t0})
        if not math.isfinite(loss) or (i >= 10 and smoothed > DIVERGE * best):
            diverged = True
            break
    seconds = time.perf_counter() - t0
    if lrs and len(lrs) % EMIT_EVERY and len(lrs) < len(rates):  # the sweep ended between two progress events
        sink.emit({"type": "lr_find", "batch": len(lrs), "batches": len(rates), "lr": lrs[-1], "loss": losses[-1]
                   if math.isfinite(losses[-1]) else None, "smoothed": None, "t": seconds})
    if stopped:
        sink.emit({"type": "stopped", "epoch": 0, "batch": len(lrs)})
    tips = suggest_lr(lrs, losses)
    finite_smoothed = smooth([v for v in losses if math.isfinite(v)])
    return {
        "kind": "lr_find", "dataset": ds.name, "source": ds.source, "source_label": ds.source_label,
        "n_train": int(len(x_fit)), "n_test": int(len(ds.x_test)), "model": spec.model,
        "params": int(model.count_params()), "epochs_run": 0, "history": [], "task": ds.task,
        "train_seconds": seconds, "samples_per_second": len(lrs) * bs / seconds if seconds > 0 else None,
        "stopped": stopped, "class_names": [], "spec": spec.as_dict(),
        "lr_find": {"lrs": lrs, "losses": [v if math.isfinite(v) else None for v in losses],
                    "smoothed": finite_smoothed, "lo": LO, "hi": HI, "batches": len(lrs),
                    "diverged": diverged, **tips},
    }
