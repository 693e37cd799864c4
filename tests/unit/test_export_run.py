"""Exporting runs: scripts that run in a fresh process, SavedModel round trip, .keras copy, CLI errors.

The script runs are the issue's contract: ``python SCRIPT --epochs 1`` in a fresh process (a
temporary working folder, no network, the venv's python) prints one JSON line whose ``params``
equal the parameter count of the model the app builds from the same spec, and whose example
counts equal the app's (so it read the same data). Five runs; TensorFlow's import costs ~4 s each.
"""

from __future__ import annotations

import json
import lzma
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from synaptic_core.export import ExportError, default_data_path, export_run, spec_to_script
from synaptic_core.export.support import task_of
from synaptic_core.presets import layered_spec
from synaptic_core.store import RunStore


def run_script(path: Path, *args: str, cwd: Path, epochs: int = 1, timeout: int = 300) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "SYNAPTIC_DATA_DIR"}
    env.update(TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="")
    out = subprocess.run([sys.executable, str(path), "--epochs", str(epochs), *args], cwd=cwd, capture_output=True,
                         text=True, timeout=timeout, env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    lines = [line for line in out.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, out.stdout  # ONE line on stdout: the JSON result
    return json.loads(lines[0])


def tiny_mnist(path: Path) -> Path:
    """An .npz in the layout of Keras' mnist.npz: (N, 28, 28) uint8 images, (N,) uint8 labels."""
    rng = np.random.default_rng(0)
    np.savez(path, x_train=rng.integers(0, 256, (240, 28, 28), dtype=np.uint8),
             y_train=rng.integers(0, 10, 240).astype(np.uint8),
             x_test=rng.integers(0, 256, (50, 28, 28), dtype=np.uint8), y_test=rng.integers(0, 10, 50).astype(np.uint8))
    return path


def tiny_reviews(path: Path) -> Path:
    """A few reviews as JSON lines in the layout of imdb_reviews.jsonl.xz (split, label, text)."""
    rng = np.random.default_rng(1)
    good, bad = ["great", "wonderful", "loved", "fine"], ["awful", "boring", "hated", "weak"]
    rows = []
    for split, n in (("train", 120), ("test", 40)):
        for i in range(n):
            label = int(rng.integers(0, 2))
            words = rng.choice(good if label else bad, 6).tolist() + ["the", "film", f"w{i % 17}", "<br />"]
            rows.append({"split": split, "label": str(label), "text": " ".join(rng.permutation(words).tolist())})
    with lzma.open(path, "wt", encoding="utf-8") as f:
        f.writelines(json.dumps(r) + "\n" for r in rows)
    return path


CASES = {
    "logreg-circle": ({"dataset": "circle", "model": "logreg", "n_points": 200}, None),
    "mlp-sonar": ({"dataset": "sonar", "model": "mlp", "hidden": (16,)}, None),
    "cnn-mnist": ({"dataset": "mnist", "model": "cnn", "filters": (4, 8), "hidden": (16,), "subset": 200,
                   "batch_size": 32}, ("mnist.npz", tiny_mnist)),
    "lstm-imdb": ({"dataset": "imdb", "model": "lstm", "units": 8, "embed_dim": 8, "vocab_size": 200, "seq_len": 20,
                   "batch_size": 32}, ("imdb_reviews.jsonl.xz", tiny_reviews)),
    "lstm-airline": ({"dataset": "airline-passengers", "model": "lstm"}, None),  # the seed's airline LSTM
}


@pytest.mark.parametrize("name", list(CASES))
def test_exported_script_runs_in_a_fresh_process_with_the_apps_parameter_count(name, tmp_path, monkeypatch):
    from synaptic_core.data import load_dataset
    from synaptic_core.models import build_model

    values, data_file = CASES[name]
    spec = layered_spec(values)
    args: list[str] = []
    data_path = default_data_path(spec)
    if data_file:  # a file written here, read by the app (data dir) and by the script (--data)
        data_dir = tmp_path / "data"
        data_dir.mkdir()
        path = data_file[1](data_dir / data_file[0])
        monkeypatch.setenv("SYNAPTIC_DATA_DIR", str(data_dir))
        args, data_path = ["--data", str(path)], None
    ds = load_dataset(spec)
    task = task_of(spec.dataset)
    vocab = len(ds.extra["vocab"]) + 2 if task == "text" else None
    app_params = build_model(spec, ds.input_shape, ds.n_classes, task=task, vocab=vocab).count_params()

    script = tmp_path / f"{name}.py"
    script.write_text(spec_to_script(spec, data_path=data_path))
    work = tmp_path / "cwd"
    work.mkdir()
    out = run_script(script, *args, cwd=work)

    assert out["params"] == app_params
    n_val = int(len(ds.x_train) * spec.validation_split)
    assert (out["n_train"], out["n_val"], out["n_test"]) == (len(ds.x_train) - n_val, n_val, len(ds.x_test))
    assert out["epochs_run"] == 1
    expected = {"rmse", "loss"} if task == "series" else {"loss", "accuracy"}
    assert expected <= set(out["test"]) and all(np.isfinite(v) for v in out["test"].values())


def test_script_without_its_data_file_says_how_to_pass_one(tmp_path):
    script = tmp_path / "sonar.py"
    script.write_text(spec_to_script(layered_spec({"dataset": "sonar", "model": "logreg"}), data_path=None))
    ns: dict = {"__name__": "exported"}
    exec(compile(script.read_text(), str(script), "exec"), ns)
    assert ns["DATA"] is None and "sonar.all-data" in ns["DATA_HELP"]
    sys_argv = sys.argv
    try:
        sys.argv = [str(script), "--data", str(tmp_path / "missing.csv")]
        with pytest.raises(SystemExit, match="missing.csv not found: pass --data PATH"):
            ns["main"]()
    finally:
        sys.argv = sys_argv


# -- export_run and the CLI ---------------------------------------------------------------------------------

@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("SYNAPTIC_HOME", str(tmp_path / "home"))
    return RunStore(tmp_path / "home" / "runs.db")


def finished_run(store: RunStore, values: dict, shape: tuple, n_classes: int, status: str = "done",
                 model_path: str | None = "model.keras") -> tuple[str, object]:
    """A run as the job runner leaves it: spec, result, the model saved in the run's artifacts folder."""
    from synaptic_core.models import build_model

    spec = layered_spec(values)
    run_id = store.create_run(spec, owner="test")
    model = build_model(spec, shape, n_classes, task=task_of(spec.dataset))
    result = {"params": int(model.count_params()), "test": {"loss": 0.5, "accuracy": 0.75},
              "source_label": "generated"}
    if model_path:
        folder = store.artifacts_dir(run_id)
        folder.mkdir(parents=True, exist_ok=True)
        model.save(folder / model_path)
        result["model_path"] = str(folder / model_path)
    store.set_result(run_id, result, status=status)
    return run_id, model


def test_savedmodel_reloads_with_tensorflow_and_predicts_like_the_keras_model(home, tmp_path):
    import tensorflow as tf

    run_id, model = finished_run(home, {"dataset": "mnist", "model": "cnn", "filters": (4, 8), "hidden": (16,)},
                                 (28, 28, 1), 10)
    out = export_run(run_id, "savedmodel", tmp_path / "saved", store=home)
    reloaded = tf.saved_model.load(str(out))
    x = np.random.default_rng(0).integers(0, 256, (5, 28, 28, 1)).astype("float32")  # raw pixels, as the app takes
    expected = model.predict(x, verbose=0)
    got = reloaded.serve(x).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    assert got.argmax(axis=1).tolist() == expected.argmax(axis=1).tolist()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]  # no leftovers


def test_keras_export_is_the_runs_own_file_and_script_export_names_the_run(home, tmp_path):
    run_id, _ = finished_run(home, {"dataset": "circle", "model": "mlp", "hidden": (4,)}, (2,), 2)
    out = export_run(run_id, "keras", tmp_path / "copy.keras", store=home)
    assert out.read_bytes() == (home.artifacts_dir(run_id) / "model.keras").read_bytes()
    script = export_run(run_id, "script", tmp_path / "train.py", store=home)
    source = script.read_text()
    compile(source, str(script), "exec")
    assert f"Exported from run {run_id}" in source and "test accuracy 0.7500" in source
    with pytest.raises(ExportError) as err:
        export_run(run_id, "script", script, store=home)
    assert err.value.kind == "exists"
    export_run(run_id, "script", script, store=home, force=True)


def test_a_stopped_run_exports_and_its_script_says_it_trains_all_epochs(home, tmp_path):
    run_id, _ = finished_run(home, {"dataset": "gauss", "model": "logreg"}, (2,), 2, status="stopped")
    run = home.get_run(run_id)
    home.set_result(run_id, {**run["result"], "stopped": True, "epochs_run": 2}, status="stopped")
    source = export_run(run_id, "script", tmp_path / "gauss.py", store=home).read_text()
    assert "stopped by its user after 2 epoch(s); this script trains all EPOCHS" in " ".join(source.split())
    assert export_run(run_id, "keras", tmp_path / "gauss.keras", store=home).is_file()


def test_script_warns_when_the_app_would_now_read_other_data_than_the_run(home, tmp_path):
    run_id, _ = finished_run(home, {"dataset": "mnist", "model": "logreg"}, (28, 28, 1), 10)
    run = home.get_run(run_id)
    label = 'MNIST — local data dir (C:\\data """x"""), 10,000 of 60,000 training images used'
    home.set_result(run_id, {**run["result"], "source": "local", "source_label": label})
    source = export_run(run_id, "script", tmp_path / "mnist.py", store=home).read_text()
    ns: dict = {"__name__": "exported"}
    exec(compile(source, "mnist.py", "exec"), ns)  # outside text cannot end the docstring
    doc = " ".join(ns["__doc__"].split())
    assert "C:\\data \'\'\'x\'\'\'" in doc
    assert "NOTE: the run read its data from the local source, but the app would now read the bundled one" in doc
    assert ns["DATA"].endswith("mnist_sample.npz")


def test_a_model_file_outside_the_runs_artifacts_is_never_loaded(home, tmp_path):
    run_id, model = finished_run(home, {"dataset": "circle", "model": "logreg"}, (2,), 2, model_path=None)
    elsewhere = tmp_path / "upload.keras"
    model.save(elsewhere)
    run = home.get_run(run_id)
    home.set_result(run_id, {**run["result"], "model_path": str(elsewhere)})
    with pytest.raises(ExportError, match="not in the run's artifacts folder") as err:
        export_run(run_id, "savedmodel", tmp_path / "sm", store=home)
    assert err.value.kind == "no-model" and not (tmp_path / "sm").exists()


def cli(*args: str) -> int:
    from synaptic_core.cli import main

    return main(["export", *args])


def test_cli_exports_and_prints_the_path(home, tmp_path, capsys):
    run_id, _ = finished_run(home, {"dataset": "xor", "model": "logreg"}, (2,), 2)
    assert cli(run_id, "--format", "script", "--out", str(tmp_path / "xor.py"), "--json") == 0
    assert json.loads(capsys.readouterr().out) == {"run_id": run_id, "format": "script", "out": str(tmp_path / "xor.py")}
    assert (tmp_path / "xor.py").is_file()


@pytest.mark.parametrize("setup, fmt, words", [
    ("unknown", "keras", "run 'nope' not found"),
    ("queued", "script", "is queued: only a finished run"),
    ("failed", "keras", "is failed: only a finished run"),
    ("no-model", "keras", "has no model file"),
    ("deleted-model", "savedmodel", "model file .* is missing"),
    ("exists", "keras", "already exists"),
    ("augmented-mnist", "script", "augmentation of MNIST"),
])
def test_cli_errors_exit_2_with_a_clear_message(setup, fmt, words, home, tmp_path, capsys):
    out = tmp_path / "out"
    run_id = "nope"
    if setup in ("queued", "failed"):
        run_id = home.create_run(layered_spec({"dataset": "xor"}), owner="test")
        if setup == "failed":
            home.set_status(run_id, "failed", error="crash")
    elif setup == "no-model":
        run_id, _ = finished_run(home, {"dataset": "xor", "model": "logreg"}, (2,), 2, model_path=None)
    elif setup == "deleted-model":
        run_id, _ = finished_run(home, {"dataset": "xor", "model": "logreg"}, (2,), 2)
        (home.artifacts_dir(run_id) / "model.keras").unlink()
    elif setup == "exists":
        run_id, _ = finished_run(home, {"dataset": "xor", "model": "logreg"}, (2,), 2)
        out.write_text("keep me")
    elif setup == "augmented-mnist":
        run_id, _ = finished_run(home, {"dataset": "mnist", "model": "mlp", "hidden": (4,), "augment": True},
                                 (28, 28, 1), 10)
    assert cli(run_id, "--format", fmt, "--out", str(out)) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    import re
    assert re.search(words, err), err
    if setup == "exists":
        assert out.read_text() == "keep me"
    else:
        assert not out.exists()


def test_cli_rejects_an_unknown_format(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli("some-run", "--format", "onnx", "--out", "x")
    assert exit_.value.code == 2 and "invalid choice: 'onnx'" in capsys.readouterr().err


@pytest.mark.slow
def test_a_trained_run_exports_a_script_that_reproduces_its_parameter_count(tmp_path, monkeypatch):
    """The whole path: train through the CLI's job runner, export with the CLI, run the script."""
    env = {**os.environ, "SYNAPTIC_HOME": str(tmp_path / "home"), "TF_CPP_MIN_LOG_LEVEL": "2"}
    env.pop("SYNAPTIC_DATA_DIR", None)
    root = Path(__file__).resolve().parents[2]
    train = subprocess.run([sys.executable, "-m", "synaptic_core", "train", "--dataset", "spiral", "--model", "mlp",
                            "--hidden", "8,8", "--epochs", "2", "--json", "--quiet"], cwd=root, env=env,
                           capture_output=True, text=True, timeout=300)
    assert train.returncode == 0, train.stderr
    result = json.loads(train.stdout.strip().splitlines()[-1])
    script = tmp_path / "spiral.py"
    export = subprocess.run([sys.executable, "-m", "synaptic_core", "export", result["run_id"], "--format", "script",
                             "--out", str(script)], cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert export.returncode == 0, export.stderr
    out = run_script(script, cwd=tmp_path, epochs=2)
    assert out["params"] == result["params"] and out["n_train"] == result["n_train"]
    assert out["n_test"] == result["n_test"]
    # same data, same initial weights, same batch order: the same test accuracy (to rounding)
    assert out["test"]["accuracy"] == pytest.approx(result["test"]["accuracy"], abs=0.01)
