"""Rare classes on telco churn: no handling against class weights, SMOTE and focal loss, in one run.

Every variant trains the same model (the dense network's preset on churn, as
``train --dataset churn --model mlp`` opens it) with the same seeds and epochs through the
app's own ``train()``; only ``imbalance`` / ``loss`` differ. The figures are the test set's
minority class ("churned", 26.5% of rows): its recall and F1 at the default threshold (0.5),
and the area under its precision-recall curve (average precision, threshold-free), each the
mean over the seeds. The target of issue 13: the best handling's F1 >= 1.1x the unhandled F1.
``f1_best_threshold`` is each model's F1 at the threshold that maximises it *on the test set*: an
optimistic ceiling (the threshold is not chosen on held-out data), reported to show how much of a
handling's gain a moved threshold alone gives. Runs are sequential (one training at a time).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

VARIANTS: dict[str, dict[str, str]] = {
    "none": {"imbalance": "none", "loss": "auto"},
    "class_weights": {"imbalance": "class_weights", "loss": "auto"},
    "smote": {"imbalance": "smote", "loss": "auto"},
    "focal": {"imbalance": "none", "loss": "focal"},
}
TARGET_RATIO = 1.1


class _Quiet:
    """A sink that keeps nothing: the benchmark reads the result only."""

    def emit(self, event: dict[str, Any]) -> None:
        pass

    def should_stop(self) -> bool:
        return False


def churn_spec(**values: Any):
    """The spec every variant shares (the dense network's preset on churn), plus ``values``."""
    from synaptic_core.presets import layered_spec

    return layered_spec({"dataset": "churn", "model": "mlp", **values})


def _one(spec: Any) -> dict[str, float]:
    from synaptic_core.training import train

    from synaptic_core.training import thresholds

    with tempfile.TemporaryDirectory() as tmp:
        result = train(spec, _Quiet(), Path(tmp))
        best = thresholds.best_f1(*thresholds.load_scores(result["scores_path"]))
    binary = result["binary"]
    minority = binary["per_class"][1]
    return {"recall": minority["recall"] or 0.0, "precision": minority["precision"] or 0.0,
            "f1": minority["f1"] or 0.0, "pr_auc": binary["pr_auc"], "accuracy": result["test"]["accuracy"],
            "f1_best_threshold": best[0] if best else 0.0, "best_threshold": best[1] if best else None,
            "n_train": result["n_train"], "source_label": result["source_label"]}


def bench_churn(seeds: tuple[int, ...] = (0, 1, 2), epochs: int | None = None) -> dict[str, Any]:
    """Minority recall, F1 and PR-AUC per variant (mean and per seed), and the F1 ratio to no handling."""
    from synaptic_core.data import resolve_source

    source = resolve_source("churn")
    base = churn_spec(**({"epochs": epochs} if epochs else {}))
    out: dict[str, Any] = {"what": "telco churn test set, minority class 'churned': recall and F1 at threshold 0.5, "
                                   "PR-AUC (average precision); mean over seeds",
                           "source": source.source, "seeds": list(seeds), "epochs": base.epochs,
                           "model": base.model, "hidden": list(base.hidden), "variants": {}}
    t0 = time.perf_counter()
    for name, values in VARIANTS.items():
        runs = [_one(base.replace(seed=seed, **values)) for seed in seeds]
        out["source_label"] = runs[0]["source_label"]
        out["variants"][name] = {
            **{k: round(statistics.fmean(r[k] for r in runs), 4) for k in ("recall", "precision", "f1", "pr_auc",
                                                                         "accuracy", "f1_best_threshold")},
            "best_threshold_per_seed": [None if r["best_threshold"] is None else round(r["best_threshold"], 3)
                                        for r in runs],
            "f1_per_seed": [round(r["f1"], 4) for r in runs], "n_train": runs[0]["n_train"], **values}
    plain = out["variants"]["none"]["f1"]
    best = max((v for v in out["variants"] if v != "none"), key=lambda v: out["variants"][v]["f1"])
    ratio = out["variants"][best]["f1"] / plain if plain else None
    out.update(best=best, f1_ratio=None if ratio is None else round(ratio, 3),
               target=f"best F1 >= {TARGET_RATIO}x unhandled F1",
               target_met=ratio is not None and ratio >= TARGET_RATIO,
               seconds=round(time.perf_counter() - t0, 1))
    return {"churn_imbalance": out}
