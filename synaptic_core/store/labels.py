"""What people call their runs, and deleting one: run names, tags, owners' display names.

Why a module beside ``RunStore``: names and tags are the person's words about a run, not the run's
record, so they live in their own columns and table (schema migration 3) and the runner's
bookkeeping never touches them. Every text that arrives here came from outside (a text box, a
CLI flag), so it is checked here, in the core, with a message a person can act on; the pages show
it as text, never as Markdown.

Rights are not decided here: ``synaptic_core.runs.actions`` checks that the caller owns the run,
then calls these functions. ``delete_run`` leaves nothing half-done: the run's folder is first
renamed into a hidden trash folder (one atomic rename), then its row goes in one transaction
(events, tags and search links follow by ``ON DELETE CASCADE``); if that fails the folder is
renamed back. Only then is the trash removed from disk; a crash in between leaves an orphan
trash folder that no row points at, which the next delete clears.
"""

from __future__ import annotations

import re
import secrets
import shutil
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

NAME_MAX = 80          # characters in a run's name
TAG_MAX = 32           # characters in one tag
TAGS_MAX = 12          # tags on one run
DISPLAY_NAME_MAX = 40  # characters in a person's display name
TRASH_PREFIX = ".deleting-"
_TAG_RE = re.compile(r"[\w .:+#/-]+")
_ACTIVE = ("queued", "starting", "running")


class LabelError(ValueError):
    """A name or tag that cannot be kept; ``str(exc)`` says why, for the person who typed it."""


class RunActive(ValueError):
    """A run that is still queued or running cannot be deleted: stop it first."""


@dataclass(frozen=True)
class Labels:
    """A run's name (None: unnamed) and its tags (sorted, lower case)."""

    name: str | None = None
    tags: tuple[str, ...] = field(default_factory=tuple)


# -- checking outside text --------------------------------------------------------------------------
def clean_text(text: Any, what: str, limit: int) -> str | None:
    """``text`` stripped with inner whitespace collapsed; None when empty; LabelError when unusable.

    Public: every short name typed by a person (run, display, class name, tag) passes this one check,
    ``what`` naming it in the message and ``limit`` its length.
    """
    if text is None:
        return None
    if not isinstance(text, str):
        raise LabelError(f"A {what} must be text, not {type(text).__name__}.")
    if any(unicodedata.category(c).startswith("C") and c not in "\t\n\r" for c in text):
        raise LabelError(f"A {what} cannot contain control or invisible formatting characters.")
    clean = " ".join(text.split())
    if not clean:
        return None
    if len(clean) > limit:
        raise LabelError(f"A {what} has at most {limit} characters; this one has {len(clean)}.")
    return clean


def clean_name(text: Any) -> str | None:
    """A run name as it will be kept (None clears it); LabelError for control characters or > 80 characters."""
    return clean_text(text, "run name", NAME_MAX)


def clean_display_name(text: Any) -> str | None:
    """A person's display name as it will be kept (None clears it)."""
    return clean_text(text, "display name", DISPLAY_NAME_MAX)


def clean_tags(tags: str | Iterable[str] | None) -> list[str]:
    """Tags from a comma-separated text or a list: lower case, duplicates dropped, sorted.

    Letters, digits, spaces and ``_ . : + # / -`` only, at most 32 characters each and 12 in all.
    """
    if tags is None:
        return []
    items = tags.split(",") if isinstance(tags, str) else list(tags)
    out: set[str] = set()
    for item in items:
        tag = clean_text(item, "tag", TAG_MAX)
        if tag is None:
            continue
        if not _TAG_RE.fullmatch(tag):
            raise LabelError(f"The tag {tag!r} may hold letters, digits, spaces and _ . : + # / - only.")
        out.add(tag.lower())
    if len(out) > TAGS_MAX:
        raise LabelError(f"A run has at most {TAGS_MAX} tags; {len(out)} were given.")
    return sorted(out)


# -- names and tags -------------------------------------------------------------------------------------
def set_name(store: Any, run_id: str, name: Any) -> bool:
    """Name (or, with an empty name, unname) a run; False if the run is unknown."""
    clean = clean_name(name)
    with store._write() as conn:
        cur = conn.execute("UPDATE runs SET name = ? WHERE id = ?", (clean, run_id))
    return cur.rowcount > 0


def set_tags(store: Any, run_id: str, tags: str | Iterable[str] | None) -> list[str]:
    """Replace a run's tags; returns them as kept. KeyError if the run is unknown."""
    clean = clean_tags(tags)
    with store._write() as conn:
        if conn.execute("SELECT 1 FROM runs WHERE id = ?", (run_id,)).fetchone() is None:
            raise KeyError(run_id)
        conn.execute("DELETE FROM run_tags WHERE run_id = ?", (run_id,))
        conn.executemany("INSERT INTO run_tags (run_id, tag) VALUES (?, ?)", [(run_id, t) for t in clean])
    return clean


def labels_of(store: Any, run_ids: Iterable[str]) -> dict[str, Labels]:
    """Names and tags of these runs (runs without either are left out)."""
    ids = list(dict.fromkeys(run_ids))
    out: dict[str, Labels] = {}
    conn = store._conn()
    for start in range(0, len(ids), 500):  # SQLite's default limit on bound parameters is far above this
        part = ids[start:start + 500]
        marks = ",".join("?" * len(part))
        names = dict(conn.execute(f"SELECT id, name FROM runs WHERE id IN ({marks}) AND name IS NOT NULL",
                                  part).fetchall())
        tags: dict[str, list[str]] = {}
        for run_id, tag in conn.execute(f"SELECT run_id, tag FROM run_tags WHERE run_id IN ({marks})"
                                        " ORDER BY run_id, tag", part).fetchall():
            tags.setdefault(run_id, []).append(tag)
        for run_id in set(names) | set(tags):
            out[run_id] = Labels(names.get(run_id), tuple(tags.get(run_id, ())))
    return out


def all_tags(store: Any, owner: str | None = None) -> list[str]:
    """Every tag in use (on one owner's runs when ``owner`` is given), sorted."""
    sql = "SELECT DISTINCT t.tag FROM run_tags t"
    args: tuple = ()
    if owner is not None:
        sql += " JOIN runs r ON r.id = t.run_id WHERE r.owner = ?"
        args = (owner,)
    return [r[0] for r in store._conn().execute(sql + " ORDER BY t.tag", args).fetchall()]


# -- display names ----------------------------------------------------------------------------------------
def set_display_name(store: Any, owner: str, name: Any) -> str | None:
    """Keep (or, when empty, forget) the display name of an owner id; returns it as kept."""
    clean = clean_display_name(name)
    with store._write() as conn:
        if clean is None:
            conn.execute("DELETE FROM owners WHERE id = ?", (owner,))
        else:
            conn.execute("INSERT INTO owners (id, display_name, updated) VALUES (?, ?, ?) ON CONFLICT (id)"
                         " DO UPDATE SET display_name = excluded.display_name, updated = excluded.updated",
                         (owner, clean, time.time()))
    return clean


def display_name(store: Any, owner: str | None) -> str | None:
    """The display name an owner chose, or None."""
    if not owner:
        return None
    row = store._conn().execute("SELECT display_name FROM owners WHERE id = ?", (owner,)).fetchone()
    return row[0] if row else None


# -- deleting ---------------------------------------------------------------------------------------------
def delete_run(store: Any, run_id: str) -> bool:
    """Remove a finished run: its row, events, tags and files. False if unknown; RunActive if not finished."""
    run = store.get_run(run_id)
    if run is None:
        return False
    if run["status"] in _ACTIVE:
        raise RunActive(f"Run {run_id} is {run['status']}: stop it (or wait for it to end) before deleting it.")
    folder = Path(store.artifacts_dir(run_id))
    root = folder.parent
    _clear_trash(root)
    trash = root / f"{TRASH_PREFIX}{secrets.token_hex(4)}-{folder.name}"
    moved = False
    if folder.exists():
        folder.rename(trash)  # atomic: the run's files are gone from their place, or still all there
        moved = True
    try:
        with store._write() as conn:
            conn.execute("DELETE FROM runs WHERE id = ?", (run_id,))
    except BaseException:
        if moved:
            trash.rename(folder)
        raise
    if moved:
        shutil.rmtree(trash, ignore_errors=True)
    return True


def _clear_trash(root: Path) -> None:
    """Remove trash folders a crashed delete left behind (their rows are already gone)."""
    if not root.is_dir():
        return
    for leftover in root.glob(f"{TRASH_PREFIX}*"):
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover, ignore_errors=True)
