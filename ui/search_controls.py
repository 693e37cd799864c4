"""The Search page's buttons on a study: stop, resume, run more trials, train the best with all data.

Why a module of its own: these are the study view's actions and their callbacks (``ui/search_view.py``
draws the study; this module changes it). A callback runs before the page is drawn, so it cannot show an
error itself: it leaves the message (already Markdown-safe) under ``ERROR_KEY`` and the page's
``search_view.show_error`` shows it. Every call passes this person's owner id, and the manager re-checks it.
"""

from __future__ import annotations

import logging
from typing import Any

import streamlit as st

from synaptic_core.text_safety import md_escape, md_text
from ui.identity import owns
from ui.services import get_runner, get_study_manager, session_owner

log = logging.getLogger(__name__)

PLAYGROUND = "app_pages/playground.py"
BEST_RUN_KEY = "search_best_run"  # {study_id: run id} of "Train the best with all data"
STOPPING_KEY = "search_stopping"  # study ids this session asked to stop
ERROR_KEY = "search_error"  # a callback's message, shown by search_view.show_error on the next run


def controls(study_id: str, status: dict[str, Any]) -> None:
    """Stop, Resume, Run more trials, Train the best (each for whom it is allowed), and the best run's link."""
    manager = get_study_manager()
    mine = owns(manager.config(study_id).owner)
    c1, c2 = st.columns(2)
    if status["active"] and mine:
        stopping = study_id in st.session_state.get(STOPPING_KEY, ())
        c1.button("Stopping…" if stopping else "Stop search", key="search_stop", disabled=stopping,
                  on_click=_stop, args=(study_id,))
    elif status["state"] == "elsewhere":
        c1.caption("Another process (the command line, or another server) runs this study: stop it there.")
    elif mine:
        if status["state"] == "interrupted":
            c1.button("Resume the search", key="search_resume", type="primary", on_click=_resume, args=(study_id,),
                      help="Runs what the interrupted session had left, the interrupted trials first.")
        c1.number_input("More trials", 1, 200, 4, key="search_more_n")
        c1.button("Run more trials", key="search_more", on_click=_extend, args=(study_id,))
    if status["best"] is not None:
        c2.button("Train the best with all data", key="search_train_best", on_click=_train_best, args=(study_id,))
    run_id = st.session_state.get(BEST_RUN_KEY, {}).get(study_id)
    if run_id:
        spec = st.session_state.get(BEST_RUN_KEY + "_spec", {}).get(study_id, {})
        st.page_link(PLAYGROUND, label=f"Watch the best configuration train: run {run_id}",
                     icon=":material/science:", query_params={**spec, "run": run_id})


def _stop(study_id: str) -> None:
    from synaptic_core.jobs.policy import NotAllowed

    try:
        get_study_manager().stop(study_id, by=session_owner())
        st.session_state.setdefault(STOPPING_KEY, set()).add(study_id)
    except NotAllowed as exc:
        st.session_state[ERROR_KEY] = md_escape(exc)


def _extend(study_id: str) -> None:
    """More trials on this study (also how a study interrupted by a server restart goes on). The count is
    read here, not bound at drawing time: a number typed just before the click counts."""
    try:
        n_trials = int(st.session_state.get("search_more_n", 4))
        get_study_manager().extend(study_id, n_trials=n_trials, by=session_owner())
        st.session_state.get(STOPPING_KEY, set()).discard(study_id)
    except Exception as exc:  # NotAllowed, StudyBusy, a budget out of range
        st.session_state[ERROR_KEY] = md_text("Could not run more trials: {}", exc)


def _resume(study_id: str) -> None:
    """Go on with a study whose server stopped while it ran (``StudyManager.resume``)."""
    try:
        get_study_manager().resume(study_id, by=session_owner())
        st.session_state.get(STOPPING_KEY, set()).discard(study_id)
    except Exception as exc:  # NotAllowed, StudyBusy, no longer interrupted
        st.session_state[ERROR_KEY] = md_text("Could not resume the search: {}", exc)


def _train_best(study_id: str) -> None:
    from synaptic_core.search import best_spec

    try:
        spec = best_spec(get_study_manager().study(study_id))
        if spec is None:
            return
        run_id = get_runner().submit(spec, owner=session_owner())
    except Exception as exc:  # a refusal (per-person cap, model size) says why
        log.exception("training the best of study %s", study_id)
        st.session_state[ERROR_KEY] = md_text("Could not queue the best configuration: {}", exc)
        return
    st.session_state.setdefault(BEST_RUN_KEY, {})[study_id] = run_id
    st.session_state.setdefault(BEST_RUN_KEY + "_spec", {})[study_id] = spec.to_query()
