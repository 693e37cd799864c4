"""The live view of a run: queue position, progress, curves, decision boundary, Stop.

``live_view(run_id)`` is a plain function that draws the view once from the runner's events;
``live_fragment`` draws it in an ``st.fragment`` that reruns every half second while the run
trains (every ``QUEUED_TICK_S`` while it waits in the queue: nothing moves but its place), so
only this part of the page redraws while the other widgets stay usable. There is no fragment
once the run has ended: the page shows its results and nothing polls. AppTest, which does not
run fragment timers, sees the body drawn once per script run.

Events are fetched incrementally (``runner.events(run_id, since=last seq)``) and kept in
``st.session_state`` for the run shown, so each tick transfers only what is new.

Stop is graceful (the run stops within one batch, is tested and keeps its model). The runner
takes any second cancel as a kill, so the button is disabled while the graceful stop runs and
turns into "Kill now" only ``KILL_AFTER_S`` seconds later; a quick double click never kills.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Callable

import streamlit as st

from synaptic_core.specs import RunSpec
from synaptic_core.text_safety import md_escape, md_text
from ui import identity
from ui.services import get_runner, get_store, session_owner
from ui.summary import summary_table

log = logging.getLogger(__name__)

EVENTS_KEY = "pg_events"
STOP_KEY = "pg_stop_pressed"  # the run id whose Stop was pressed (graceful stop asked)
STOP_AT_KEY = "pg_stop_at"  # when (time.time()) it was pressed
from synaptic_core.jobs.base import FINAL  # noqa: E402 - the one definition of the final states
TICK_S = 0.5
QUEUED_TICK_S = 2.0  # a queued run's view: only its place moves (every tick of every tab costs the server)
KEEP_RUNS = 8
SPECS_KEY = "pg_run_specs"
# How long a graceful stop has before "Kill now" is offered. Training stops within one batch, then
# the run is evaluated and its model saved: a few seconds. Until then the button is disabled and a
# second press (a double click, or a click that arrives before the redraw) does nothing: the
# runner would take any second cancel as a kill, and a kill loses the trained model.
KILL_AFTER_S = 8.0


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
    """The spec a run was submitted with (from the store; the defaults if the store has none).

    Kept in the session once read (a run's spec never changes): the live view asks every tick.
    """
    kept = st.session_state.setdefault(SPECS_KEY, {})
    if run_id in kept:
        return kept[run_id]
    try:
        run = get_store().get_run(run_id)
        if run and run.get("spec"):
            spec = kept[run_id] = RunSpec.from_mapping(run["spec"], strict=False)
            while len(kept) > KEEP_RUNS:
                kept.pop(next(iter(kept)))
            return spec
    except Exception:
        log.exception("could not read run %s from the store", run_id)
    return RunSpec()


def _stop_pressed_at(run_id: str) -> float | None:
    """When this session asked ``run_id`` to stop (``time.time()``), or None."""
    if st.session_state.get(STOP_KEY) != run_id:
        return None
    return float(st.session_state.get(STOP_AT_KEY) or 0.0)


def _stop(run_id: str) -> None:
    """First press: graceful stop within one batch. Later presses kill the process, but only once
    the graceful stop has had ``KILL_AFTER_S`` seconds: a quick second press is ignored."""
    pressed_at = _stop_pressed_at(run_id)
    if pressed_at is not None and time.time() - pressed_at < KILL_AFTER_S:
        return  # a double click: the graceful stop is under way
    force = pressed_at is not None
    try:
        get_runner().cancel(run_id, force=force, by=session_owner())  # the runner checks the owner again
        if not force:
            st.session_state[STOP_KEY] = run_id
            st.session_state[STOP_AT_KEY] = time.time()
    except Exception as exc:
        log.exception("cancel(%s, force=%s) failed", run_id, force)
        st.session_state["pg_stop_error"] = md_text("Could not stop run {}: {}", run_id, exc)


def _stop_button(run_id: str) -> None:
    """Stop; then, while the graceful stop runs, a disabled "Stopping…"; after ``KILL_AFTER_S``, "Kill now"."""
    pressed_at = _stop_pressed_at(run_id)
    if pressed_at is None:
        st.button("Stop", key="stop", on_click=_stop, args=(run_id,))
        st.caption("Stop ends training within one batch and keeps the weights learned so far.")
    elif time.time() - pressed_at < KILL_AFTER_S:
        # same widget, same callback: a click already on its way when this redraw lands is ignored by _stop
        st.button("Stopping…", key="stop", disabled=True, on_click=_stop, args=(run_id,))
        st.caption("Stopping after the current batch; then the model is tested and saved, with the weights "
                   "learned so far.")
    else:
        st.button("Kill now", key="stop", on_click=_stop, args=(run_id,))
        st.caption(f"Still running {KILL_AFTER_S:.0f} s after Stop. Kill now ends the process at once: the "
                   "curves so far are kept, the trained model is lost.")


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


def live_view(run_id: str, extra: Callable[[list[dict]], None] | None = None) -> str | None:
    """Draw the run's live state once (``extra(events)`` draws more of it, e.g. text samples);
    in the fragment, rerun the page when the run ends. Returns the run's state (None: unknown)."""
    from synaptic_core.training.progress import summarize_progress
    from synaptic_core.viz import training_curves
    from ui.figure_cache import empty_curves

    runner = get_runner()
    try:
        status = runner.status(run_id)
        events = fetch_events(runner, run_id)
    except Exception as exc:
        log.exception("could not poll run %s", run_id)
        st.error(md_text("Lost contact with run {}: {}. The run goes on on the server; reload to reattach.",
                         run_id, exc))
        return None
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
    if not identity.owns(status.owner):  # the owner of the run, from any tab or reload of their browser
        st.caption("This run was started in another browser session, by someone else or in another browser: "
                   "only the person who started it can stop it. You can watch it and copy its settings.")
    else:
        _stop_button(run_id)
    if extra is not None:
        extra(events)
    if status.state in FINAL:
        st.rerun()
    return status.state


def _live_running(run_id: str, extra: Callable[[list[dict]], None] | None = None) -> None:
    live_view(run_id, extra)


def _live_queued(run_id: str, extra: Callable[[list[dict]], None] | None = None) -> None:
    if live_view(run_id, extra) not in (None, "queued"):
        st.rerun()  # it left the queue: redraw the page, which polls it at the training rate


_running_fragment = st.fragment(run_every=TICK_S)(_live_running)
_queued_fragment = st.fragment(run_every=QUEUED_TICK_S)(_live_queued)


def live_fragment(run_id: str, extra: Callable[[list[dict]], None] | None = None) -> None:
    """The live view in a fragment that polls the run: every ``TICK_S`` while it trains, every
    ``QUEUED_TICK_S`` while it waits in the queue."""
    try:
        queued = get_runner().status(run_id).state == "queued"
    except Exception:  # live_view says what is wrong
        queued = False
    (_queued_fragment if queued else _running_fragment)(run_id, extra)
