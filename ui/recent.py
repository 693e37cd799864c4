""""Recent runs": this person's runs from the store (their browser's owner id, so across reloads and
tabs), each a link that reopens it on its page (all of them, to compare and manage: the Runs page).

The link carries ``run=<id>`` and the run's spec as query parameters, so opening it shows the
run (live or finished) with the widgets set as they were for it. A page lists the runs on its
own datasets; the playground (``TrainPage.recent_all``) lists them all, each linking to the
page that shows its dataset (the task record's page).
"""

from __future__ import annotations

import logging
from typing import Any, Callable

import streamlit as st

from synaptic_core.specs import RunSpec
from synaptic_core.text_safety import md_escape
from ui import wording
from ui.services import get_store, session_owner

log = logging.getLogger(__name__)


def test_accuracy(run: dict) -> str:
    """The default figure of a run's link: its test accuracy."""
    test = (run.get("result") or {}).get("test") or {}
    return f"test accuracy {test['accuracy']:.1%}" if test.get("accuracy") is not None else "—"


def _pages() -> dict[str, str]:
    """dataset name -> the page that shows it."""
    from synaptic_core.data import list_datasets

    return {d.name: d.page for d in list_datasets() if d.page}


def recent_runs(page: Any, describe: Callable[[dict], str] = test_accuracy, limit: int = 10) -> None:
    """An expander listing this person's newest runs (on this page's datasets unless ``page.recent_all``)."""
    from ui.page_state import dataset_infos

    with st.expander("Recent runs"):
        try:
            runs = get_store().list_runs(limit=limit if page.recent_all else 200, owner=session_owner())
        except Exception as exc:
            log.exception("listing recent runs")
            st.error(f"Could not read the run history: {md_escape(exc)}")
            return
        pages = _pages() if page.recent_all else {}
        if not page.recent_all:
            mine = dataset_infos(page)
            runs = [r for r in runs if r.get("dataset") in mine][:limit]
        if not runs:
            st.caption("Your runs will be listed here.")
        for run in runs:
            try:
                query = RunSpec.from_mapping(run.get("spec") or {}, strict=False).to_query()
            except ValueError:
                query = {}
            # run ids, dataset and model names come from validated specs in our own store
            label = " · ".join(str(x) for x in (run["id"], run.get("status"),
                                                wording.dataset_title(run.get("dataset")),
                                                wording.model_title(run.get("model")), describe(run)))
            st.page_link(pages.get(run.get("dataset"), page.path), label=label,
                         query_params={**query, "run": run["id"]})
