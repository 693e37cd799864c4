"""Playground: a binary run's threshold slider redraws the confusion matrix and metrics from the stored
scores; the toy sets' input-feature control and the rare-class controls reach the spec and the URL."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest

from synaptic_core.specs import RunSpec
from synaptic_core.training import thresholds

PAGE = "app_pages/playground.py"
NAMES = ["stayed", "churned"]


def _chart(at, key: str) -> dict:
    return next(json.loads(c.proto.spec) for c in at.get("plotly_chart") if key in c.proto.id)


def _heat_counts(at) -> list[list[int]]:
    """The confusion chart's cell counts (its heatmap's z, which Plotly stores as a typed array)."""
    z = _chart(at, "confusion_chart")["data"][0]["z"]
    if isinstance(z, dict):  # {"dtype": "i8", "bdata": base64, "shape": "2, 2"}
        shape = [int(n) for n in str(z.get("shape", "-1")).split(",")]
        z = np.frombuffer(base64.b64decode(z["bdata"]), dtype=z["dtype"]).reshape(shape)
    return np.asarray(z).round().astype(int).tolist()


@pytest.fixture
def binary_result(tmp_path: Path) -> dict:
    rng = np.random.default_rng(3)
    y = (rng.random(400) < 0.27).astype(np.int64)
    p1 = np.clip(0.3 * y + rng.random(400) * 0.7, 0, 1)
    path = thresholds.save_scores(tmp_path / "scores.npz", y, p1)
    summary = thresholds.summary(y, p1)
    model = tmp_path / "model.keras"
    model.write_bytes(b"bytes")
    return {"run_id": "b1", "dataset": "churn", "source": "bundled", "source_label": "Telco customer churn",
            "n_train": 900, "n_test": 400, "model": "mlp", "params": 100, "epochs_run": 2, "history": [],
            "test": {"loss": 0.5, "accuracy": summary["accuracy"]}, "train_seconds": 1.0, "samples_per_second": 900.0,
            "stopped": False, "class_names": NAMES, "confusion": summary["confusion"],
            "per_class_accuracy": [0.9, 0.4], "misclassified_path": None, "model_path": str(model),
            "binary": summary, "scores_path": str(path), "_y": y, "_p1": p1,
            "imbalance": {"method": "smote", "before": [650, 250], "after": [650, 650], "class_weight": None}}


def test_threshold_slider_redraws_confusion_and_metrics(open_app, runner, binary_result):
    y, p1 = binary_result.pop("_y"), binary_result.pop("_p1")
    runner.add_run("b1", "done", [], result=binary_result, spec=RunSpec().replace(dataset="churn"))
    at = open_app(PAGE, run="b1")
    assert not at.exception and not at.error
    slider = at.slider(key="binary_threshold")
    assert slider.value == 0.5
    assert _heat_counts(at) == thresholds.report(y, p1, 0.5)["confusion"]
    assert "PR-AUC" in _chart(at, "pr_curve_chart")["layout"]["title"]["text"]
    captions = [c.value.replace("\\", "") for c in at.caption]  # md_escape'd text
    assert any("SMOTE: training rows per class 650 / 250 → 650 / 650" in c for c in captions)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["PR-AUC"] == f"{binary_result['binary']['pr_auc']:.3f}"
    f1_at_half = metrics["F1 of 'churned'"]

    slider.set_value(0.2).run()
    assert not at.exception
    low = thresholds.report(y, p1, 0.2)
    assert _heat_counts(at) == low["confusion"] != thresholds.report(y, p1, 0.5)["confusion"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["F1 of 'churned'"] == f"{low['per_class'][1]['f1']:.3f}" != f1_at_half
    rows = at.dataframe[0].value
    assert list(rows["recall"]) == [f"{r['recall']:.1%}" for r in low["per_class"]]
    marker = _chart(at, "pr_curve_chart")["data"][-1]  # the threshold's point moved along the curve
    assert marker["x"][0] == pytest.approx(low["per_class"][1]["recall"])


def test_binary_run_without_scores_shows_the_stored_report(open_app, runner, binary_result):
    binary_result.pop("_y"), binary_result.pop("_p1")
    result = {**binary_result, "scores_path": str(Path(binary_result["scores_path"]).with_name("gone.npz"))}
    runner.add_run("b2", "done", [], result=result, spec=RunSpec().replace(dataset="churn"))
    at = open_app(PAGE, run="b2")
    assert not at.exception
    assert not at.get("slider") or all(s.key != "binary_threshold" for s in at.slider)
    assert _heat_counts(at) == binary_result["binary"]["confusion"]
    assert any("could not be read" in w.value for w in at.warning)


def test_feature_control_on_toy_sets_reaches_the_spec_and_url(open_app):
    at = open_app(PAGE, dataset="circle", model="logreg")
    assert not at.exception and not at.error
    features = at.multiselect(key="w_features")
    assert list(features.value) == ["x1", "x2"]
    assert "x₁²" in features.options
    features.set_value(["x1sq", "x2sq"]).run()
    assert not at.exception and not at.error
    assert at.query_params["features"] in (["x1sq,x2sq"], "x1sq,x2sq")
    assert at.button(key="train").disabled is False
    features.set_value([]).run()  # nothing chosen: the spec says why, Train waits
    assert any("features" in e.value for e in at.error) and at.button(key="train").disabled is True


def test_rare_class_controls_for_classification_and_no_features_off_toy_sets(open_app):
    at = open_app(PAGE, dataset="churn", model="mlp")
    assert not at.exception
    assert not [m for m in at.multiselect if m.key == "w_features"]
    imbalance = at.selectbox(key="w_imbalance")
    assert "SMOTE (synthetic rare examples)" in imbalance.options
    imbalance.set_value("smote").run()
    at.selectbox(key="w_loss").set_value("focal").run()
    assert not at.exception and not at.error
    assert at.query_params["imbalance"] in (["smote"], "smote") and at.query_params["loss"] in (["focal"], "focal")
