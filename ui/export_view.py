"""The Export part of a finished run's results: the trained .keras file, the TensorFlow SavedModel (zipped on
demand), the standalone Keras script and the ``curl`` line for ``serve``.

Why a module of its own: every page's results end with it (``ui/results.py`` for classification, the
regression view, the sequence pages), and it is the one place that hands files to a browser. The files
are made by the core (``synaptic_core.runs.exports``; the SavedModel in a child process, so TensorFlow
never loads in the Streamlit process). ``st.download_button`` keeps a payload in Streamlit's in-memory
media store, so a file over ``$SYNAPTIC_MAX_DOWNLOAD_MB`` is not offered: the page names the ``export``
command that writes it on the server instead. Errors quote outside text: they are shown escaped.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from synaptic_core.text_safety import md_text
from ui.services import get_store


def _too_big(path: Path, what: str, command: str) -> bool:
    """True (and says so, with the command that writes it on the server) when ``path`` is over the
    download limit: a browser download through Streamlit holds the whole file in the server's memory."""
    from synaptic_core.runs.exports import LIMIT_ENV, download_limit

    size = path.stat().st_size
    if size <= download_limit():
        return False
    st.caption(md_text("The {} is {} MB, more than this server hands to a browser ({} MB, {}). On the server: ",
                       what, f"{size / 1e6:,.0f}", f"{download_limit() / 1e6:,.0f}", LIMIT_ENV))
    st.code(command, language="bash")
    return True


def model_download(run_id: str, model_path: str | None) -> None:
    """The trained .keras file as a download (read only when clicked), then the run's other exports."""
    if not model_path or not Path(model_path).is_file():
        st.caption("The model file of this run is not available.")
        return
    keras_cmd = f"python -m synaptic_core export {run_id} --format keras --out {run_id}.keras"
    if not _too_big(Path(model_path), "model file", keras_cmd):
        st.download_button("Download the trained model (.keras)", data=lambda: Path(model_path).read_bytes(),
                           file_name=f"synaptichub-{run_id}.keras", mime="application/octet-stream",
                           key="model_download", on_click="ignore")
    exports(run_id)


def _prepare_savedmodel(run_id: str) -> None:
    """Button callback: write and zip the SavedModel in a child process (TensorFlow stays out of the server)."""
    from synaptic_core.export.errors import ExportError
    from synaptic_core.runs.exports import savedmodel_zip

    try:
        with st.spinner("Writing the SavedModel (a few seconds)…"):
            savedmodel_zip(get_store(), run_id)
    except ExportError as exc:
        st.session_state[f"savedmodel_error_{run_id}"] = str(exc)


def _script_text(run_id: str) -> tuple[str | None, str | None]:
    """(the run's training script, or None; why not), written once per session and run."""
    from synaptic_core.export.errors import ExportError
    from synaptic_core.runs.exports import script_file

    cache = st.session_state.setdefault("export_scripts", {})
    if run_id not in cache:
        try:
            cache[run_id] = (script_file(get_store(), run_id).read_text(encoding="utf-8"), None)
        except ExportError as exc:
            cache[run_id] = (None, str(exc))
    return cache[run_id]


def exports(run_id: str) -> None:
    """SavedModel (zip, built on demand), the standalone Keras script, and the curl line for ``serve``."""
    from synaptic_core.runs.exports import curl_for, export_dir

    with st.container(key="exports"):
        st.markdown("**Export**")
        archive = export_dir(get_store(), run_id) / f"{run_id}-savedmodel.zip"
        saved_cmd = f"python -m synaptic_core export {run_id} --format savedmodel --out {run_id}-savedmodel"
        if archive.is_file():
            if not _too_big(archive, "SavedModel", saved_cmd):
                st.download_button("Download the TensorFlow SavedModel (.zip)", data=lambda: archive.read_bytes(),
                                   file_name=archive.name, mime="application/zip", key="savedmodel_download",
                                   on_click="ignore")
        else:
            st.button("Prepare the TensorFlow SavedModel (.zip)", key="savedmodel_prepare",
                      on_click=_prepare_savedmodel, args=(run_id,),
                      help="For TensorFlow Serving, TFLite and other tools: written once, kept for the next download.")
        if error := st.session_state.pop(f"savedmodel_error_{run_id}", None):
            st.error(md_text("Could not write the SavedModel: {}", error))
        script, why = _script_text(run_id)
        if script is not None:
            st.download_button("Download a standalone Keras script (.py)", data=script, file_name=f"train_{run_id}.py",
                               mime="text/x-python", key="script_download", on_click="ignore",
                               help="Plain Python with Keras and NumPy: the same data, model, optimizer and seed.")
        else:
            st.caption(md_text("No training script for this run: {}", why))
        data = get_store().events(run_id, types=["data"])
        command, real = curl_for(run_id, data[-1] if data else None)
        st.caption("Predict with this model over HTTP: start `python -m synaptic_core serve` on this machine, then")
        st.code(command, language="bash", wrap_lines=True)
        if not real:
            st.caption("Replace the null with one input of this run's kind (see /docs on the server).")
