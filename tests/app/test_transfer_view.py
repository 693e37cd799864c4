"""AppTest: a finished CNN run offers "Transfer learning"; the comparison (a child process, faked here:
the real one is tests/unit/test_transfer.py) is shown as two accuracies, the gain and the curves."""

from __future__ import annotations

from synaptic_core.specs import RunSpec
from ui import transfer_view

PAGE = "app_pages/playground.py"
SUMMARY = [{"name": "block1_conv", "type": "Conv2D", "output_shape": "28x28x4", "params": 40},
           {"name": "block2_conv", "type": "Conv2D", "output_shape": "14x14x6", "params": 222},
           {"name": "predictions", "type": "Dense", "output_shape": "10", "params": 2950}]
EVENTS = [{"type": "data", "dataset": "mnist", "source": "bundled", "source_label": "MNIST", "n_train": 256,
           "n_val": 0, "n_test": 100, "input_shape": [28, 28, 1], "n_classes": 10,
           "class_names": [str(d) for d in range(10)], "task": "image"},
          {"type": "model", "params": 3212, "summary": SUMMARY}]


def _result(tmp_path) -> dict:
    model = tmp_path / "model.keras"
    model.write_bytes(b"not read: the comparison is faked")
    return {"run_id": "t1", "dataset": "mnist", "model": "cnn", "test": {"loss": 0.5, "accuracy": 0.9},
            "class_names": [str(d) for d in range(10)], "model_path": str(model), "epochs_run": 1}


def test_transfer_section_runs_the_comparison_and_shows_both(open_app, runner, monkeypatch, tmp_path):
    calls = []

    def fake(run_id, dataset, subset, freeze, epochs):
        calls.append((run_id, dataset, subset, freeze, epochs))
        hist = [{"accuracy": 0.5, "loss": 1.0}, {"accuracy": 0.7, "loss": 0.8}]
        return {"dataset": dataset, "source_label": "Fashion-MNIST — bundled sample", "n_train": subset,
                "n_test": 10000, "freeze": freeze, "epochs": epochs, "gain": 0.05,
                "transfer": {"name": "transfer", "test_accuracy": 0.40, "test_loss": 1.5, "history": hist,
                             "trainable_params": 100, "frozen_layers": ["block1_conv"]},
                "scratch": {"name": "scratch", "test_accuracy": 0.35, "test_loss": 1.7, "history": hist,
                            "trainable_params": 140, "frozen_layers": []}}

    monkeypatch.setattr(transfer_view, "run_transfer", fake)
    runner.add_run("t1", "done", EVENTS, result=_result(tmp_path), spec=RunSpec().replace(model="cnn"))
    at = open_app(PAGE, run="t1")
    assert not at.exception
    assert any(e.label.startswith("Transfer learning") for e in at.expander)
    options = at.selectbox(key="transfer_dataset").options
    assert "Fashion-MNIST" in options and "MNIST" not in options and "CIFAR-10" not in options  # grey sets only
    at.button(key="transfer_run").click().run()
    assert not at.exception
    assert calls == [("t1", "fashion-mnist", 500, 1, 2)]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Fine-tuned"] == "40.0%" and metrics["From scratch"] == "35.0%"
    assert metrics["Transfer gain"] == "+5.0 points"
    assert any("transfer_chart" in c.proto.id for c in at.get("plotly_chart"))


def test_a_failed_comparison_says_why(open_app, runner, monkeypatch, tmp_path):
    monkeypatch.setattr(transfer_view, "run_transfer", lambda *a: {"error": "CIFAR-100 is not downloaded yet"})
    runner.add_run("t1", "done", EVENTS, result=_result(tmp_path), spec=RunSpec().replace(model="cnn"))
    at = open_app(PAGE, run="t1")
    at.button(key="transfer_run").click().run()
    assert any("not downloaded yet" in e.value for e in at.error)
