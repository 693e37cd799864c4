"""train() on tiny sequence runs: the result keys each page reads, and the per-epoch text samples."""

from __future__ import annotations

import json

import numpy as np
import pytest

from synaptic_core.specs import RunSpec
from synaptic_core.tasks import get_task
from synaptic_core.training import train

from recording_sink import Sink


def test_series_run_reports_rmse_in_data_units_beside_the_naive_baseline(tmp_path):
    spec = RunSpec.from_mapping({"dataset": "sine", "model": "gru", "units": 8, "look_back": 10, "n_points": 200,
                                 "cycle": 25, "noise": 0.05, "train_ratio": 0.7, "validation_split": 0.0,
                                 "epochs": 2, "batch_size": 16, "horizon": 7})
    r = train(spec, Sink(), tmp_path)
    s = r["series"]
    assert s["split"] == 140 and len(s["values"]) == 200
    assert len(s["train_pred"]) == 140 - 10 and len(s["test_pred"]) == 60 and len(s["forecast"]) == 7
    pred, actual = np.array(s["test_pred"]), np.array(s["values"][140:])
    assert r["test"]["rmse"] == pytest.approx(np.sqrt(np.mean((pred - actual) ** 2)), rel=1e-5)
    assert set(r["naive"]) == {"train", "test"} and r["train"]["rmse"] > 0
    assert "confusion" not in r and r["model_path"].endswith(".keras")
    assert set(get_task("series").result_keys) <= set(r)  # what the forecast view reads


def test_chars_run_emits_a_sample_each_epoch_and_reports_nats(tmp_path):
    spec = RunSpec.from_mapping({"dataset": "shakespeare", "model": "lstm", "units": 16, "embed_dim": 8,
                                 "seq_len": 20, "stride": 3, "subset": 256, "epochs": 2, "batch_size": 64})
    sink = Sink()
    r = train(spec, sink, tmp_path)
    samples = sink.of("sample")
    assert [e["epoch"] for e in samples] == [0, 1]
    assert all(len(e["text"]) == 200 for e in samples)
    assert r["test"]["perplexity"] == pytest.approx(np.exp(r["test"]["nats_per_char"]))
    assert set(r["samples"]) == {"0", "0.5", "1"} and all(len(t) == 300 for t in r["samples"].values())
    meta = json.loads((tmp_path / "alphabet.json").read_text())
    assert meta["seq_len"] == 20 and len(meta["seed_text"]) == 20 and "e" in meta["alphabet"]
    assert set(get_task("chars").result_keys) <= set(r) and r["class_names"] == []


def test_text_run_saves_the_vocabulary_and_a_roc_curve(tmp_path):
    spec = RunSpec.from_mapping({"dataset": "sentences", "model": "conv1d", "units": 8, "embed_dim": 8,
                                 "vocab_size": 500, "seq_len": 20, "subset": 400, "epochs": 1, "batch_size": 64})
    r = train(spec, Sink(), tmp_path)
    vocab = json.loads((tmp_path / "vocab.json").read_text())
    assert vocab["seq_len"] == 20 and len(vocab["words"]) == 498
    roc = r["roc"]
    assert roc["fpr"][0] == roc["tpr"][0] == 0.0 and roc["fpr"][-1] == roc["tpr"][-1] == 1.0
    assert 0.0 <= roc["auc"] <= 1.0
    assert sum(map(sum, r["confusion"])) == r["n_test"] == 600
    assert set(get_task("text").result_keys) <= set(r) and r["misclassified_path"] is None
