"""Who is who, without accounts: an unguessable owner token kept by the person's browser or client.

Why this shape (DESIGN.md, "Who is who"): a person's runs must outlive a tab, with no sign-up
and no server secret to configure. So the *client* keeps a random token (256 bits, URL-safe
text) and presents it with every request that needs it; the server never stores the token.
The store's ``owner`` column holds only :func:`owner_id` of it, a one-way hash, so a leaked
database (or a run row shown to someone) does not let anyone act as the owner.

Rights, decided here and nowhere else:

* :func:`can_control` (stop, rename, delete, tag): only the owner.
* :func:`can_view`: the owner, or anyone who holds the run's link, i.e. its id (run ids carry
  64 random bits, see ``synaptic_core.store.new_run_id``). A class's members come later.

Plain functions of strings and run rows (``RunStore.get_run`` dicts): no Streamlit, no I/O.
Owner values written before this module existed (a 12-hex-digit session id, ``"cli"``,
``"bench"``) never equal an owner id, so those runs stay viewable by link and controllable by
nobody through a token, which is what their dead sessions would have allowed anyway.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import Any, Mapping

TOKEN_BYTES = 32  # 256 bits of randomness
# A token is URL-safe base64 text (what secrets.token_urlsafe writes). 32 characters is the least
# we accept (192 bits), so a client that makes its own token cannot make a guessable one.
_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{32,128}")
OWNER_PREFIX = "o-"
_DOMAIN = b"synaptichub-owner-v1:"  # separates these hashes from any other use of the same text


def new_token() -> str:
    """A fresh owner token (43 URL-safe characters) for a client to keep; never stored server-side."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def is_token(value: Any) -> bool:
    """True when ``value`` has the shape of an owner token (it may still belong to nobody)."""
    return isinstance(value, str) and _TOKEN_RE.fullmatch(value) is not None


def owner_id(token: str | None) -> str | None:
    """The id the store keeps for the holder of ``token``: ``"o-"`` + 32 hex digits; None for a bad token.

    A plain (domain-separated) SHA-256 is enough here: the token is 192+ random bits, so the hash
    cannot be reversed or guessed, and no server secret is needed to compute or check it.
    """
    if not is_token(token):
        return None
    return OWNER_PREFIX + hashlib.sha256(_DOMAIN + token.encode("ascii")).hexdigest()[:32]


def is_owner_id(value: Any) -> bool:
    """True for values :func:`owner_id` can produce (not for legacy session ids or ``"cli"``)."""
    return (isinstance(value, str) and value.startswith(OWNER_PREFIX) and len(value) == len(OWNER_PREFIX) + 32
            and all(c in "0123456789abcdef" for c in value[len(OWNER_PREFIX):]))


def owns(run: Mapping[str, Any] | None, token: str | None) -> bool:
    """True when the holder of ``token`` is the run's owner (constant-time comparison)."""
    mine = owner_id(token)
    theirs = (run or {}).get("owner")
    if mine is None or not isinstance(theirs, str):
        return False
    return hmac.compare_digest(mine, theirs)


def can_control(run: Mapping[str, Any] | None, token: str | None) -> bool:
    """Stop, rename, delete, tag: only the owner, and only with their token."""
    return owns(run, token)


def can_view(run: Mapping[str, Any] | None, token: str | None, *, by_link: bool = True) -> bool:
    """Watch, copy, predict: the owner, or anyone who reached the run by its id (``by_link``).

    ``by_link=False`` is for listings: a list of runs shows a caller only their own runs, since
    listing everyone's would hand out the links. (A class's runs come with the classroom feature.)
    """
    if run is None:
        return False
    return by_link or owns(run, token)


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, or None when absent or malformed."""
    if not authorization:
        return None
    scheme, _, value = authorization.strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not is_token(value):
        return None
    return value
