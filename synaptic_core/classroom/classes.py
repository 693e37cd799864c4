"""A teacher's class in the run store: what students open, what they may change, who joined, which runs.

Why in the run store (migration 4): a class's runs are ordinary runs (same rows, events, owners),
and the board joins them with their students' names; one SQLite file keeps them consistent and is
backed up with everything else under ``SYNAPTIC_HOME``. The Streamlit process is the one writer,
as for every other table.

Who is who comes from ``synaptic_core.identity``: the class's ``teacher`` is the owner id of the
browser that created it (only that browser sees the board and may cancel the class's runs), and a
student is bound to their owner id when they join. The class id is also its link token
(``/playground?class=<id>``): 96 random bits, so a class cannot be found by guessing. An optional
password is kept only as a salted scrypt hash and checked in constant time.

Every text arriving here came from outside (a form, a URL): it is checked here, with a message a
person can act on, and pages show it as text.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Mapping

from synaptic_core.specs import PARAM_BY_NAME, RunSpec

from .attempts import ATTEMPTS, Attempts, TooManyAttempts

FREE, LOCKED, HIDDEN = "free", "locked", "hidden"
MODES = (FREE, LOCKED, HIDDEN)
PAGES = ("playground",)       # pages a class can open (the controller's pages; the Playground for now)
CLASS_NAME_MAX = 80
PASSWORD_MAX = 200
_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{16}")
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}  # ~16 MB and ~50 ms per check: cheap for a class, costly to brute-force


class ClassError(ValueError):
    """Something about a class that cannot be done as asked; ``str(exc)`` is the message for the person."""


@dataclass(frozen=True)
class ClassLimits:
    """What a student's run may use in this class; 0 = no limit of the class (the server's still apply)."""

    max_epochs: int = 0
    max_params: int = 0
    runs_per_student: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"max_epochs": self.max_epochs, "max_params": self.max_params,
                "runs_per_student": self.runs_per_student}

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None) -> "ClassLimits":
        data = data or {}
        out = {}
        for name, top in (("max_epochs", 1000), ("max_params", 10**9), ("runs_per_student", 10_000)):
            value = data.get(name, 0) or 0
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value) \
                    or not 0 <= value <= top:
                raise ClassError(f"The limit {name.replace('_', ' ')} must be a whole number from 0 (no limit) "
                                 f"to {top:,}, not {value!r}.")
            out[name] = int(value)
        return cls(**out)


@dataclass(frozen=True)
class Class:
    """One class. ``id`` is its link token; ``modes`` maps a parameter to "locked" or "hidden" (absent: free)."""

    id: str
    name: str
    teacher: str
    page: str
    spec: RunSpec
    modes: Mapping[str, str] = field(default_factory=dict)
    limits: ClassLimits = field(default_factory=ClassLimits)
    has_password: bool = False
    eval_seed: int = 0
    created: float = 0.0

    def mode(self, param: str) -> str:
        return self.modes.get(param, FREE)

    @property
    def locked(self) -> frozenset[str]:
        return frozenset(p for p, m in self.modes.items() if m == LOCKED)

    @property
    def hidden(self) -> frozenset[str]:
        return frozenset(p for p, m in self.modes.items() if m == HIDDEN)

    @property
    def fixed(self) -> frozenset[str]:
        """Parameters held to the teacher's value: locked (shown, disabled) or hidden (not shown)."""
        return self.locked | self.hidden

    def link(self, base: str = "") -> str:
        """The path (or, with ``base``, the address) students open: ``/playground?class=<id>``."""
        return f"{base.rstrip('/')}/{self.page}?class={self.id}"


# -- checking outside input ---------------------------------------------------------------------------------
def is_class_token(value: Any) -> bool:
    """True when ``value`` has the shape of a class token (it may still be no class)."""
    return isinstance(value, str) and _TOKEN_RE.fullmatch(value) is not None


def clean_modes(modes: Mapping[str, str] | None) -> dict[str, str]:
    """Parameter -> "locked" | "hidden", free ones left out. The dataset is always held (locked unless hidden):
    the class's leaderboard scores every run on the class's dataset."""
    out: dict[str, str] = {}
    for name, mode in (modes or {}).items():
        if name not in PARAM_BY_NAME:
            raise ClassError(f"{name!r} is not a parameter.")
        if mode not in MODES:
            raise ClassError(f"The mode of {name} must be one of {', '.join(MODES)}, not {mode!r}.")
        if mode != FREE:
            out[name] = mode
    out.setdefault("dataset", LOCKED)
    return out


def clean_class_name(text: Any) -> str:
    from synaptic_core.store.labels import LabelError, clean_text

    try:
        name = clean_text(text, "class name", CLASS_NAME_MAX)
    except LabelError as exc:
        raise ClassError(str(exc)) from None
    if name is None:
        raise ClassError("Give the class a name.")
    return name


def clean_student_name(text: Any) -> str:
    """A student's display name as kept: the same rules as any display name, and not empty."""
    from synaptic_core.store.labels import LabelError, clean_display_name

    try:
        name = clean_display_name(text)
    except LabelError as exc:
        raise ClassError(str(exc)) from None
    if name is None:
        raise ClassError("Type the name the class will see next to your runs.")
    return name


# -- passwords ----------------------------------------------------------------------------------------------
def hash_password(password: str) -> str:
    """``scrypt$n$r$p$<salt hex>$<hash hex>``: a fresh 16-byte salt, so equal passwords hash differently."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, dklen=32, maxmem=64 * 2**20, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${salt.hex()}${digest.hex()}"


def check_password(stored: str | None, given: Any) -> bool:
    """True when ``given`` is the password whose hash is ``stored`` (constant-time); no password set: True."""
    if not stored:
        return True
    if not isinstance(given, str) or not given or len(given) > PASSWORD_MAX:
        return False
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        mine = hashlib.scrypt(given.encode("utf-8"), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p),
                              dklen=len(digest) // 2, maxmem=64 * 2**20)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(mine.hex(), digest)


# -- the store ------------------------------------------------------------------------------------------------
_COLUMNS = "id, name, teacher, page, spec_json, modes_json, limits_json, password, eval_seed, created"


def _row_class(row: tuple) -> Class:
    cid, name, teacher, page, spec_json, modes_json, limits_json, password, seed, created = row
    return Class(id=cid, name=name, teacher=teacher, page=page, spec=RunSpec.from_json(spec_json),
                 modes=json.loads(modes_json), limits=ClassLimits.from_mapping(json.loads(limits_json)),
                 has_password=bool(password), eval_seed=int(seed), created=float(created))


def create_class(store: Any, teacher: str, name: Any, spec: RunSpec, modes: Mapping[str, str] | None = None,
                 limits: ClassLimits | Mapping[str, Any] | None = None, password: Any = None,
                 page: str = "playground") -> Class:
    """Keep a new class of ``teacher`` (an owner id) and return it; ClassError for anything unusable."""
    if not isinstance(teacher, str) or not teacher:
        raise ClassError("A class needs its teacher's identity (this browser's owner id).")
    if page not in PAGES:
        raise ClassError(f"A class opens one of these pages: {', '.join(PAGES)}; not {page!r}.")
    problems = spec.errors()
    if problems:
        raise ClassError("The class's settings have problems: " + "; ".join(problems))
    limits = limits if isinstance(limits, ClassLimits) else ClassLimits.from_mapping(limits)
    if password is not None and not isinstance(password, str):
        raise ClassError("The password must be text.")
    if password and len(password) > PASSWORD_MAX:
        raise ClassError(f"The password has at most {PASSWORD_MAX} characters.")
    klass = Class(id=secrets.token_urlsafe(12), name=clean_class_name(name), teacher=teacher, page=page,
                  spec=spec, modes=clean_modes(modes), limits=limits, has_password=bool(password),
                  eval_seed=secrets.randbelow(2**31 - 1), created=time.time())
    with store._write() as conn:
        conn.execute(f"INSERT INTO classes ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                     (klass.id, klass.name, teacher, page, spec.to_json(), json.dumps(dict(klass.modes)),
                      json.dumps(limits.as_dict()), hash_password(password) if password else None,
                      klass.eval_seed, klass.created))
    return klass


def get_class(store: Any, token: Any) -> Class | None:
    """The class whose link token is ``token``; None for an unknown or malformed one."""
    if not is_class_token(token):
        return None
    row = store._conn().execute(f"SELECT {_COLUMNS} FROM classes WHERE id = ?", (token,)).fetchone()
    return _row_class(row) if row else None


def classes_of(store: Any, teacher: str) -> list[Class]:
    """The classes ``teacher`` created, newest first."""
    rows = store._conn().execute(f"SELECT {_COLUMNS} FROM classes WHERE teacher = ? ORDER BY created DESC",
                                 (teacher,)).fetchall()
    return [_row_class(r) for r in rows]


def is_teacher(klass: Class | None, owner: str | None) -> bool:
    return klass is not None and isinstance(owner, str) and hmac.compare_digest(klass.teacher, owner)


# -- students ---------------------------------------------------------------------------------------------------
def member_name(store: Any, klass: Class, owner: str | None) -> str | None:
    """The display name ``owner`` joined ``klass`` with, or None when they have not joined."""
    if not owner:
        return None
    row = store._conn().execute("SELECT display_name FROM class_members WHERE class_id = ? AND owner = ?",
                                (klass.id, owner)).fetchone()
    return row[0] if row else None


def members(store: Any, klass: Class) -> dict[str, str]:
    """owner id -> display name of everyone who joined, in the order they joined."""
    rows = store._conn().execute("SELECT owner, display_name FROM class_members WHERE class_id = ? ORDER BY joined",
                                 (klass.id,)).fetchall()
    return dict(rows)


def join(store: Any, klass: Class, owner: str, display_name: Any, password: Any = None, client: str = "",
         attempts: Attempts | None = None) -> str:
    """Bind ``owner`` to the class under ``display_name`` (checked; unique in the class, any case); returns it.

    A wrong password raises ClassError. Someone already in the class may change their name. Password
    tries are limited per ``client`` (the page passes the connection's IP address or its session) and
    per class by ``attempts`` (the server's :data:`attempts.ATTEMPTS` unless given): a client over
    the limit gets a ClassError saying how many seconds to wait, before any hashing is done.
    """
    if not owner:
        raise ClassError("Joining needs this browser's identity; reload the page.")
    name = clean_student_name(display_name)
    if member_name(store, klass, owner) is None:
        stored = store._conn().execute("SELECT password FROM classes WHERE id = ?", (klass.id,)).fetchone()
        if stored is None:
            raise ClassError("This class no longer exists.")
        if stored[0]:
            limiter = ATTEMPTS if attempts is None else attempts
            try:
                limiter.check(klass.id, client)  # before the scrypt: a locked-out try costs nothing
            except TooManyAttempts as exc:
                raise ClassError(str(exc)) from exc
            if not check_password(stored[0], password):
                limiter.failed(klass.id, client)
                wrong = "That is not the class password. Ask your teacher for it."
                try:
                    limiter.check(klass.id, client)
                except TooManyAttempts as exc:  # that one started a wait: say so now
                    raise ClassError(f"{wrong} {exc}") from exc
                raise ClassError(wrong)
            limiter.succeeded(klass.id, client)
    with store._write() as conn:
        taken = conn.execute("SELECT owner FROM class_members WHERE class_id = ? AND display_name = ? COLLATE NOCASE",
                             (klass.id, name)).fetchone()
        if taken is not None and taken[0] != owner:
            raise ClassError(f"Someone in this class already uses the name {name!r}: pick another one.")
        conn.execute("INSERT INTO class_members (class_id, owner, display_name, joined) VALUES (?, ?, ?, ?)"
                     " ON CONFLICT (class_id, owner) DO UPDATE SET display_name = excluded.display_name",
                     (klass.id, owner, name, time.time()))
    return name


# -- runs -------------------------------------------------------------------------------------------------------
def add_run(store: Any, klass: Class, run_id: str, owner: str) -> None:
    """Record that ``run_id`` (of ``owner``) was trained in the class."""
    with store._write() as conn:
        conn.execute("INSERT OR IGNORE INTO class_runs (run_id, class_id, owner) VALUES (?, ?, ?)",
                     (run_id, klass.id, owner))


def runs_used(store: Any, klass: Class, owner: str) -> int:
    """How many runs ``owner`` has trained (or queued) in the class."""
    row = store._conn().execute("SELECT count(*) FROM class_runs WHERE class_id = ? AND owner = ?",
                                (klass.id, owner)).fetchone()
    return int(row[0])


def class_runs(store: Any, klass: Class) -> list[dict[str, Any]]:
    """The class's runs, newest first: the store's run dict plus ``private_score`` and ``score_error``."""
    rows = store._conn().execute("SELECT run_id, private_score, score_error FROM class_runs WHERE class_id = ?",
                                 (klass.id,)).fetchall()
    out = []
    for run_id, score, error in rows:
        run = store.get_run(run_id)
        if run is not None:
            out.append({**run, "private_score": score, "score_error": error})
    out.sort(key=lambda r: r.get("created") or 0, reverse=True)
    return out


def unscored_runs(store: Any, class_id: str) -> list[str]:
    """Ids of the class's finished runs with a saved model and neither a private score nor a reason it has
    none (``leaderboard.needs_score``, asked in one indexed query: cheap enough for every page load)."""
    rows = store._conn().execute(
        "SELECT c.run_id FROM class_runs c JOIN runs r ON r.id = c.run_id WHERE c.class_id = ?"
        " AND c.private_score IS NULL AND c.score_error IS NULL AND r.status IN ('done', 'stopped')"
        " AND json_extract(r.result_json, '$.model_path') IS NOT NULL ORDER BY r.created", (class_id,)).fetchall()
    return [r[0] for r in rows]


def set_private_score(store: Any, run_id: str, score: float | None, error: str | None = None) -> None:
    """Keep a run's score on the hidden split (or why it has none)."""
    with store._write() as conn:
        conn.execute("UPDATE class_runs SET private_score = ?, score_error = ? WHERE run_id = ?",
                     (None if score is None else float(score), error, run_id))


def class_owners(store: Any, klass: Class) -> frozenset[str]:
    """Every owner id with a run in the class or who joined it: whose runs the teacher may cancel."""
    conn = store._conn()
    owners = {r[0] for r in conn.execute("SELECT owner FROM class_runs WHERE class_id = ?", (klass.id,))}
    owners |= {r[0] for r in conn.execute("SELECT owner FROM class_members WHERE class_id = ?", (klass.id,))}
    return frozenset(owners)

