"""The Runs page's pieces: filters, the table and its CSV, the selection, and what one run offers.

The rows come from ``synaptic_core.runs.table`` (the CLI prints the same ones). Every change to a
run (rename, tag, delete) is a button callback that calls ``synaptic_core.runs.actions`` with this
person's owner id, so the owner check runs in the handler, whatever the page showed; the result
is left in ``st.session_state[NOTICE_KEY]`` and shown at the top of the next run. Names, tags and
run ids are outside text: they go into tables and widgets (shown literally) or through
``md_escape``.
"""

from __future__ import annotations

import logging
from typing import Any, Mapping

import streamlit as st

from synaptic_core.runs import actions, table
from synaptic_core.specs import RunSpec
from synaptic_core.text_safety import md_escape, md_text
from ui.services import get_runner, get_store, session_owner

log = logging.getLogger(__name__)

SELECTED_KEY = "runs_selected"
CONFIRM_KEY = "runs_confirm_delete"
NOTICE_KEY = "runs_notice"
STATUSES = ("queued", "starting", "running", "done", "stopped", "failed", "interrupted")
SORTS = {"newest": "Newest first", "test": "Test metric (best first)", "best": "Best validation (best first)",
         "last": "Last validation (best first)", "name": "Name", "dataset": "Dataset", "model": "Model",
         "status": "Status", "time": "Training time"}


# -- notices left by callbacks --------------------------------------------------------------------
def _notice(kind: str, text: str, link: tuple[str, dict, str] | None = None) -> None:
    st.session_state[NOTICE_KEY] = {"kind": kind, "text": text, "link": link}


def show_notice() -> None:
    """The message a button's callback left (already Markdown-safe), with its link if any."""
    notice = st.session_state.pop(NOTICE_KEY, None)
    if not notice:
        return
    getattr(st, notice["kind"])(notice["text"])
    if notice.get("link"):
        page, query, label = notice["link"]
        st.page_link(page, label=label, query_params=query)


# -- helpers -----------------------------------------------------------------------------------------
def page_title(path: str) -> str:
    from ui.pages import PAGES

    return next((title for p, title, _ in PAGES if p == path), "Playground")


def run_link(row: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
    """(page, query) that opens the run on its own page, its spec in the widgets: watch it, or copy it."""
    try:
        query = RunSpec.from_mapping(row.get("spec") or {}, strict=False).to_query()
    except ValueError:
        query = {}
    return row.get("page") or table.page_of(row.get("dataset")), {**query, "run": row["run_id"]}


def label(row: Mapping[str, Any]) -> str:
    """One line naming a run in a picker: name (or id) · dataset · model · status."""
    first = f"{row['name']} ({row['run_id'][-8:]})" if row.get("name") else row["run_id"]
    return " · ".join((first, row.get("dataset_title") or "", row.get("model_title") or "", row.get("status") or ""))


def my_rows() -> list[dict]:
    """This person's runs, newest first, as table rows."""
    return table.list_rows(get_store(), owner=session_owner())


# -- filters and the table ------------------------------------------------------------------------------
def filters(rows: list[dict]) -> list[dict]:
    """Search, status, dataset, tag and sort widgets; the rows they keep, in their order."""
    datasets = {r["dataset"]: r["dataset_title"] for r in rows if r.get("dataset")}
    tags = sorted({t for r in rows for t in r.get("tags") or ()})
    c1, c2, c3, c4, c5 = st.columns([3, 2, 2, 2, 2])
    search = c1.text_input("Search", key="runs_search", placeholder="name, tag, dataset, model …")
    statuses = c2.multiselect("Status", STATUSES, key="runs_status")
    chosen = c3.multiselect("Dataset", sorted(datasets), key="runs_dataset", format_func=lambda d: datasets.get(d, d))
    wanted_tags = c4.multiselect("Tags", tags, key="runs_tags")
    sort = c5.selectbox("Sort", list(SORTS), key="runs_sort", format_func=SORTS.get)
    kept = table.filter_rows(rows, search=search, statuses=statuses, datasets=chosen, tags=wanted_tags)
    return table.sort_rows(kept, sort)


def frame(rows: list[dict]) -> Any:
    """The table as a DataFrame: one row per run, metric columns as numbers."""
    import pandas as pd

    return pd.DataFrame([{
        "Name": r.get("name") or "", "Dataset": r.get("dataset_title"), "Model": r.get("model_title"),
        "Settings that differ": r.get("changed_words"), "Status": r.get("status"), "Best val": r.get("best"),
        "Last val": r.get("last"), "Test": r.get("test_metric"), "Metric": r.get("metric"),
        "Epochs": r.get("epochs_run"), "Time (s)": r.get("seconds"), "Started": r.get("created_text"),
        "Tags": ", ".join(r.get("tags") or ()), "Run": r["run_id"],
    } for r in rows])


def table_view(rows: list[dict]) -> None:
    """The runs table and its CSV download."""
    config = {c: st.column_config.NumberColumn(c, format="%.4f") for c in ("Best val", "Last val", "Test")}
    config["Time (s)"] = st.column_config.NumberColumn("Time (s)", format="%.1f")
    with st.container(key="runs_table"):
        st.dataframe(frame(rows), hide_index=True, column_config=config, width="stretch")
    st.download_button("Download the table (CSV)", data=table.csv_text(rows), file_name="synaptichub-runs.csv",
                       mime="text/csv", key="runs_csv", on_click="ignore")


def selection(shown: list[dict], rows: list[dict]) -> list[dict]:
    """The runs picked for a closer look (one: manage it; 2-10: compare them), kept across filters."""
    by_id = {r["run_id"]: r for r in rows}
    picked = [i for i in st.session_state.get(SELECTED_KEY, []) if i in by_id]
    st.session_state[SELECTED_KEY] = picked
    options = list(dict.fromkeys([r["run_id"] for r in shown] + picked))
    ids = st.multiselect("Select runs: one to rename, tag, delete or train again; two to ten to compare",
                         options, key=SELECTED_KEY, format_func=lambda i: label(by_id[i]))
    return [by_id[i] for i in ids]


# -- one run ---------------------------------------------------------------------------------------------------
def _rename(run_id: str, key: str) -> None:
    try:
        name = actions.rename(get_store(), run_id, st.session_state.get(key, ""), session_owner())
        _notice("success", md_text("Run {} is now called “{}”.", run_id, name) if name
                else md_text("Run {} has no name now.", run_id))
    except Exception as exc:  # NotAllowed, LabelError, KeyError: say why, in words
        _notice("error", md_text("Could not rename run {}: {}", run_id, exc))


def _tag(run_id: str, key: str) -> None:
    try:
        tags = actions.tag(get_store(), run_id, st.session_state.get(key, ""), session_owner())
        _notice("success", md_text("Tags of run {}: {}", run_id, ", ".join(tags) or "none"))
    except Exception as exc:
        _notice("error", md_text("Could not tag run {}: {}", run_id, exc))


def _ask_delete(run_id: str | None) -> None:
    """Delete pressed: ask for a confirmation (None: the question was cancelled)."""
    if run_id is None:
        st.session_state.pop(CONFIRM_KEY, None)
    else:
        st.session_state[CONFIRM_KEY] = run_id


def _delete(run_id: str) -> None:
    st.session_state.pop(CONFIRM_KEY, None)
    try:
        actions.delete(get_store(), run_id, session_owner())
    except Exception as exc:
        _notice("error", md_text("Could not delete run {}: {}", run_id, exc))
        return
    st.session_state[SELECTED_KEY] = [i for i in st.session_state.get(SELECTED_KEY, []) if i != run_id]
    if st.query_params.get("run") == run_id:
        del st.query_params["run"]
    _notice("success", md_text("Run {} was deleted, with its events and files.", run_id))


def _train_again(row: Mapping[str, Any], siblings: list[dict]) -> None:
    run = get_store().get_run(row["run_id"]) or {"spec": row.get("spec") or {}}
    spec = actions.another_seed(run, siblings)
    try:
        run_id = get_runner().submit(spec, owner=session_owner())
    except Exception as exc:  # a refusal (per-person cap, model size, read-only store) says why
        _notice("error", md_text("Could not queue the run: {}", exc))
        return
    page, query = run_link({**row, "run_id": run_id, "spec": spec.as_dict()})
    _notice("success", md_text("Queued run {} with seed {}.", run_id, spec.seed), (page, query, "Watch it train"))


def open_and_again(row: Mapping[str, Any], siblings: list[dict], key: str) -> None:
    """"Open in <page>" (the run's spec in the widgets, the run shown) and "Train again with another seed"."""
    page, query = run_link(row)
    c1, c2 = st.columns(2)
    with c1:
        st.page_link(page, label=f"Open in {page_title(page)}", icon=":material/open_in_new:", query_params=query)
    c2.button("Train again with another seed", key=f"{key}_again", on_click=_train_again, args=(dict(row), siblings),
              help="Queues the same settings with a seed none of these runs used; the new run is yours.")


def manage(row: Mapping[str, Any], key: str = "runs_one") -> None:
    """Rename, tag and delete (with a confirmation): drawn only for the run's owner, checked again on click."""
    run_id = row["run_id"]
    c1, c2 = st.columns(2)
    name_key, tags_key = f"{key}_name_{run_id}", f"{key}_tags_{run_id}"
    with c1:
        st.text_input("Name", value=row.get("name") or "", key=name_key, max_chars=80)
        st.button("Save name", key=f"{key}_rename", on_click=_rename, args=(run_id, name_key))
    with c2:
        st.text_input("Tags (comma-separated)", value=", ".join(row.get("tags") or ()), key=tags_key)
        st.button("Save tags", key=f"{key}_tag", on_click=_tag, args=(run_id, tags_key))
    from ui import resume  # an interrupted run with a checkpoint: "Resume from epoch N"

    resume.offer(run_id, row.get("status"), session_owner(), key=key, done=resume.for_runs_page(row))
    if row.get("status") in ("queued", "starting", "running"):
        st.caption("A run that is queued or training cannot be deleted: stop it first (open it on its page).")
    elif st.session_state.get(CONFIRM_KEY) == run_id:
        st.warning(md_text("Delete run {} with its curves, model and files? This cannot be undone.", run_id))
        y, n = st.columns(2)
        y.button("Yes, delete", key=f"{key}_delete_yes", type="primary", on_click=_delete, args=(run_id,))
        n.button("Cancel", key=f"{key}_delete_no", on_click=_ask_delete, args=(None,))
    else:
        st.button("Delete", key=f"{key}_delete", on_click=_ask_delete, args=(run_id,))


def summary(row: Mapping[str, Any]) -> None:
    """What the run is and how it did, in a few lines."""
    metric = row.get("metric") or "metric"
    fmt = (lambda v: f"{v:.4f}" if isinstance(v, float) else "—")
    cols = st.columns(4)
    cols[0].metric("Status", row.get("status") or "—")
    cols[1].metric(f"Best val {metric}", fmt(row.get("best")))
    cols[2].metric(f"Last val {metric}", fmt(row.get("last")))
    cols[3].metric(f"Test {metric}", fmt(row.get("test_metric")))
    st.caption(md_text("{} · {} · settings that differ: {}", row.get("dataset_title"), row.get("model_title"),
                       row.get("changed_words")))
    if row.get("tags"):
        st.caption(md_text("Tags: {}", ", ".join(row["tags"])))
    if row.get("error") and row.get("status") in ("failed", "interrupted", "stopped"):
        st.caption(md_text("Why it ended: {}", row["error"]))


def shared_run(run_id: str, siblings: list[dict]) -> None:
    """A run reached by its link (``runs?run=<id>``): anyone may watch and copy it; only its owner may change it."""
    from synaptic_core.store.labels import display_name, labels_of

    store = get_store()
    run = store.get_run(run_id) if isinstance(run_id, str) and len(run_id) <= 64 else None
    if run is None:
        st.error(md_text("There is no run {} on this server (it may have been deleted).", run_id))
        return
    label_of = labels_of(store, [run_id]).get(run_id)
    events = store.events(run_id, types=["epoch"]) if not (run.get("result") or {}).get("history") else None
    row = table.build_row(run, label_of.name if label_of else None, label_of.tags if label_of else (), events)
    with st.container(key="shared_run", border=True):
        st.subheader(md_escape(row.get("name") or f"Run {run_id}"))
        mine = actions.may_change(run, session_owner())
        if not mine:
            by = display_name(store, run.get("owner"))
            st.caption(md_text("Shared run{}: you can watch it and copy its settings; only the person who started it "
                               "can stop, rename, tag or delete it.", f" by {by}" if by else ""))
        summary(row)
        from ui.compare_view import single_curve

        single_curve(row)
        open_and_again(row, siblings, key="shared")
        if mine:
            manage(row, key="shared")
