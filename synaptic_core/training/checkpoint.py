"""Per-epoch checkpoints in a run's folder, and picking a run up from its last one.

Why: a run interrupted by a restart (or killed) used to lose everything it had learned. Now
every finished epoch leaves, in ``<run folder>/checkpoint/``: the weights (Keras' own
``save_weights``), the optimizer's state (its variables, including the step count and learning
rate, as a numpy ``.npz``: Adam's moments survive, so the curve continues instead of jumping),
and ``latest.json`` (the number of finished epochs and their history). ``latest.json`` is
written last and atomically, so a process killed mid-save leaves the previous checkpoint whole.

Epochs shorter than ``EVERY_SECONDS`` are not each saved: a checkpoint is written at the end of an
epoch when at least that long has passed since the last one (or since training began), so a toy
run of twenty 0.1 s epochs writes one or two checkpoints instead of twenty (the twenty cost 15% of
its CPU) and an interruption loses at most that much training; an epoch of 2 s or more is saved
every time. ``SYNAPTIC_CHECKPOINT_SECONDS`` changes it (0: every epoch).

Resuming needs no flag: a run continues where it stopped when its folder holds a checkpoint
(the job runner's ``resume`` queues the same run, in the same folder, again). A fresh run has a
fresh folder. A checkpoint is removed when its run completes all its epochs.

Keras is imported only by :func:`epoch_checkpoint` (in the job process), so a page may ask
:func:`saved_epoch` whether a run can be resumed, and from where, without importing TensorFlow.
"""

from __future__ import annotations

import json
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

FOLDER = "checkpoint"
LATEST = "latest.json"
FORMAT = 1
EVERY_SECONDS = 2.0  # the least training time between two checkpoints (SYNAPTIC_CHECKPOINT_SECONDS)


def every_seconds() -> float:
    """``$SYNAPTIC_CHECKPOINT_SECONDS`` when it is a number >= 0, else ``EVERY_SECONDS``."""
    try:
        value = float(os.environ.get("SYNAPTIC_CHECKPOINT_SECONDS", ""))
    except ValueError:
        return EVERY_SECONDS
    return value if math.isfinite(value) and value >= 0 else EVERY_SECONDS


@dataclass(frozen=True)
class Resume:
    """Where a resumed run starts: ``epoch`` epochs are done; ``history`` holds their records."""

    epoch: int
    history: list[dict[str, Any]]


def epoch_checkpoint(workdir: Path, before: Resume | None, skip: Callable[[], bool]) -> Any:
    """A Keras callback that saves a checkpoint at the end of a *complete* epoch (``skip()`` says
    when an epoch was cut short: a stop request or the NaN guard end an epoch early), at most every
    :func:`every_seconds` of training (see the module docstring)."""
    import keras

    every = every_seconds()

    class EpochCheckpoint(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.history: list[dict[str, Any]] = list(before.history) if before else []
            self.saved_at = time.monotonic()

        def on_train_begin(self, logs: dict | None = None) -> None:
            self.saved_at = time.monotonic()

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            if skip():
                return
            self.history.append(epoch_record(epoch, logs or {}))  # every epoch's record, saved or not
            if time.monotonic() - self.saved_at >= every:
                save(self.model, Path(workdir), epoch + 1, self.history)
                self.saved_at = time.monotonic()

    return EpochCheckpoint()


def saved_epoch(workdir: Path) -> int | None:
    """Epochs a run's checkpoint holds (what ``resume`` continues after), or None without one."""
    try:
        meta = json.loads((Path(workdir) / FOLDER / LATEST).read_text())
    except (OSError, ValueError):
        return None
    epoch = meta.get("epoch") if isinstance(meta, dict) else None
    return epoch if isinstance(epoch, int) else None


def epoch_record(epoch: int, logs: dict[str, Any]) -> dict[str, Any]:
    """One entry of a result's ``history``: the epoch and its logged values (non-finite -> None)."""
    return {"epoch": epoch, **{k: _finite(v) for k, v in logs.items()}}


def save(model: Any, workdir: Path, epochs_done: int, history: list[dict[str, Any]]) -> Path:
    """Write the checkpoint after ``epochs_done`` epochs; returns the folder."""
    folder = Path(workdir) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"epoch-{epochs_done:05d}"
    model.save_weights(folder / f"{stem}.weights.h5")
    state: dict[str, Any] = {}
    model.optimizer.save_own_variables(state)
    np.savez(folder / f"{stem}.optimizer.npz", **{k: np.asarray(v) for k, v in state.items()})
    tmp = folder / f"{LATEST}.tmp"
    tmp.write_text(json.dumps({"format": FORMAT, "epoch": epochs_done, "files": stem, "history": history},
                              allow_nan=False))
    os.replace(tmp, folder / LATEST)
    for old in folder.glob("epoch-*"):
        if not old.name.startswith(stem + "."):
            old.unlink(missing_ok=True)
    return folder


def restore(model: Any, workdir: Path) -> Resume | None:
    """Load the run's last checkpoint into ``model`` (compiled, same architecture) and its optimizer.

    None when there is none. ValueError when there is one that does not fit this model (another
    architecture, a damaged file): the caller says so and starts from the first epoch.
    """
    folder = Path(workdir) / FOLDER
    try:
        meta = json.loads((folder / LATEST).read_text())
    except FileNotFoundError:
        return None
    except ValueError as exc:
        raise ValueError(f"the checkpoint's {LATEST} is unreadable ({exc})") from exc
    if meta.get("format") != FORMAT or not isinstance(meta.get("epoch"), int):
        raise ValueError(f"the checkpoint's {LATEST} is not one this version writes")
    stem = str(meta["files"])
    try:
        model.optimizer.build(model.trainable_variables)  # built first, so the weights file fills it too
        model.load_weights(folder / f"{stem}.weights.h5")
        with np.load(folder / f"{stem}.optimizer.npz", allow_pickle=False) as npz:
            state = {k: npz[k] for k in npz.files}
        if len(state) != len(model.optimizer.variables):
            raise ValueError(f"it holds {len(state)} optimizer variables, this optimizer has "
                             f"{len(model.optimizer.variables)}")
        model.optimizer.load_own_variables(state)
    except (OSError, ValueError, KeyError) as exc:
        raise ValueError(f"the checkpoint does not fit this model ({exc})") from exc
    return Resume(int(meta["epoch"]), list(meta.get("history") or []))


def clear(workdir: Path) -> None:
    """Remove the run's checkpoint (the run completed: its saved model is the result)."""
    folder = Path(workdir) / FOLDER
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        path.unlink(missing_ok=True)
    folder.rmdir()


def _finite(value: Any) -> float | None:
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def resume_from(model: Any, workdir: Path, emit: Callable[[dict], None]) -> Resume | None:
    """Restore the run's checkpoint if it has one, and say so in a ``status`` event; a checkpoint that
    does not fit is reported and the run starts from its first epoch."""
    try:
        resume = restore(model, workdir)
    except ValueError as exc:
        emit({"type": "status", "stage": "training",
              "message": f"Could not resume: {exc}. Training starts again from the first epoch."})
        return None
    if resume is not None:
        emit({"type": "status", "stage": "training",
              "message": f"Resuming after epoch {resume.epoch} from the run's checkpoint."})
    return resume
