"""Widgets that edit a page's spec, built from the parameter table.

Every widget edits one spec parameter and takes its label, help, range and choices from
``synaptic_core.specs.PARAMS`` (a page may reword a label, a model may say what a parameter
means for it: ``ModelInfo.labels``); which architecture widgets appear is ``ModelInfo.reads``.
A ``Form`` collects what the widgets hold (values, and messages for text that could not be
parsed); the controller applies it with ``spec.replace(**form.values)``. Whole-number fields
are number inputs without bounds on purpose: a value out of range is reported by
``spec.issues()`` with the allowed range, and Train is disabled, instead of being silently
clamped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import streamlit as st

from synaptic_core.specs import ACTIVATIONS, PARAM_BY_NAME, RunSpec, SpecError
from ui import page_state as ps
from ui import wording

SLIDER_INTS = {"n_points": 50, "kernel": 1}  # whole-number parameters drawn as sliders, with their step
ZERO_LOG = {"l2"}  # floats whose useful values span decades, with 0 (= off) first
FLOAT_STEPS = {"noise": 0.01, "train_ratio": 0.01}
FLOAT_STEP = 0.05
CLASSIFICATION_ONLY = ("imbalance", "loss")  # training parameters offered only for classification data
# The order architecture widgets appear in; pairs share a row. Every "model" parameter of PARAMS is in
# one row (tests/app/test_stacked_layers_widget.py checks it), else a model that reads it shows no widget.
ARCH_ROWS: tuple[tuple[str, ...], ...] = (("filters",), ("kernel", "pool"), ("hidden",), ("activation",),
                                          ("embed_dim", "units"), ("rnn_layers",), ("dropout",), ("batch_norm",))


def log_grid(lo: float, hi: float) -> list[float]:
    """1-3-10 steps from ``lo`` to ``hi``: 1e-05, 3e-05, 0.0001, ... (tensorflow/playground's choice)."""
    out = []
    for e in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1):
        for m in (1, 3):
            v = float(f"{m}e{e}")
            if lo <= v <= hi:
                out.append(v)
    return out


@dataclass
class Form:
    """The widgets of one script run: the page, the spec they start from, and what they hold."""

    page: ps.TrainPage
    spec: RunSpec
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)  # text that could not be parsed (plain text)
    info: Any = None  # the chosen dataset's DatasetInfo, once the dataset picker ran
    model: str = ""
    locked: frozenset[str] = frozenset()  # a class link's parameters: drawn disabled (ui/classroom_mode.py)
    hidden: frozenset[str] = frozenset()  # ... and not drawn at all (the teacher's values are kept)

    def label(self, name: str) -> str:
        from synaptic_core.models import MODELS

        info = MODELS.get(self.model)
        model_label = info.labels.get(name) if info is not None else None
        return model_label or self.page.labels.get(name) or PARAM_BY_NAME[name].title

    def param(self, name: str, label: str | None = None) -> Any:
        """The widget for one scalar parameter, chosen from its row in PARAMS; returns its value."""
        p = PARAM_BY_NAME[name]
        if name in self.hidden:  # a class hides it: the teacher's value, no widget
            self.values[name] = getattr(self.spec, name)
            return self.values[name]
        off = name in self.locked  # a class locks it: shown, not editable (and enforced on the server)
        key = ps.seed(self.page, name, getattr(self.spec, name))
        label = label or self.label(name)
        state = st.session_state
        # Every widget below also gets its current value as its default (``value=``/``index=``): Streamlit
        # sends a value set through session state to the browser once, and a script run cut short by a
        # newer one (many students, a busy server) can lose that one shot; a browser that then draws the
        # widget afresh starts it from its *default* and sends that back. Without a default that was 0
        # for a number box and the first stop for a slider: the class load test caught "epochs = 0".
        if name in self.page.options:
            opts = sorted(set(self.page.options[name]) | {state[key]})
            value = st.select_slider(label, opts, value=state[key], key=key, help=p.help, disabled=off)
        elif p.kind == "bool":
            value = st.toggle(label, value=bool(state[key]), key=key, help=p.help, disabled=off)
        elif p.kind == "strs" and p.choices:  # several of a fixed set (the toy sets' input features)
            state[key] = [v for v in state[key] if v in p.choices]
            value = tuple(st.multiselect(label, p.choices, default=list(state[key]), key=key, help=p.help, disabled=off,
                                         format_func=wording.choice_format(name)))
        elif p.choices:
            if state[key] not in p.choices:
                state[key] = p.default
            value = st.selectbox(label, p.choices, index=list(p.choices).index(state[key]), key=key, help=p.help,
                                 format_func=wording.choice_format(name), disabled=off)
        elif p.log or name in ZERO_LOG:
            options = log_grid(p.lo, p.hi) if p.log else [p.lo] + log_grid(p.hi * 1e-5, p.hi)
            options = sorted(set(options) | {float(state[key])})
            value = st.select_slider(label, options, value=float(state[key]), key=key, format_func=lambda v: f"{v:g}",
                                     help=p.help, disabled=off)
        elif p.kind == "float":
            state[key] = min(max(float(state[key]), p.lo), p.hi)
            value = st.slider(label, float(p.lo), float(p.hi), float(state[key]), key=key,
                              step=FLOAT_STEPS.get(name, FLOAT_STEP),
                              help=p.help, disabled=off)
        elif name in SLIDER_INTS:
            state[key] = int(min(max(state[key], p.lo), p.hi))
            value = st.slider(label, int(p.lo), int(p.hi), int(state[key]), key=key, step=SLIDER_INTS[name], help=p.help,
                              disabled=off)
        else:
            value = st.number_input(label, value=state[key], key=key, step=1, help=f"{p.help} ({p.allowed()})",
                                    disabled=off)
        self.values[name] = value
        return value

    def grid(self, names: Sequence[str], columns: int = 2) -> None:
        """Several parameters, filling ``columns`` columns row by row."""
        names = [n for n in names if n not in self.hidden]
        cols = st.columns(columns)
        for i, name in enumerate(names):
            with cols[i % columns]:
                self.param(name)

    def ints(self, name: str) -> tuple[int, ...]:
        """A comma-separated list of whole numbers (layer sizes, filters)."""
        if name in self.hidden:
            return getattr(self.spec, name)
        key = ps.seed(self.page, name, ", ".join(map(str, getattr(self.spec, name))))
        text = st.text_input(self.label(name), key=key,
                             help=PARAM_BY_NAME[name].help + " Comma-separated, e.g. 256, 128.",
                             disabled=name in self.locked)
        try:
            value = self.spec.replace(**{name: text}).values[name]
        except SpecError as exc:
            self.errors.extend(exc.errors)
            return getattr(self.spec, name)
        self.values[name] = value
        return value

    def activations(self, n_layers: int) -> None:
        """One activation per hidden layer (the first also serves the conv layers)."""
        acts = self.spec.activation or PARAM_BY_NAME["activation"].default
        if "activation" in self.hidden:
            return
        cols = st.columns(min(max(n_layers, 1), 4))
        chosen = []
        for i in range(max(n_layers, 1)):
            key = ps.seed(self.page, "activation", acts[i] if i < len(acts) else acts[0],
                          key=f"{self.page.wkey('act')}_{i}")
            if st.session_state[key] not in ACTIVATIONS:
                st.session_state[key] = acts[0] if acts[0] in ACTIVATIONS else ACTIVATIONS[0]
            label = f"{self.label('activation')}, layer {i + 1}" if n_layers > 1 else self.label("activation")
            chosen.append(cols[i % len(cols)].selectbox(label, ACTIVATIONS, key=key,
                                                        help=PARAM_BY_NAME["activation"].help,
                                                        disabled="activation" in self.locked))
        self.values["activation"] = (chosen[0],) if len(set(chosen)) == 1 else tuple(chosen)

    # -- the pickers: a pick applies the dataset's defaults or the model's preset --------------------
    def dataset_picker(self) -> Any:
        """Dataset select box (with its description); returns the DatasetInfo picked."""
        infos = ps.dataset_infos(self.page)
        key = self.page.wkey("dataset")
        if st.session_state.get(key) not in infos:
            st.session_state[key] = self.spec.dataset if self.spec.dataset in infos else next(iter(infos))
        name = st.session_state[key] if "dataset" in self.hidden else st.selectbox(
            self.label("dataset"), list(infos), index=list(infos).index(st.session_state[key]), key=key,
            format_func=lambda n: infos[n].title,
            on_change=ps.dataset_changed, args=(self.page,), disabled="dataset" in self.locked,
            help="Picking a dataset opens it with settings that work for it.")
        self.values["dataset"] = name
        self.info = infos[name]
        st.caption(infos[name].description)
        return infos[name]

    def model_picker(self, info: Any) -> str:
        """Model select box over the page's models that take this dataset's data."""
        from synaptic_core.models import MODELS

        names = ps.offered_models(self.page, info)
        key = self.page.wkey("model")
        if st.session_state.get(key) not in names:
            st.session_state[key] = self.spec.model if self.spec.model in names else names[0]
        name = st.session_state[key] if "model" in self.hidden else st.selectbox(
            self.label("model"), names, index=list(names).index(st.session_state[key]), key=key,
            format_func=lambda n: MODELS[n].title, on_change=ps.model_changed,
            args=(self.page,), disabled="model" in self.locked, help="Picking a model applies its preset.")
        self.values["model"] = self.model = name
        st.caption(MODELS[name].description)
        return name

    def reads(self) -> tuple[str, ...]:
        """The parameters the chosen model reads for the chosen data (``ModelInfo.reads_for``)."""
        from synaptic_core.models import MODELS

        info = MODELS.get(self.model)
        return info.reads_for(ps.model_task(self.info)) if info is not None and self.info is not None else ()

    def architecture(self) -> None:
        """The layer widgets the chosen model reads, in a fixed order."""
        fields = [n for n in self.reads() if PARAM_BY_NAME[n].section == "model"]
        if not fields:
            st.caption("No layers to configure: this model has a fixed architecture.")
        n_layers = 0
        for row in ARCH_ROWS:
            shown = [n for n in row if n in fields]
            if not shown:
                continue
            cols = st.columns(len(row)) if len(row) > 1 else [st.container()]
            for col, name in zip(cols, shown):
                with col:
                    if name in ("filters", "hidden"):
                        layers = self.ints(name)
                        n_layers = len(layers) if name == "hidden" else n_layers
                    elif name == "activation":
                        self.activations(n_layers)
                    else:
                        self.param(name)

    def training(self) -> None:
        """The page's training parameters (``TrainPage.train_params``) that apply to this model and data."""
        from synaptic_core.tasks import TASKS

        augments = self.info is not None and TASKS[self.info.task].augment
        classifies = self.info is not None and self.info.kind == "classification"  # rare-class handling, focal loss
        names = [n for n in self.page.train_params
                 if (n != "l2" or "l2" in self.reads()) and (n != "augment" or augments)
                 and (n not in CLASSIFICATION_ONLY or classifies)]
        self.grid(names)

    def apply(self) -> tuple[RunSpec, list[str]]:
        """The spec with the widgets' values, and the messages of what could not be parsed."""
        try:
            return self.spec.replace(**self.values), self.errors
        except SpecError as exc:
            return self.spec, self.errors + exc.errors
