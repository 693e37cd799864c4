"""The live view of a run: queue position, progress, curves, decision boundary, Stop.

``live_view(run_id)`` is a plain function that draws the view once from the runner's events;
``live_fragment`` is the same function as an ``st.fragment`` that reruns every half second,
so only this part of the page redraws while the other widgets stay usable. AppTest, which
does not run fragment timers, sees the body drawn once per script run.

Events are fetched incrementally (``runner.events(run_id, since=last seq)``) and kept in
``st.session_state`` for the run shown, so each tick transfers only what is new.
"""

from __future__ import annotations

import logging
from typing import Any, Callable

import streamlit as st

from synaptic_core.specs import RunSpec
from synaptic_core.text_safety import md_escape, md_text
from ui.services import get_runner, get_store, session_owner
from ui.summary import summary_table

log = logging.getLogger(__name__)

EVENTS_KEY = "pg_events"
STOP_KEY = "pg_stop_pressed"
from synaptic_core.jobs.base import FINAL  # noqa: E402 - the one definition of the final states
TICK_S = 0.5
KEEP_RUNS = 8


def fetch_events(runner: Any, run_id: str) -> list[dict]:
    """All events of ``run_id`` so far: the ones kept in the session plus what is new.

    Kept per run id (several pages may poll several runs), for the ``KEEP_RUNS`` most recent.
    """
    kept_runs = st.session_state.setdefault(EVENTS_KEY, {})
    kept = kept_runs.pop(run_id, None) or {"events": [], "seq": 0}
    kept_runs[run_id] = kept  # re-inserted: the dict's order is the order of last use
    while len(kept_runs) > KEEP_RUNS:
        kept_runs.pop(next(iter(kept_runs)))
    new = runner.events(run_id, since=kept["seq"])
    if new:
        kept["events"].extend(new)
        kept["seq"] = max(int(e.get("seq", 0)) for e in new) or kept["seq"] + len(new)
    return kept["events"]


def last_event(events: list[dict], kind: str) -> dict | None:
    return next((e for e in reversed(events) if e.get("type") == kind), None)


def run_spec(run_id: str) -> RunSpec:
    """The spec a run was submitted with (from the store; the defaults if the store has none)."""
    try:
        run = get_store().get_run(run_id)
        if run and run.get("spec"):
            return RunSpec.from_mapping(run["spec"], strict=False)
    except Exception:
        log.exception("could not read run %s from the store", run_id)
    return RunSpec()


def _stop(run_id: str) -> None:
    """First press: graceful stop within one batch. Second press: kill the process."""
    force = st.session_state.get(STOP_KEY) == run_id
    try:
        get_runner().cancel(run_id, force=force)
        st.session_state[STOP_KEY] = run_id
    except Exception as exc:
        log.exception("cancel(%s, force=%s) failed", run_id, force)
        st.session_state["pg_stop_error"] = md_text("Could not stop run {}: {}", run_id, exc)


def draw_boundary(spec: RunSpec, event: dict, class_names: list[str] | None, key: str) -> None:
    """The toy set's points (regenerated from the run's spec, cached) over a ``boundary`` event."""
    from synaptic_core.viz import decision_boundary
    from ui.data_panel import data_spec, load_preview

    try:
        data = load_preview(data_spec(spec).to_json())
        fig = decision_boundary(event["xs"], event["ys"], event["z"], data["x"], data["y"],
                                data["x_test"], data["y_test"], class_names=class_names or data["class_names"])
    except Exception as exc:
        log.exception("decision boundary of %s", spec.dataset)
        st.error(f"Could not draw the decision boundary: {md_escape(exc)}")
        return
    st.plotly_chart(fig, key=key, width="stretch")


def live_view(run_id: str, extra: Callable[[list[dict]], None] | None = None) -> None:
    """Draw the run's live state once (``extra(events)`` draws more of it, e.g. text samples);
    in the fragment, rerun the page when the run ends."""
    from synaptic_core.training.progress import summarize_progress
    from synaptic_core.viz import empty_curves, training_curves

    runner = get_runner()
    try:
        status = runner.status(run_id)
        events = fetch_events(runner, run_id)
    except Exception as exc:
        log.exception("could not poll run %s", run_id)
        st.error(md_text("Lost contact with run {}: {}. The run goes on on the server; reload to reattach.",
                         run_id, exc))
        return
    spec = run_spec(run_id)
    progress = summarize_progress(events, epochs=spec.epochs)
    with st.container(key="live_progress"):
        if status.state == "queued":
            st.info(f"Queued: position {status.position} in the queue. It starts as soon as a worker is free.")
        else:
            st.caption(f"State: {status.state}" + (f" — {md_escape(status.message)}" if status.message else ""))
        st.progress(min(max(progress.fraction, 0.0), 1.0), text=progress.text())
    with st.container(key="live_curves"):
        has_metric = any(e.get("type") in ("batch", "epoch") for e in events)
        fig = training_curves(events) if has_metric else empty_curves("Waiting for the first batch…")
        st.plotly_chart(fig, key="live_curves_chart", width="stretch")
    data_event = last_event(events, "data") or {}
    boundary = last_event(events, "boundary")
    if boundary is not None:
        draw_boundary(spec, boundary, data_event.get("class_names"), key="live_boundary_chart")
    model_event = last_event(events, "model")
    if model_event is not None:
        with st.expander(f"Model: {model_event.get('params', 0):,} parameters"):
            summary_table(model_event.get("summary", []), model_event.get("params"))
    if error := st.session_state.pop("pg_stop_error", None):
        st.error(error)
    if status.owner not in (None, session_owner()):
        st.caption("This run was started from another browser session: only that session can stop it.")
    else:
        pressed = st.session_state.get(STOP_KEY) == run_id
        st.button("Kill now" if pressed else "Stop", key="stop", on_click=_stop, args=(run_id,))
        st.caption("Stopping… press again to kill the process." if pressed
                   else "Stop ends training within one batch and keeps the weights learned so far.")
    if extra is not None:
        extra(events)
    if status.state in FINAL:
        st.rerun()


live_fragment = st.fragment(run_every=TICK_S)(live_view)
