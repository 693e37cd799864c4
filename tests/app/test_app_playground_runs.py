"""Showing a run: live (progress, curves, boundary, Stop), finished, failed, stopped, reopened."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from shown import texts
from synaptic_core.specs import RunSpec

PAGE = "app_pages/playground.py"
NAMES = ["0", "1", "2"]


def _batch(epoch: int, batch: int, steps: int = 4, epochs: int = 2) -> dict:
    loss = 1.0 / (1 + epoch * steps + batch)
    return {"type": "batch", "epoch": epoch, "batch": batch, "steps": steps, "epochs": epochs, "loss": loss,
            "batch_loss": loss, "accuracy": 0.5, "batch_accuracy": 0.5, "seen": 32 * batch,
            "t": 0.1 * (epoch * steps + batch)}


def _training_events(epochs_done: int = 1, batches: int = 4) -> list[dict]:
    events = [{"type": "status", "stage": "loading", "message": "Loading mnist…"},
              {"type": "data", "dataset": "mnist", "source": "bundled", "source_label": "MNIST — bundled sample",
               "n_train": 90, "n_val": 10, "n_test": 30, "input_shape": [28, 28, 1], "n_classes": 3,
               "class_names": NAMES, "task": "image"},
              {"type": "model", "params": 2355,
               "summary": [{"name": "predictions", "type": "Dense", "output_shape": "3", "params": 2355}]},
              {"type": "status", "stage": "training", "message": "Training…"}]
    for epoch in range(epochs_done):
        events += [_batch(epoch, b) for b in range(1, 5)]
        events.append({"type": "epoch", "epoch": epoch, "epochs": 2, "loss": 0.5, "accuracy": 0.8,
                       "val_loss": 0.6, "val_accuracy": 0.7, "lr": 0.001, "t": 0.4 * (epoch + 1)})
    events += [_batch(epochs_done, b) for b in range(1, batches + 1)] if batches else []
    return events


@pytest.fixture
def finished_result(tmp_path: Path) -> dict:
    mis = tmp_path / "misclassified.npz"
    np.savez(mis, x=np.zeros((2, 28, 28, 1), np.uint8), y_true=np.array([0, 1]), y_pred=np.array([1, 2]),
             confidence=np.array([0.93, 0.61], np.float32))
    model = tmp_path / "model.keras"
    model.write_bytes(b"not really a keras zip, only bytes to download")
    return {"run_id": "r1", "dataset": "mnist", "source": "bundled", "source_label": "MNIST — bundled sample",
            "n_train": 90, "n_test": 30, "model": "mlp", "params": 2355, "epochs_run": 2,
            "history": [], "test": {"loss": 0.4321, "accuracy": 0.875}, "train_seconds": 3.5,
            "samples_per_second": 1234.0, "stopped": False, "class_names": NAMES,
            "confusion": [[9, 1, 0], [0, 10, 0], [1, 0, 9]], "per_class_accuracy": [0.9, 1.0, 0.9],
            "misclassified_path": str(mis), "model_path": str(model)}


def _chart_keys(at) -> list[str]:
    return [c.proto.id for c in at.get("plotly_chart")]


def test_finished_run_shows_results(open_app, runner, finished_result):
    runner.add_run("r1", "done", _training_events(2, 0) + [{"type": "result", "result": finished_result}],
                   result=finished_result)
    at = open_app(PAGE, run="r1")
    assert not at.exception and not at.error
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Test accuracy"] == "87.50%"
    assert metrics["Test loss"] == "0.4321"
    keys = " ".join(_chart_keys(at))
    assert "confusion_chart" in keys and "per_class_chart" in keys and "misclassified_chart" in keys
    download = [d for d in at.get("download_button") if "model_download" in d.proto.id]  # + the exports' own
    assert len(download) == 1
    assert at.query_params["run"] == "r1"
    assert at.button(key="train").disabled is False
    assert any(e.label == "Model summary: 2,355 parameters" for e in at.expander)  # from the model event


def test_misclassified_titles_name_true_and_predicted_class(open_app, runner, finished_result):
    runner.add_run("r1", "done", _training_events(2, 0), result=finished_result)
    at = open_app(PAGE, run="r1")
    chart = next(c for c in at.get("plotly_chart") if "misclassified_chart" in c.proto.id)
    spec = json.loads(chart.proto.spec)
    assert spec["layout"]["annotations"][0]["text"] == "0<br>→ 1<br>93% sure"  # true class, then the answer
    assert spec["data"][1]["hovertext"][0] == "true 0, predicted 1 (93% sure)"


def test_failed_run_shows_the_nan_message(open_app, runner):
    message = ("The loss became NaN at epoch 2, batch 17: training diverged. Try a lower learning rate "
               "than 10 (e.g. 1).")
    runner.add_run("bad", "failed", _training_events(1, 2) + [{"type": "error", "kind": "nan", "message": message}],
                   message=message)
    at = open_app(PAGE, run="bad")
    assert not at.exception
    assert "NaN at epoch 2, batch 17" in texts(at.error)
    assert not at.metric


def test_stopped_run_says_where_and_keeps_results(open_app, runner, finished_result):
    result = {**finished_result, "stopped": True, "stopped_at": {"epoch": 1, "batch": 7}}
    runner.add_run("halt", "stopped", _training_events(1, 2) + [{"type": "stopped", "epoch": 1, "batch": 7}],
                   result=result)
    at = open_app(PAGE, run="halt")
    assert not at.exception
    assert "Stopped at epoch 2, batch 7 — weights so far kept" in texts(at.warning)
    assert {m.label for m in at.metric} >= {"Test accuracy", "Test loss"}
    assert len([d for d in at.get("download_button") if "model_download" in d.proto.id]) == 1


def test_running_run_shows_progress_curves_and_stop(open_app, runner):
    runner.add_run("live", "running", _training_events(1, 2))
    at = open_app(PAGE, run="live")
    assert not at.exception and not at.error
    progress = at.get("progress")
    assert progress and "Epoch 2/2 · batch 2/4" in progress[0].proto.text
    assert "live_curves_chart" in " ".join(_chart_keys(at))
    assert at.button(key="train").disabled is True
    assert at.button(key="stop").label == "Stop"
    at.button(key="stop").click().run()
    assert runner.cancelled == [("live", False)]
    assert at.button(key="stop").label == "Stopping…"  # "Kill now" only later: tests/app/test_stop_and_kill.py


def test_live_view_reads_events_incrementally(open_app, runner):
    runner.add_run("live", "running", _training_events(0, 1))
    at = open_app(PAGE, run="live")
    runner.runs["live"]["events"].append({**_batch(0, 3), "seq": 99})
    at.run()
    kept = at.session_state["pg_events"]["live"]
    assert kept["seq"] == 99
    assert [e["seq"] for e in kept["events"]] == sorted({e["seq"] for e in kept["events"]})
    assert "batch 3/4" in at.get("progress")[0].proto.text


def test_queued_run_shows_its_position(open_app, runner):
    runner.add_run("wait", "queued", [], position=3)
    at = open_app(PAGE, run="wait")
    assert any("position 3" in i.value for i in at.info)
    assert "live_curves_chart" in " ".join(_chart_keys(at))  # the empty chart, before any metric


def test_toy_run_draws_the_decision_boundary(open_app, runner):
    spec = RunSpec().replace(dataset="circle", n_points=100)
    z = [[0.2, 0.8], [0.6, 0.4]]
    runner.add_run("toy", "running", [_batch(0, 1), {"type": "boundary", "epoch": 0, "batch": 1,
                                                      "xs": [-6, 6], "ys": [-6, 6], "z": z}], spec=spec)
    at = open_app(PAGE, run="toy", **spec.to_query())
    assert not at.exception and not at.error
    assert "live_boundary_chart" in " ".join(_chart_keys(at))


def test_unknown_run_in_the_url_is_reported(open_app):
    at = open_app(PAGE, run="nosuchrun")
    assert not at.exception
    assert "nosuchrun" in texts(at.error)
    assert "run" not in at.query_params


def test_recent_runs_link_to_each_run(open_app, runner, finished_result):
    runner.add_run("r1", "done", [], result=finished_result, spec=RunSpec().replace(lr=0.01))
    runner.add_run("theirs", "done", [], owner="someone-else")
    at = open_app(PAGE)
    links = [link for link in at.get("page_link") if "r1" in link.proto.label]
    assert len(links) == 1
    assert "87.5%" in links[0].proto.label
    assert not [link for link in at.get("page_link") if "theirs" in link.proto.label]


def test_finished_toy_run_keeps_its_boundary(open_app, runner, finished_result):
    spec = RunSpec().replace(dataset="circle", n_points=100)
    result = {**finished_result, "class_names": ["negative", "positive"], "confusion": [[5, 1], [0, 6]],
              "per_class_accuracy": [0.83, 1.0], "misclassified_path": None}
    boundary = {"type": "boundary", "epoch": 1, "batch": 4, "xs": [-6, 6], "ys": [-6, 6], "z": [[0, 1], [1, 0]]}
    runner.add_run("toy", "done", [_batch(0, 1), boundary], result=result, spec=spec)
    at = open_app(PAGE, run="toy", **spec.to_query())
    assert not at.exception and not at.error
    keys = " ".join(_chart_keys(at))
    assert "final_boundary_chart" in keys and "confusion_chart" in keys


def test_only_the_owner_can_stop_a_run(open_app, runner):
    runner.add_run("theirs", "running", _training_events(0, 1), owner="someone-else")
    at = open_app(PAGE, run="theirs")
    assert not at.exception
    assert not [b for b in at.button if b.key == "stop"]
    assert any("another browser session" in c.value for c in at.caption)
    assert "live_curves_chart" in " ".join(_chart_keys(at))


def test_killed_run_says_so(open_app, runner):
    runner.add_run("gone", "stopped", _training_events(0, 1) + [
        {"type": "error", "kind": "killed", "message": "the job's process was killed on request"}])
    at = open_app(PAGE, run="gone")
    assert not at.exception
    assert "killed on request" in texts(at.warning)
