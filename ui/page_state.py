"""A training page's spec between the URL, the session and the widgets.

Every page that trains is described by a ``TrainPage`` (its session-state prefix, path,
datasets, models and opening values) and keeps its own state under its own keys
(``<prefix>_spec``, ``<prefix>_run``, ``<prefix>_url``; widgets ``<widget_prefix><param>``), so
the pages never overwrite each other's settings.

One spec is current per page and session, kept as a plain dict. It is loaded from the URL
(``st.query_params``) when the page is first opened in a session or when a link changed the
URL; otherwise the widgets own the values. Every script run writes ``spec.to_query()`` (plus
``run=<id>``) back, so the address bar always reproduces the page. Widgets are never created
with ``value=``: their state is seeded from the spec just before they are drawn (``seed``), so
loading a new spec is "store it and forget the widget keys" (``load_spec``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import streamlit as st

from synaptic_core.spec_query import parse_query
from synaptic_core.spec_values import show
from synaptic_core.specs import PARAM_BY_NAME, RunSpec


@dataclass(frozen=True)
class TrainPage:
    """One page that trains: where it lives, what it offers, and the spec it opens with."""

    prefix: str                                  # session-state namespace: "pg", "sent", "gen", "ts"
    path: str                                    # "app_pages/sentiment.py": links to a run on this page
    tasks: tuple[str, ...]                       # the dataset tasks it offers ("image", "toy", ...)
    models: tuple[str, ...] | None = None        # models offered (each only for data it takes); None: all
    default: Mapping[str, Any] = field(default_factory=dict)     # {"dataset": the one the page opens with}
    per_dataset: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # page-only extras (keep empty:
                                                 # a dataset's values belong in its registry row, like the CLI's)
    widget_prefix: str = ""                      # "" -> "<prefix>_w_"
    train_params: tuple[str, ...] = ("optimizer", "lr", "batch_size", "epochs", "early_stopping",
                                     "validation_split", "seed")
    labels: Mapping[str, str] = field(default_factory=dict)      # page wording of a parameter's label
    options: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)  # select-slider stops per parameter
    recent_all: bool = False                     # recent runs: all of the session's (else this page's data)

    def key(self, what: str) -> str:
        return f"{self.prefix}_{what}"

    def wkey(self, name: str) -> str:
        """The session-state key of the widget that edits parameter ``name``."""
        return (self.widget_prefix or f"{self.prefix}_w_") + name

    @property
    def spec_key(self) -> str:
        return self.key("spec")

    @property
    def run_key(self) -> str:
        return self.key("run")


# -- what the page offers ----------------------------------------------------------------------
def dataset_infos(page: TrainPage) -> dict[str, Any]:
    """name -> DatasetInfo of the datasets this page offers, in the registry's order."""
    from synaptic_core.data import list_datasets
    from ui.uploads import upload_infos

    infos = {i.name: i for i in list_datasets() if i.task in page.tasks}
    return {**infos, **upload_infos(page)}  # plus this person's own uploads (ui/uploads.py)


def model_task(info: Any) -> str:
    """The task name models list for data of this dataset (``ModelInfo.tasks``)."""
    return info.model_task or info.task


def offered_models(page: TrainPage, info: Any) -> list[str]:
    """The page's models that take this dataset's data (``ModelInfo.takes``: some are for one dataset only)."""
    from synaptic_core.models import MODELS

    task = model_task(info)
    return [n for n in (page.models or tuple(MODELS)) if n in MODELS and MODELS[n].takes(task, info.name)]


def opening_spec(page: TrainPage, dataset: str | None = None) -> RunSpec:
    """What the page opens ``dataset`` with: exactly ``train --dataset NAME`` (``presets.layered_spec``).

    The page's own ``default`` only names the dataset it opens with; every value a dataset
    needs lives in its registry row, so the CLI and the page train the same thing.
    """
    from synaptic_core.presets import layered_spec

    name = dataset or page.default.get("dataset") or next(iter(dataset_infos(page)))
    return layered_spec({"dataset": name, **page.per_dataset.get(name, {})})


def fit(page: TrainPage, spec: RunSpec, named: Mapping[str, Any] = {}) -> tuple[RunSpec, list[str]]:
    """``spec`` with a dataset and a model this page offers, and a message for each one ``named`` that was not."""
    from synaptic_core.models import MODELS

    infos, messages = dataset_infos(page), []
    if spec.dataset not in infos:  # no dataset in the link (the global default), or another page's
        if "dataset" in named:
            messages.append(f"Dataset {show(spec.dataset)} is not offered here: using "
                            f"{infos[opening_spec(page).dataset].title}.")
        spec = spec.replace(dataset=opening_spec(page).dataset)
    info = infos[spec.dataset]
    models = offered_models(page, info)
    if spec.model not in models:
        fallback = opening_spec(page, spec.dataset).model
        fallback = fallback if fallback in models else "mlp" if "mlp" in models else models[0]
        if "model" in named:
            messages.append(f"Model {show(spec.model)} is not offered here for {info.title} "
                            f"({', '.join(MODELS[m].title for m in models)}): using {MODELS[fallback].title}.")
        spec = spec.replace(model=fallback)
    return spec, messages


# -- URL <-> session <-> widgets ------------------------------------------------------------------
def load_spec(page: TrainPage, spec: RunSpec) -> None:
    """Make ``spec`` current and let every widget of the page re-seed from it on this run."""
    st.session_state[page.spec_key] = spec.as_dict()
    prefix = page.wkey("")
    for key in [k for k in st.session_state if str(k).startswith(prefix)]:
        del st.session_state[key]


def spec_now(page: TrainPage) -> RunSpec:
    return RunSpec.from_mapping(st.session_state[page.spec_key], strict=False)


def from_link(page: TrainPage, query: Mapping[str, str]) -> tuple[RunSpec, list[str]]:
    """The spec a link describes for this page, and plain-text messages about what it could not use."""
    if not any(k in PARAM_BY_NAME for k in query):
        return opening_spec(page), []
    from synaptic_core.models import model_names
    from ui.uploads import adopt

    adopt(query.get("dataset"))  # a link to an upload stored on this server: offered to whoever follows it
    spec, issues = parse_query(query, dataset_infos(page), model_names(), fallback=opening_spec(page))
    spec, messages = fit(page, spec, named=query)
    return spec, [i.message for i in issues] + messages


def current_spec(page: TrainPage, reader: Callable[[Mapping[str, str]], tuple[RunSpec, list[str]]] | None = None
                 ) -> tuple[RunSpec, list[str]]:
    """The spec this run starts from, and messages (plain text) about a link's bad values.

    The URL wins when the page is new in this session or the URL is not the one this page
    wrote last (a link was followed); coming back from another page (empty URL) keeps the
    session's spec. A ``run=<id>`` in a new URL becomes the run shown. ``reader(query)`` replaces
    ``from_link`` (a class link reads the class's spec: ``ui.classroom_mode.link_reader``).
    """
    query = st.query_params.to_dict()
    fresh = page.spec_key not in st.session_state
    if fresh or (query and query != st.session_state.get(page.key("url"))):
        spec, messages = reader(query) if reader is not None else from_link(page, query)
        load_spec(page, spec)
        if query.get("run"):
            st.session_state[page.run_key] = query["run"]
        elif not fresh:
            st.session_state.pop(page.run_key, None)
        return spec, messages
    return spec_now(page), []


def notes(page: TrainPage) -> list[str]:
    """Plain-text notes left by a callback for this run ("cnn does not take 2-D points: using ...")."""
    return st.session_state.pop(page.key("notes"), [])


def write_url(page: TrainPage, spec: RunSpec, run_id: str | None, query: dict[str, str] | None = None) -> None:
    """Put the spec (only non-defaults) and the run shown into the address bar (or ``query`` as given)."""
    if query is None:
        query = spec.to_query()
        if run_id:
            query["run"] = run_id
    st.session_state[page.spec_key] = spec.as_dict()
    # Also resend when only the last URL written differs: after a page link the browser's address
    # bar may still show the previous page's URL although the server already has the new query.
    if st.query_params.to_dict() != query or st.session_state.get(page.key("url")) != query:
        st.query_params.from_dict(query)
    st.session_state[page.key("url")] = query


def seed(page: TrainPage, name: str, value: Any, key: str | None = None) -> str:
    """Give widget ``key`` (default the parameter's) its value from the spec unless it has one."""
    key = key or page.wkey(name)
    if key not in st.session_state:
        st.session_state[key] = value
    return key


# -- callbacks: a pick applies values; a callback during re-seeding does nothing ----------------------
def _picked(page: TrainPage, name: str) -> Any:
    """The value just picked in widget ``name``, or None when its state was re-seeded from a link."""
    if page.spec_key not in st.session_state:
        return None
    return st.session_state.get(page.wkey(name))


def dataset_changed(page: TrainPage) -> None:
    """A new dataset opens with its own settings (``opening_spec``): each one comes with values that work."""
    name = _picked(page, "dataset")
    if name is None:
        return
    spec, notes = fit(page, opening_spec(page, name), named={"model": opening_spec(page, name).model})
    st.session_state[page.key("notes")] = notes
    load_spec(page, spec)


def model_changed(page: TrainPage) -> None:
    """A new model: what ``train --dataset D --model M`` trains, with the data settings kept as they are."""
    from synaptic_core.models import MODELS
    from synaptic_core.presets import layered_spec
    from synaptic_core.specs import PARAMS

    name = _picked(page, "model")
    if name is None or name not in MODELS:
        return
    now = spec_now(page)
    data = {p.name: getattr(now, p.name) for p in PARAMS if p.section == "data"}
    load_spec(page, layered_spec({"dataset": now.dataset, "model": name}).replace(**data))


def apply_values(page: TrainPage, values: Mapping[str, Any]) -> None:
    """Callback of a preset button: the current spec with these values, widgets re-seeded."""
    load_spec(page, spec_now(page).replace(**values))
