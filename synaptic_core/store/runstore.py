"""Run history in SQLite: one row per run, one row per event, WAL so readers never wait.

Concurrency model: the job runner's process is the only writer, and inside it every write
goes through one lock, so writes from the pump thread and from ``submit``/``cancel`` callers
never contend for SQLite's write lock. Each thread gets its own connection: with WAL a
reader (a Streamlit script thread polling a run) sees the last committed state and is
never blocked by a write in progress, nor blocks one.

Opening is safe by default (issue 11): a file that is not a database or fails SQLite's quick
check is *moved aside* (renamed ``runs.db.damaged-<time>``, with its -wal/-shm; nothing is
deleted) and a fresh store is started; a store that cannot be written (file, folder or file
system) opens *read-only*: reads work, every write raises :class:`StoreReadOnly`, and runners
refuse to train. Either way ``store.notice`` says what happened, in words for the UI.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping
from urllib.parse import quote

from .paths import artifacts_dir, default_db_path
from .schema import migrate

log = logging.getLogger(__name__)

ACTIVE_STATES = ("queued", "starting", "running")
INTERRUPTED_MESSAGE = "the server stopped before this run finished"
QUICK_CHECK_MAX_BYTES = 128 * 2**20  # larger: no full quick check at open (it reads every page: ~1 s per 75 MB)
_DAMAGED = ("SQLITE_NOTADB", "SQLITE_CORRUPT")


class StoreReadOnly(RuntimeError):
    """A write to a store that opened read-only; the message is the store's notice."""


class StoreDamaged(RuntimeError):
    """A damaged store that could not be moved aside (its folder is read-only, say)."""


def why_not_writable(path: Path) -> str | None:
    """None when SQLite can write ``path`` (and its -wal/-shm beside it), else why not, in words."""
    folder = path.parent
    if folder.exists() and not os.access(folder, os.W_OK | os.X_OK):
        return f"the folder {folder} is not writable"
    if path.exists() and not os.access(path, os.W_OK):
        return f"the file {path} is not writable"
    return None


def _is_damage(exc: BaseException) -> bool:
    """SQLite says the file is not a database or is corrupt (not: locked, busy, read-only, missing)."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    if name:
        return name.startswith(_DAMAGED)
    text = str(exc).lower()
    return "not a database" in text or "malformed" in text


def new_run_id() -> str:
    """A URL- and folder-safe id that sorts by creation time: ``20250101-120000-a1b2c3d4e5f60718``.

    The id is also the run's link: whoever holds it may watch the run (synaptic_core.identity), so
    its random part has 64 bits; the timestamp alone would be guessable. (Ids of older runs have 24.)
    """
    return time.strftime("%Y%m%d-%H%M%S", time.gmtime()) + "-" + secrets.token_hex(8)


def dumps(obj: Any) -> str:
    """JSON for the store; numpy scalars/arrays and paths are converted, NaN kept as ``NaN``."""
    return json.dumps(obj, default=_jsonable, separators=(",", ":"))


def _jsonable(obj: Any) -> Any:
    if hasattr(obj, "tolist"):  # numpy arrays and scalars
        return obj.tolist()
    if isinstance(obj, (set, frozenset)):
        return sorted(obj, key=str)
    return str(obj)  # paths, enums, anything else: readable rather than a failed write


def spec_to_json(spec: Any) -> str:
    """Accept a ``RunSpec`` (anything with ``to_json``), a JSON string or a mapping."""
    if hasattr(spec, "to_json"):
        return spec.to_json()
    if isinstance(spec, str):
        json.loads(spec)  # raises on junk before it reaches the database
        return spec
    if isinstance(spec, Mapping):
        return json.dumps(dict(spec), sort_keys=True, default=_jsonable)
    raise TypeError(f"a run spec must be a RunSpec, a mapping or JSON text, not {type(spec).__name__}")


class RunStore:
    """The SQLite run store. ``RunStore()`` opens ``$SYNAPTIC_HOME/runs.db``.

    Artifacts of the runs in this database live beside it, in ``<db folder>/artifacts/<run_id>``.
    ``read_only``: True when the store could not be opened for writing (or ``read_only=True`` was
    asked); ``notice``: a message for the UI when the store was moved aside or is read-only, else None.
    """

    def __init__(self, path: str | Path | None = None, read_only: bool = False):
        self.path = Path(path).expanduser() if path is not None else default_db_path()
        self.home = self.path.parent
        self.notice: str | None = None
        self.read_only = False
        self._memory = False  # read-only with no file at all: an empty store in memory
        self._local = threading.local()
        self._write_lock = threading.RLock()
        self._conns: dict[threading.Thread, sqlite3.Connection] = {}
        self._conns_lock = threading.Lock()
        why = "it was opened read-only on purpose" if read_only else self._prepare_folder()
        if why is None:
            try:
                self._open_for_writing()
            except sqlite3.DatabaseError as exc:
                if _is_damage(exc):
                    self._move_aside(str(exc))
                    self._open_for_writing()
                elif "readonly" in str(exc).lower() or "read-only" in str(exc).lower():
                    why = f"SQLite could not write it ({exc})"
                else:
                    raise
        if why is not None:
            self._open_read_only(why)

    # -- opening --------------------------------------------------------------
    def _prepare_folder(self) -> str | None:
        """Create the folder; None when the store can be written, else why not."""
        try:
            self.home.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            return f"its folder {self.home} cannot be created ({exc.strerror or exc})"
        return why_not_writable(self.path)

    def _open_for_writing(self) -> None:
        conn = self._conn()
        with self._write_lock:
            mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise RuntimeError(f"SQLite refused WAL mode for {self.path} (got {mode!r})")
            self._check_integrity(conn)
            migrate(conn)

    def _check_integrity(self, conn: sqlite3.Connection) -> None:
        """Raise a DatabaseError (damage) when SQLite's quick check finds a problem (small stores only)."""
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # "file is not a database" shows here
        try:
            size = self.path.stat().st_size
        except OSError:
            size = 0
        if size > QUICK_CHECK_MAX_BYTES:
            return
        rows = [r[0] for r in conn.execute("PRAGMA quick_check").fetchall()]
        if rows != ["ok"]:
            error = sqlite3.DatabaseError(f"database disk image is malformed: {'; '.join(map(str, rows[:3]))}")
            error.sqlite_errorname = "SQLITE_CORRUPT"  # type: ignore[attr-defined]
            raise error

    def _move_aside(self, reason: str) -> None:
        """Rename the damaged database (and its -wal/-shm) with a timestamp; nothing is deleted."""
        self.close()
        stamp = time.strftime("%Y%m%d-%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.damaged-{stamp}")
        n = 1
        while aside.exists():
            n += 1
            aside = self.path.with_name(f"{self.path.name}.damaged-{stamp}-{n}")
        try:
            for suffix in ("", "-wal", "-shm"):
                src = Path(str(self.path) + suffix)
                if src.exists():
                    os.replace(src, Path(str(aside) + suffix))
        except OSError as exc:
            raise StoreDamaged(f"The run history {self.path} is damaged ({reason}) and could not be moved aside "
                               f"({exc.strerror or exc}); move it away or point SYNAPTIC_HOME elsewhere.") from exc
        self.notice = (f"The run history {self.path} could not be read ({reason}). It was moved aside to "
                       f"{aside} (nothing was deleted) and a fresh, empty history was started.")
        log.warning("%s", self.notice)

    def _open_read_only(self, why: str) -> None:
        self.close()
        self.read_only = True
        self._memory = not self.path.exists()
        self.notice = (f"The run history {self.path} is read-only ({why}), so training is switched off: past runs "
                       "can be viewed, no new run can start. Make it writable or point SYNAPTIC_HOME elsewhere, "
                       "then restart.")
        log.warning("%s", self.notice)
        try:
            self._conn().execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.OperationalError:  # a WAL store whose -shm cannot be created: read it as immutable
            self.close()
            self._immutable = True
            self._conn().execute("SELECT count(*) FROM sqlite_master").fetchone()

    # -- connections --------------------------------------------------------
    _immutable = False

    def _connect(self) -> sqlite3.Connection:
        if not self.read_only:
            return sqlite3.connect(self.path, timeout=10.0, isolation_level=None, check_same_thread=False)
        if self._memory:
            conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
            migrate(conn)  # an empty store of the current schema, so reads answer "no runs"
            return conn
        uri = f"file:{quote(str(self.path))}?mode=ro" + ("&immutable=1" if self._immutable else "")
        return sqlite3.connect(uri, uri=True, timeout=10.0, isolation_level=None, check_same_thread=False)

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            # check_same_thread=False only so close() may close it from another thread;
            # each connection is still used by the one thread that opened it.
            conn = self._connect()
            conn.execute("PRAGMA busy_timeout = 10000")
            if not self.read_only:
                conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            self._local.conn = conn
            with self._conns_lock:
                self._close_dead_threads()
                self._conns[threading.current_thread()] = conn
        return conn

    def _close_dead_threads(self) -> None:
        """Streamlit runs each rerun in a new thread: close the connections of finished ones."""
        for thread in [t for t in self._conns if not t.is_alive()]:
            self._conns.pop(thread).close()

    def close(self) -> None:
        """Close every connection this store opened (a later call opens new ones)."""
        with self._conns_lock:
            for conn in self._conns.values():
                conn.close()
            self._conns.clear()
        self._local = threading.local()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        if self.read_only:
            raise StoreReadOnly(self.notice or f"the run history {self.path} is read-only")
        with self._write_lock:
            conn = self._conn()
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    # -- paths --------------------------------------------------------------
    def artifacts_dir(self, run_id: str) -> Path:
        """Where a run of this store keeps its files (not created here)."""
        return artifacts_dir(run_id, home=self.home)

    # -- writes -------------------------------------------------------------
    def create_run(self, spec: Any, owner: str | None = None, run_id: str | None = None,
                   status: str = "queued") -> str:
        """Insert a run and return its id; ``spec`` is a RunSpec, a mapping or JSON text."""
        spec_json = spec_to_json(spec)
        values = json.loads(spec_json)
        run_id = run_id or new_run_id()
        now = time.time()
        with self._write() as conn:
            conn.execute(
                "INSERT INTO runs (id, created, updated, owner, status, spec_json, dataset, model, artifacts)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (run_id, now, now, owner, status, spec_json, values.get("dataset"), values.get("model"),
                 str(self.artifacts_dir(run_id))))
        return run_id

    def set_status(self, run_id: str, status: str, error: str | None = None) -> bool:
        """Change a run's status (and its error text when given); False if the run is unknown."""
        with self._write() as conn:
            cur = conn.execute(
                "UPDATE runs SET status = ?, updated = ?, error = COALESCE(?, error) WHERE id = ?",
                (status, time.time(), error, run_id))
        return cur.rowcount > 0

    def set_result(self, run_id: str, result: Mapping[str, Any], status: str = "done",
                   error: str | None = None) -> bool:
        """Store the result dict with the run's final status; False if the run is unknown."""
        with self._write() as conn:
            cur = conn.execute(
                "UPDATE runs SET result_json = ?, status = ?, updated = ?, error = COALESCE(?, error)"
                " WHERE id = ?",
                (dumps(dict(result)), status, time.time(), error, run_id))
        return cur.rowcount > 0

    def add_events(self, run_id: str, events: Iterable[Mapping[str, Any]]) -> int:
        """Append events (each with ``seq`` and ``type``) in one transaction; returns how many."""
        rows = [(run_id, int(e["seq"]), str(e["type"]), dumps(dict(e))) for e in events]
        if not rows:
            return 0
        with self._write() as conn:
            conn.executemany("INSERT OR REPLACE INTO events (run_id, seq, type, json) VALUES (?, ?, ?, ?)", rows)
            conn.execute("UPDATE runs SET updated = ? WHERE id = ?", (time.time(), run_id))
        return len(rows)

    def reopen_run(self, run_id: str) -> bool:
        """Put a finished run back in the queue (resume): status queued, no error, no result yet."""
        with self._write() as conn:
            cur = conn.execute("UPDATE runs SET status = 'queued', updated = ?, error = NULL, result_json = NULL"
                               " WHERE id = ?", (time.time(), run_id))
        return cur.rowcount > 0

    def mark_interrupted(self, message: str = INTERRUPTED_MESSAGE) -> int:
        """Mark every run left queued/starting/running as interrupted; returns how many.

        Called once when a runner starts: no process of a previous server can still be
        feeding those runs. (One store is served by one runner process at a time.)
        """
        marks = ",".join("?" * len(ACTIVE_STATES))
        with self._write() as conn:
            cur = conn.execute(
                f"UPDATE runs SET status = 'interrupted', updated = ?, error = COALESCE(error, ?)"
                f" WHERE status IN ({marks})", (time.time(), message, *ACTIVE_STATES))
        return cur.rowcount

    # -- reads --------------------------------------------------------------
    def get_run(self, run_id: str) -> dict[str, Any] | None:
        """The run as a dict (``spec`` and ``result`` parsed), or None if unknown."""
        row = self._conn().execute(f"SELECT {_RUN_COLUMNS} FROM runs WHERE id = ?", (run_id,)).fetchone()
        return _run_dict(row) if row else None

    def list_runs(self, limit: int = 50, owner: str | None = None, status: str | None = None) -> list[dict[str, Any]]:
        """The newest runs first, optionally only one owner's or one status'."""
        where, args = [], []
        if owner is not None:
            where.append("owner = ?")
            args.append(owner)
        if status is not None:
            where.append("status = ?")
            args.append(status)
        sql = f"SELECT {_RUN_COLUMNS} FROM runs"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY created DESC, rowid DESC LIMIT ?"
        rows = self._conn().execute(sql, (*args, int(limit))).fetchall()
        return [_run_dict(r) for r in rows]

    def events(self, run_id: str, since: int = 0, types: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """The run's events with ``seq > since``, in order; ``types`` keeps only those types."""
        sql = "SELECT json FROM events WHERE run_id = ? AND seq > ?"
        args: list[Any] = [run_id, int(since)]
        if types is not None:
            kinds = list(types)
            sql += f" AND type IN ({','.join('?' * len(kinds))})"
            args += kinds
        sql += " ORDER BY seq"
        return [json.loads(r[0]) for r in self._conn().execute(sql, args).fetchall()]

    def last_seq(self, run_id: str) -> int:
        """The highest event ``seq`` stored for a run (0 if none)."""
        row = self._conn().execute("SELECT MAX(seq) FROM events WHERE run_id = ?", (run_id,)).fetchone()
        return int(row[0] or 0)

    def journal_mode(self) -> str:
        return str(self._conn().execute("PRAGMA journal_mode").fetchone()[0]).lower()

    def schema_version(self) -> int:
        return int(self._conn().execute("PRAGMA user_version").fetchone()[0])


_RUN_COLUMNS = "id, created, updated, owner, status, spec_json, dataset, model, result_json, error, artifacts"


def _run_dict(row: tuple) -> dict[str, Any]:
    (run_id, created, updated, owner, status, spec_json, dataset, model, result_json, error, artifacts) = row
    return {
        "id": run_id, "created": created, "updated": updated, "owner": owner, "status": status,
        "spec": json.loads(spec_json), "dataset": dataset, "model": model,
        "result": json.loads(result_json) if result_json else None,
        "error": error, "artifacts": artifacts,
    }
