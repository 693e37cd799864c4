"""A cheap stand-in for training, for the search tests: epochs in milliseconds, no TensorFlow.

``fake_train(spec, sink, workdir)`` emits ``epoch`` events whose ``val_accuracy`` is a smooth,
deterministic function of the spec (best near lr = 0.01, better with more units, ``tanh`` a little
behind ``relu``), rising with the epochs, so a pruner has bad curves to cut and a sampler has a
peak to find. It checks ``should_stop`` after each of ``BATCHES`` batches, as training does, and
returns a result shaped like training's (with ``stopped`` when asked to stop).

Knobs read from the spec: ``n_points`` / 100,000 is the seconds per batch (the default 600 points:
6 ms, so an epoch takes ~25 ms); ``l2`` above 0.5 makes the run raise (a failing trial). A fold of a
cross-validated trial (``cv_folds`` > 0) scores ``FOLD_STEP`` higher per fold number, so a test can tell the
mean from any one fold; with ``dropout`` above 0.8 its second fold (``cv_fold`` 1) raises.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

BATCHES = 4
FOLD_STEP = 0.01
SEARCH_FAKES_DIR = str(Path(__file__).resolve().parent)


def quality(spec: Any) -> float:
    """The accuracy this spec would reach: in (0.5, 1)."""
    lr_term = math.exp(-((math.log10(spec.lr) + 2.0) ** 2) / 1.5)  # peak at lr = 1e-2
    width = sum(spec.hidden) / (sum(spec.hidden) + 32.0)
    act = {"relu": 1.0, "tanh": 0.9, "elu": 0.95}.get(spec.activation[0], 0.8)
    return 0.5 + 0.45 * lr_term * act * (0.6 + 0.4 * width)


def fake_train(spec: Any, sink: Any, workdir: Path) -> dict[str, Any]:
    if spec.l2 > 0.5:
        raise ValueError("fake failure: l2 above 0.5")
    if spec.cv_folds and spec.cv_fold == 1 and spec.dropout > 0.8:
        raise ValueError("fake failure: the second fold")
    q = quality(spec) + FOLD_STEP * spec.cv_fold * bool(spec.cv_folds)
    batch_seconds = spec.n_points / 100_000
    history = []
    stopped = None
    for epoch in range(spec.epochs):
        for batch in range(1, BATCHES + 1):
            time.sleep(batch_seconds)
            if sink.should_stop():
                stopped = (epoch, batch)
                break
        if stopped:
            break
        acc = 0.5 + (q - 0.5) * (1 - 0.5 ** (epoch + 1))
        ev = {"epoch": epoch, "epochs": spec.epochs, "loss": 1 - acc, "accuracy": acc, "val_loss": 1.05 - acc,
              "val_accuracy": acc if spec.validation_split > 0 else None, "lr": spec.lr, "t": 0.0}
        sink.emit({"type": "epoch", **ev})
        history.append(ev)
    if stopped:
        sink.emit({"type": "stopped", "epoch": stopped[0], "batch": stopped[1]})
    return {"dataset": spec.dataset, "model": spec.model, "epochs_run": len(history), "history": history,
            "stopped": stopped is not None, "test": {"loss": 0.1, "accuracy": 0.9}}
