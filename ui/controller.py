"""The one page controller: every page that trains is a ``TrainPage`` plus ``run_page(...)``.

``run_page`` does, in this order, what every such page does: read the spec from the URL (or
the session), say what a link got wrong, draw the page's widgets (its own function, built
from ``ui.param_widgets``), check the spec, show the run this page follows (``run=<id>``),
offer Train (disabled while the spec has issues or the run is in progress), write the URL,
list recent runs; then on the right the idle view (an optional preview and the empty chart,
so Plotly's JS loads before training starts), the live view (``ui.live``, polled in a
fragment) or the finished run's results.

Every message that quotes outside text (a link's value, a run id, an exception) goes through
``md_escape``: Streamlit renders message bodies as Markdown, and they must show as text.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Mapping

import streamlit as st

from synaptic_core.specs import RunSpec
from synaptic_core.text_safety import md_escape, md_text
from ui import classroom_mode, live, lr_finder_view, page_state, recent, results, wording
from ui.page_state import TrainPage
from ui.param_widgets import Form
from ui.services import get_runner, get_store, session_owner

log = logging.getLogger(__name__)

Widgets = Callable[[Form], None]
ResultsView = Callable[[str, Any], None]

__all__ = ["TrainPage", "Form", "run_page", "show_results"]


def _check(form: Form) -> tuple[RunSpec, list[str]]:
    """The spec with the widgets' values, and every problem with it (plain text, each naming the range)."""
    from synaptic_core.data import dataset_names
    from synaptic_core.models import model_names

    spec, errors = form.apply()
    spec = spec.replace(lr_find=0)  # a sweep is asked for with its own button, never by Train
    errors = errors + spec.errors(known_datasets=dataset_names(), known_models=model_names())
    return spec, errors or _size_problems(spec)


def _size_problems(spec: RunSpec) -> list[str]:
    """The runner's model-size limit, checked by arithmetic before Train is pressed (no Keras)."""
    from synaptic_core.jobs.policy import Limits, ModelTooLarge, check_model_size

    limits = getattr(getattr(get_runner(), "book", None), "limits", None) or Limits.from_env()
    try:
        check_model_size(spec, limits)
    except ModelTooLarge as exc:
        return [str(exc)]
    except Exception:  # an estimate that cannot be made is checked again in the worker
        log.exception("estimating the size of %s", spec.to_json())
    return []


def _run_status(page: TrainPage) -> tuple[str | None, Any]:
    """(run id, JobStatus) of the run this page shows, or (None, None)."""
    run_id = st.session_state.get(page.run_key)
    if not run_id:
        return None, None
    try:
        return run_id, get_runner().status(run_id)
    except KeyError:
        st.error(md_text("Run {} is not known on this server (it may have been deleted); showing none.", run_id))
    except Exception as exc:
        log.exception("status of run %s", run_id)
        st.error(md_text("Could not ask the job runner about run {}: {}", run_id, exc))
    st.session_state.pop(page.run_key, None)
    return None, None


def _submit(page: TrainPage, spec: RunSpec) -> bool:
    """Queue the run in the job runner (never in this script thread) and make it the run shown."""
    try:
        run_id = get_runner().submit(spec, owner=session_owner())
    except Exception as exc:
        log.exception("submit failed for %s", spec.to_json())
        st.error(md_text("Could not start the run: {}", exc))
        return False
    classroom_mode.submitted(page, run_id)  # a class page's run is the class's (nothing outside a class)
    st.session_state[page.run_key] = run_id
    st.session_state.pop(live.STOP_KEY, None)
    return True


def _train_button(page: TrainPage, spec: RunSpec, errors: list[str], status: Any, lr_finder: bool = False) -> None:
    """The problems, then Train (disabled while they last or while this page's run is in progress)."""
    for message in errors:
        st.error(md_escape(message))
    store = get_store()
    if notice := getattr(store, "notice", None):  # a damaged store moved aside, or a read-only one
        st.warning(md_escape(notice))
    read_only = bool(getattr(store, "read_only", False))
    busy = status is not None and status.state not in live.FINAL
    # No help= on Train: a tooltip makes Streamlit draw the button twice in the DOM.
    if st.button("Train", key="train", type="primary", disabled=bool(errors) or busy or read_only) \
            and _submit(page, spec):
        st.rerun()  # redraw with the new run: URL, live view, Train disabled while it runs
    if lr_finder and lr_finder_view.find_button(bool(errors) or busy or read_only) \
            and _submit(page, lr_finder_view.sweep_spec(spec)):
        st.rerun()
    if busy:
        st.caption("A run is in progress: stop it or wait for it to finish.")


def _preset_buttons(page: TrainPage, presets: Mapping[str, Mapping[str, Any]]) -> None:
    """One button per named preset; pressing it sets the widgets to the preset's values."""
    for i, (title, values) in enumerate(presets.items()):
        st.button(title, key=page.key(f"preset_{i}"), on_click=page_state.apply_values, args=(page, dict(values)),
                  help=wording.describe_values(values))


def show_results(run_id: str, status: Any) -> None:
    """The classification results of a finished run (the default results view)."""
    runner = get_runner()
    st.subheader(f"Run {md_escape(run_id)}: {status.state}")
    results.results_view(run_id, status, runner.result(run_id), live.fetch_events(runner, run_id))


def _idle_view() -> None:
    from ui.figure_cache import empty_curves  # built once per process: the same for every open

    with st.container(key="live_curves"):
        st.plotly_chart(empty_curves(), key="live_curves_chart", width="stretch")


def run_page(page: TrainPage, widgets: Widgets, *, results_view: ResultsView = show_results,
             describe: Callable[[dict], str] = recent.test_accuracy,
             presets: Mapping[str, Mapping[str, Any]] | None = None,
             preview: Callable[[RunSpec], None] | None = None,
             live_extra: Callable[[list[dict]], None] | None = None, lr_finder: bool = False) -> None:
    """Draw a training page below its title: controls on the left, the run on the right.

    ``widgets(form)`` draws the page's own widgets; ``results_view(run_id, status)`` a finished
    run; ``describe(run)`` the figure in a recent run's link; ``preview(spec)`` what is shown
    before training; ``live_extra(events)`` more of the live view (the text samples); ``lr_finder``:
    offer "Find a learning rate" beside Train (``ui.lr_finder_view``; a sweep is shown by it on any page).
    """
    klass = classroom_mode.enter(page)  # a class link: join first, then the class's rules (None: no class)
    lr_finder = lr_finder and klass is None
    spec, messages = page_state.current_spec(page, classroom_mode.link_reader(page, klass))
    for message in messages:
        st.error(md_escape(message))
    for note in page_state.notes(page):
        st.info(md_escape(note))
    controls, view = st.columns([2, 3], gap="large")
    form = Form(page, spec, **classroom_mode.form_modes(klass))
    with controls:
        _preset_buttons(page, presets or {})
        widgets(form)
        spec, errors = classroom_mode.check(page, klass, *_check(form))  # locks and limits, before Train
        run_id, status = _run_status(page)
        _train_button(page, spec, errors, status, lr_finder)
        page_state.write_url(page, spec, run_id, classroom_mode.url_query(klass, spec, run_id))
        recent.recent_runs(page, describe)
    with view:
        if status is None:
            if preview is not None:
                preview(spec)
            _idle_view()
        elif status.state in live.FINAL:
            try:
                lr_finder_view.view_for(page, run_id, results_view)(run_id, status)
            except Exception as exc:
                log.exception("showing the results of run %s", run_id)
                st.error(md_text("Could not show the results of run {}: {}. The run itself is kept.", run_id, exc))
        else:
            st.subheader(f"Run {md_escape(run_id)}")
            live.live_fragment(run_id, lr_finder_view.live_extra(live_extra))
