"""The model summary table (layer, type, output shape, parameters), before and after training.

Before training it is computed on request: building a Keras model imports TensorFlow (seconds),
which the Streamlit process must not pay for on page load. After a job starts, the job's own
``model`` event carries the same rows.
"""

from __future__ import annotations

import logging
from typing import Any, Sequence

import pandas as pd
import streamlit as st

from synaptic_core.specs import PARAMS, RunSpec
from synaptic_core.text_safety import md_escape

log = logging.getLogger(__name__)
SHOW_KEY = "pg_show_summary"


def summary_table(rows: Sequence[dict[str, Any]], params: int | None = None) -> None:
    """Draw the rows of ``synaptic_core.models.model_summary`` (or of a ``model`` event)."""
    frame = pd.DataFrame(list(rows), columns=["name", "type", "output_shape", "params"])
    frame.columns = ["Layer", "Type", "Output shape", "Parameters"]
    st.dataframe(frame, hide_index=True)
    total = params if params is not None else int(frame["Parameters"].sum())
    st.caption(f"{total:,} parameters")


@st.cache_data(show_spinner="Building the model (the first time imports TensorFlow)…", max_entries=64)
def compute_summary(spec_json: str, input_shape: tuple[int, ...], n_classes: int, task: str) -> list[dict]:
    """Build the model the spec describes and summarise it (TensorFlow is imported here, lazily)."""
    from synaptic_core.models import build_model, model_summary

    return model_summary(build_model(RunSpec.from_json(spec_json), input_shape, n_classes, task=task))


def _show() -> None:
    st.session_state[SHOW_KEY] = True


def summary_expander(spec: RunSpec, preview: dict[str, Any] | None) -> None:
    """An expander with a "Show model summary" button; once pressed it follows the widgets."""
    with st.expander("Model summary", expanded=bool(st.session_state.get(SHOW_KEY))):
        if preview is None:
            st.caption("Load the dataset first: the summary needs its input shape.")
            return
        if not st.session_state.get(SHOW_KEY):
            st.button("Show model summary", key="show_summary", on_click=_show)
            return
        try:
            arch = {p.name: spec.as_dict()[p.name] for p in PARAMS if p.section == "model"}
            rows = compute_summary(RunSpec.from_mapping(arch).to_json(), tuple(preview["input_shape"]),
                                   len(preview["class_names"]), preview["task"])
        except Exception as exc:  # a summary must never take the page down
            log.exception("model summary failed for %s", spec.to_json())
            st.error(f"Could not build this model: {md_escape(exc)}")
            return
        summary_table(rows)
