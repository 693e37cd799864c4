"""Comparing a handful of runs: what differs between their specs, their curves, and groups over seeds.

The data half of the Runs page's Compare section (the figures are in ``synaptic_core.viz.compare``).
Runs come in as table rows (``synaptic_core.runs.table.build_row``); everything here is pure.

* :func:`spec_diff` — only the parameters whose values are not the same in every run (the
  "spec diff table"), dataset and model included.
* :func:`curves` — per run, its per-epoch values (loss, accuracy, their validation twins), with a
  label and the short text of what sets it apart, for the hover.
* :func:`group_stats` — runs grouped by one parameter's value, mean ± std of a metric in each
  group (three seeds of each learning rate -> one point with an error bar per rate).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from synaptic_core.runs.table import changed_text, history_of, value_text

MIN_RUNS, MAX_RUNS = 2, 10
CURVE_KEYS = ("loss", "val_loss", "accuracy", "val_accuracy")
VALUE_CHOICES = {"test_metric": "test", "best": "best validation", "last": "last validation"}


@dataclass(frozen=True)
class Curve:
    """One run's per-epoch values: ``values[key]`` aligned with ``epochs`` (1-based), None where missing."""

    run_id: str
    label: str
    about: str                       # what sets this run apart ("lr=0.01 · seed=2"), for the hover
    epochs: list[int]
    values: dict[str, list[float | None]] = field(default_factory=dict)


@dataclass(frozen=True)
class Group:
    """Runs sharing one value of the grouping parameter, and their metric's mean and spread."""

    value: Any
    text: str
    run_ids: list[str]
    mean: float | None
    std: float | None        # sample standard deviation; 0 for a single run
    n: int                   # runs with a value of the metric


def check_count(n: int) -> str | None:
    """None when ``n`` runs can be compared; else what to do, in words."""
    if n < MIN_RUNS:
        return f"Select at least {MIN_RUNS} runs to compare them."
    if n > MAX_RUNS:
        return f"Select at most {MAX_RUNS} runs to compare ({n} are selected)."
    return None


def label_of(row: Mapping[str, Any]) -> str:
    """How a run is named in a legend: its name, else its id's random tail."""
    return str(row.get("name") or str(row["run_id"])[-8:])


def spec_diff(rows: Sequence[Mapping[str, Any]]) -> dict[str, list[Any]]:
    """``{param: [value per run]}`` for the parameters that are not equal across ``rows``' specs."""
    specs = [dict(r.get("spec") or {}) for r in rows]
    keys: list[str] = []
    for spec in specs:
        keys += [k for k in spec if k not in keys]
    return {k: [s.get(k) for s in specs] for k in keys if len({_hashable(s.get(k)) for s in specs}) > 1}


def _hashable(value: Any) -> Any:
    return tuple(_hashable(v) for v in value) if isinstance(value, (list, tuple)) else value


def differing_text(diff: Mapping[str, Sequence[Any]], index: int) -> str:
    """What run ``index`` has in the differing parameters: ``"lr=0.01 · seed=2"``."""
    return changed_text({k: values[index] for k, values in diff.items()})


def curves(rows: Sequence[Mapping[str, Any]], histories: Mapping[str, Sequence[Mapping[str, Any]]]) -> list[Curve]:
    """A ``Curve`` per row from its history (``histories[run_id]``, else the result's own history)."""
    diff = spec_diff(rows)
    out = []
    for i, row in enumerate(rows):
        history = list(histories.get(row["run_id"]) or history_of(row))
        epochs = [int(h.get("epoch", n)) + 1 for n, h in enumerate(history)]
        values = {k: [_finite(h.get(k)) for h in history] for k in CURVE_KEYS}
        out.append(Curve(row["run_id"], label_of(row), differing_text(diff, i) if diff else "same spec",
                         epochs, {k: v for k, v in values.items() if any(x is not None for x in v)}))
    return out


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def group_stats(rows: Sequence[Mapping[str, Any]], param: str,
                value: str | Callable[[Mapping[str, Any]], Any] = "test_metric") -> list[Group]:
    """Rows grouped by ``spec[param]`` (in order of first appearance, numbers ascending), with the
    mean and sample standard deviation of ``value`` (a row key such as ``"test_metric"``, or a function)."""
    get = value if callable(value) else (lambda r: r.get(value))
    groups: dict[Any, list[Mapping[str, Any]]] = {}
    for row in rows:
        groups.setdefault(_hashable((row.get("spec") or {}).get(param)), []).append(row)
    keys = list(groups)
    if all(isinstance(k, (int, float)) and not isinstance(k, bool) for k in keys):
        keys.sort()
    out = []
    for key in keys:
        members = groups[key]
        numbers = [x for x in (_finite(get(r)) for r in members) if x is not None]
        mean = statistics.fmean(numbers) if numbers else None
        std = statistics.stdev(numbers) if len(numbers) > 1 else (0.0 if numbers else None)
        shown = list(key) if isinstance(key, tuple) else key
        out.append(Group(shown, value_text(shown), [r["run_id"] for r in members], mean, std, len(numbers)))
    return out


def group_params(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """Parameters to group by: those that differ, the ones with repeated values first (a parameter
    that differs in every run makes groups of one run each, with no spread to show)."""
    diff = spec_diff(rows)
    repeated = [k for k, values in diff.items() if len({_hashable(v) for v in values}) < len(values)]
    return repeated + [k for k in diff if k not in repeated]
