"""Streamlit pieces shared by the three sequence pages: sentiment, text generation, time series.

Each page is described by a ``SeqPage`` (its datasets, models and opening spec) and keeps its
own state under its own session keys (``<prefix>_spec``, ``<prefix>_run``, widgets
``<prefix>_w_<param>``), so the playground and the three pages never overwrite each other's
settings. Otherwise they follow the playground's pattern exactly: the spec comes from
``st.query_params`` and goes back to it (plus ``run=<id>``) on every script run, widgets take
their ranges from ``synaptic_core.specs.PARAMS``, Train submits to the shared job runner, and
the live view is ``ui.live``'s (progress, curves, Stop) with the sequence extras beside it.

Keras is imported here only inside ``load_model``, when a user asks a trained model something
(the review box, the text generator); the model is cached per file with ``st.cache_resource``.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import streamlit as st

from synaptic_core.specs import PARAM_BY_NAME, PARAMS, RunSpec, SpecError
from ui import live
from ui.results import model_download as download  # the pages' download button, shared
from ui.services import get_runner, get_store, session_owner
from ui.spec_state import allowed, parse_query
from ui.spec_widgets import LABELS, Edits, log_grid
from ui.summary import summary_table

log = logging.getLogger(__name__)

SEQ_LABELS = {p.name: p.label for p in PARAMS}
FLOAT_STEPS = {"noise": 0.01, "train_ratio": 0.01}


@dataclass(frozen=True)
class SeqPage:
    """One sequence page: where it lives, what it offers, and the spec it opens with."""

    prefix: str                       # session-state namespace of the page
    path: str                         # "app_pages/sentiment.py", for links to a run on this page
    datasets: tuple[str, ...]
    models: tuple[str, ...]
    default: Mapping[str, Any] = field(default_factory=dict)
    per_dataset: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # page overrides, per dataset

    def key(self, what: str) -> str:
        return f"{self.prefix}_{what}"

    def wkey(self, name: str) -> str:
        return f"{self.prefix}_w_{name}"


# -- the spec: URL <-> session <-> widgets ----------------------------------------------------
def opening_spec(page: SeqPage, dataset: str | None = None) -> RunSpec:
    """The page's defaults, the dataset's own (``sequences.datasets.ENTRIES``), the page's for that dataset."""
    from synaptic_core.sequences.datasets import ENTRIES

    name = dataset or page.default.get("dataset", page.datasets[0])
    return RunSpec.from_mapping({**page.default, **ENTRIES[name].defaults, **page.per_dataset.get(name, {}),
                                 "dataset": name})


def load_spec(page: SeqPage, spec: RunSpec) -> None:
    """Make ``spec`` current and let every widget of the page re-seed from it."""
    st.session_state[page.key("spec")] = spec.as_dict()
    for key in [k for k in st.session_state if str(k).startswith(page.wkey(""))]:
        del st.session_state[key]


def _from_query(page: SeqPage, query: Mapping[str, str]) -> tuple[RunSpec, list[str]]:
    if not any(k in PARAM_BY_NAME for k in query):
        return opening_spec(page), []
    spec, messages = parse_query(query, page.datasets, page.models)
    if spec.dataset not in page.datasets:  # no dataset in the link, or one of another page
        spec = spec.replace(dataset=opening_spec(page).dataset)
    if spec.model not in page.models:  # a link without a model means the global default, not one of ours
        fallback = opening_spec(page, spec.dataset).model
        if "model" in query:
            messages.append(f"Model {spec.model!r} is not offered here ({', '.join(page.models)}): "
                            f"using {fallback}.")
        spec = spec.replace(model=fallback)
    return spec, messages


def current_spec(page: SeqPage) -> tuple[RunSpec, list[str]]:
    """The URL's spec when the page is new in this session or a link changed the URL, else the session's."""
    query = st.query_params.to_dict()
    fresh = page.key("spec") not in st.session_state
    if fresh or (query and query != st.session_state.get(page.key("url"))):
        spec, messages = _from_query(page, query)
        load_spec(page, spec)
        if query.get("run"):
            st.session_state[page.key("run")] = query["run"]
        elif not fresh:
            st.session_state.pop(page.key("run"), None)
        return spec, messages
    return RunSpec.from_mapping(st.session_state[page.key("spec")]), []


def write_url(page: SeqPage, spec: RunSpec, run_id: str | None) -> None:
    """The spec (non-defaults only) and the run shown go to the address bar."""
    query = spec.to_query()
    if run_id:
        query["run"] = run_id
    st.session_state[page.key("spec")] = spec.as_dict()
    st.session_state[page.key("url")] = query
    if st.query_params.to_dict() != query:
        st.query_params.from_dict(query)


def apply(page: SeqPage, values: Mapping[str, Any]) -> None:
    """Callback of a preset button: the current spec with these values, widgets re-seeded."""
    spec = RunSpec.from_mapping(st.session_state[page.key("spec")])
    load_spec(page, spec.replace(**values))


# -- widgets ------------------------------------------------------------------------------
def param_widget(page: SeqPage, name: str, spec: RunSpec, edits: Edits, label: str | None = None,
                 options: Sequence[Any] | None = None) -> Any:
    """The widget for one parameter, from its row in PARAMS (``options``: a select slider of these)."""
    p = PARAM_BY_NAME[name]
    key = page.wkey(name)
    if key not in st.session_state:
        st.session_state[key] = getattr(spec, name)
    label = label or SEQ_LABELS.get(name, name)
    if options is not None:
        opts = sorted(set(options) | {st.session_state[key]})
        value = st.select_slider(label, opts, key=key, help=p.help)
    elif p.kind == "bool":
        value = st.toggle(label, key=key, help=p.help)
    elif p.choices:
        if st.session_state[key] not in p.choices:
            st.session_state[key] = p.default
        value = st.selectbox(label, p.choices, key=key, help=p.help)
    elif p.log:
        opts = sorted(set(log_grid(p.lo, p.hi)) | {float(st.session_state[key])})
        value = st.select_slider(label, opts, key=key, format_func=lambda v: f"{v:g}", help=p.help)
    elif p.kind == "float":
        st.session_state[key] = min(max(float(st.session_state[key]), p.lo), p.hi)
        value = st.slider(label, float(p.lo), float(p.hi), key=key, step=FLOAT_STEPS.get(name, 0.05), help=p.help)
    else:  # whole numbers: out-of-range input is reported by spec.errors() with the range, not clamped
        value = st.number_input(label, key=key, step=1, help=f"{p.help} ({allowed(name)})")
    edits.values[name] = value
    return value


def _dataset_changed(page: SeqPage) -> None:
    name = st.session_state.get(page.wkey("dataset"))
    if name is None:  # the widget state was just re-seeded from a link: nothing was picked
        return
    load_spec(page, opening_spec(page, name))


def dataset_picker(page: SeqPage, spec: RunSpec, edits: Edits) -> str:
    """Dataset select box (picking one applies its defaults), its description and where it loads from."""
    from synaptic_core.data import resolve_source
    from synaptic_core.sequences.datasets import ENTRIES

    key = page.wkey("dataset")
    if st.session_state.get(key) not in page.datasets:
        st.session_state[key] = spec.dataset if spec.dataset in page.datasets else page.datasets[0]
    name = st.selectbox("Dataset", page.datasets, key=key, format_func=lambda n: ENTRIES[n].title,
                        on_change=_dataset_changed, args=(page,), help="Picking a dataset applies its defaults.")
    edits.values["dataset"] = name
    st.caption(ENTRIES[name].description)
    try:
        st.caption(f"**Source:** {resolve_source(name).label}")
    except Exception as exc:  # a missing file is reported by the run itself; the page stays usable
        log.exception("resolving the source of %s", name)
        st.caption(f"Source unknown: {exc}")
    return name


def _model_changed(page: SeqPage) -> None:
    from synaptic_core.models import MODELS

    name = st.session_state.get(page.wkey("model"))
    if name is None or page.key("spec") not in st.session_state:  # re-seeded from a link, not a pick
        return
    spec = RunSpec.from_mapping(st.session_state[page.key("spec")]).replace(model=name)
    load_spec(page, spec.replace(**MODELS[name].preset))


def model_picker(page: SeqPage, spec: RunSpec, edits: Edits) -> str:
    """Model select box over the page's models; picking one applies its preset."""
    from synaptic_core.models import MODELS

    key = page.wkey("model")
    if st.session_state.get(key) not in page.models:
        st.session_state[key] = spec.model if spec.model in page.models else page.models[0]
    name = st.selectbox("Model", page.models, key=key, format_func=lambda n: MODELS[n].title,
                        on_change=_model_changed, args=(page,), help="Picking a model applies its preset.")
    edits.values["model"] = name
    st.caption(MODELS[name].description)
    return name


def preset_buttons(page: SeqPage, presets: Mapping[str, Mapping[str, Any]]) -> None:
    """One button per named preset; pressing it sets the widgets to the preset's values."""
    for i, (title, values) in enumerate(presets.items()):
        st.button(title, key=page.key(f"preset_{i}"), on_click=apply, args=(page, dict(values)),
                  help=", ".join(f"{k} {v}" for k, v in values.items()))


def finish_spec(spec: RunSpec, edits: Edits) -> tuple[RunSpec, list[str]]:
    """The spec with the widgets' values, and every problem with it (each naming the allowed range)."""
    try:
        spec = spec.replace(**edits.values)
    except SpecError as exc:
        edits.errors.extend(exc.errors)
    from synaptic_core.data import dataset_names
    from synaptic_core.models import model_names

    return spec, edits.errors + spec.errors(known_datasets=dataset_names(), known_models=model_names())


# -- runs: submit, status, live, finished ----------------------------------------------------
def _train(page: SeqPage) -> None:
    spec = RunSpec.from_mapping(st.session_state[page.key("spec")])
    try:
        run_id = get_runner().submit(spec, owner=session_owner())
    except Exception as exc:
        log.exception("submit failed for %s", spec.to_json())
        st.session_state[page.key("submit_error")] = f"Could not start the run: {exc}"
        return
    st.session_state[page.key("run")] = run_id
    st.session_state.pop(live.STOP_KEY, None)


def run_status(page: SeqPage) -> tuple[str | None, Any]:
    """(run id, JobStatus) of the run this page shows, or (None, None)."""
    run_id = st.session_state.get(page.key("run"))
    if not run_id:
        return None, None
    try:
        return run_id, get_runner().status(run_id)
    except KeyError:
        st.error(f"Run {run_id} is not known on this server (it may have been deleted); showing none.")
    except Exception as exc:
        log.exception("status of run %s", run_id)
        st.error(f"Could not ask the job runner about run {run_id}: {exc}")
    st.session_state.pop(page.key("run"), None)
    return None, None


def train_button(page: SeqPage, errors: list[str], status: Any) -> None:
    """The errors, then Train (disabled while they last or while this page's run is in progress)."""
    for message in errors:
        st.error(message)
    if message := st.session_state.pop(page.key("submit_error"), None):
        st.error(message)
    busy = status is not None and status.state not in live.FINAL
    st.button("Train", key="train", type="primary", disabled=bool(errors) or busy, on_click=_train, args=(page,),
              help="Fix the errors above first." if errors else
              "A run is in progress: stop it or wait." if busy else "Train this model in a job process.")


def samples_view(events: list[dict]) -> None:
    """The text generated after each epoch (``sample`` events), newest first."""
    samples = [e for e in events if e.get("type") == "sample"]
    with st.container(key="live_samples"):
        if not samples:
            st.caption("A generated sample appears here after each epoch.")
            return
        last = samples[-1]
        st.markdown(f"**Sample after epoch {int(last['epoch']) + 1}** (temperature {last.get('temperature', 0):g}, "
                    f"seeded with the held-out text)")
        st.code(last.get("text", ""), language=None, wrap_lines=True)
        if len(samples) > 1:
            with st.expander("Earlier samples"):
                for e in reversed(samples[:-1]):
                    st.caption(f"Epoch {int(e['epoch']) + 1}")
                    st.code(e.get("text", ""), language=None, wrap_lines=True)


def _live_body(run_id: str, with_samples: bool) -> None:
    live.live_view(run_id)  # reruns the whole page when the run ends
    if with_samples:
        samples_view(live.fetch_events(get_runner(), run_id))


_live_fragment = st.fragment(run_every=live.TICK_S)(_live_body)


def live_panel(run_id: str, with_samples: bool = False) -> None:
    """The run's progress, curves and Stop (``ui.live``), plus the generated samples for text generation."""
    _live_fragment(run_id, with_samples)


def finished(run_id: str, status: Any) -> tuple[dict | None, list[dict]]:
    """Header, failure or stop notes of a finished run; returns its result (None: nothing to show)."""
    runner = get_runner()
    events = live.fetch_events(runner, run_id)
    result = runner.result(run_id)
    st.subheader(f"Run {run_id}: {status.state}")
    error = live.last_event(events, "error") or {}
    if status.state in ("failed", "interrupted"):
        message = error.get("message") or status.message or "no reason was recorded."
        (st.warning if status.state == "interrupted" else st.error)(
            f"The run {'was interrupted' if status.state == 'interrupted' else 'failed'}: {message}")
    if result is not None and (result.get("stopped") or status.state == "stopped"):
        where = result.get("stopped_at") or live.last_event(events, "stopped") or {}
        at = f" at epoch {int(where['epoch']) + 1}, batch {where.get('batch')}" if "epoch" in where else ""
        st.warning(f"Stopped{at} — weights so far kept.")
    return result, events


def curves_and_summary(events: list[dict]) -> None:
    from synaptic_core.viz import training_curves

    if any(e.get("type") in ("batch", "epoch") for e in events):
        st.plotly_chart(training_curves(events), key="final_curves_chart", width="stretch")
    model_event = live.last_event(events, "model")
    if model_event is not None:
        with st.expander(f"Model summary: {model_event.get('params', 0):,} parameters"):
            summary_table(model_event.get("summary", []), model_event.get("params"))


def idle_view() -> None:
    from synaptic_core.viz import empty_curves

    with st.container(key="live_curves"):
        st.plotly_chart(empty_curves(), key="live_curves_chart", width="stretch")


def recent_runs(page: SeqPage, describe: Callable[[dict], str], limit: int = 10) -> None:
    """This session's runs on this page's datasets, each a link that reopens it here."""
    with st.expander("Recent runs"):
        try:
            runs = [r for r in get_store().list_runs(limit=200, owner=session_owner())
                    if r.get("dataset") in page.datasets][:limit]
        except Exception as exc:
            log.exception("listing recent runs")
            st.error(f"Could not read the run history: {exc}")
            return
        if not runs:
            st.caption("Your runs will be listed here.")
        for run in runs:
            try:
                query = RunSpec.from_mapping(run.get("spec") or {}, strict=False).to_query()
            except ValueError:
                query = {}
            label = f"{run['id']} · {run.get('status')} · {run.get('dataset')} · {run.get('model')} · {describe(run)}"
            st.page_link(page.path, label=label, query_params={**query, "run": run["id"]})


# -- the trained model, in this process (lazily) --------------------------------------------
@st.cache_resource(show_spinner="Loading the trained model (the first time imports TensorFlow)…", max_entries=8)
def _cached_model(path: str, mtime: float) -> Any:
    import keras

    return keras.saving.load_model(path, compile=False)


def load_predictor(model_path: str) -> Callable[[np.ndarray], np.ndarray]:
    """``x -> probabilities`` of a run's saved model, loaded once per file and kept for every session."""
    model = _cached_model(str(model_path), os.path.getmtime(model_path))
    return lambda x: np.asarray(model.predict_on_batch(np.asarray(x)))


@st.cache_data(max_entries=32, show_spinner=False)
def read_json(path: str, mtime: float) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def artifact_json(path: str | None) -> dict | None:
    """A run's small JSON artifact (vocab.json, alphabet.json), or None when it is gone."""
    if not path or not Path(path).is_file():
        return None
    return read_json(str(path), os.path.getmtime(path))


def training_widgets(page: SeqPage, spec: RunSpec, edits: Edits, early_stopping: bool = True) -> None:
    """The training settings every sequence page offers, in two columns."""
    left, right = st.columns(2)
    with left:
        for name in ("optimizer", "batch_size", "seed"):
            param_widget(page, name, spec, edits)
    with right:
        for name in ("lr", "epochs") + (("early_stopping",) if early_stopping else ()):
            param_widget(page, name, spec, edits)
    param_widget(page, "validation_split", spec, edits)


def page_frame(page: SeqPage, presets: Mapping[str, Mapping[str, Any]],
               widgets: Callable[[RunSpec, Edits], None],
               results_view: Callable[[str, Any], None],
               describe: Callable[[dict], str],
               preview: Callable[[RunSpec], None] | None = None, live_samples: bool = False) -> None:
    """The layout every sequence page shares, below its title.

    Controls on the left (presets, the page's own widgets, Train, the URL, recent runs);
    on the right the idle view (with an optional data preview), the live run, or the
    results, whose failure to draw never loses the run.
    """
    spec, messages = current_spec(page)
    for message in messages:
        st.error(message)
    controls, view = st.columns([2, 3], gap="large")
    edits = Edits()
    with controls:
        preset_buttons(page, presets)
        widgets(spec, edits)
        spec, errors = finish_spec(spec, edits)
        run_id, status = run_status(page)
        train_button(page, errors, status)
        write_url(page, spec, run_id)
        recent_runs(page, describe)
    with view:
        if status is None:
            if preview is not None:
                preview(spec)
            idle_view()
        elif status.state in live.FINAL:
            try:
                results_view(run_id, status)
            except Exception as exc:
                log.exception("showing the results of run %s", run_id)
                st.error(f"Could not show the results of run {run_id}: {exc}. The run itself is kept.")
        else:
            st.subheader(f"Run {run_id}")
            live_panel(run_id, with_samples=live_samples)
