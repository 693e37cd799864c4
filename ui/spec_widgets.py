"""Widgets that edit the run spec: data, architecture, training.

Every widget edits one spec parameter (key ``w_<param>``) and gets its range, choices and
help line from ``synaptic_core.specs.PARAMS``: the numbers live in that table only. Each
section writes what its widgets hold into an ``Edits`` (values plus parse problems); the page
applies them with ``spec.replace(**edits.values)``. Whole-number fields are number inputs
without bounds on purpose: a value out of range is reported by ``spec.errors()`` with the
allowed range, and Train is disabled, instead of being silently clamped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping

import streamlit as st

from synaptic_core.models.registry import MODELS
from synaptic_core.specs import ACTIVATIONS, PARAM_BY_NAME, PARAMS, RunSpec, SpecError
from ui.spec_state import SPEC_KEY, allowed, load_spec, seed, wkey

LABELS = {p.name: p.label for p in PARAMS}
LABELS["subset"] = "Training examples used"  # the playground's slider: its end means "all"
# Which architecture parameters each model reads (ModelInfo.reads, synaptic_core/models/registry.py).
ARCH_FIELDS: dict[str, tuple[str, ...]] = {n: tuple(p for p in m.reads if PARAM_BY_NAME[p].section == "model")
                                           for n, m in MODELS.items()}
SLIDER_INTS = {"n_points": 50, "kernel": 1}  # int parameters drawn as sliders, with their step
ZERO_LOG = {"l2"}  # floats whose useful values span decades, with 0 (= off) first
FLOAT_STEP = 0.05


@dataclass
class Edits:
    """What the widgets hold: spec values, and messages for input that could not be parsed."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def log_grid(lo: float, hi: float) -> list[float]:
    """1-3-10 steps from ``lo`` to ``hi``: 1e-05, 3e-05, 0.0001, ... (tensorflow/playground's choice)."""
    out = []
    for e in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1):
        for m in (1, 3):
            v = float(f"{m}e{e}")
            if lo <= v <= hi:
                out.append(v)
    return out


def param_widget(name: str, spec: RunSpec, edits: Edits, label: str | None = None) -> Any:
    """The widget for one scalar parameter, chosen from its row in PARAMS; returns its value."""
    p = PARAM_BY_NAME[name]
    key = seed(name, getattr(spec, name))
    label = label or LABELS.get(name, name)
    if p.kind == "bool":
        value = st.toggle(label, key=key, help=p.help)
    elif p.choices:
        if st.session_state[key] not in p.choices:
            st.session_state[key] = p.default
        value = st.selectbox(label, p.choices, key=key, help=p.help)
    elif p.log or name in ZERO_LOG:
        options = log_grid(p.lo, p.hi) if p.log else [p.lo] + log_grid(p.hi * 1e-5, p.hi)
        options = sorted(set(options) | {float(st.session_state[key])})
        value = st.select_slider(label, options, key=key, format_func=lambda v: f"{v:g}", help=p.help)
    elif p.kind == "float":
        st.session_state[key] = min(max(float(st.session_state[key]), p.lo), p.hi)
        value = st.slider(label, float(p.lo), float(p.hi), key=key, step=FLOAT_STEP, help=p.help)
    elif name in SLIDER_INTS:
        st.session_state[key] = int(min(max(st.session_state[key], p.lo), p.hi))
        value = st.slider(label, int(p.lo), int(p.hi), key=key, step=SLIDER_INTS[name], help=p.help)
    else:
        value = st.number_input(label, key=key, step=1, help=f"{p.help} ({allowed(name)})")
    edits.values[name] = value
    return value


# -- data ---------------------------------------------------------------------
def _dataset_changed() -> None:
    """A new dataset: its class indices mean nothing for the old one, so forget `classes`."""
    spec = RunSpec.from_mapping(st.session_state[SPEC_KEY])
    load_spec(spec.replace(dataset=st.session_state[wkey("dataset")], classes=()))


def dataset_picker(spec: RunSpec, infos: Mapping[str, Any], edits: Edits) -> Any:
    """Dataset select box (with its description); returns the DatasetInfo picked."""
    key = seed("dataset", spec.dataset)
    if st.session_state[key] not in infos:
        st.session_state[key] = PARAM_BY_NAME["dataset"].default
    name = st.selectbox("Dataset", list(infos), key=key, format_func=lambda n: infos[n].title,
                        on_change=_dataset_changed, help=PARAM_BY_NAME["dataset"].help)
    edits.values["dataset"] = name
    st.caption(infos[name].description)
    return infos[name]


def data_options(spec: RunSpec, info: Any, edits: Edits) -> None:
    """Classes (sets with more than two), or the toy generator's noise, points and split."""
    if info.task == "toy":
        for name in ("noise", "n_points", "train_ratio"):
            param_widget(name, spec, edits)
        return
    param_widget("source", spec, edits)
    if info.n_classes > 2:
        key = seed("classes", list(spec.classes))
        st.session_state[key] = [c for c in st.session_state[key] if 0 <= c < info.n_classes]
        chosen = st.multiselect(LABELS["classes"], list(range(info.n_classes)), key=key,
                                format_func=lambda c: info.class_names[c],
                                help=PARAM_BY_NAME["classes"].help + " Empty = all classes.")
        edits.values["classes"] = tuple(chosen)


def subset_slider(spec: RunSpec, n_available: int, edits: Edits) -> None:
    """Training examples used, 1..what the source has; at the end of the range it means "all"."""
    key = wkey("subset")
    if not 1 <= st.session_state.get(key, 0) <= n_available:
        st.session_state[key] = n_available
    value = st.slider(LABELS["subset"], 1, max(n_available, 2), key=key, help=PARAM_BY_NAME["subset"].help)
    keep = value >= n_available and (spec.subset == 0 or spec.subset >= n_available)
    edits.values["subset"] = spec.subset if keep else value


# -- architecture -------------------------------------------------------------
def _model_changed() -> None:
    """A new model brings its preset (ModelInfo.preset): sensible layers and optimizer for it."""
    from synaptic_core.models import MODELS

    name = st.session_state[wkey("model")]
    spec = RunSpec.from_mapping(st.session_state[SPEC_KEY]).replace(model=name)
    info = MODELS.get(name)
    load_spec(spec.replace(**info.preset) if info else spec)


def model_picker(spec: RunSpec, task: str, edits: Edits) -> str:
    """Model select box, offering the models that accept this dataset's task."""
    from synaptic_core.models import MODELS

    names = [n for n, m in MODELS.items() if task in m.tasks]
    key = seed("model", spec.model)
    if st.session_state[key] not in names:
        fallback = "mlp" if "mlp" in names else names[0]
        st.info(f"{st.session_state[key]} does not take {task} data: using {MODELS[fallback].title}.")
        st.session_state[key] = fallback
    name = st.selectbox("Model", names, key=key, format_func=lambda n: MODELS[n].title,
                        on_change=_model_changed, help="Picking a model applies its preset.")
    edits.values["model"] = name
    st.caption(MODELS[name].description)
    return name


def _ints_input(name: str, label: str, spec: RunSpec, edits: Edits) -> tuple[int, ...]:
    key = seed(name, ", ".join(map(str, getattr(spec, name))))
    text = st.text_input(label, key=key, help=PARAM_BY_NAME[name].help + " Comma-separated, e.g. 256, 128.")
    try:
        value = spec.replace(**{name: text}).values[name]
    except (SpecError, ValueError):
        edits.errors.append(f"{name}: {text!r} is not a comma-separated list of whole numbers.")
        return getattr(spec, name)
    edits.values[name] = value
    return value


def _activations(spec: RunSpec, n_layers: int, edits: Edits) -> None:
    """One activation per hidden layer (the first also serves the conv layers)."""
    acts = spec.activation or PARAM_BY_NAME["activation"].default
    cols = st.columns(min(max(n_layers, 1), 4))
    chosen = []
    for i in range(max(n_layers, 1)):
        key = seed("activation", acts[i] if i < len(acts) else acts[0], key=f"{wkey('act')}_{i}")
        if st.session_state[key] not in ACTIVATIONS:
            st.session_state[key] = acts[0] if acts[0] in ACTIVATIONS else ACTIVATIONS[0]
        label = f"Activation, layer {i + 1}" if n_layers > 1 else "Activation"
        chosen.append(cols[i % len(cols)].selectbox(label, ACTIVATIONS, key=key,
                                                    help=PARAM_BY_NAME["activation"].help))
    edits.values["activation"] = (chosen[0],) if len(set(chosen)) == 1 else tuple(chosen)


def architecture(spec: RunSpec, model: str, edits: Edits) -> None:
    """The layer widgets the chosen model reads."""
    fields = ARCH_FIELDS.get(model, ())
    if not fields:
        st.caption("No layers to configure: this model has a fixed architecture.")
    if "filters" in fields:
        _ints_input("filters", "Filters per conv block", spec, edits)
        cols = st.columns(2)
        with cols[0]:
            if "kernel" in fields:
                param_widget("kernel", spec, edits)
        with cols[1]:
            if "pool" in fields:
                param_widget("pool", spec, edits)
    n_layers = 0
    if "hidden" in fields:
        n_layers = len(_ints_input("hidden", "Dense layers (units per layer)", spec, edits))
    if "activation" in fields:
        _activations(spec, n_layers, edits)
    if "dropout" in fields:
        param_widget("dropout", spec, edits)
    if "batch_norm" in fields:
        param_widget("batch_norm", spec, edits)


# -- training -----------------------------------------------------------------
def hyperparameters(spec: RunSpec, task: str, edits: Edits) -> None:
    """Optimizer, learning rate, batch size, epochs, regularisation, callbacks, seed."""
    left, right = st.columns(2)
    with left:
        param_widget("optimizer", spec, edits)
        param_widget("batch_size", spec, edits)
        param_widget("early_stopping", spec, edits)
        param_widget("seed", spec, edits)
    with right:
        param_widget("lr", spec, edits)
        param_widget("epochs", spec, edits)
        param_widget("reduce_lr", spec, edits)
    param_widget("l2", spec, edits)
    param_widget("validation_split", spec, edits)
    if task == "image":
        param_widget("augment", spec, edits)
