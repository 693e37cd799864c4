"""Uploaded data trains through the one train() path: a regression with a linear head, a classification, images."""

from __future__ import annotations

import numpy as np
import pytest

from synaptic_core.data.uploads import ingest_csv, ingest_zip
from synaptic_core.presets import layered_spec
from synaptic_core.specs import RunSpec
from synaptic_core.training import train
from synaptic_core.viz.regression import predicted_vs_actual, residuals

from recording_sink import Sink
from uploadfiles import classification_csv, image_zip, regression_csv


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("SYNAPTIC_HOME", str(tmp_path / "home"))


@pytest.mark.parametrize("model", ["logreg", "mlp"])
def test_dense_models_end_in_one_linear_unit_for_a_regression(model):
    import keras

    from synaptic_core.models import build_model

    net = build_model(RunSpec().replace(model=model, hidden=(4,)), (3,), 0, task="tabular")
    last = net.layers[-1]
    assert net.output_shape == (None, 1) and last.get_config()["activation"] == "linear"
    assert isinstance(last, keras.layers.Dense)
    clf = build_model(RunSpec().replace(model=model, hidden=(4,)), (3,), 2, task="tabular")
    assert clf.layers[-1].get_config()["activation"] == "softmax"


@pytest.mark.slow
def test_regression_csv_trains_and_reports_mae_rmse_r2(tmp_path):
    up = ingest_csv(regression_csv(), "prices.csv", target="price")
    spec = layered_spec({"dataset": up.name, "epochs": 25, "batch_size": 16, "seed": 1})
    sink = Sink()
    result = train(spec, sink, tmp_path / "run")
    test = result["test"]
    assert set(test) >= {"loss", "mse", "mae", "rmse", "r2"} and "accuracy" not in test
    assert test["r2"] > 0.9 and test["rmse"] == pytest.approx(np.sqrt(test["mse"]))
    assert "confusion" not in result and result["class_names"] == []
    points = result["regression"]
    assert points["target"] == "price" and len(points["y_true"]) == result["n_test"] == len(points["y_pred"])
    assert abs(np.mean(points["y_true"]) - 100) < 5  # reported in the target's units, not scaled
    data = next(e for e in sink.events if e["type"] == "data")
    assert data["task"] == "tabular-regression" and data["n_classes"] == 0
    epoch = next(e for e in sink.events if e["type"] == "epoch")
    assert epoch["accuracy"] is None and "mae" in result["history"][0]
    assert len(predicted_vs_actual(points["y_true"], points["y_pred"], "price").data) == 2
    assert residuals(points["y_true"], points["y_pred"]).layout.yaxis.title.text == "predicted - actual"


@pytest.mark.slow
def test_classification_csv_and_image_zip_train(tmp_path):
    table = ingest_csv(classification_csv(120), "plants.csv", target="species")
    result = train(layered_spec({"dataset": table.name, "epochs": 15}), Sink(), tmp_path / "t")
    assert result["task"] == "upload-table" and result["test"]["accuracy"] > 0.8
    assert len(result["confusion"]) == 2 and result["class_names"] == ["short", "tall"]
    images = ingest_zip(image_zip(per_class=6), "pets.zip", size=16, color="grey")
    result = train(layered_spec({"dataset": images.name, "model": "logreg", "epochs": 1}), Sink(), tmp_path / "i")
    assert result["task"] == "image" and len(result["confusion"]) == 2 and result["misclassified_path"]


def test_regression_figures_refuse_mismatched_lengths():
    with pytest.raises(ValueError, match="3 actual values but 2"):
        predicted_vs_actual([1, 2, 3], [1, 2])
