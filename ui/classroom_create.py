"""The teacher's form: a new class from the Playground's settings, with locks, limits and a password.

The settings students open are the Playground's current spec in this session (set it up there, then
come here), or those of a pasted Playground link. The teacher picks, per parameter the Playground
shows for that dataset and model, whether students may change it (free), see it but not change it
(locked) or not see it (hidden). The class is kept by ``synaptic_core.classroom.create_class``, which
checks everything again; its errors are shown as text.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

import streamlit as st

from synaptic_core.classroom import HIDDEN, LOCKED, ClassError, create_class
from synaptic_core.specs import PARAM_BY_NAME, RunSpec
from synaptic_core.text_safety import md_escape
from ui import wording
from ui.services import get_store, session_owner

PLAYGROUND_SPEC_KEY = "pg_spec"  # the Playground's current spec in this session (its TrainPage prefix "pg")
TRAIN_PARAMS = ("optimizer", "lr", "batch_size", "epochs", "early_stopping", "reduce_lr", "l2", "validation_split",
                "seed")
DEFAULT_LOCKED = ("dataset", "model")


def _start_spec(link: str) -> tuple[RunSpec, list[str]]:
    """The spec a pasted Playground link describes, else the Playground's current one, else its toy opening."""
    from synaptic_core.data import dataset_names
    from synaptic_core.models import model_names
    from synaptic_core.presets import layered_spec
    from synaptic_core.spec_query import parse_query

    link = (link or "").strip()
    if link:
        query = dict(parse_qsl(urlsplit(link).query or link.lstrip("?"), keep_blank_values=True))
        spec, issues = parse_query(query, dataset_names(), model_names())
        return spec, [i.message for i in issues]
    saved = st.session_state.get(PLAYGROUND_SPEC_KEY)
    if saved:
        return RunSpec.from_mapping(saved, strict=False), []
    return layered_spec({"dataset": "circle", "model": "mlp"}), []


def class_params(spec: RunSpec) -> list[str]:
    """The parameters the Playground shows for this spec's dataset and model, in the table's order."""
    from synaptic_core.data import list_datasets
    from synaptic_core.models import MODELS

    info = next((i for i in list_datasets() if i.name == spec.dataset), None)
    task = info.task if info is not None else "toy"
    data = ("noise", "n_points", "features", "train_ratio") if task == "toy" else ("source", "subset", "classes")
    model = MODELS.get(spec.model)
    reads = model.reads_for((info.model_task or info.task) if info is not None else None) if model else ()
    wanted = {"dataset", "model", *data, *reads, *TRAIN_PARAMS}
    return [p for p in PARAM_BY_NAME if p in wanted]


def _title(name: str) -> str:
    return PARAM_BY_NAME[name].title


def create_form() -> None:
    """The form; on success the page switches to the new class's board."""
    st.subheader("Create a class")
    link = st.text_input("Start from a Playground link (optional; empty: your current Playground settings)",
                         key="class_new_link")
    spec, problems = _start_spec(link)
    for problem in problems:
        st.warning(md_escape(problem))
    values = {k: getattr(spec, k) for k in spec.to_query()}
    st.caption(md_escape(f"Students open {wording.describe_values(values) or 'the default settings'}."))
    params = class_params(spec)
    with st.form("class_new"):
        name = st.text_input("Class name", max_chars=80, key="class_new_name")
        locked = st.multiselect("Locked: students see these settings but cannot change them", params,
                                default=[p for p in DEFAULT_LOCKED if p in params], format_func=_title,
                                key="class_new_locked")
        hidden = st.multiselect("Hidden: students do not see these settings (the class's values are used)", params,
                                format_func=_title, key="class_new_hidden")
        a, b, c = st.columns(3)
        max_epochs = a.number_input("Most epochs per run (0: no limit)", 0, 1000, 20, key="class_new_epochs")
        max_params = b.number_input("Most model parameters (0: no limit)", 0, 10**9, 100_000, step=1000,
                                    key="class_new_params")
        runs = c.number_input("Runs per student (0: no limit)", 0, 10_000, 10, key="class_new_runs")
        password = st.text_input("Class password (optional; students type it once to join)", type="password",
                                 key="class_new_password")
        pressed = st.form_submit_button("Create class", type="primary")
    if not pressed:
        return
    modes: dict[str, Any] = {p: LOCKED for p in locked}
    modes.update({p: HIDDEN for p in hidden})
    try:
        klass = create_class(get_store(), session_owner(), name, spec, modes,
                             {"max_epochs": max_epochs, "max_params": max_params, "runs_per_student": runs},
                             password=password or None)
    except ClassError as exc:
        st.error(md_escape(exc))
        return
    st.query_params.from_dict({"class": klass.id})
    st.rerun()
