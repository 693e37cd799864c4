"""Issue 14, what a student meets in the first minute after a run: one click asks the model about
a review, the misclassified gallery fits its column, metric labels are whole, and the digit
reader is offered only for digits."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from page_text import cut_labels
from shown import texts
from synaptic_core.specs import RunSpec
from ui import trained_model

PLAYGROUND, SENTIMENT = "app_pages/playground.py", "app_pages/sentiment.py"
GENERATION, SERIES = "app_pages/text_generation.py", "app_pages/time_series.py"
FASHION = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
RESULTS_COLUMN_PX = 460  # the results column of a 1280-pixel window (measured in chromium)
EVENTS = [{"type": "batch", "epoch": 0, "batch": b, "steps": 2, "epochs": 1, "loss": 1.0 / b, "batch_loss": 1.0 / b,
           "accuracy": 0.6, "batch_accuracy": 0.6, "seen": 32 * b, "t": 0.1 * b} for b in (1, 2)] + [
    {"type": "epoch", "epoch": 0, "epochs": 1, "loss": 0.5, "accuracy": 0.6, "val_loss": 0.6, "val_accuracy": 0.6,
     "lr": 1e-3, "t": 0.3}]


def _file(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def _classification(tmp_path: Path, names: list[str], **extra) -> dict:
    n = len(names)
    return {"dataset": "mnist", "source_label": "bundled sample", "model": "cnn", "params": 10, "epochs_run": 1,
            "history": [], "test": {"loss": 0.4, "accuracy": 0.87}, "train_seconds": 30.0,
            "samples_per_second": 1000.0, "stopped": False, "class_names": names,
            "confusion": np.eye(n, dtype=int).tolist(), "per_class_accuracy": [0.9] * n,
            "misclassified_path": None, "model_path": _file(tmp_path, "model.keras", "bytes"), **extra}


def _review_predictor(model_path: str):
    """P(positive) = sigmoid(2 * (#"good" - #"bad")); word ids: good 2, bad 3."""
    def predict(x):
        x = np.asarray(x)
        p = 1 / (1 + np.exp(-2.0 * ((x == 2).sum(1) - (x == 3).sum(1))))
        return np.stack([1 - p, p], axis=1)
    return predict


@pytest.fixture
def review_run(runner, tmp_path, monkeypatch) -> str:
    monkeypatch.setattr(trained_model, "load_predictor", _review_predictor)
    vocab = _file(tmp_path, "vocab.json", json.dumps({"words": ["good", "bad", "movie", "plot"], "seq_len": 8}))
    result = _classification(tmp_path, ["negative", "positive"], dataset="sentences", model="lstm",
                             vocab_path=vocab, task="text")
    runner.add_run("s1", "done", EVENTS, result=result, spec=RunSpec.from_mapping({"dataset": "sentences"}))
    return "s1"


# -- 2. one click predicts ----------------------------------------------------------------------
def test_predict_is_one_click_right_after_typing(open_app, review_run):
    at = open_app(SENTIMENT, run=review_run, dataset="sentences")
    predict = at.button(key="review_predict")
    # A bare text area commits its text on blur: a button disabled until then swallowed the first click.
    # In a form the text travels with the click, so the button is live before anything is typed.
    assert not predict.disabled
    assert predict.proto.is_form_submitter
    at.text_area(key="sent_review_text").input("a good movie, good plot")
    at.button(key="review_predict").click().run()
    assert not at.exception
    verdict = [m.value for m in at.markdown if "P(positive)" in m.value]
    assert verdict and verdict[0].startswith("**Positive**")


def test_predict_without_text_says_what_to_do(open_app, review_run):
    at = open_app(SENTIMENT, run=review_run, dataset="sentences")
    at.button(key="review_predict").click().run()
    assert not at.exception
    assert "Type a review first" in texts(at.warning)
    assert not [m for m in at.markdown if "P(positive)" in m.value]


# -- 3. the misclassified gallery fits its column; the digit reader only for digits -------------
def test_fashion_mistakes_fit_the_results_column(open_app, runner, tmp_path):
    rng = np.random.default_rng(0)
    y_true = np.arange(64) % 10
    mis = tmp_path / "misclassified.npz"
    np.savez(mis, x=rng.integers(0, 256, (64, 28, 28, 1), dtype=np.uint8), y_true=y_true,
             y_pred=(y_true + 1) % 10, confidence=np.linspace(0.99, 0.5, 64).astype(np.float32))
    result = _classification(tmp_path, FASHION, dataset="fashion-mnist", misclassified_path=str(mis))
    runner.add_run("f1", "done", EVENTS, result=result, spec=RunSpec.from_mapping({"dataset": "fashion-mnist"}))
    at = open_app(PLAYGROUND, run="f1", dataset="fashion-mnist")
    assert not at.exception and not at.error
    charts = {c.proto.id: json.loads(c.proto.spec) for c in at.get("plotly_chart")
              if "misclassified" in c.proto.id}
    first = next(spec for cid, spec in charts.items() if "misclassified_chart" in cid)
    assert first["layout"]["width"] <= RESULTS_COLUMN_PX
    more = next(spec for cid, spec in charts.items() if "misclassified_more_chart" in cid)  # the rest, folded
    for spec in (first, more):
        layout = spec["layout"]
        # wider than its column, Streamlit squeezes the figure: stretched pixels, captions over each other
        assert layout["width"] <= RESULTS_COLUMN_PX
        width_units = layout["xaxis"]["range"][1] - layout["xaxis"]["range"][0]
        height_units = layout["yaxis"]["range"][0] - layout["yaxis"]["range"][1]
        sx = (layout["width"] - layout["margin"]["l"] - layout["margin"]["r"]) / width_units
        sy = (layout["height"] - layout["margin"]["t"] - layout["margin"]["b"]) / height_units
        assert sx == pytest.approx(sy, rel=0.01)  # square pixels
        for a in layout["annotations"]:
            assert all(len(line) <= 14 for line in a["text"].split("<br>"))
    assert len(first["layout"]["annotations"]) == 24 and len(more["layout"]["annotations"]) == 40
    assert first["layout"]["annotations"][0]["text"] == "T-shirt/top<br>→ Trouser<br>99% sure"
    assert first["data"][1]["hovertext"][0] == "true T-shirt/top, predicted Trouser (99% sure)"


def _model_titles(at, key: str = "w_model") -> list[str]:
    return list(at.selectbox(key=key).options)


def test_digit_reader_is_offered_for_mnist_only(open_app):
    at = open_app(PLAYGROUND, dataset="mnist", model="cnn")
    assert "Digit reader CNN" in _model_titles(at)
    for dataset in ("fashion-mnist", "cifar10"):
        at = open_app(PLAYGROUND, dataset=dataset, model="cnn")
        assert "Digit reader CNN" not in _model_titles(at), dataset
        assert "Convolutional network" in _model_titles(at)
    at = open_app(PLAYGROUND, dataset="fashion-mnist", model="digit-cnn")  # an old link
    assert "not offered here" in texts(at.error)
    assert at.selectbox(key="w_model").value != "digit-cnn"


# -- 4. metric labels are whole in a 1280-pixel window --------------------------------------------
def test_text_generation_metric_labels_fit(open_app, runner, tmp_path):
    meta = _file(tmp_path, "alphabet.json", json.dumps({"alphabet": "\n abcde", "seq_len": 5, "seed_text": "abcde"}))
    result = {"dataset": "shakespeare", "source_label": "Tiny Shakespeare", "model": "lstm", "epochs_run": 1,
              "history": [{"epoch": 0, "loss": 2.0, "val_loss": 1.9}], "train_seconds": 40.0, "task": "chars",
              "test": {"loss": 1.5, "nats_per_char": 1.5, "perplexity": 4.48, "accuracy": 0.5}, "stopped": False,
              "class_names": [], "samples": {"0.5": "abab"}, "alphabet_path": meta,
              "model_path": _file(tmp_path, "model.keras", "bytes")}
    runner.add_run("c1", "done", EVENTS, result=result, spec=RunSpec.from_mapping({"dataset": "shakespeare"}))
    at = open_app(GENERATION, run="c1", dataset="shakespeare")
    assert not at.exception and not at.error
    assert cut_labels(at) == []
    metrics = {m.label: m for m in at.metric}
    assert metrics["Held-out loss"].value == "1.500" and "Nats per character" in metrics["Held-out loss"].help
    assert metrics["Accuracy"].value == "50.0%" and "Next-character" in metrics["Accuracy"].help


def test_classification_and_series_metric_labels_fit(open_app, runner, tmp_path, review_run):
    at = open_app(SENTIMENT, run=review_run, dataset="sentences")
    assert {m.label for m in at.metric} >= {"Test accuracy", "Training time"}
    assert cut_labels(at) == []
    values = list(100 + 10 * np.sin(np.arange(30) / 3))
    result = {"dataset": "airline-passengers", "source_label": "airline", "model": "lstm", "epochs_run": 2,
              "train_seconds": 3.0, "stopped": False, "task": "series", "train": {"rmse": 4.0},
              "test": {"rmse": 7.5, "loss": 0.01}, "naive": {"train": 5.0, "test": 6.0},
              "series": {"values": values, "split": 20, "look_back": 2, "train_pred": values[2:20],
                         "test_pred": values[20:], "forecast": [100.0]},
              "model_path": _file(tmp_path, "series.keras", "bytes")}
    runner.add_run("t1", "done", EVENTS, result=result, spec=RunSpec.from_mapping({"dataset": "airline-passengers"}))
    at = open_app(SERIES, run="t1", dataset="airline-passengers")
    assert {m.label for m in at.metric} >= {"Test RMSE"}
    assert cut_labels(at) == []
