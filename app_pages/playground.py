"""Playground: pick data, build a network, train it in a job process and watch it learn.

Widgets -> RunSpec -> runner -> figures, through the one page controller (``ui.controller``):
the spec comes from the URL and goes back to it on every run (plus ``run=<id>``), so a link
reproduces the page, run included. Training runs in the job runner's processes, never in
this script; the live view polls it from a fragment. This file holds only what is the
playground's own: its tabs, the data preview and the model summary.
"""

import logging

import streamlit as st

from synaptic_core.specs import RunSpec
from synaptic_core.text_safety import md_text
from ui import data_panel, data_widgets, page_state, summary, uploads
from ui.controller import Form, TrainPage, run_page

log = logging.getLogger(__name__)

# Classification on fixed-size inputs; the sequence sets have their own pages. Widget keys are
# w_<param> (kept from the first version: links and tests rely on them).
PAGE = TrainPage("pg", "app_pages/playground.py", tasks=("image", "toy", "tabular"), widget_prefix="w_",
                 train_params=("optimizer", "lr", "batch_size", "epochs", "early_stopping", "reduce_lr", "l2",
                               "validation_split", "augment", "imbalance", "loss", "seed"), recent_all=True)


def _preview(spec: RunSpec) -> dict | None:
    try:
        return data_panel.load_preview(data_panel.data_spec(spec).to_json())
    except Exception as exc:  # DataError or a broken file: say so, keep the page usable
        log.exception("loading %s for the preview", spec.dataset)
        st.error(md_text("Could not load {}: {}", spec.dataset, exc))
        return None


def _widgets(form: Form) -> None:
    data_tab, model_tab, train_tab = st.tabs(["Data", "Model", "Training"])
    with data_tab:
        if "dataset" not in form.locked | form.hidden:  # a class that fixes the dataset leaves nothing to upload for
            uploads.upload_section(PAGE, form.spec)  # a CSV or a zip of image folders, then picked like any dataset
        info = form.dataset_picker()
        for name in ("noise", "n_points", "train_ratio", "features") if info.task == "toy" else ("source",):
            form.param(name)
        data_widgets.classes(form, info)
        toy = info.task == "toy"
        subset = form.spec.subset if toy else st.session_state[page_state.seed(PAGE, "subset", form.spec.subset)]
        preview = _preview(form.spec.replace(**form.values, subset=subset))
        if preview is not None:
            if not toy:
                data_widgets.subset_slider(form, preview["n_available"])
            data_panel.source_panel(form.spec, info, preview)
            data_panel.preview_samples(preview)
        elif info.downloadable and st.button(f"Download {info.title}", key="download_data"):  # CIFAR-100: on request
            data_panel.download_with_progress(info)
    with model_tab:
        form.model_picker(info)
        form.architecture()
    with train_tab:
        form.training()
    with model_tab:
        summary.summary_expander(form.apply()[0], preview)


st.title("Playground")
run_page(PAGE, _widgets, lr_finder=True)
