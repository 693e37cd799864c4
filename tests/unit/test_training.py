"""train(): events in order, de-averaged batch loss, stop within one batch, NaN message, results."""

import math

import numpy as np
import pytest

from synaptic_core.specs import RunSpec
from synaptic_core.tasks import get_task
from synaptic_core.training import TrainingError, train

from recording_sink import Sink

TOY = RunSpec().replace(dataset="xor", model="mlp", hidden=(8,), epochs=3, batch_size=32, lr=0.05, n_points=400)


def test_toy_run_emits_the_documented_events_and_result(tmp_path):
    sink = Sink()
    r = train(TOY, sink, tmp_path)
    kinds = [e["type"] for e in sink.events]
    assert kinds.index("data") < kinds.index("model") < kinds.index("batch") < kinds.index("epoch")
    assert len(sink.of("epoch")) == 3 and r["epochs_run"] == 3
    assert sink.of("boundary") and np.asarray(sink.of("boundary")[-1]["z"]).shape == (50, 50)
    assert r["confusion"] and sum(map(sum, r["confusion"])) == r["n_test"]
    assert r["misclassified_path"] is None  # not an image task
    assert (tmp_path / "model.keras").exists() and r["model_path"].endswith("model.keras")
    assert r["n_train"] == sink.of("data")[0]["n_train"]
    assert set(get_task("toy").result_keys) <= set(r)


def test_batch_loss_is_de_averaged(tmp_path):
    sink = Sink()
    train(TOY.replace(epochs=1), sink, tmp_path)
    b = sink.of("batch")
    # the running mean after the epoch equals the sample-weighted mean of the emitted window means
    n = [e["seen"] for e in b]
    spans = np.diff([0] + n)
    assert np.average([e["batch_loss"] for e in b], weights=spans) == pytest.approx(b[-1]["loss"], rel=1e-4)


def test_stop_keeps_weights_and_reports_where(tmp_path):
    sink = Sink(stop_after_batches=1)
    r = train(TOY.replace(epochs=50, batch_size=8), sink, tmp_path)
    assert r["stopped"] is True and r["epochs_run"] == 1
    st = sink.of("stopped")[0]
    assert st["epoch"] == 0 and st["batch"] <= 3  # within a batch or two of the request
    assert "accuracy" in r["test"]


def test_diverging_loss_names_epoch_and_batch(tmp_path):
    spec = TOY.replace(dataset="gauss", lr=10.0, optimizer="sgd", hidden=(64, 64, 64), activation=("linear",),
                       epochs=5, noise=0.5)
    with pytest.raises(TrainingError) as ei:
        train(spec, Sink(), tmp_path)
    assert ei.value.kind == "nan"
    assert "epoch 1, batch" in ei.value.message and "lower learning rate" in ei.value.message


def test_invalid_spec_is_a_spec_error(tmp_path):
    with pytest.raises(TrainingError) as ei:
        train(TOY.replace(lr=100.0), Sink(), tmp_path)
    assert ei.value.kind == "spec" and "allowed" in ei.value.message


def test_image_run_saves_misclassified_gallery(tmp_path):
    sink = Sink()
    r = train(RunSpec().replace(dataset="mnist", model="logreg", subset=500, epochs=1, validation_split=0.0),
              sink, tmp_path)
    g = np.load(r["misclassified_path"], allow_pickle=False)
    assert g["x"].dtype == np.uint8 and g["x"].shape[1:] == (28, 28, 1)
    assert (g["y_true"] != g["y_pred"]).all()
    assert np.all(np.diff(g["confidence"]) <= 0)  # most confident mistakes first
    assert 0 <= r["test"]["accuracy"] <= 1 and not math.isnan(r["test"]["loss"])
    assert set(get_task("image").result_keys) <= set(r)


def test_early_stopping_ends_before_the_epoch_budget(tmp_path):
    r = train(TOY.replace(epochs=200, early_stopping=1, lr=1e-6, optimizer="sgd", validation_split=0.3),
              Sink(), tmp_path)
    assert r["epochs_run"] < 200
