"""The learning-rate finder on a training page: the button that queues a sweep, its live curve and its results.

Why here and not in ``ui.results``: a sweep (a run whose spec has ``lr_find`` > 0, see
``synaptic_core.training.lr_find``) has no test metrics and no model, only loss against rate.
The page controller asks ``is_sweep(run_id)`` and draws a sweep with ``results`` instead of the
page's own results view, so a sweep opened from any link or the Runs page shows properly.

The sweep goes through the page's own submit (the same job runner, queue, owner and Stop as Train);
"Use this rate" puts the suggested rate in the page's learning-rate widget (``apply_values``, the
preset mechanism), rounded to two significant digits so the slider shows a readable number.
"""

from __future__ import annotations

import logging
from typing import Any, Callable

import streamlit as st

from synaptic_core.specs import RunSpec
from synaptic_core.text_safety import md_escape, md_text
from ui import page_state
from ui.live import fetch_events, last_event, run_spec
from ui.page_state import TrainPage
from ui.services import get_runner

log = logging.getLogger(__name__)

BUTTON_KEY = "lr_find"
USE_KEY = "lr_find_use"
CHART_KEY = "lr_find_chart"
LIVE_CHART_KEY = "lr_find_live_chart"


def sweep_spec(spec: RunSpec) -> RunSpec:
    """The sweep run for the page's current spec (``lr_find`` = the default number of batches)."""
    from synaptic_core.search.lr_finder import lr_finder_spec

    return lr_finder_spec(spec)


def find_button(disabled: bool) -> bool:
    """The "Find a learning rate" button; True when pressed. (No ``help=``: it would draw it twice in the DOM.)"""
    pressed = st.button("Find a learning rate", key=BUTTON_KEY, disabled=disabled)
    st.caption("Find a learning rate: a short run that raises the rate from 1e-06 to 1 over a few hundred batches "
               "and plots the loss, then suggests a rate.")
    return pressed


def is_sweep(run_id: str) -> bool:
    """True when ``run_id`` is a learning-rate sweep (its stored spec has ``lr_find`` > 0)."""
    return bool(getattr(run_spec(run_id), "lr_find", 0))


def rounded(rate: float) -> float:
    """``rate`` to two significant digits (0.0031622 -> 0.0032): what the slider and the button show."""
    return float(f"{float(rate):.2g}")


def view_for(page: TrainPage, run_id: str, results_view: Callable[[str, Any], None]) -> Callable[[str, Any], None]:
    """The results view for this run: the sweep's when it is one, else the page's own."""
    if is_sweep(run_id):
        return lambda rid, status: results(page, rid, status)
    return results_view


def live_extra(extra: Callable[[list[dict]], None] | None) -> Callable[[list[dict]], None]:
    """The page's live extra, preceded by the sweep's curve so far when the run is a sweep."""

    def draw(events: list[dict]) -> None:
        if any(e.get("type") == "lr_find" for e in events):
            _live_curve(events)
        if extra is not None:
            extra(events)

    return draw


def _live_curve(events: list[dict]) -> None:
    from synaptic_core.search.lr_finder import curve_from_events
    from synaptic_core.viz.search import lr_finder_figure

    point = last_event(events, "lr_find") or {}
    st.caption(f"Sweeping the learning rate: batch {int(point.get('batch') or 0)}/{int(point.get('batches') or 0)}, "
               f"rate {float(point.get('lr') or 0):.2g}")
    lrs, losses = curve_from_events(events)
    st.plotly_chart(lr_finder_figure(lrs, losses), key=LIVE_CHART_KEY, width="stretch")


def results(page: TrainPage, run_id: str, status: Any) -> None:
    """A finished sweep: loss against rate (log axis) with the suggestion marked, and "Use this rate"."""
    from synaptic_core.search.lr_finder import curve_from_events, finding_of
    from synaptic_core.viz.search import lr_finder_figure
    from ui import results as run_results

    runner = get_runner()
    events = fetch_events(runner, run_id)
    result = runner.result(run_id)
    st.subheader(f"Learning-rate finder {md_escape(run_id)}: {status.state}")
    finding = finding_of(run_id, result)
    if finding is None:  # failed, killed or interrupted: say why, draw what it reported
        run_results.notes(run_id, status, result, events)
        lrs, losses = curve_from_events(events)
        if lrs:
            st.plotly_chart(lr_finder_figure(lrs, losses), key=CHART_KEY, width="stretch")
        return
    with st.container(key="lr_find_results"):
        if result.get("stopped") or status.state == "stopped":
            st.warning(f"Stopped after {len(finding.lrs)} batches: the curve so far.")
        elif finding.diverged:
            st.caption(f"The loss blew up after {len(finding.lrs)} batches: the sweep ended there.")
        fig = lr_finder_figure(finding.lrs, finding.losses, finding.smoothed or None, suggested=finding.suggested)
        st.plotly_chart(fig, key=CHART_KEY, width="stretch")
        if finding.suggested is None:
            st.info("The curve is too short to suggest a rate: run the finder again with more data or batches.")
            return
        rate = rounded(finding.suggested)
        st.markdown(md_text("**Suggested learning rate: {}** (the loss falls fastest at {}; lowest loss at {}).",
                            f"{rate:g}", f"{finding.steepest:.2g}", f"{finding.min_loss_lr:.2g}"))
        st.caption("The suggestion sits where the loss falls fastest, kept at or below a tenth of the rate of the "
                   "lowest loss: past that the loss is about to blow up.")
        st.button("Use this rate", key=USE_KEY, type="primary", on_click=page_state.apply_values,
                  args=(page, {"lr": rate}), help=f"Sets the learning rate to {rate:g}; then press Train.")
