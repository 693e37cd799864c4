"""Where a run stands, summarised from its events for the progress bar and its caption.

The page polls a job's events and calls :func:`summarize_progress` on them; the result
says the stage, the epoch and batch, the fraction of the run done, elapsed time, ETA and
throughput, and :meth:`Progress.text` turns it into one line:
``Epoch 2/5 · batch 37/79 · 12.3 s elapsed · ETA 18 s · 3,420 samples/s``.

Times are the batch and epoch events' ``t`` (seconds since ``fit`` started). The rate
behind the ETA and the samples per second is measured from the *first* batch event on,
because the first batch also pays for graph tracing and would make early estimates far
too pessimistic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

STAGE_LABELS = {
    "starting": "Starting…",
    "loading": "Loading data…",
    "building": "Building model…",
    "evaluating": "Evaluating on the test set…",
}


@dataclass(frozen=True)
class Progress:
    """A run's state for display. ``epoch`` is 1-based (0 before the first batch)."""

    stage: str  # starting | loading | building | training | evaluating | stopped | done | error
    epoch: int = 0
    epochs: int | None = None
    batch: int = 0
    steps: int | None = None
    fraction: float = 0.0  # of the whole run, 0..1
    elapsed_s: float = 0.0
    eta_s: float | None = None
    samples_per_s: float | None = None
    last_loss: float | None = None  # Keras' running mean over the current epoch
    last_accuracy: float | None = None
    last_val_loss: float | None = None
    last_val_accuracy: float | None = None
    message: str = ""  # the last status or error message

    def text(self) -> str:
        """One line for the caption under the progress bar."""
        if self.stage == "error":
            return f"Error: {self.message}" if self.message else "Error"
        if self.stage in ("starting", "loading", "building") or (self.stage == "training" and not self.epoch):
            return STAGE_LABELS.get(self.stage, STAGE_LABELS["starting"])
        if self.stage == "evaluating":
            return STAGE_LABELS["evaluating"]
        rate = f"{round(self.samples_per_s):,} samples/s" if self.samples_per_s else None
        if self.stage == "done":
            epochs = f"{self.epoch} epoch{'s' if self.epoch != 1 else ''}"
            return " · ".join(p for p in ("Done", epochs, format_duration(self.elapsed_s), rate) if p)
        where = [f"Epoch {self.epoch}/{self.epochs}" if self.epochs else f"Epoch {self.epoch}",
                 f"batch {self.batch}/{self.steps}" if self.steps else f"batch {self.batch}",
                 f"{format_duration(self.elapsed_s)} elapsed"]
        if self.stage == "stopped":
            return "Stopped at " + " · ".join([where[0].lower()] + where[1:])
        eta = f"ETA {format_duration(self.eta_s, precise=False)}" if self.eta_s is not None else None
        return " · ".join(p for p in where + [eta, rate] if p)


def format_duration(seconds: float, precise: bool = True) -> str:
    """``12.3 s`` (or ``12 s`` when not ``precise``), ``2 min 05 s``, ``1 h 02 min``."""
    s = max(0.0, float(seconds))
    if s < 60:
        return f"{s:.1f} s" if precise else f"{round(s)} s"
    if s < 3600:
        m, sec = divmod(int(round(s)), 60)
        return f"{m} min {sec:02d} s"
    h, m = divmod(int(round(s / 60)), 60)
    return f"{h} h {m:02d} min"


def _num(value: Any) -> float | None:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def summarize_progress(events: Iterable[Mapping[str, Any]], epochs: int | None = None) -> Progress:
    """Summarise a run's events (in order). ``epochs``: the planned count, used until an event says it."""
    stage, message = "starting", ""
    stopped = False
    n_epochs, steps = epochs, None
    first_batch: Mapping[str, Any] | None = None
    last_batch: Mapping[str, Any] | None = None
    last_epoch: Mapping[str, Any] | None = None
    for e in events:
        kind = e.get("type")
        if kind == "status":
            stage, message = e.get("stage") or stage, e.get("message") or ""
        elif kind in ("batch", "epoch"):
            stage = "training"
            n_epochs = int(e["epochs"]) if e.get("epochs") else n_epochs
            if kind == "batch":
                steps = int(e["steps"]) if e.get("steps") else steps
                if first_batch is None:
                    first_batch = e
                last_batch = e
            else:
                last_epoch = e
        elif kind == "stopped":
            stage, stopped = "stopped", True
        elif kind == "result":
            result = e.get("result", e)
            stage = "stopped" if stopped or result.get("stopped") else "done"
        elif kind == "error":
            stage, message = "error", e.get("message") or e.get("kind") or ""

    # Position: the last batch, or the end of an epoch reported after it.
    ep0, batch = (int(last_batch.get("epoch") or 0), int(last_batch.get("batch") or 0)) if last_batch else (0, 0)
    t_last = _num(last_batch.get("t")) if last_batch else None
    if last_epoch is not None and (last_batch is None or int(last_epoch.get("epoch") or 0) >= ep0):
        ep0, batch = int(last_epoch.get("epoch") or 0), steps or batch
        t_last = _num(last_epoch.get("t")) or t_last
    started = last_batch is not None or last_epoch is not None
    done_steps = ep0 * steps + batch if steps else None
    total_steps = n_epochs * steps if steps and n_epochs else None

    if stage == "done":
        fraction = 1.0
    elif done_steps is not None and total_steps:
        fraction = min(1.0, done_steps / total_steps)
    elif n_epochs and last_epoch is not None:
        fraction = min(1.0, (int(last_epoch.get("epoch") or 0) + 1) / n_epochs)
    else:
        fraction = 0.0

    eta = rate = None
    if first_batch is not None and last_batch is not None:
        t0, t1 = _num(first_batch.get("t")), _num(last_batch.get("t"))
        s0, s1 = _num(first_batch.get("seen")), _num(last_batch.get("seen"))
        if first_batch is not last_batch and None not in (t0, t1, s0, s1) and t1 > t0 and s1 > s0:
            rate = (s1 - s0) / (t1 - t0)
        elif s1 and t1:
            rate = s1 / t1
        if stage == "training" and steps and total_steps and t0 is not None and t_last is not None:
            first_done = int(first_batch.get("epoch") or 0) * steps + int(first_batch.get("batch") or 0)
            if t_last > t0 and done_steps > first_done:
                step_rate = (done_steps - first_done) / (t_last - t0)
                eta = max(0.0, (total_steps - done_steps) / step_rate)

    last_val = last_epoch or {}
    return Progress(
        stage=stage,
        epoch=ep0 + 1 if started else 0,
        epochs=n_epochs,
        batch=batch,
        steps=steps,
        fraction=fraction,
        elapsed_s=t_last or 0.0,
        eta_s=eta,
        samples_per_s=rate,
        last_loss=_num(last_batch.get("loss")) if last_batch else _num(last_val.get("loss")),
        last_accuracy=_num(last_batch.get("accuracy")) if last_batch else _num(last_val.get("accuracy")),
        last_val_loss=_num(last_val.get("val_loss")),
        last_val_accuracy=_num(last_val.get("val_accuracy")),
        message=message,
    )
