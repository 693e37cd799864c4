"""The run database's schema, as numbered migrations tracked by ``PRAGMA user_version``.

A later feature that needs a new column or table appends one script to ``MIGRATIONS``;
opening an older database runs the missing scripts in order, inside one transaction,
so a database is always at exactly one known version. Scripts are never edited once shipped.
"""

from __future__ import annotations

import sqlite3

MIGRATIONS: tuple[str, ...] = (
    # 1: runs and their events.
    """
    CREATE TABLE runs (
        id          TEXT PRIMARY KEY,
        created     REAL NOT NULL,
        updated     REAL NOT NULL,
        owner       TEXT,
        status      TEXT NOT NULL,
        spec_json   TEXT NOT NULL,
        dataset     TEXT,
        model       TEXT,
        result_json TEXT,
        error       TEXT,
        artifacts   TEXT
    );
    CREATE INDEX runs_created ON runs (created DESC);
    CREATE INDEX runs_owner_created ON runs (owner, created DESC);
    CREATE INDEX runs_status ON runs (status);
    CREATE TABLE events (
        run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        seq    INTEGER NOT NULL,
        type   TEXT NOT NULL,
        json   TEXT NOT NULL,
        PRIMARY KEY (run_id, seq)
    ) WITHOUT ROWID;
    """,
    # 2: which runs are trials of a hyperparameter search (synaptic_core/search); the study itself
    #    (space, sampler, values) lives in Optuna's storage, $SYNAPTIC_HOME/studies.db.
    """
    CREATE TABLE study_runs (
        run_id   TEXT PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
        study_id TEXT NOT NULL,
        trial    INTEGER NOT NULL,
        fold     INTEGER
    );
    CREATE INDEX study_runs_study ON study_runs (study_id, trial);
    """,
    # 3: what a person calls their runs (synaptic_core/store/labels.py): a run's name, its tags, and the
    #    optional display name of an owner id. Deleting a run removes its tags with it (cascade).
    """
    ALTER TABLE runs ADD COLUMN name TEXT;
    CREATE TABLE run_tags (
        run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        tag    TEXT NOT NULL,
        PRIMARY KEY (run_id, tag)
    ) WITHOUT ROWID;
    CREATE INDEX run_tags_tag ON run_tags (tag);
    CREATE TABLE owners (
        id           TEXT PRIMARY KEY,
        display_name TEXT NOT NULL,
        updated      REAL NOT NULL
    ) WITHOUT ROWID;
    """,
    # 4: classes (synaptic_core/classroom): a teacher's class (its link token is the id; the spec students
    #    open, each parameter's mode, limits, an optional salted password hash, the seed of the hidden
    #    evaluation split), who joined it under which display name, and which runs were trained in it
    #    with their score on the hidden split once scored.
    """
    CREATE TABLE classes (
        id          TEXT PRIMARY KEY,
        name        TEXT NOT NULL,
        teacher     TEXT NOT NULL,
        page        TEXT NOT NULL,
        spec_json   TEXT NOT NULL,
        modes_json  TEXT NOT NULL,
        limits_json TEXT NOT NULL,
        password    TEXT,
        eval_seed   INTEGER NOT NULL,
        created     REAL NOT NULL
    );
    CREATE INDEX classes_teacher ON classes (teacher, created DESC);
    CREATE TABLE class_members (
        class_id     TEXT NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
        owner        TEXT NOT NULL,
        display_name TEXT NOT NULL,
        joined       REAL NOT NULL,
        PRIMARY KEY (class_id, owner)
    ) WITHOUT ROWID;
    CREATE UNIQUE INDEX class_members_name ON class_members (class_id, display_name COLLATE NOCASE);
    CREATE TABLE class_runs (
        run_id        TEXT PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
        class_id      TEXT NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
        owner         TEXT NOT NULL,
        private_score REAL,
        score_error   TEXT
    ) WITHOUT ROWID;
    CREATE INDEX class_runs_class ON class_runs (class_id, owner);
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection) -> int:
    """Bring ``conn``'s database up to :data:`SCHEMA_VERSION`; returns the version it started at.

    ``conn`` must be in autocommit mode (``isolation_level=None``). ``BEGIN IMMEDIATE`` takes the
    write lock first, so two processes opening a new database at once cannot both migrate it.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        start = conn.execute("PRAGMA user_version").fetchone()[0]
        if start > SCHEMA_VERSION:
            raise RuntimeError(
                f"the run database is at schema version {start}, newer than this code knows "
                f"({SCHEMA_VERSION}): upgrade SynapticHub or point SYNAPTIC_HOME elsewhere")
        for version in range(start, SCHEMA_VERSION):
            for statement in _statements(MIGRATIONS[version]):
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return start


def _statements(script: str) -> list[str]:
    """Split a migration into statements (``executescript`` would commit our transaction)."""
    out, buf = [], ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out
