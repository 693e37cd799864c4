"""Who this browser is: an owner token kept in a first-party cookie, with no account and no server secret.

Why a cookie: the browser sends it with the WebSocket that opens every Streamlit session, so
``st.context.cookies`` has it on the *first* script run of a reload, a new tab or a browser
restart, and the page knows at once whose runs are whose (the Stop button of a running run is
there on the first draw). Streamlit can read cookies but not set them, so a tiny Components-v2
element (JavaScript in the app page itself: no iframe, no sandbox) writes it:

1. No valid cookie came with the session: the server proposes a fresh ``identity.new_token()``
   (kept in ``st.session_state`` only) and the session uses it at once. The element keeps the
   browser's cookie if one was set meanwhile (another tab), else the localStorage copy, else the
   proposal, and writes it back as the cookie ``synaptic_owner`` (``Path=/; Max-Age`` 400 days,
   Chrome's cap; ``SameSite=Lax``; ``Secure`` over https) and to localStorage. Only when that is
   not the proposal does it report back (one rerun, whose callback adopts it): a first visit costs
   no extra rerun, so a click in the page's first second is never raced by one.
2. A valid cookie came with the session: it is used as it is; the element is drawn once, silently,
   to push the cookie's expiry forward (400 days after the last visit).

The element is drawn in a session's first script run only.

The token never goes into a URL (links carry only the spec and ``run=<id>``) and is never logged
or stored on the server: the store keeps ``identity.owner_id(token)``, a one-way hash. A fresh
browser profile (or cleared cookies and site data) is a new person.

Test hook: ``st.session_state["synaptic_owner"]`` set before the first run pins this session's
owner id (AppTest does it; it cannot run the element's JavaScript), and then no element is drawn.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from synaptic_core.identity import is_token, new_token, owner_id

OWNER_KEY = "synaptic_owner"        # test/deployment override: this session's owner id, as it is
TOKEN_KEY = "synaptic_token"        # this session's owner token (never leaves the session but to its browser)
KNOWN_KEY = "synaptic_token_known"  # the element was drawn for this session (its first run)
COOKIE = "synaptic_owner"
ELEMENT_KEY = "synaptic_identity"
MAX_AGE_S = 400 * 24 * 3600         # browsers cap a cookie's lifetime at 400 days

_JS = """
export default function (component) {
  const { data, setStateValue, parentElement } = component;
  const name = data.cookie;
  const valid = (v) => typeof v === "string" && /^[A-Za-z0-9_-]{32,128}$/.test(v);
  const host = parentElement && parentElement.host;
  const box = host && host.closest && host.closest('[data-testid="stElementContainer"]');
  if (box) box.style.display = "none";
  const fromCookie = () => {
    for (const part of document.cookie.split(";")) {
      const i = part.indexOf("=");
      if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
    }
    return null;
  };
  let token = fromCookie();
  if (!valid(token)) { try { token = window.localStorage.getItem(name); } catch (e) { token = null; } }
  if (!valid(token)) token = data.proposed;
  if (!valid(token)) return;
  const secure = window.location.protocol === "https:" ? "; Secure" : "";
  document.cookie = `${name}=${token}; Max-Age=${data.max_age}; Path=/; SameSite=Lax${secure}`;
  try { window.localStorage.setItem(name, token); } catch (e) { /* storage blocked: the cookie still works */ }
  if (data.report && token !== data.proposed) setStateValue("token", token);
}
"""

_element: Any = None


def _keeper() -> Any:
    """The Components-v2 element (registered once per process, on first use)."""
    global _element
    if _element is None:
        _element = st.components.v2.component("synaptic_identity", js=_JS)
    return _element


def cookie_token() -> str | None:
    """The owner token the browser sent with this session's WebSocket, if it is token-shaped."""
    try:
        value = st.context.cookies.get(COOKIE)
    except Exception:  # noqa: BLE001 - no browser context (bare mode, some test harnesses)
        return None
    return value if is_token(value) else None


def _adopt() -> None:
    """The element's callback: the browser keeps another token than the one proposed; use it."""
    value = st.session_state.get(ELEMENT_KEY)
    reported = value.get("token") if hasattr(value, "get") else getattr(value, "token", None)
    if is_token(reported):
        st.session_state[TOKEN_KEY] = reported


def remember() -> None:
    """Make sure this session knows its browser's token (app.py calls it first on every run)."""
    state = st.session_state
    # One slot in every run, the element inside it in the first run only: were the element simply left
    # out of later runs, every element after it would move up one place, and the browser would redraw
    # the page from scratch (tabs jump back to their first tab, a Stop button in a tab disappears).
    slot = st.empty()
    if state.get(OWNER_KEY) or state.get(KNOWN_KEY):
        return
    state[KNOWN_KEY] = True  # the element is drawn in this first run only
    sent = cookie_token()
    with slot:
        if sent is not None:
            state[TOKEN_KEY] = sent
            _keeper()(key=ELEMENT_KEY, data={"cookie": COOKIE, "proposed": sent, "report": False,
                                             "max_age": MAX_AGE_S}, height=0)
            return
        proposed = state.get(TOKEN_KEY) if is_token(state.get(TOKEN_KEY)) else new_token()
        state[TOKEN_KEY] = proposed
        _keeper()(key=ELEMENT_KEY, data={"cookie": COOKIE, "proposed": proposed, "report": True,
                                         "max_age": MAX_AGE_S}, on_token_change=_adopt, height=0)


def token() -> str:
    """This session's owner token (a fresh one for a session that never ran ``remember``)."""
    value = st.session_state.get(TOKEN_KEY)
    if not is_token(value):
        value = st.session_state[TOKEN_KEY] = new_token()
    return value


def owner() -> str:
    """This person's owner id: what the store and the job runner keep as a run's owner."""
    pinned = st.session_state.get(OWNER_KEY)
    if pinned:
        return str(pinned)
    return owner_id(token()) or ""


def owns(run_owner: Any) -> bool:
    """True when a run of ``run_owner`` is this person's (only then are Stop, Rename, Delete shown)."""
    return isinstance(run_owner, str) and bool(run_owner) and run_owner == owner()
