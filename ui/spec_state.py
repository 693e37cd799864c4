"""The playground's spec between the URL, the session and the widgets.

One spec is current per session, kept as a plain dict in ``st.session_state["pg_spec"]``.
It is loaded from the URL (``st.query_params``) when the page is first opened in a session
or when a link changed the URL; otherwise the widgets own the values. Every run writes
``spec.to_query()`` (plus ``run=<id>``) back, so the address bar always reproduces the page.

Widgets use the keys ``w_<param>``. They are never created with ``value=``: their state is
seeded from the spec just before they are drawn (``seed``), so loading a new spec is simply
"store it and forget the widget keys" (``load_spec``).
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

import streamlit as st

from synaptic_core.spec_query import parse_query as core_parse_query
from synaptic_core.specs import RunSpec, allowed  # noqa: F401 - allowed: used by the widgets

SPEC_KEY = "pg_spec"
URL_KEY = "pg_url"
RUN_KEY = "pg_run"
WIDGET_PREFIX = "w_"


def wkey(name: str) -> str:
    """The session-state key of the widget that edits parameter ``name``."""
    return WIDGET_PREFIX + name


def parse_query(query: Mapping[str, str], known_datasets: Iterable[str] | None = None,
                known_models: Iterable[str] | None = None) -> tuple[RunSpec, list[str]]:
    """The spec a URL describes and one message per bad value (``synaptic_core.spec_query``)."""
    spec, issues = core_parse_query(query, known_datasets, known_models)
    return spec, [i.message for i in issues]


def load_spec(spec: RunSpec) -> None:
    """Make ``spec`` the current one and let every widget re-seed from it on this run."""
    st.session_state[SPEC_KEY] = spec.as_dict()
    for key in [k for k in st.session_state if str(k).startswith(WIDGET_PREFIX)]:
        del st.session_state[key]


def current_spec(known_datasets: Iterable[str], known_models: Iterable[str]) -> tuple[RunSpec, list[str]]:
    """The spec this run starts from, and messages about bad link parameters.

    The URL wins when the page is new in this session or the URL is not the one this page
    wrote last (a link was followed); coming back from another page (empty URL) keeps the
    session's spec. A ``run=<id>`` in a new URL becomes the run shown.
    """
    query = st.query_params.to_dict()
    fresh = SPEC_KEY not in st.session_state
    if fresh or (query and query != st.session_state.get(URL_KEY)):
        spec, messages = parse_query(query, known_datasets, known_models)
        load_spec(spec)
        if query.get("run"):
            st.session_state[RUN_KEY] = query["run"]
        elif not fresh:
            st.session_state.pop(RUN_KEY, None)
        return spec, messages
    return RunSpec.from_mapping(st.session_state[SPEC_KEY]), []


def seed(name: str, value: Any, key: str | None = None) -> str:
    """Give widget ``key`` (default ``w_<name>``) its value from the spec unless it has one."""
    key = key or wkey(name)
    if key not in st.session_state:
        st.session_state[key] = value
    return key


def write_url(spec: RunSpec, run_id: str | None) -> None:
    """Put the spec (only non-defaults) and the run shown into the address bar."""
    query = spec.to_query()
    if run_id:
        query["run"] = run_id
    st.session_state[SPEC_KEY] = spec.as_dict()
    # Also resend when only the last URL written differs: after a page link the browser's address
    # bar may still show the previous page's URL although the server already has the new query.
    if st.query_params.to_dict() != query or st.session_state.get(URL_KEY) != query:
        st.query_params.from_dict(query)
    st.session_state[URL_KEY] = query
