"""The runs table: one plain row per run, shared by the Runs page, the ``runs`` CLI and the CSV.

A row says what a person needs to find a run again and judge it: its name and tags, dataset and
model (ids and titles), status, the parameters that differ from what the dataset and model start
with (``changed``), the run's metric (accuracy for classification, loss for a regression) at its
best and last validation epoch and on the test set, when it ran and for how long.

"Differ from defaults" means from ``presets.layered_spec`` of the run's dataset and model: what a
person gets by picking them. So an airline run's 67/33 time split, which every airline run has,
is not news, but a learning rate of 0.01 is.

Everything here is pure (rows in, rows out) except :func:`list_rows`, which reads the store.
"""

from __future__ import annotations

import csv
import io
import math
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable, Mapping, Sequence

from synaptic_core.specs import PARAM_BY_NAME, RunSpec

FETCH_MAX = 5000  # runs read from the store before filtering (a person's history on a class server)
CSV_COLUMNS = ("run_id", "name", "dataset", "model", "status", "changed", "metric", "best", "last", "test_metric",
               "params", "epochs_run", "created", "seconds", "tags")
SORT_KEYS = {"newest": "created", "test": "test_metric", "best": "best", "last": "last", "name": "name",
             "dataset": "dataset", "model": "model", "status": "status", "time": "seconds"}


@dataclass(frozen=True)
class Metric:
    """The number a run is judged by: its key in the history (``val_<key>``) and the test dict."""

    key: str             # "accuracy" | "loss"
    label: str           # "accuracy" | "loss"
    higher_better: bool


ACCURACY = Metric("accuracy", "accuracy", True)
LOSS = Metric("loss", "loss", False)


# -- lookups (registry tables, cached: they never change while a process runs) ---------------------------
@lru_cache(maxsize=1)
def _datasets() -> dict[str, Any]:
    from synaptic_core.data import list_datasets

    return {d.name: d for d in list_datasets()}


def dataset_title(name: Any) -> str:
    info = _datasets().get(str(name))
    return info.title if info is not None else str(name)


def model_title(name: Any) -> str:
    from synaptic_core.models import MODELS

    info = MODELS.get(str(name))
    return info.title if info is not None else str(name)


def task_of(dataset: Any) -> str | None:
    info = _datasets().get(str(dataset))
    return info.task if info is not None else None


def page_of(dataset: Any) -> str:
    """The page that shows runs on this dataset (the task record's page); the playground otherwise."""
    info = _datasets().get(str(dataset))
    return (info.page if info is not None and info.page else None) or "app_pages/playground.py"


def metric_for(dataset: Any) -> Metric:
    """Accuracy for a classification dataset, loss for a regression (a forecast)."""
    from synaptic_core.tasks import TASKS

    task = TASKS.get(task_of(dataset) or "")
    return LOSS if task is not None and task.is_regression else ACCURACY


# -- one run -------------------------------------------------------------------------------------------
def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def baseline(dataset: Any, model: Any) -> dict[str, Any]:
    """What a person gets by picking this dataset and model: spec defaults < model preset < dataset defaults."""
    from synaptic_core.presets import layered_spec

    try:
        return layered_spec({"dataset": dataset, "model": model}).as_dict()
    except (ValueError, TypeError):  # a run of a dataset or model this version does not know
        return RunSpec().as_dict()


def changed_params(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The spec's values that differ from its dataset's and model's starting values (not dataset, model)."""
    base = baseline(spec.get("dataset"), spec.get("model"))
    return {k: v for k, v in spec.items()
            if k in PARAM_BY_NAME and k not in ("dataset", "model") and base.get(k) != v}


def value_text(value: Any) -> str:
    """A parameter value as short text: ``0.01``, ``64, 32``, ``on``."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, (list, tuple)):
        return ", ".join(value_text(v) for v in value) or "none"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def changed_text(changed: Mapping[str, Any]) -> str:
    """``"lr=0.01 · hidden=64, 32"`` (ids: the CLI, the CSV, search); ``"defaults"`` when nothing differs."""
    return " · ".join(f"{k}={value_text(v)}" for k, v in changed.items()) or "defaults"


def param_label(name: str) -> str:
    """What a page calls a parameter ("Learning rate" for ``lr``); the id for one the table does not know."""
    param = PARAM_BY_NAME.get(name)
    return param.title if param is not None else name


def changed_words(changed: Mapping[str, Any]) -> str:
    """``"Learning rate 0.01 · Dense layers (units per layer) 64, 32"``: the same, in the pages' words."""
    return " · ".join(f"{param_label(k)} {value_text(v)}" for k, v in changed.items()) or "the usual settings"


def history_of(run: Mapping[str, Any], epoch_events: Sequence[Mapping[str, Any]] | None = None) -> list[dict]:
    """Per-epoch dicts: the result's ``history``, else the run's ``epoch`` events (a run still going)."""
    history = (run.get("result") or {}).get("history")
    if isinstance(history, list) and history:
        return [dict(h) for h in history if isinstance(h, Mapping)]
    return [dict(e) for e in (epoch_events or []) if e.get("type", "epoch") == "epoch"]


def best_and_last(history: Sequence[Mapping[str, Any]], key: str, higher_better: bool) -> tuple[float | None, float | None]:
    """The best and the last finite value of ``key`` over the epochs (None, None when there is none)."""
    values = [v for v in (_number(h.get(key)) for h in history) if v is not None]
    if not values:
        return None, None
    return (max(values) if higher_better else min(values)), values[-1]


def build_row(run: Mapping[str, Any], name: str | None = None, tags: Sequence[str] = (),
              epoch_events: Sequence[Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """One table row from a store run (``RunStore.get_run``/``list_runs`` dict) and its labels."""
    spec = dict(run.get("spec") or {})
    result = run.get("result") or {}
    dataset, model = run.get("dataset") or spec.get("dataset"), run.get("model") or spec.get("model")
    metric = metric_for(dataset)
    best, last = best_and_last(history_of(run, epoch_events), f"val_{metric.key}", metric.higher_better)
    test = result.get("test") if isinstance(result.get("test"), Mapping) else None
    changed = changed_params(spec)
    created = _number(run.get("created"))
    return {
        "run_id": run["id"], "name": name, "dataset": dataset, "dataset_title": dataset_title(dataset),
        "model": model, "model_title": model_title(model), "status": run.get("status"),
        "task": task_of(dataset), "page": page_of(dataset),
        "params": result.get("params") if isinstance(result.get("params"), int) else None,
        "test": dict(test) if test is not None else None,
        "metric": metric.key, "higher_better": metric.higher_better,
        "best": best, "last": last, "test_metric": _number((test or {}).get(metric.key)),
        "changed": changed, "changed_text": changed_text(changed), "changed_words": changed_words(changed),
        "spec": spec,
        "epochs_run": result.get("epochs_run"), "seconds": _number(result.get("train_seconds")),
        "created": created, "created_text": _time_text(created),
        "tags": list(tags), "error": run.get("error"),
    }


def _time_text(created: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(created)) if created is not None else ""


# -- many runs ---------------------------------------------------------------------------------------------
def list_rows(store: Any, owner: str | None = None, status: str | None = None,
              fetch: int = FETCH_MAX) -> list[dict[str, Any]]:
    """Rows of the newest runs (one owner's when ``owner`` is given), names and tags included."""
    from synaptic_core.store.labels import labels_of

    runs = store.list_runs(limit=fetch, owner=owner, status=status)
    labels = labels_of(store, [r["id"] for r in runs])
    rows = []
    for run in runs:
        label = labels.get(run["id"])
        events = None
        if not (run.get("result") or {}).get("history") and run.get("status") != "queued":
            events = store.events(run["id"], types=["epoch"])  # a run still training, stopped or killed
        rows.append(build_row(run, label.name if label else None, label.tags if label else (), events))
    return rows


def filter_rows(rows: Iterable[Mapping[str, Any]], search: str = "", statuses: Iterable[str] = (),
                datasets: Iterable[str] = (), tags: Iterable[str] = (), models: Iterable[str] = ()) -> list[dict]:
    """Rows whose status, dataset, model are among those given (empty: any), that carry every tag
    given, and whose id, name, dataset, model, tags or changed parameters contain ``search``
    (case-insensitive; every word must match somewhere)."""
    statuses, datasets, models, tags = set(statuses), set(datasets), set(models), set(tags)
    words = search.lower().split()
    out = []
    for row in rows:
        if statuses and row.get("status") not in statuses or datasets and row.get("dataset") not in datasets:
            continue
        if models and row.get("model") not in models or not tags <= set(row.get("tags") or ()):
            continue
        hay = " ".join(str(x) for x in (row.get("run_id"), row.get("name") or "", row.get("dataset"),
                                         row.get("dataset_title"), row.get("model"), row.get("model_title"),
                                         row.get("status"), " ".join(row.get("tags") or ()),
                                         row.get("changed_text"))).lower()
        if all(w in hay for w in words):
            out.append(dict(row))
    return out


def sort_rows(rows: Iterable[Mapping[str, Any]], by: str = "newest", descending: bool | None = None) -> list[dict]:
    """Rows sorted by one of ``SORT_KEYS``; rows without that value last. ``descending`` defaults to
    newest first, best metric first (higher or lower, by each run's metric), names A to Z."""
    key = SORT_KEYS.get(by)
    if key is None:
        raise ValueError(f"cannot sort by {by!r}: one of {', '.join(SORT_KEYS)}")
    rows = [dict(r) for r in rows]
    metric = key in ("test_metric", "best", "last")
    if descending is None:
        descending = key in ("created", "seconds") or metric

    def sort_key(row: Mapping[str, Any]) -> Any:
        value = row.get(key)
        if metric and value is not None and not row.get("higher_better", True):
            value = -value  # "best first" is lowest first for a loss
        return value if not isinstance(value, str) else value.lower()

    present = [r for r in rows if r.get(key) is not None]
    missing = [r for r in rows if r.get(key) is None]
    return sorted(present, key=sort_key, reverse=descending) + missing


def csv_text(rows: Iterable[Mapping[str, Any]]) -> str:
    """The table as CSV (``CSV_COLUMNS``); changed parameters as ``k=v · k=v``, tags joined by ``;``.

    A cell that a spreadsheet would run as a formula (starting with = + - @) is prefixed with ``'``:
    names and tags are outside text.
    """
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        values = {**row, "changed": row.get("changed_text", changed_text(row.get("changed") or {})),
                  "created": row.get("created_text") or "", "tags": ";".join(row.get("tags") or ())}
        writer.writerow([_cell(values.get(c)) for c in CSV_COLUMNS])
    return buf.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not _is_number(text) else text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def cli_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """A row as the ``runs --json`` contract prints it (later versions add keys, never rename)."""
    keys = ("run_id", "name", "dataset", "model", "status", "params", "test", "metric", "best", "last",
            "test_metric", "changed", "spec", "epochs_run", "seconds", "created", "tags", "error")
    return {k: row.get(k) for k in keys}
