"""The results view's Export part (ui/export_view.py): .keras, SavedModel on demand, the training script,
and the exact curl line for ``serve``; files over the download limit are named with a CLI command."""

from __future__ import annotations

import pytest

from synaptic_core.presets import layered_spec

PAGE = "app_pages/playground.py"


@pytest.fixture
def finished(runner):
    spec = layered_spec({"dataset": "xor", "model": "mlp"})
    runner.add_run("r9", "done", [{"type": "data", "dataset": "xor", "task": "toy", "input_shape": [2],
                                   "class_names": ["0", "1"], "n_train": 10, "n_test": 5, "source": "generated",
                                   "source_label": "XOR"}], spec=spec)
    folder = runner.store.artifacts_dir("r9")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.keras").write_bytes(b"k" * 1000)
    result = {"dataset": "xor", "model": "mlp", "params": 100, "epochs_run": 1, "history": [], "class_names": ["0", "1"],
              "test": {"accuracy": 0.5, "loss": 0.7}, "model_path": str(folder / "model.keras"), "source_label": "XOR"}
    runner.add_run("r9", "done", runner.runs["r9"]["events"], result=result, spec=spec)
    return spec


def _downloads(at) -> dict[str, object]:
    return {d.proto.label: d for d in at.get("download_button")}


def test_export_offers_keras_script_savedmodel_and_curl(open_app, finished):
    at = open_app(PAGE, run="r9", **finished.to_query())
    assert not at.exception, [e.value for e in at.exception]
    downloads = _downloads(at)
    assert "Download the trained model (.keras)" in downloads
    assert "Download a standalone Keras script (.py)" in downloads
    assert at.button(key="savedmodel_prepare").label == "Prepare the TensorFlow SavedModel (.zip)"
    curl = [c.value for c in at.code if c.value.startswith("curl")]
    assert curl and "/v1/runs/r9/predict" in curl[0] and '"inputs":[[0.5,-1.0]]' in curl[0]


def test_a_ready_savedmodel_is_a_download(open_app, finished, runner):
    export = runner.store.artifacts_dir("r9") / "export"
    export.mkdir(parents=True, exist_ok=True)
    (export / "r9-savedmodel.zip").write_bytes(b"PK")
    at = open_app(PAGE, run="r9", **finished.to_query())
    assert "Download the TensorFlow SavedModel (.zip)" in _downloads(at)
    assert not [b for b in at.button if b.key == "savedmodel_prepare"]


def test_a_file_over_the_limit_is_named_with_a_command(open_app, finished, monkeypatch):
    monkeypatch.setenv("SYNAPTIC_MAX_DOWNLOAD_MB", "0.0001")  # 100 bytes: the 1000-byte model is too big
    at = open_app(PAGE, run="r9", **finished.to_query())
    assert "Download the trained model (.keras)" not in _downloads(at)
    assert any("export r9 --format keras" in c.value for c in at.code)
