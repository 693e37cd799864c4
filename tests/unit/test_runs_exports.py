"""A finished run's exports for the results view (synaptic_core/runs/exports.py): the SavedModel written by a
child process and zipped from disk, the training script, the curl line, the download limit."""

from __future__ import annotations

import zipfile

import pytest

from synaptic_core.export import ExportError
from synaptic_core.runs import exports
from synaptic_core.store import RunStore


@pytest.fixture
def store(tmp_path):
    s = RunStore(tmp_path / "home" / "runs.db")
    yield s
    s.close()


def _toy_run(store: RunStore) -> str:
    """A finished xor run whose model file the app wrote (built here, untrained: enough to export)."""
    from synaptic_core.models import build_model
    from synaptic_core.presets import layered_spec

    spec = layered_spec({"dataset": "xor", "model": "mlp", "hidden": (4,)})
    run_id = store.create_run(spec, owner="o-x")
    folder = store.artifacts_dir(run_id)
    folder.mkdir(parents=True)
    model = build_model(spec, (2,), 2)
    model.save(folder / "model.keras")
    store.set_result(run_id, {"params": int(model.count_params()), "test": {"accuracy": 0.5},
                              "model_path": str(folder / "model.keras")}, status="done")
    return run_id


def test_savedmodel_zip_is_built_once_by_a_child_process(store):
    run_id = _toy_run(store)
    archive = exports.savedmodel_zip(store, run_id)
    assert archive.parent == exports.export_dir(store, run_id) and archive.is_file()
    with zipfile.ZipFile(archive) as zf:
        names = zf.namelist()
    assert "savedmodel/saved_model.pb" in names and any(n.startswith("savedmodel/variables/") for n in names)
    stamp = archive.stat().st_mtime_ns
    assert exports.savedmodel_zip(store, run_id) == archive and archive.stat().st_mtime_ns == stamp  # reused
    assert not list(archive.parent.glob("*.part"))


def test_savedmodel_of_a_run_without_a_model_says_why(store):
    run_id = store.create_run({"dataset": "xor"}, owner="o-x", status="failed")
    with pytest.raises(ExportError, match="only a finished run"):
        exports.savedmodel_zip(store, run_id)
    assert not (exports.export_dir(store, run_id) / f"{run_id}-savedmodel.zip").exists()


def test_zip_folder_keeps_the_tree(tmp_path):
    src = tmp_path / "saved"
    (src / "variables").mkdir(parents=True)
    (src / "saved_model.pb").write_bytes(b"pb")
    (src / "variables" / "v.data").write_bytes(b"x" * 5000)
    out = exports.zip_folder(src, tmp_path / "out.zip")
    with zipfile.ZipFile(out) as zf:
        assert sorted(zf.namelist()) == ["saved/saved_model.pb", "saved/variables/v.data"]
        assert zf.read("saved/variables/v.data") == b"x" * 5000


def test_script_and_curl(store):
    run_id = _toy_run(store)
    script = exports.script_file(store, run_id).read_text()
    assert "import keras" in script and "def build_model" in script
    command, real = exports.curl_for(run_id, {"task": "toy", "input_shape": [2]})
    assert real and command.startswith("curl -s -X POST http://127.0.0.1:8000/v1/runs/" + run_id + "/predict")
    assert '"inputs":[[0.5,-1.0]]' in command
    image, real = exports.curl_for(run_id, {"task": "image", "input_shape": [28, 28, 1]})
    assert real and '"inputs":["iVBOR' in image  # a base64 PNG
    _, real = exports.curl_for(run_id, {"task": "tabular", "input_shape": [60]})
    assert not real


def test_download_limit(monkeypatch):
    monkeypatch.delenv(exports.LIMIT_ENV, raising=False)
    assert exports.download_limit() == 256_000_000
    monkeypatch.setenv(exports.LIMIT_ENV, "0.5")
    assert exports.download_limit() == 500_000
    monkeypatch.setenv(exports.LIMIT_ENV, "lots")
    assert exports.download_limit() == 256_000_000
