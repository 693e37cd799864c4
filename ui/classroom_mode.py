"""A class link on a page that trains (``/playground?class=<token>``): join, then train within the class's rules.

The page controller (``ui/controller.py``) calls these hooks; outside a class link each one does
nothing (returns None, the spec unchanged, no options). Inside one:

* :func:`enter` finds the class and, for someone who has not joined, draws the join form (display
  name, and the password when the class has one) instead of the page; password tries are limited in
  the core (``classroom.attempts``) per :func:`client_key` and per class;
* :func:`link_reader` reads the URL as the class's spec plus the link's *free* values;
* :func:`form_modes` tells the widgets which parameters are locked (drawn disabled) or hidden (not drawn);
* :func:`check` runs ``classroom.enforce`` on the widgets' spec in every script run, so also in the run
  where Train is pressed, just before the spec is queued: a value that got past a disabled widget (a
  crafted URL, another tab) is put back to the teacher's, with a note; the class's limits keep Train off;
* :func:`submitted` records the queued run as the class's; :func:`url_query` writes the class's URL;
* :func:`score_waiting` (every class page and the board) has finished runs scored on the hidden split
  in a child process (``classroom.scoring``), so the leaderboard does not wait for the board to open.

Names and messages that came from outside are shown as text (``md_escape``).
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Mapping

import streamlit as st

from synaptic_core.classroom import (CLASS_KEY, Class, ClassError, add_run, enforce, get_class, has_hidden_split,
                                     is_teacher, join, member_name, runs_used, spec_from_query,
                                     url_query as class_query)
from synaptic_core.specs import RunSpec
from synaptic_core.text_safety import md_escape, md_text
from ui import page_state
from ui.page_state import TrainPage
from ui.services import get_store, session_owner

log = logging.getLogger(__name__)
BOARD_PAGE = "app_pages/classroom.py"


def _class_key(page: TrainPage) -> str:
    return page.key("class")


def enter(page: TrainPage) -> Class | None:
    """The class this page is opened in (joined, or its teacher), else None; a join form stops the script."""
    token = st.query_params.get(CLASS_KEY)
    if not token:
        st.session_state.pop(_class_key(page), None)
        return None
    store = get_store()
    try:
        klass = get_class(store, token)
    except Exception as exc:  # a store that cannot be read: the page still works, outside the class
        log.exception("reading class %r", token)
        st.error(md_text("Could not read the class: {}. Showing the page without it.", exc))
        return None
    if klass is None:
        st.error("This class link is not known on this server: check it with your teacher. "
                 "Showing the page without a class.")
        return None
    if page.path != f"app_pages/{klass.page}.py":
        st.info(md_text("The class {} opens on another page.", klass.name))
        return None
    owner = session_owner()
    name = member_name(store, klass, owner)
    teacher = is_teacher(klass, owner)
    if name is None and not teacher:
        _join_form(klass, owner)
        st.stop()
    st.session_state[_class_key(page)] = klass.id
    score_waiting(klass)  # a run of the class that just ended reruns this page: score it, board open or not
    with st.container(key="class_banner"):
        if teacher:
            st.info(md_text("Class **{}**: you are its teacher, and this is what students see.", klass.name))
            st.page_link(BOARD_PAGE, label="Open the class board", icon=":material/leaderboard:",
                         query_params={CLASS_KEY: klass.id})
        else:
            st.info(md_text("Class **{}**: you are {}. Greyed-out settings are set by the teacher.", klass.name, name))
    return klass


@st.cache_resource(show_spinner=False)
def _scorer(path: str, _store: Any) -> Any:
    """One scorer per store, shared by every session (it runs at most one scoring child per class)."""
    from synaptic_core.classroom.scoring import Scorer

    return Scorer(_store)


def score_waiting(klass: Class) -> None:
    """Have the class's finished, unscored runs scored on its hidden split (in a child process, from a
    thread: this costs the script one indexed query). Called by every class page and by the board."""
    if not has_hidden_split(klass):
        return
    try:
        store = get_store()
        _scorer(str(store.path), store).ensure(klass.id)
    except Exception:  # the leaderboard waits for the next page load; the page itself goes on
        log.exception("starting the scoring of class %s", klass.id)


def _join_form(klass: Class, owner: str) -> None:
    """Display name (+ password): bound to this browser's identity on the server."""
    st.subheader(md_text("Join the class {}", klass.name))
    with st.form("class_join"):
        name = st.text_input("Your name (the class sees it next to your runs)", max_chars=40, key="class_join_name")
        password = st.text_input("Class password", type="password", key="class_join_password") \
            if klass.has_password else None
        pressed = st.form_submit_button("Join class", type="primary")
    if pressed:
        try:
            join(get_store(), klass, owner, name, password, client=client_key())
        except ClassError as exc:
            st.error(md_escape(exc))
            return
        st.rerun()


def client_key() -> str:
    """Who tries a class password, for ``classroom.attempts``: the connection's IP address where Streamlit
    knows it (``st.context.ip_address``; None on localhost and behind nothing that reports it), else this
    Streamlit session. A guesser who opens new sessions is stopped by the class-wide count."""
    try:
        address = st.context.ip_address
    except Exception:  # noqa: BLE001 - no browser context (bare mode, some test harnesses)
        address = None
    if isinstance(address, str) and address:
        return f"ip:{address}"
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return f"session:{ctx.session_id}" if ctx is not None else "session:unknown"


Reader = Callable[[Mapping[str, str]], tuple[RunSpec, list[str]]]


def link_reader(page: TrainPage, klass: Class | None) -> Reader | None:
    """How a class link's URL becomes the spec (None outside a class: the page's own reading)."""
    if klass is None:
        return None

    def read(query: Mapping[str, str]) -> tuple[RunSpec, list[str]]:
        from synaptic_core.models import model_names

        return spec_from_query(klass, query, page_state.dataset_infos(page), model_names())

    return read


def form_modes(klass: Class | None) -> dict[str, frozenset[str]]:
    """The widgets' options: which parameters are drawn disabled (locked) and which not at all (hidden)."""
    return {} if klass is None else {"locked": klass.locked, "hidden": klass.hidden}


def check(page: TrainPage, klass: Class | None, spec: RunSpec, errors: list[str]) -> tuple[RunSpec, list[str]]:
    """The spec the student may train and every problem with it; locked values put back (with a note)."""
    if klass is None:
        return spec, errors
    done = enforce(klass, spec, runs_used(get_store(), klass, session_owner()))
    if done.spec != spec:
        page_state.load_spec(page, done.spec)  # the widgets show the class's values from the next run on
        if not st.session_state.pop(page.key("class_fixed"), False):  # one redraw, never a loop
            st.session_state[page.key("class_fixed")] = True
            st.session_state[page.key("notes")] = done.notes
            st.rerun()
    for note in done.notes:
        st.info(md_escape(note))
    st.session_state.pop(page.key("class_fixed"), None)
    return done.spec, errors + done.problems


def submitted(page: TrainPage, run_id: str) -> None:
    """Record a run queued from a class page as one of the class's runs."""
    token = st.session_state.get(_class_key(page))
    if not token:
        return
    store = get_store()
    klass = get_class(store, token)
    if klass is not None:
        add_run(store, klass, run_id, session_owner())


def url_query(klass: Class | None, spec: RunSpec, run_id: str | None) -> dict[str, str] | None:
    """The address bar of a class page (None outside a class: the page's own)."""
    return None if klass is None else class_query(klass, spec, run_id)
