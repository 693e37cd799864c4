"""A finished run's exports as files a results view can hand out: SavedModel zip, training script, curl line.

Why files on disk, built on demand: a page redraws often and many people share one server, so
nothing is built until someone asks, and what is built stays in the run's own folder
(``<artifacts>/<run_id>/export/``) for the next person. The SavedModel needs TensorFlow, which
the Streamlit process never imports (seconds and hundreds of MB), so it is written by a child
process (``python -m synaptic_core.runs.exports DB RUN_ID OUT``, i.e. ``export_run``), then zipped
file by file, so no file is ever read into memory whole.

A browser download through Streamlit holds the whole payload in the server's memory
(``st.download_button`` keeps it in its in-memory media store), so a page offers a file only up
to :func:`download_limit` bytes; a larger one is named with the command that writes it on the
server instead.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

from synaptic_core.export.errors import ExportError

LIMIT_ENV = "SYNAPTIC_MAX_DOWNLOAD_MB"
DEFAULT_LIMIT_MB = 256
EXPORT_TIMEOUT_S = 300
SERVE_URL = "http://127.0.0.1:8000"  # `python -m synaptic_core serve`'s default address


def download_limit() -> int:
    """Bytes a page may hand to a browser (``$SYNAPTIC_MAX_DOWNLOAD_MB``, default 256 MB)."""
    text = os.environ.get(LIMIT_ENV, "").strip()
    try:
        mb = float(text) if text else DEFAULT_LIMIT_MB
    except ValueError:
        mb = DEFAULT_LIMIT_MB
    return int(max(mb, 0) * 1_000_000)


def export_dir(store: Any, run_id: str) -> Path:
    return Path(store.artifacts_dir(run_id)) / "export"


def savedmodel_zip(store: Any, run_id: str, timeout: float = EXPORT_TIMEOUT_S) -> Path:
    """The run's SavedModel as a zip in its export folder (built once; later calls reuse it).

    Raises ExportError with the exporter's own message (run not finished, no model file...).
    """
    folder = export_dir(store, run_id)
    archive = folder / f"{run_id}-savedmodel.zip"
    if archive.is_file():
        return archive
    saved = folder / "savedmodel"
    if not saved.is_dir():
        folder.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "synaptic_core.runs.exports", str(store.path), run_id, str(saved)]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise ExportError(f"writing the SavedModel of run {run_id} took more than {timeout:.0f} s.",
                              "timeout") from None
        if done.returncode != 0:
            lines = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
            message = lines[-1][len("error: "):] if lines else f"the exporter failed (exit {done.returncode})."
            raise ExportError(message, "savedmodel")
    zip_folder(saved, archive)
    return archive


def zip_folder(folder: Path, archive: Path) -> Path:
    """``folder``'s files into ``archive`` (paths relative to the folder's parent), written beside it
    and renamed at the end, so a half-written zip is never offered."""
    part = archive.with_name(archive.name + ".part")
    with zipfile.ZipFile(part, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.is_symlink():
                zf.write(path, path.relative_to(folder.parent))  # streamed from disk in blocks
    os.replace(part, archive)
    return archive


def script_file(store: Any, run_id: str) -> Path:
    """The standalone Keras training script of the run (``export_run(..., "script")``), rewritten each time
    (cheap, and it reads the data path the app would use now). ExportError when it cannot be written."""
    from synaptic_core.export.run import export_run

    out = export_dir(store, run_id) / f"train_{run_id}.py"
    return export_run(run_id, "script", out, store=store, force=True)


def curl_for(run_id: str, data_event: dict | None, base_url: str = SERVE_URL) -> tuple[str, bool]:
    """(the exact ``curl`` that asks this run for one prediction through ``serve``, whether its example
    input is a real one). A task with no ready-made example (a table's row) gets the right URL and a
    placeholder body."""
    from synaptic_core.serving.views import curl_command, example_input

    task, shape = (data_event or {}).get("task"), (data_event or {}).get("input_shape")
    command = curl_command(base_url, run_id, task, shape)
    return command, example_input(task, shape) is not None


def main(argv: list[str] | None = None) -> int:
    """``python -m synaptic_core.runs.exports DB RUN_ID OUT``: write the run's SavedModel (the child process)."""
    from synaptic_core.export.run import export_run
    from synaptic_core.store import RunStore

    db, run_id, out = (argv if argv is not None else sys.argv[1:])[:3]
    try:
        export_run(run_id, "savedmodel", out, store=RunStore(db))
    except ExportError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
