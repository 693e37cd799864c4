"""AppTest of the three sequence pages: spec <-> URL, Train, live view, results, and the
after-training tools (review box, text generator), with a FakeRunner and fake predictors
(no TensorFlow: the pages call ``ui.trained_model.load_predictor``, replaced here)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from synaptic_core.presets import layered_spec

from shown import texts
from synaptic_core.specs import RunSpec
from ui import trained_model

SENTIMENT, GENERATION, SERIES = "app_pages/sentiment.py", "app_pages/text_generation.py", "app_pages/time_series.py"
WORDS = ["good", "bad", "movie", "plot"]  # ids 2, 3, 4, 5


def _keys(at, kind: str = "plotly_chart") -> str:
    return " ".join(c.proto.id for c in at.get(kind))


def _events(task: str, epochs: int = 1) -> list[dict]:
    events = [{"type": "status", "stage": "training", "message": "Training…"},
              {"type": "model", "params": 123, "summary": [{"name": "lstm", "type": "LSTM", "output_shape": "64",
                                                            "params": 123}]}]
    for ep in range(epochs):
        events += [{"type": "batch", "epoch": ep, "batch": b, "steps": 2, "epochs": 2, "loss": 1.0 / (b + ep + 1),
                    "batch_loss": 1.0 / (b + ep + 1), "accuracy": None if task == "series" else 0.6,
                    "batch_accuracy": None if task == "series" else 0.6, "seen": 32 * b, "t": 0.1 * b}
                   for b in (1, 2)]
        events.append({"type": "epoch", "epoch": ep, "epochs": 2, "loss": 0.5, "accuracy": None, "val_loss": 0.6,
                       "val_accuracy": None, "lr": 1e-3, "t": 0.3})
    return events


def _model_file(tmp_path: Path) -> str:
    path = tmp_path / "model.keras"
    path.write_bytes(b"bytes standing in for a .keras zip")
    return str(path)


# -- sentiment ---------------------------------------------------------------------------
def test_sentiment_opens_with_imdb_defaults_and_submits_them(open_app, runner):
    at = open_app(SENTIMENT)
    assert not at.exception and not at.error
    opening = layered_spec({"dataset": "imdb"})  # what `train --dataset imdb` trains
    assert at.query_params["dataset"] == "imdb"
    assert at.query_params["model"] == opening.model
    assert "live_curves_chart" in _keys(at)
    at.button(key="train").click().run()
    spec, owner = runner.submitted[-1]
    assert spec == opening
    assert owner == "me" and at.query_params["run"] == "fake1"


def test_sentiment_link_sets_widgets_and_bad_values_say_why(open_app, runner):
    at = open_app(SENTIMENT, dataset="sentences", model="bigru", seq_len="30", epochs="2")
    assert not at.exception and not at.error
    assert at.selectbox(key="sent_w_dataset").value == "sentences"
    assert at.selectbox(key="sent_w_model").value == "bigru"
    assert at.number_input(key="sent_w_seq_len").value == 30
    at.button(key="train").click().run()
    spec = runner.submitted[-1][0]
    assert (spec.dataset, spec.model, spec.seq_len, spec.epochs) == ("sentences", "bigru", 30, 2)

    bad = open_app(SENTIMENT, dataset="sentences", model="cnn")  # an image model: not offered here
    assert "not offered here" in texts(bad.error)
    assert bad.selectbox(key="sent_w_model").value == "lstm"


def test_sentiment_out_of_range_input_disables_train(open_app):
    at = open_app(SENTIMENT, dataset="sentences")
    at.number_input(key="sent_w_seq_len").set_value(3).run()
    assert "seq_len = 3 is out of range: allowed 5 to 2000" in texts(at.error)
    assert at.button(key="train").disabled


def test_preset_button_applies_the_imdb_preset(open_app, runner):
    at = open_app(SENTIMENT, dataset="sentences")
    at.button(key="sent_preset_0").click().run()
    assert not at.exception
    at.button(key="train").click().run()
    spec = runner.submitted[-1][0]
    assert (spec.dataset, spec.model, spec.vocab_size, spec.seq_len, spec.subset) == \
        ("imdb", "conv1d", 20000, 400, 0)


@pytest.fixture
def sentiment_result(tmp_path: Path) -> dict:
    vocab = tmp_path / "vocab.json"
    vocab.write_text(json.dumps({"words": WORDS, "seq_len": 8}))
    return {"run_id": "s1", "dataset": "sentences", "source_label": "Labelled sentences — bundled copy",
            "n_train": 90, "n_test": 30, "model": "lstm", "params": 123, "epochs_run": 1, "history": [],
            "test": {"loss": 0.41, "accuracy": 0.8125}, "train_seconds": 2.0, "samples_per_second": 100.0,
            "stopped": False, "class_names": ["negative", "positive"], "confusion": [[12, 3], [3, 12]],
            "per_class_accuracy": [0.8, 0.8], "misclassified_path": None, "model_path": _model_file(tmp_path),
            "vocab_path": str(vocab), "roc": {"fpr": [0, 0.2, 1], "tpr": [0, 0.8, 1], "auc": 0.8}, "task": "text"}


def _fake_sentiment_predictor(model_path: str):
    """P(positive) = sigmoid(2 * (#good - #bad)): "good" (id 2) pushes up, "bad" (id 3) down."""
    def predict(x):
        x = np.asarray(x)
        score = 2.0 * ((x == 2).sum(1) - (x == 3).sum(1))
        p = 1 / (1 + np.exp(-score))
        return np.stack([1 - p, p], axis=1)
    return predict


def test_sentiment_results_roc_and_review_box(open_app, runner, sentiment_result, monkeypatch):
    monkeypatch.setattr(trained_model, "load_predictor", _fake_sentiment_predictor)
    runner.add_run("s1", "done", _events("text"), result=sentiment_result,
                   spec=RunSpec.from_mapping({"dataset": "sentences", "model": "lstm"}))
    at = open_app(SENTIMENT, run="s1", dataset="sentences")
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert {m.label: m.value for m in at.metric}["Test accuracy"] == "81.25%"
    keys = _keys(at)
    assert "confusion_chart" in keys and "roc_chart" in keys
    roc = next(c for c in at.get("plotly_chart") if "roc_chart" in c.proto.id)
    assert "AUC 0.800" in roc.proto.spec
    assert len([d for d in at.get("download_button") if "model_download" in d.proto.id]) == 1

    at.text_area(key="sent_review_text").input("A good movie, good plot")  # typed, then one click (a form)
    at.button(key="review_predict").click().run()
    assert not at.exception
    verdict = [m.value for m in at.markdown if "P(positive)" in m.value]
    assert verdict and verdict[0].startswith("**Positive**")
    highlight = next(m.value for m in at.markdown if "review-highlight" in m.value)
    assert highlight.count("word-contribution") == 5  # a, good, movie, good, plot
    assert "rgba(44,160,44" in highlight  # "good" shaded green
    assert "review_words_chart" in _keys(at)

    at.text_area(key="sent_review_text").input("bad bad movie")
    at.button(key="review_predict").click().run()
    assert [m.value for m in at.markdown if "P(positive)" in m.value][0].startswith("**Negative**")


def test_sentiment_live_run_shows_progress_and_stop(open_app, runner):
    runner.add_run("l1", "running", _events("text"), spec=RunSpec.from_mapping({"dataset": "imdb", "model": "gru"}))
    at = open_app(SENTIMENT, run="l1")
    assert not at.exception
    assert "live_curves_chart" in _keys(at)
    assert at.button(key="train").disabled
    at.button(key="stop").click().run()
    assert runner.cancelled == [("l1", False)]


def test_recent_runs_list_only_this_pages_datasets(open_app, runner, sentiment_result):
    runner.add_run("s1", "done", result=sentiment_result, spec=RunSpec.from_mapping({"dataset": "sentences"}))
    runner.add_run("m1", "done", result={"test": {"accuracy": 0.9}}, spec=RunSpec.from_mapping({"dataset": "mnist"}))
    at = open_app(SENTIMENT)
    links = [p for p in at.get("page_link")]
    labels = " ".join(p.proto.label for p in links)
    assert "s1" in labels and "m1" not in labels and "test accuracy 81.2%" in labels
    assert all(p.proto.page.endswith("sentiment") or "sentiment" in p.proto.page for p in links)


# -- text generation ---------------------------------------------------------------------
ALPHABET = "\n abcde"


@pytest.fixture
def chars_result(tmp_path: Path) -> dict:
    meta = tmp_path / "alphabet.json"
    meta.write_text(json.dumps({"alphabet": ALPHABET, "seq_len": 5, "seed_text": "abcde"}))
    return {"run_id": "c1", "dataset": "shakespeare", "source_label": "Tiny Shakespeare — bundled copy",
            "model": "lstm", "params": 123, "epochs_run": 1, "history": [{"epoch": 0, "loss": 2.0, "val_loss": 1.9}],
            "test": {"loss": 1.5, "nats_per_char": 1.5, "perplexity": float(np.exp(1.5)), "accuracy": 0.5},
            "train_seconds": 12.0, "stopped": False, "class_names": [], "task": "chars",
            "samples": {"0": "aaaa", "0.5": "abab", "1": "edcb"}, "seed_text": "abcde",
            "alphabet_path": str(meta), "model_path": _model_file(tmp_path)}


def _fake_char_predictor(model_path: str):
    """Next character = the one after the last in the alphabet, with probability 0.9."""
    def predict(x):
        x = np.asarray(x)
        probs = np.full((len(x), len(ALPHABET)), 0.1 / (len(ALPHABET) - 1))
        probs[np.arange(len(x)), (x[:, -1] + 1) % len(ALPHABET)] = 0.9
        return probs
    return predict


def test_generation_results_and_generator_at_two_temperatures(open_app, runner, chars_result, monkeypatch):
    monkeypatch.setattr(trained_model, "load_predictor", _fake_char_predictor)
    runner.add_run("c1", "done", _events("chars"), result=chars_result,
                   spec=RunSpec.from_mapping({"dataset": "shakespeare", "model": "lstm"}))
    at = open_app(GENERATION, run="c1", dataset="shakespeare")
    assert not at.exception and not at.error
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Held-out loss"] == "1.500" and metrics["Perplexity"] == "4.48"
    assert metrics["Validation loss"] == "1.900"
    assert [c.value for c in at.code][:3] == ["aaaa", "abab", "edcb"]  # coolest first
    assert at.text_area(key="gen_seed_text").value == "abcde"

    at.slider(key="gen_length").set_value(20)
    at.slider(key="gen_temperature").set_value(0.0)
    at.multiselect(key="gen_compare").set_value([1.0]).run()
    at.button(key="generate").click().run()
    assert not at.exception
    labels = [m.value for m in at.markdown if m.value.startswith("**temperature")]
    assert "**temperature 0 (greedy)**" in labels and "**temperature 1**" in labels
    generated = [c.value for c in at.code if not c.value.startswith("curl ")][3:]  # not the export curl line
    assert len(generated) == 2 and all(generated)
    # greedy: always the likeliest next character (st.code strips the leading newline)
    assert generated[0].strip() == "\n abcde\n abcde\n abcde"[:20].strip()


def test_generation_live_run_shows_the_latest_sample(open_app, runner):
    events = _events("chars") + [{"type": "sample", "epoch": 0, "temperature": 0.8, "seed_text": "ab",
                                  "text": "first sample"},
                                 {"type": "sample", "epoch": 1, "temperature": 0.8, "seed_text": "ab",
                                  "text": "second sample"}]
    runner.add_run("c2", "running", events, spec=RunSpec.from_mapping({"dataset": "shakespeare", "model": "lstm"}))
    at = open_app(GENERATION, run="c2")
    assert not at.exception
    assert any("Sample after epoch 2" in m.value for m in at.markdown)
    assert [c.value for c in at.code][:2] == ["second sample", "first sample"]


def test_generation_seed_preset_is_offered(open_app, runner):
    at = open_app(GENERATION, dataset="shakespeare", model="gru", units="32")
    at.button(key="gen_preset_0").click().run()
    at.button(key="train").click().run()
    spec = runner.submitted[-1][0]
    assert (spec.model, spec.embed_dim, spec.units, spec.dropout, spec.seq_len, spec.stride) == \
        ("lstm", 32, 128, 0.2, 100, 3)


# -- time series -------------------------------------------------------------------------
def test_series_opens_with_the_seed_setup_and_a_preview(open_app, runner):
    at = open_app(SERIES)
    assert not at.exception and not at.error
    assert "series_preview" in _keys(at)
    at.button(key="train").click().run()
    spec = runner.submitted[-1][0]
    assert (spec.dataset, spec.model, spec.units, spec.look_back, spec.epochs, spec.batch_size,
            spec.train_ratio, spec.validation_split) == ("airline-passengers", "lstm", 4, 1, 100, 1, 0.67, 0.0)


def test_series_sine_controls_and_better_preset(open_app, runner):
    at = open_app(SERIES)
    at.selectbox(key="ts_w_dataset").set_value("sine").run()
    assert not at.exception
    assert at.query_params["dataset"] == "sine"
    at.slider(key="ts_w_noise").set_value(0.3).run()
    assert at.query_params["noise"] == "0.3"
    at.button(key="ts_preset_1").click().run()  # the better preset
    at.button(key="train").click().run()
    spec = runner.submitted[-1][0]
    assert (spec.dataset, spec.model, spec.hidden, spec.activation, spec.look_back, spec.epochs, spec.batch_size,
            spec.train_ratio, spec.validation_split) == \
        ("airline-passengers", "mlp", (32,), ("relu",), 12, 200, 4, 0.67, 0.0)
    assert at.query_params["dataset"] == "airline-passengers" and at.query_params["epochs"] == "200"
    assert at.text_input(key="ts_w_hidden").value == "32"


@pytest.fixture
def series_result(tmp_path: Path) -> dict:
    values = list(100 + 10 * np.sin(np.arange(30) / 3))
    return {"run_id": "t1", "dataset": "airline-passengers", "source_label": "airline", "model": "lstm",
            "epochs_run": 2, "train_seconds": 3.0, "stopped": False, "task": "series",
            "train": {"rmse": 4.0}, "test": {"rmse": 7.5, "loss": 0.01}, "naive": {"train": 5.0, "test": 6.0},
            "series": {"values": values, "split": 20, "look_back": 2, "train_pred": values[2:20],
                       "test_pred": values[20:], "forecast": [100.0, 101.0, 102.0]},
            "model_path": _model_file(tmp_path)}


def test_series_results_show_rmse_beside_naive_and_the_forecast(open_app, runner, series_result):
    runner.add_run("t1", "done", _events("series"), result=series_result,
                   spec=RunSpec.from_mapping({"dataset": "airline-passengers", "model": "lstm"}))
    at = open_app(SERIES, run="t1", dataset="airline-passengers")
    assert not at.exception and not at.error
    metrics = {m.label: m for m in at.metric}
    assert metrics["Test RMSE"].value == "7.50" and "+1.50 vs naive" in metrics["Test RMSE"].proto.delta
    assert metrics["Naive test RMSE"].value == "6.00"
    assert any("scores 5.00 (train) and 6.00 (test). On the test period the model does not beat it" in c.value
               for c in at.caption)
    chart = next(c for c in at.get("plotly_chart") if "series_chart" in c.proto.id)
    names = [t["name"] for t in json.loads(chart.proto.spec)["data"]]
    assert names == ["actual", "predicted (train)", "predicted (test)", "forecast (3 steps)"]
    assert len([d for d in at.get("download_button") if "model_download" in d.proto.id]) == 1
