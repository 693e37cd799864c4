"""Classroom: a teacher creates a class, shares its link, and watches the class board.

A class is a Playground configuration with some settings locked or hidden, limits and an optional
password (``ui/classroom_create.py``; kept by ``synaptic_core.classroom``). Students open the class
link (``/playground?class=<token>``), join with a display name, and train within the class's rules,
which the page controller enforces on the server (``ui/classroom_mode.py``). ``classroom?class=<token>``
is the class's board, shown only to the browser that created the class (``ui/classroom_board.py``).
"""

import logging
from urllib.parse import urlsplit

import streamlit as st

from synaptic_core.classroom import CLASS_KEY, classes_of, get_class, is_teacher
from synaptic_core.specs import PARAM_BY_NAME
from synaptic_core.text_safety import md_text
from ui import classroom_board, classroom_create
from ui.services import get_store, session_owner

log = logging.getLogger(__name__)


def _base_url() -> str:
    """scheme://host:port of this page's address (empty when Streamlit does not know it)."""
    try:
        parts = urlsplit(st.context.url or "")
    except Exception:  # noqa: BLE001 - no browser context (AppTest)
        return ""
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def _board(klass) -> None:
    st.header(md_text("Class: {}", klass.name))
    st.caption("Send your students this link. They join with a display name"
               + (" and the class password." if klass.has_password else "."))
    st.code(klass.link(_base_url()), language=None)
    st.page_link("app_pages/playground.py", label="Open the class as a student sees it", icon=":material/visibility:",
                 query_params={CLASS_KEY: klass.id})
    locked = ", ".join(sorted(PARAM_BY_NAME[p].title for p in klass.locked)) or "none"
    hidden = ", ".join(sorted(PARAM_BY_NAME[p].title for p in klass.hidden)) or "none"
    st.caption(md_text("Locked: {} · Hidden: {} · Limits: {} epochs, {} parameters, {} runs per student (0 = none)",
                       locked, hidden, klass.limits.max_epochs, klass.limits.max_params,
                       klass.limits.runs_per_student))
    classroom_board.board_fragment(klass)


def _my_classes(owner: str) -> None:
    mine = classes_of(get_store(), owner)
    if not mine:
        return
    st.subheader("Your classes")
    for klass in mine:
        st.page_link("app_pages/classroom.py", label=klass.name, icon=":material/groups:",
                     query_params={CLASS_KEY: klass.id})


st.title("Classroom")
owner = session_owner()
token = st.query_params.get(CLASS_KEY)
try:
    klass = get_class(get_store(), token) if token else None
except Exception as exc:  # a damaged or unreadable store: say so, keep the app usable
    log.exception("reading class %r", token)
    st.error(md_text("Could not read the classes: {}", exc))
    st.stop()
if token and klass is None:
    st.error("This class is not known on this server.")
elif klass is not None and not is_teacher(klass, owner):
    st.warning("Only the teacher who created this class sees its board. To take part, open the class link.")
    st.page_link("app_pages/playground.py", label="Open the class", icon=":material/school:",
                 query_params={CLASS_KEY: klass.id})
    st.stop()
if klass is not None:
    _board(klass)
    st.stop()
st.caption("Prepare a class: the Playground settings your students open, which they may change, limits, and an "
           "optional password. You get a link to share and a live board with a leaderboard.")
_my_classes(owner)
classroom_create.create_form()
