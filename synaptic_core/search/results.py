"""What a study has found, read from Optuna's storage: summary, trials table, curves, best spec.

Pure reads of an ``optuna.Study`` (``storage.load_study``), so the CLI, a page and the figures
all answer from the same place, whether the study is running now or was stored last week.
"""

from __future__ import annotations

from typing import Any

from synaptic_core.specs import RunSpec

from .storage import config_of


def _state(frozen: Any) -> str:
    """complete | pruned | failed | stopped | interrupted | running: the words a table shows."""
    name = frozen.state.name.lower()
    if name == "fail":
        if frozen.user_attrs.get("interrupted"):
            return "interrupted"
        return "stopped" if frozen.user_attrs.get("stopped") else "failed"
    return {"waiting": "running"}.get(name, name)


def summarize(study: Any) -> dict[str, Any]:
    """The study in one dict (the CLI's JSON line): ids, settings, counts by state, the best trial."""
    config = config_of(study)
    trials = study.get_trials(deepcopy=False)
    counts = {s: 0 for s in ("complete", "pruned", "failed", "stopped", "interrupted", "running")}
    for t in trials:
        counts[_state(t)] = counts.get(_state(t), 0) + 1
    return {"study_id": study.study_name, "name": config.name, "dataset": config.base.get("dataset"),
            "model": config.base.get("model"), "objective": config.objective, "direction": config.direction,
            "sampler": config.sampler, "pruner": config.pruner, "seed": config.seed, "folds": config.folds,
            "vary": [d["name"] for d in config.space], "n_trials": len(trials), "n_complete": counts["complete"],
            "n_pruned": counts["pruned"], "n_failed": counts["failed"] + counts["stopped"] + counts["interrupted"],
            "n_running": counts["running"], "best": best_trial(study)}


def best_trial(study: Any) -> dict[str, Any] | None:
    """``{"trial", "run_id", "params", "value"}`` of the best complete trial, None before the first."""
    complete = [t for t in study.get_trials(deepcopy=False) if t.state.name == "COMPLETE" and t.value is not None]
    if not complete:
        return None
    best = study.best_trial
    return {"trial": best.number, "run_id": best.user_attrs.get("run_id"), "params": dict(best.params),
            "value": best.value}


def trials_table(study: Any, runner: Any = None) -> list[dict[str, Any]]:
    """One row per trial: ``trial, state, params, value, epochs, pruned_at, run_id, seconds, message``.

    A running trial's state is its run's ("queued", "starting", "running") when ``runner`` is given.
    ``value`` is the final objective (complete), the last reported one (pruned), or the latest so far.
    """
    rows = []
    for t in study.get_trials(deepcopy=False):
        state = _state(t)
        run_id = t.user_attrs.get("run_id")
        if state == "running" and runner is not None and run_id:
            try:
                state = runner.status(run_id).state
            except KeyError:
                pass
        values = t.intermediate_values
        last = values[max(values)] if values else None
        value = t.value if t.value is not None else last
        seconds = (t.datetime_complete - t.datetime_start).total_seconds() \
            if t.datetime_complete is not None and t.datetime_start is not None else None
        rows.append({"trial": t.number, "state": state, "params": dict(t.params), "value": value,
                     "epochs": (max(values) + 1) if values else 0, "pruned_at": t.user_attrs.get("pruned_at"),
                     "run_id": run_id, "seconds": seconds, "message": t.user_attrs.get("message", "")})
    return rows


def curves(study: Any) -> list[dict[str, Any]]:
    """Every trial's reported values: ``{"trial", "state", "epochs": [1, 2...], "values": [...], "pruned_at"}``."""
    out = []
    for t in study.get_trials(deepcopy=False):
        steps = sorted(t.intermediate_values)
        out.append({"trial": t.number, "state": _state(t), "epochs": [s + 1 for s in steps],
                    "values": [t.intermediate_values[s] for s in steps], "pruned_at": t.user_attrs.get("pruned_at"),
                    "params": dict(t.params)})
    return out


def best_spec(study: Any, all_data: bool = True) -> RunSpec | None:
    """The spec of the best trial (None before one completes). ``all_data``: "train the best with all
    data" -- every training example (``subset`` 0) and no validation hold-out, so the final model
    learns from the validation part too; the test set stays untouched for the final score."""
    best = best_trial(study)
    if best is None:
        return None
    config = config_of(study)
    spec = config.search_space().apply(config.spec(), best["params"])
    return spec.replace(subset=0, validation_split=0.0) if all_data else spec
