"""The data widgets beyond one parameter each: classes to keep, the training subset, the source.

They edit the spec through a ``Form`` like every other widget (``ui.param_widgets``), and honour its
``locked`` (drawn disabled) and ``hidden`` (not drawn, the spec's value kept) sets as ``Form.param`` does.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Sequence

import streamlit as st

from synaptic_core.specs import PARAM_BY_NAME
from synaptic_core.text_safety import md_escape
from ui import page_state as ps
from ui.param_widgets import Form

log = logging.getLogger(__name__)


def classes(form: Form, info: Any) -> None:
    """Keep only some classes (sets with more than two)."""
    if info.n_classes <= 2:
        return
    if "classes" in form.hidden:  # a class hides it: the teacher's value, no widget (as Form.param)
        form.values["classes"] = form.spec.classes
        return
    key = ps.seed(form.page, "classes", list(form.spec.classes))
    st.session_state[key] = [c for c in st.session_state[key] if 0 <= c < info.n_classes]
    chosen = st.multiselect(form.label("classes"), list(range(info.n_classes)), default=st.session_state[key], key=key,
                            format_func=lambda c: info.class_names[c], disabled="classes" in form.locked,
                            help=PARAM_BY_NAME["classes"].help + " Empty = all classes.")
    form.values["classes"] = tuple(chosen)


def subset_slider(form: Form, n_available: int) -> None:
    """Training examples used, 1..what the source has; at the end of the range it means "all"."""
    if "subset" in form.hidden:  # a class hides it: the teacher's value, no widget (as Form.param)
        form.values["subset"] = form.spec.subset
        return
    key = form.page.wkey("subset")
    if not 1 <= st.session_state.get(key, 0) <= n_available:
        st.session_state[key] = n_available
    value = st.slider("Training examples used", 1, max(n_available, 2), st.session_state[key], key=key,
                      help=PARAM_BY_NAME["subset"].help,  # default = value: see ui/param_widgets.Form.param
                      disabled="subset" in form.locked)
    spec = form.spec
    keep = value >= n_available and (spec.subset == 0 or spec.subset >= n_available)
    form.values["subset"] = spec.subset if keep else value


def source_caption(name: str) -> None:
    """Where the dataset would load from (no loading, no network)."""
    from synaptic_core.data import resolve_source

    try:
        st.caption(f"**Source:** {md_escape(resolve_source(name).label)}")
    except Exception as exc:  # a missing file is reported by the run itself; the page stays usable
        log.exception("resolving the source of %s", name)
        st.caption(f"Source unknown: {md_escape(exc)}")


def tabs(form: Form, data_params: Sequence[str] = (), data: Callable[[Form, Any], None] | None = None) -> Any:
    """The Data / Model / Training tabs of a page that trains; returns the DatasetInfo picked.

    The data tab holds the dataset picker, where it loads from, then ``data_params`` (one
    widget each) or the page's own ``data(form, info)``; the other two tabs are the same on
    every page: the model picker with the layers the model reads, and the training settings.
    """
    data_tab, model_tab, train_tab = st.tabs(["Data", "Model", "Training"])
    with data_tab:
        info = form.dataset_picker()
        source_caption(info.name)
        for name in data_params:
            form.param(name)
        if data is not None:
            data(form, info)
    with model_tab:
        form.model_picker(info)
        form.architecture()
    with train_tab:
        form.training()
    return info
