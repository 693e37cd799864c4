"""The churn benchmark compares like with like: one spec, only imbalance/loss (and the seed) differ;
the ratio and the target are computed from the mean F1s. Training is replaced here (the real figures
are in docs/BENCHMARKS.md)."""

from __future__ import annotations

import pytest

from synaptic_core.bench import churn


def test_variants_share_the_spec_and_the_ratio_is_best_over_none(monkeypatch):
    seen = []
    f1 = {("none", "auto"): 0.5, ("class_weights", "auto"): 0.56, ("smote", "auto"): 0.54, ("none", "focal"): 0.49}

    def fake(spec):
        seen.append(spec)
        v = f1[(spec.imbalance, spec.loss)] + spec.seed * 0.01
        return {"recall": 0.6, "precision": 0.5, "f1": v, "pr_auc": 0.6, "accuracy": 0.8, "f1_best_threshold": 0.6,
                "best_threshold": 0.4, "n_train": 100, "source_label": "churn"}

    monkeypatch.setattr(churn, "_one", fake)
    out = churn.bench_churn(seeds=(0, 2), epochs=2)["churn_imbalance"]
    assert len(seen) == 8
    common = [{k: v for k, v in s.as_dict().items() if k not in ("imbalance", "loss", "seed")} for s in seen]
    assert all(c == common[0] for c in common) and common[0]["dataset"] == "churn" and common[0]["epochs"] == 2
    assert out["variants"]["none"]["f1"] == pytest.approx(0.51)
    assert out["best"] == "class_weights" and out["f1_ratio"] == pytest.approx(0.57 / 0.51, abs=1e-3)
    assert out["target_met"] is True
