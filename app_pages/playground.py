"""Playground: pick data, build a network, train it in a job process and watch it learn.

Widgets -> RunSpec -> runner -> figures. The spec comes from the URL and goes back to it on
every run (plus ``run=<id>``), so a link reproduces the page, run included. Training runs in
the job runner's processes, never in this script; the live view polls it from a fragment.
"""

import logging

import streamlit as st

from synaptic_core.specs import RunSpec, SpecError
from ui import data_panel, live, recent, results, summary
from ui import spec_widgets as sw
from ui.services import get_runner, session_owner
from ui.spec_state import RUN_KEY, current_spec, seed, write_url

log = logging.getLogger(__name__)
TASKS = ("image", "toy", "tabular")  # classification on fixed-size inputs; sequences have their own pages


def _known() -> tuple[dict, list[str]]:
    from synaptic_core.data import list_datasets
    from synaptic_core.models import MODELS

    return {i.name: i for i in list_datasets() if i.task in TASKS}, list(MODELS)


def _preview(spec: RunSpec) -> dict | None:
    try:
        return data_panel.load_preview(data_panel.data_spec(spec).to_json())
    except Exception as exc:  # DataError or a broken file: say so, keep the page usable
        log.exception("loading %s for the preview", spec.dataset)
        st.error(f"Could not load {spec.dataset}: {exc}")
        return None


def _status(runner, run_id: str | None):
    if not run_id:
        return None
    try:
        return runner.status(run_id)
    except KeyError:
        st.error(f"Run {run_id} is not known on this server (it may have been deleted); showing none.")
    except Exception as exc:
        log.exception("status of run %s", run_id)
        st.error(f"Could not ask the job runner about run {run_id}: {exc}")
    st.session_state.pop(RUN_KEY, None)
    return None


def _submit(runner, spec: RunSpec) -> bool:
    """Queue the run in the job runner (never in this script thread) and make it the run shown."""
    try:
        run_id = runner.submit(spec, owner=session_owner())
    except Exception as exc:
        log.exception("submit failed for %s", spec.to_json())
        st.error(f"Could not start the run: {exc}")
        return False
    st.session_state[RUN_KEY] = run_id
    st.session_state.pop(live.STOP_KEY, None)
    return True


st.title("Playground")
infos, model_names = _known()
spec, url_messages = current_spec(infos, model_names)
for message in url_messages:
    st.error(message)
runner = get_runner()

controls, view = st.columns([2, 3], gap="large")
edits = sw.Edits()
with controls:
    data_tab, model_tab, train_tab = st.tabs(["Data", "Model", "Training"])
    with data_tab:
        info = sw.dataset_picker(spec, infos, edits)
        sw.data_options(spec, info, edits)
        subset = st.session_state[seed("subset", spec.subset)] if info.task != "toy" else spec.subset
        preview = _preview(spec.replace(**edits.values, subset=subset))
        if preview is not None:
            if info.task != "toy":
                sw.subset_slider(spec, preview["n_available"], edits)
            data_panel.source_panel(spec, info, preview)
            data_panel.preview_samples(preview)
    with model_tab:
        model = sw.model_picker(spec, info.task, edits)
        sw.architecture(spec, model, edits)
    with train_tab:
        sw.hyperparameters(spec, info.task, edits)
    try:
        spec = spec.replace(**edits.values)
    except SpecError as exc:
        edits.errors.extend(exc.errors)
    errors = edits.errors + spec.errors(known_datasets=infos, known_models=model_names)
    with model_tab:
        summary.summary_expander(spec, preview)

    for message in errors:
        st.error(message)
    run_id = st.session_state.get(RUN_KEY)
    status = _status(runner, run_id)
    run_id = run_id if status is not None else None
    busy = status is not None and status.state not in live.FINAL
    # No help= on Train and Stop: a tooltip makes Streamlit draw the button twice in the DOM.
    if st.button("Train", key="train", type="primary", disabled=bool(errors) or busy) and _submit(runner, spec):
        st.rerun()  # redraw with the new run: URL, live view, Train disabled while it runs
    if busy:
        st.caption("A run is in progress: stop it or wait for it to finish.")
    write_url(spec, run_id)
    recent.recent_runs()

with view:
    if status is None:
        with st.container(key="live_curves"):
            from synaptic_core.viz import empty_curves

            st.plotly_chart(empty_curves(), key="live_curves_chart", width="stretch")
    elif status.state in live.FINAL:
        st.subheader(f"Run {run_id}: {status.state}")
        try:
            results.results_view(run_id, status, runner.result(run_id), live.fetch_events(runner, run_id))
        except Exception as exc:
            log.exception("showing the results of run %s", run_id)
            st.error(f"Could not show the results of run {run_id}: {exc}. The run itself is kept.")
    else:
        st.subheader(f"Run {run_id}")
        live.live_fragment(run_id)
