"""The learning-rate finder, seen from the caller: submit a sweep run, wait, read its curve.

The sweep itself runs in the job process (``synaptic_core.training.lr_find``): a spec with
``lr_find = N`` goes through the same runner, store and events as any run, so a page can watch
it live (``lr_find`` events: lr, loss, smoothed) and stop it, and the Runs page lists it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from synaptic_core.specs import RunSpec
from synaptic_core.training.lr_find import HI, LO, smooth, suggest_lr, sweep_rates

DEFAULT_BATCHES = 200


@dataclass(frozen=True)
class LRFinding:
    """A finished sweep: rates, raw and smoothed losses, and the suggestions (None: curve too short)."""

    run_id: str
    lrs: list[float]
    losses: list[float | None]
    smoothed: list[float]
    suggested: float | None
    steepest: float | None
    min_loss_lr: float | None
    diverged: bool

    def as_tuple(self) -> tuple[list[float], list[float | None], float | None]:
        """``(lrs, losses, suggested lr)``."""
        return self.lrs, self.losses, self.suggested


def lr_finder_spec(spec: RunSpec, batches: int = DEFAULT_BATCHES) -> RunSpec:
    """The sweep run's spec: ``spec`` with ``lr_find = batches``."""
    return spec.replace(lr_find=int(batches))


def finding_of(run_id: str, result: dict[str, Any] | None) -> LRFinding | None:
    """The finding in a sweep run's result (None when the run has none: failed, or not a sweep)."""
    data = (result or {}).get("lr_find")
    if not data:
        return None
    return LRFinding(run_id, list(data["lrs"]), list(data["losses"]), list(data.get("smoothed") or []),
                     data.get("suggested"), data.get("steepest"), data.get("min_loss_lr"), bool(data.get("diverged")))


def curve_from_events(events: list[dict[str, Any]]) -> tuple[list[float], list[float | None]]:
    """``(lrs, losses)`` from a sweep's live ``lr_find`` events (one every few batches), for drawing the
    curve while the run goes; the finished run's result has every batch."""
    points = [e for e in events if e.get("type") == "lr_find"]
    return [float(e["lr"]) for e in points], [e.get("loss") for e in points]


def lr_finder(spec: RunSpec, runner: Any, batches: int = DEFAULT_BATCHES, owner: str | None = None,
              timeout: float | None = None) -> LRFinding:
    """Submit a sweep of ``spec`` through ``runner``, wait for it, return what it found.

    RuntimeError (with the run's reason) when the run ends without a finding. A page should rather
    ``runner.submit(lr_finder_spec(spec), owner)`` and read the run's events/result as it goes.
    """
    run_id = runner.submit(lr_finder_spec(spec, batches), owner=owner)
    status = runner.wait(run_id, timeout=timeout)
    finding = finding_of(run_id, runner.result(run_id))
    if finding is None:
        raise RuntimeError(f"the learning-rate sweep {run_id} ended {status.state}: {status.message or 'no result'}")
    return finding


__all__ = ["LRFinding", "lr_finder", "lr_finder_spec", "finding_of", "curve_from_events", "suggest_lr", "smooth", "sweep_rates",
           "LO", "HI", "DEFAULT_BATCHES"]
