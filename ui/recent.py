""""Recent runs": this session's runs from the store, each with a link that reopens it.

The link carries ``run=<id>`` and the run's spec as query parameters, so opening it shows the
run (live or finished) with the widgets set as they were for it.
"""

from __future__ import annotations

import logging

import streamlit as st

from synaptic_core.specs import RunSpec
from ui.services import get_store, session_owner

log = logging.getLogger(__name__)
PAGE = "app_pages/playground.py"
PAGE_OF_TASK = {"text": "app_pages/sentiment.py", "series": "app_pages/time_series.py",
                "chars": "app_pages/text_generation.py"}  # other tasks open in the playground


def _page_of(dataset: str | None) -> str:
    from synaptic_core.data import list_datasets

    tasks = {d.name: d.task for d in list_datasets()}
    return PAGE_OF_TASK.get(tasks.get(dataset or ""), PAGE)


def _accuracy(run: dict) -> str:
    test = (run.get("result") or {}).get("test") or {}
    return f"{test['accuracy']:.1%}" if test.get("accuracy") is not None else "—"


def recent_runs(limit: int = 10) -> None:
    """An expander listing this session's newest runs."""
    with st.expander("Recent runs"):
        try:
            runs = get_store().list_runs(limit=limit, owner=session_owner())
        except Exception as exc:
            log.exception("listing recent runs")
            st.error(f"Could not read the run history: {exc}")
            return
        if not runs:
            st.caption("Your runs will be listed here.")
            return
        for run in runs:
            try:
                query = RunSpec.from_mapping(run.get("spec") or {}, strict=False).to_query()
            except ValueError:
                query = {}
            label = (f"{run['id']} · {run.get('status')} · {run.get('dataset')} · {run.get('model')} · "
                     f"test accuracy {_accuracy(run)}")
            st.page_link(_page_of(run.get("dataset")), label=label, query_params={**query, "run": run["id"]})
