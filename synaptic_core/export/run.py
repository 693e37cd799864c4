"""``export_run(run_id, fmt, out)``: a finished run of the store as a file someone can take away.

Formats:

* ``keras``: a copy of the run's ``.keras`` file;
* ``savedmodel``: a TensorFlow SavedModel written by Keras 3's ``model.export`` (inference
  only: ``tf.saved_model.load(out).serve(x)``), for TF Serving, TFLite converters and the like;
* ``script``: a standalone Keras training script generated from the run's spec
  (``spec_to_script``), which reads by default the data file the app reads now.

Only files the app wrote are loaded: the model must be the run's own, inside the store's
artifacts folder for that run (an uploaded or moved file is refused). Nothing is overwritten
unless asked (``force``, files only); a failed export leaves no partial output.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from synaptic_core.export.errors import ExportError

FORMATS = ("keras", "savedmodel", "script")
FINISHED = ("done", "stopped")  # a stopped run kept the weights it had learned and has a result


def export_run(run_id: str, fmt: str, out: str | os.PathLike, store: Any = None, force: bool = False) -> Path:
    """Write run ``run_id`` of ``store`` (default: the store at $SYNAPTIC_HOME) as ``fmt`` to ``out``.

    Raises ExportError (``kind``: format, unknown-run, not-done, no-model, exists, unsupported).
    Returns the path written.
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}: choose one of {', '.join(FORMATS)}.", "format")
    if store is None:
        from synaptic_core.store import RunStore

        store = RunStore()
    run = store.get_run(run_id)
    if run is None:
        raise ExportError(f"run {run_id!r} not found in {store.path}.", "unknown-run")
    if run["status"] not in FINISHED or not run.get("result"):
        raise ExportError(f"run {run_id} is {run['status']}: only a finished run (done, or stopped with its "
                          "weights kept) can be exported.", "not-done")
    out = Path(out)
    if out.exists() or out.is_symlink():
        if not (force and out.is_file() and fmt != "savedmodel"):
            raise ExportError(f"{out} already exists: choose another path"
                              + (" or pass --force to replace the file." if out.is_file() else "."), "exists")
    if fmt == "script":
        from synaptic_core.export.script import run_note, spec_to_script

        kind, path = resolve_data(run["spec"])
        about = "\n\n".join(x for x in (run_note(run), _data_warning(run, kind, path)) if x)
        source = spec_to_script(run["spec"], data_path=path, about=about)
        _write_atomic(out, source.encode("utf-8"))
        return out
    model = model_file(store, run)
    if fmt == "keras":
        _write_atomic(out, model.read_bytes())
    else:
        _savedmodel(model, out)
    return out


def model_file(store: Any, run: dict[str, Any]) -> Path:
    """The run's .keras file, only when it lies in the store's artifacts folder of that run."""
    path_text = (run.get("result") or {}).get("model_path")
    if not path_text:
        raise ExportError(f"run {run['id']} has no model file.", "no-model")
    path = Path(path_text).resolve()
    root = Path(store.artifacts_dir(run["id"])).resolve()
    if not path.is_relative_to(root) or path.suffix != ".keras":
        raise ExportError(f"run {run['id']}: its model file {path} is not in the run's artifacts folder "
                          f"({root}), so it was not written by this app and is not loaded.", "no-model")
    if not path.is_file():
        raise ExportError(f"run {run['id']}: its model file {path} is missing.", "no-model")
    return path


def default_data_path(spec: Any) -> str | None:
    """The data file the app would read for this spec now (None: generated, or Keras' own cache/loader)."""
    return resolve_data(spec)[1]


def resolve_data(spec: Any) -> tuple[str | None, str | None]:
    """(source kind, file) the app would load this spec's data from now: ("local", "/data/mnist.npz"),
    ("keras-cache", None) (the script then uses Keras' loader), ("generated", None), (None, None) if unknown."""
    from synaptic_core.data import DataError, resolve_source

    values = spec if isinstance(spec, dict) else spec.as_dict()
    name, source = values.get("dataset"), values.get("source", "auto")
    try:
        src = resolve_source(name)
    except (DataError, KeyError, ValueError):
        return None, None
    kind, path = src.source, src.path
    if source == "bundled" and kind != "bundled":
        kind, path = "bundled", _bundled_path(name) or path
    elif kind in ("generated", "keras-cache", "download"):
        return kind, None
    return kind, (str(path) if path is not None and Path(path).exists() else None)


def _data_warning(run: dict[str, Any], kind: str | None, path: str | None) -> str:
    """A note for the script when the app would now read other data than the run did (another data dir)."""
    ran = (run.get("result") or {}).get("source")
    same = {ran, kind} <= {"keras-cache", "download"} or ran == kind
    if not ran or not kind or same:
        return ""
    return (f"NOTE: the run read its data from the {ran} source, but the app would now read the {kind} one"
            + (f" ({path})" if path else "") + ": pass --data with the run's file to train on the same examples.")


def _bundled_path(name: str) -> Path | None:
    """The bundled copy in assets/data for ``spec.source = bundled`` (the loader's choice then)."""
    try:
        from synaptic_core.data.registry import get_entry
        from synaptic_core.data.sources import bundled_path

        return bundled_path(get_entry(name))
    except Exception:  # noqa: BLE001 - a set the image/table registry does not hold: the sequence table
        pass
    try:
        from synaptic_core.sequences.datasets import ENTRIES, locate

        return locate(name, "bundled")[1] if name in ENTRIES else None
    except Exception:  # noqa: BLE001 - no bundled copy known: the caller keeps the resolved path
        return None


def _write_atomic(out: Path, data: bytes) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _savedmodel(model_path: Path, out: Path) -> None:
    """Keras 3's ``model.export(format="tf_saved_model")``, into a temporary folder renamed at the end."""
    import keras

    model = keras.saving.load_model(model_path, compile=False)  # the app's own file (checked by model_file)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.", suffix=".part"))
    try:
        model.export(str(tmp), format="tf_saved_model", verbose=False)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
