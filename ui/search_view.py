"""The Search page's parts: the setup form and the live study view.

Why a module: the page (``app_pages/search.py``) stays a few lines, and the engine does the work
(``synaptic_core.search``: a study is driven by a thread of the server's ``StudyManager``, so it
keeps running when the page closes). This module only reads the manager -- ``status``, ``trials``,
``study`` for the figures -- and calls ``start``; the buttons on a study (stop, resume, more trials, train
the best) are ``ui/search_controls.py``. Every handler passes this person's owner id, and the manager
re-checks it. The study view is an ``st.fragment`` that reruns every second
while the study runs and stops polling when it ends (a full rerun draws it once more, still).
Figures are rebuilt only when the study's ``version`` changes. Every outside text (a study id from
the URL, an error, parameter values) is shown as text: ``md_text``/``md_escape`` or a dataframe.
"""

from __future__ import annotations

import logging
from typing import Any

import streamlit as st

from synaptic_core.specs import PARAM_BY_NAME, RunSpec
from synaptic_core.text_safety import md_escape, md_text
from ui import page_state
from ui.search_controls import ERROR_KEY, controls
from ui.wording import dataset_title, model_title, param_title
from ui.services import get_study_manager, session_owner

log = logging.getLogger(__name__)

TICK_S = 1.0
PLAYGROUND_SPEC_KEY = "pg_spec"  # the Playground's current spec (its TrainPage prefix "pg")
# The data and models the Playground offers: a link to the Search page reads its spec the same way.
SEARCH_PAGE = page_state.TrainPage("search", "app_pages/search.py", tasks=("image", "toy", "tabular"))
SAMPLER_LABELS = {"tpe": "TPE (learns from earlier trials)", "random": "Random", "grid": "Grid (every combination)"}
PRUNER_LABELS = {"median": "Median: stop a trial worse than the median at the same epoch",
                 "halving": "Successive halving", "none": "None: every trial runs all its epochs"}
OBJECTIVE_LABELS = {"val_accuracy": "Validation accuracy (higher is better)",
                    "val_loss": "Validation loss (lower is better)"}


# -- setup --------------------------------------------------------------------------------------
def base_spec() -> tuple[RunSpec, list[str]]:
    """The spec the search starts from: a link's (``?dataset=circle&model=mlp...``), else the
    Playground's current one in this session, else the Playground's opening spec; plus messages."""
    query = st.query_params.to_dict()
    if any(k in PARAM_BY_NAME for k in query):
        return page_state.from_link(SEARCH_PAGE, query)
    current = st.session_state.get(PLAYGROUND_SPEC_KEY)
    if current:
        try:
            return RunSpec.from_mapping(current, strict=False), []
        except ValueError as exc:
            return page_state.opening_spec(SEARCH_PAGE), [f"The Playground's settings could not be used: {exc}"]
    return page_state.opening_spec(SEARCH_PAGE), []


def setup(spec: RunSpec) -> dict[str, Any] | None:
    """The search settings' widgets; returns ``manager.start``'s arguments, or None (errors shown)."""
    from synaptic_core.search import OBJECTIVES, PRUNERS, SAMPLERS, SpaceError, space_for, tunable

    try:
        offered = tunable(spec)
    except SpaceError as exc:
        for error in exc.errors:
            st.error(md_escape(error))
        return None
    st.caption(md_text("Starting from: {} · {} · {} epochs · validation share {}. Change them on the Playground.",
                       dataset_title(spec.dataset), model_title(spec.model), spec.epochs, spec.validation_split))
    vary = st.multiselect("Parameters to vary", offered, default=[n for n in ("lr",) if n in offered],
                          format_func=param_title, key="search_vary")
    space = None
    try:
        space = space_for(spec, vary)
        st.caption("Search space: " + "; ".join(md_escape(_titled(line)) for line in space.describe()))
    except SpaceError as exc:
        for error in exc.errors:
            st.error(md_escape(error))
    c1, c2, c3 = st.columns(3)
    sampler = c1.selectbox("Sampler", SAMPLERS, format_func=SAMPLER_LABELS.get, key="search_sampler")
    pruner = c2.selectbox("Pruner", PRUNERS, index=list(PRUNERS).index("median"), format_func=PRUNER_LABELS.get,
                          key="search_pruner")
    objective = c3.selectbox("Objective", OBJECTIVES, format_func=OBJECTIVE_LABELS.get, key="search_objective")
    c1, c2, c3, c4 = st.columns(4)
    n_trials = c1.number_input("Trials", 1, 200, 12, key="search_trials")
    minutes = c2.number_input("Minutes at most (0: no limit)", 0.0, 1440.0, 0.0, step=1.0, key="search_minutes")
    epochs = c3.number_input("Epochs per trial", 1, 200, int(spec.epochs), key="search_epochs")
    seed = c4.number_input("Seed", 0, 2**31 - 1, int(spec.seed), key="search_seed")
    folds = _folds(spec)
    if space is None:
        return None
    return {"spec": spec.replace(epochs=int(epochs)), "vary": list(vary), "n_trials": int(n_trials),
            "minutes": float(minutes) or None, "sampler": sampler, "pruner": pruner, "objective": objective,
            "seed": int(seed), "folds": folds}


def _folds(spec: RunSpec) -> int:
    """k-fold cross-validation, offered where the engine's ``folds_offered`` says (tabular sets); 0 = off."""
    from synaptic_core.search.config import MAX_FOLDS, folds_offered

    if not folds_offered(spec.dataset):
        return 0
    if not st.toggle("Cross-validate each trial (k folds)", key="search_cv",
                     help="Each trial trains k runs, each validating on another fold of the training rows "
                          "(stratified by class), and is scored by their mean: steadier on a small table, k times "
                          "the work."):
        return 0
    return int(st.number_input("Folds (k)", 2, MAX_FOLDS, 5, key="search_folds"))


def _titled(line: str) -> str:
    """"lr: 0.0001 to 0.3" -> "Learning rate: 0.0001 to 0.3" (the widgets' words)."""
    name, sep, rest = line.partition(": ")
    return f"{param_title(name)}{sep}{rest}"


def start(settings: dict[str, Any]) -> str | None:
    """Start the study for this person; its id, or None with the reasons shown."""
    from synaptic_core.search import SpaceError

    try:
        return get_study_manager().start(**settings, owner=session_owner())
    except SpaceError as exc:
        for error in exc.errors:
            st.error(md_escape(error))
    except (ValueError, RuntimeError) as exc:  # a budget out of range, a config the engine refuses
        st.error(md_text("Could not start the search: {}", exc))
    return None


# -- the study ----------------------------------------------------------------------------------
def study_view(study_id: str) -> None:
    """The study as it stands; polled every ``TICK_S`` while it runs."""
    try:
        status = get_study_manager().status(study_id)
    except Exception as exc:  # UnknownStudy, a malformed id from the URL, an unreadable database
        st.error(md_text("Cannot show study {}: {}", study_id, exc))
        return
    if _moving(status):
        _live_fragment(study_id, True)
    else:
        _study_body(study_id, False)


def _moving(status: dict[str, Any]) -> bool:
    """Trials may change: driven by this server, or by another process (the CLI) right now."""
    return bool(status["active"]) or status["state"] == "elsewhere"


def _study_body(study_id: str, polling: bool) -> None:
    manager = get_study_manager()
    status = manager.status(study_id)
    if polling and not _moving(status):
        st.rerun()  # finished: draw once more without the timer
    _progress(status)
    controls(study_id, status)
    rows = manager.trials(study_id)
    if rows:
        with st.container(key="search_trial_table"):
            st.dataframe(_table(rows), hide_index=True, width="stretch")
    _figures(study_id, status)


_live_fragment = st.fragment(run_every=TICK_S)(_study_body)


def _progress(status: dict[str, Any]) -> None:
    st.caption(md_text("{} · {} · varying {} · sampler {} · pruner {} · {} · seed {}",
                       dataset_title(status["dataset"]), model_title(status["model"]),
                       ", ".join(map(param_title, status["vary"])), status["sampler"], status["pruner"],
                       OBJECTIVE_LABELS.get(status["objective"], status["objective"]), status["seed"])
               + (f" · {int(status['folds'])}-fold cross-validation (a trial's value: the mean of its folds)"
                  if status.get("folds") else ""))
    message = status["message"]
    state = status["state"] + (f": {message}" if message and message != status["state"] else "")
    if status["state"] == "interrupted":  # its server (or CLI) died while it ran: Resume goes on
        st.warning(md_text("**State:** {}", state))
    else:
        st.markdown(md_text("**State:** {}", state))
    cols = st.columns(5)
    cols[0].metric("Trials", status["n_trials"])
    cols[1].metric("Complete", status["n_complete"])
    cols[2].metric("Pruned", status["n_pruned"])
    cols[3].metric("Running", status["n_running"])
    best = status["best"]
    cols[4].metric("Best " + status["objective"], "–" if best is None else f"{best['value']:.4g}")
    if best is not None:
        st.markdown(md_text("**Best so far:** trial {} ({}), run {}", best["trial"], _params(best["params"]),
                            best["run_id"]))


def _params(params: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in params.items())


def _table(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"trial": r["trial"], "state": r["state"], "params": _params(r["params"]),
             "value": r["value"], "epochs": r["epochs"],
             "pruned at epoch": r["pruned_at"],  # 1-based, as the figures say it
             "run": r["run_id"], "seconds": None if r["seconds"] is None else round(r["seconds"], 1),
             "message": r["message"]} for r in rows]


def my_studies() -> None:
    """Links to this person's studies, newest first (a study keeps running when its page closes)."""
    try:
        studies = get_study_manager().studies(owner=session_owner(), limit=10)
    except Exception as exc:  # an unreadable studies database must not take the setup form down
        log.exception("listing studies")
        st.error(md_text("Could not list your searches: {}", exc))
        return
    if not studies:
        return
    with st.expander(f"Your searches ({len(studies)})"):
        for study in studies:
            best = study["best"]
            label = (f"{dataset_title(study['dataset'])} · {model_title(study['model'])} · "
                     f"{study['n_trials']} trials" + (" · running" if study["active"] else "")
                     + ("" if best is None else f" · best {best['value']:.4g}"))
            st.page_link("app_pages/search.py", label=label, query_params={"study": study["study_id"]})


def show_error() -> None:
    """The message a button's callback left (already Markdown-safe)."""
    error = st.session_state.pop(ERROR_KEY, None)
    if error:
        st.error(error)


def _figures(study_id: str, status: dict[str, Any]) -> None:
    """History and trial curves always; the rest in tabs once two trials finished. Rebuilt per version."""
    from synaptic_core.viz.search import study_figures

    cached = st.session_state.get("search_figs")
    if not cached or cached[0] != (study_id, status["version"]):
        try:
            figs = study_figures(get_study_manager().study(study_id))
        except Exception as exc:
            log.exception("figures of study %s", study_id)
            st.error(md_text("Could not draw the study's figures: {}", exc))
            return
        st.session_state["search_figs"] = cached = ((study_id, status["version"]), figs)
    figs = cached[1]
    c1, c2 = st.columns(2)
    c1.plotly_chart(figs["history"], key="search_fig_history", width="stretch")
    c2.plotly_chart(figs["intermediate"], key="search_fig_intermediate", width="stretch")
    if status["n_complete"] >= 2:
        names = {"parallel": "Parallel coordinates", "importance": "Importance", "slice": "Slice", "contour": "Contour"}
        for tab, name in zip(st.tabs(list(names.values())), names):
            tab.plotly_chart(figs[name], key=f"search_fig_{name}", width="stretch")
