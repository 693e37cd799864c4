"""A trial as the driver follows it: its runs (one, or K folds of a cross-validation) and their mean.

Why a module of its own: the study loop (``driver.py``) asks, submits, prunes and tells; what a trial's
value *is* when it is K runs lives here, in one place. A cross-validated trial (``StudyConfig.folds`` = K)
is K ordinary runs, one per fold; its objective at an epoch is the mean over the folds, reported only once
every fold reached that epoch (a fast fold waits for the slow ones), and its final value is the mean of
each fold's last value. One failing fold fails the trial, and the message names the fold. Without
cross-validation a trial is one part and the mean is that part's value, so the loop has one path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from synaptic_core.jobs.follow import EventCursor


@dataclass(eq=False)
class Part:
    """One run of a trial: its only run, or one fold of a cross-validated trial."""

    run_id: str
    cursor: EventCursor
    fold: int | None = None
    values: dict[int, float] = field(default_factory=dict)  # 0-based epoch -> objective
    epochs: int = 0  # the run's planned epochs (from its events)
    state: str | None = None  # its final state, once final
    message: str = ""


@dataclass(eq=False)
class LiveTrial:
    """A trial whose runs are not all final yet, as the driver follows it. Its objective at an epoch is
    the mean over its parts (one part without cross-validation), reported once every part reached it."""

    trial: Any  # optuna.trial.Trial
    parts: list[Part]
    value: float | None = None  # objective at the last epoch reported
    epoch: int = 0  # epochs reported (1-based number of the last one)
    told: bool = False
    pruned_at: int | None = None
    stop_sent: float | None = None
    values: list[float] = field(default_factory=list)

    @property
    def number(self) -> int:
        return int(self.trial.number)

    @property
    def run_id(self) -> str:
        return self.parts[0].run_id

    def open_runs(self) -> list[str]:
        return [p.run_id for p in self.parts if p.state is None]

    def mean_at(self, step: int) -> float | None:
        """The objective at 0-based epoch ``step``: the mean over the parts, or None while one has not
        reached it yet."""
        if not all(step in p.values for p in self.parts):
            return None
        return mean([p.values[step] for p in self.parts])

    def final_value(self) -> float | None:
        """The trial's value once its runs are done: the mean of each part's last value (None when a part
        reported none)."""
        if not all(p.values for p in self.parts):
            return None
        return mean([p.values[max(p.values)] for p in self.parts])

    def failed_part(self) -> Part | None:
        """The first part that ended other than done (the trial has failed), or None."""
        return next((p for p in self.parts if p.state is not None and p.state != "done"), None)

    def failure(self, part: Part) -> str:
        """Why the trial failed, from its failed ``part``: its state and message, and which fold it was."""
        where = f" (fold {part.fold + 1} of {len(self.parts)})" if part.fold is not None else ""
        return (f"{part.state}: {part.message}" if part.message else str(part.state)) + where


def mean(values: Sequence[float]) -> float:
    """The mean over a trial's folds (the one way a trial's value is made from its runs')."""
    return sum(values) / len(values)


def trial_runs(frozen: Any) -> list[str]:
    """The run ids of a trial: one, or one per fold of a cross-validated study."""
    run_ids = frozen.user_attrs.get("run_ids")
    if run_ids:
        return [str(r) for r in run_ids]
    run_id = frozen.user_attrs.get("run_id")
    return [str(run_id)] if run_id else []
