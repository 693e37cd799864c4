"""Migration 2 (study_runs) is additive: a run database from before it upgrades with its runs kept."""

from __future__ import annotations

import sqlite3

from synaptic_core.store import RunStore
from synaptic_core.store.schema import MIGRATIONS, SCHEMA_VERSION, _statements
from synaptic_core.store.studies import link_trial, study_of, study_runs


def _version_one_db(path) -> None:
    """A database as the code before migration 2 left it, with one run in it."""
    conn = sqlite3.connect(path, isolation_level=None)
    for statement in _statements(MIGRATIONS[0]):
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO runs (id, created, updated, owner, status, spec_json) "
                 "VALUES ('old1', 1.0, 1.0, 'me', 'done', '{\"dataset\": \"circle\"}')")
    conn.close()


def test_an_old_database_upgrades_and_keeps_its_runs(tmp_path):
    path = tmp_path / "runs.db"
    _version_one_db(path)
    store = RunStore(path)
    assert store.schema_version() == SCHEMA_VERSION >= 2
    assert store.get_run("old1")["status"] == "done"
    assert study_of(store, "old1") is None
    link_trial(store, "st1", 0, "old1")
    assert study_of(store, "old1") == {"study_id": "st1", "trial": 0, "fold": None}
    assert study_runs(store, "st1") == [{"run_id": "old1", "trial": 0, "fold": None, "status": "done"}]
    store.close()


def test_links_follow_their_runs(tmp_path):
    store = RunStore(tmp_path / "runs.db")
    a, b = store.create_run({"dataset": "circle"}), store.create_run({"dataset": "circle"})
    link_trial(store, "st2", 1, b)
    link_trial(store, "st2", 0, a, fold=None)
    assert [r["run_id"] for r in study_runs(store, "st2")] == [a, b]
    assert study_runs(store, "nope") == []
    with store._write() as conn:  # deleting a run deletes its link (ON DELETE CASCADE)
        conn.execute("DELETE FROM runs WHERE id = ?", (a,))
    assert [r["run_id"] for r in study_runs(store, "st2")] == [b]
    store.close()
