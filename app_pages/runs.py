"""Runs: every run this person started on this server, to find, compare, rename, tag, delete or copy.

Whose runs are whose comes from the owner token the browser keeps (``ui/identity.py``): no account,
the same across reloads, tabs and browser restarts. A link ``runs?run=<id>`` shows that one run to
anyone who has it (watch and copy; only its owner may change it). The table and the CSV come
from ``synaptic_core.runs.table`` (the ``runs`` CLI prints the same rows); the Compare section
is ``ui/compare_view.py``; every change is checked against the owner in its handler.
"""

import logging

import streamlit as st

from synaptic_core.text_safety import md_text
from ui import compare_view, runs_view
from ui.services import get_store, session_owner

log = logging.getLogger(__name__)


def _you() -> None:
    """The optional display name others see on a run link."""
    from synaptic_core.store.labels import display_name, set_display_name

    with st.expander("You"):
        st.caption("Your runs are tied to this browser (a random key kept in a cookie; no account). Another "
                   "browser, or clearing this site's cookies, starts a new list.")
        current = display_name(get_store(), session_owner()) or ""
        name = st.text_input("Display name (optional: shown to people you send a run link)", value=current,
                             key="runs_display_name", max_chars=40)
        if st.button("Save display name", key="runs_display_save") and name != current:
            try:
                set_display_name(get_store(), session_owner(), name)
                st.success("Saved.")
            except ValueError as exc:
                st.error(md_text("{}", exc))


st.title("Runs")
runs_view.show_notice()
try:
    rows = runs_view.my_rows()
except Exception as exc:  # a damaged or unreadable store: say so, keep the app usable
    log.exception("listing runs")
    st.error(md_text("Could not read the run history: {}", exc))
    st.stop()
shared = st.query_params.get("run")
if shared:
    runs_view.shared_run(shared, rows)
_you()
if not rows:
    st.info("You have no runs yet: train one on the Playground (or any page with a Train button) and it appears here.")
    st.page_link("app_pages/playground.py", label="Go to the Playground", icon=":material/science:")
    st.stop()
shown = runs_view.filters(rows)
st.caption(f"{len(shown)} of your {len(rows)} runs")
runs_view.table_view(shown)
picked = runs_view.selection(shown, rows)
if len(picked) == 1:
    with st.container(key="run_actions", border=True):
        runs_view.summary(picked[0])
        runs_view.open_and_again(picked[0], rows, key="runs_one")
        runs_view.manage(picked[0])
elif picked:
    compare_view.compare_runs(picked)
