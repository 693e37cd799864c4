"""The data section's read side: load a preview (cached), say where the data came from, offer the
full download, and show a few samples.

Loading goes through ``synaptic_core.data.load_dataset`` exactly as a job would, so the label
shown ("MNIST — bundled sample, 10,000 of 10,000 training images used, offline") is the one the
run will report. Only a small slice is kept in the cache (``st.cache_data`` pickles what it
returns), plus the counts and shapes the other widgets need.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from synaptic_core.specs import PARAMS, RunSpec
from synaptic_core.text_safety import md_escape

log = logging.getLogger(__name__)

N_PREVIEW = 24


def data_spec(spec: RunSpec) -> RunSpec:
    """Only the parameters that change the data (section "data", and the shuffling seed), so the
    cache is not keyed on the learning rate."""
    values = spec.as_dict()
    return RunSpec.from_mapping({p.name: values[p.name] for p in PARAMS if p.section == "data" or p.name == "seed"})


@st.cache_data(show_spinner="Loading the dataset…", max_entries=32)
def load_preview(spec_json: str) -> dict[str, Any]:
    """Load the data a spec describes (no network) and keep what the page shows of it."""
    from synaptic_core.data import load_dataset

    ds = load_dataset(RunSpec.from_json(spec_json), fallback_to_bundled=True)
    toy = ds.task == "toy"
    n = len(ds.y_train) if toy else min(N_PREVIEW, len(ds.y_train))
    return {
        "task": ds.task, "source": ds.source, "source_label": ds.source_label, "notes": list(ds.notes),
        "class_names": list(ds.class_names), "n_available": int(ds.n_train_available),
        "n_used": int(len(ds.y_train)), "input_shape": tuple(ds.input_shape),
        # toy sets: the raw 2-D points (the model's inputs may be other features of them: data.toy)
        "x": ds.extra.get("points_train", ds.x_train)[:n], "y": ds.y_train[:n],
        "x_test": ds.extra.get("points_test", ds.x_test) if toy else None, "y_test": ds.y_test if toy else None,
    }


def source_panel(spec: RunSpec, info: Any, preview: dict[str, Any]) -> None:
    """Where the data comes from and how much is used; the full download when only a sample is here."""
    st.caption(f"**Source:** {md_escape(preview['source_label'])}")
    for note in preview["notes"]:
        st.warning(md_escape(note))
    if preview["source"] == "bundled" and info.downloadable:
        if st.button(f"Download full {info.title}", key="download_data",
                     help="Fetches the complete set into the Keras cache (~/.keras/datasets) once."):
            download_with_progress(info)


def download_with_progress(info: Any) -> None:
    """Run ``synaptic_core.data.download`` with a progress bar; errors say why, offline included."""
    from synaptic_core.data import DataError, download

    bar = st.progress(0.0, text=f"Downloading {info.title}…")
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] < 0.2 and done < total:
            return
        last[0] = now
        frac = min(done / total, 1.0) if total else 0.0
        bar.progress(frac, text=f"Downloading {info.title}: {done / 1e6:.1f} of {total / 1e6:.1f} MB")

    try:
        path = download(info.name, progress=progress)
    except (DataError, OSError) as exc:
        log.exception("download of %s failed", info.name)
        bar.empty()
        st.error(f"Could not download {info.title}: {md_escape(exc)} If this server is offline, the bundled sample "
                 "keeps working: you can train on it now.")
        return
    bar.progress(1.0, text=f"{info.title} downloaded to {path}")
    load_preview.clear()
    st.rerun()


def _toy_scatter(preview: dict[str, Any]) -> go.Figure:
    from synaptic_core.viz.boundary import class_colors

    colors = class_colors(len(preview["class_names"]))
    fig = go.Figure()
    for split, x, y, symbol in (("train", preview["x"], preview["y"], "circle"),
                                ("test", preview["x_test"], preview["y_test"], "circle-open")):
        for k, name in enumerate(preview["class_names"]):
            pts = np.asarray(x)[np.asarray(y) == k]
            fig.add_trace(go.Scattergl(x=pts[:, 0], y=pts[:, 1], mode="markers", name=f"{name} ({split})",
                                       marker=dict(color=colors[k], symbol=symbol, size=6)))
    fig.update_layout(height=360, margin=dict(l=10, r=10, t=10, b=10))
    fig.update_yaxes(scaleanchor="x", scaleratio=1)
    return fig


def preview_samples(preview: dict[str, Any]) -> None:
    """A grid of images with their labels, the toy points, or the first rows of a table."""
    names = preview["class_names"]
    if preview["task"] == "image":
        from ui.figure_cache import image_grid  # built once per process: the same for every open

        titles = tuple(names[int(k)] for k in preview["y"])
        # fits the controls column of a 1280-pixel window (296 px): a wider figure is squeezed, its pixels stretched
        st.plotly_chart(image_grid(preview["x"], titles, cols=8, zoom=2.0, font_size=9, max_width=290,
                                   caption_chars=12), key="data_preview", width="content")
    elif preview["task"] == "toy":
        st.plotly_chart(_toy_scatter(preview), key="data_preview", width="stretch")
    else:
        frame = pd.DataFrame(preview["x"][:8]).add_prefix("f")
        if names:
            frame.insert(0, "label", [names[int(k)] for k in preview["y"][:8]])
        else:  # a regression: the target, standardised on the training rows as the network sees it
            frame.insert(0, "target (standardised)", [float(v) for v in preview["y"][:8]])
        st.dataframe(frame.head(8))
