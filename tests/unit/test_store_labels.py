"""Run names, tags, display names and deleting a run (store migration 3, synaptic_core/store/labels.py)."""

from __future__ import annotations

import sqlite3

import pytest

from synaptic_core.specs import RunSpec
from synaptic_core.store import SCHEMA_VERSION, RunStore, labels, schema


@pytest.fixture
def store(tmp_path):
    s = RunStore(tmp_path / "runs.db")
    yield s
    s.close()


def _finished(store: RunStore, owner: str = "o-a", **spec) -> str:
    run_id = store.create_run(RunSpec().replace(**spec), owner=owner)
    store.add_events(run_id, [{"seq": 1, "type": "epoch", "epoch": 0}, {"seq": 2, "type": "result"}])
    store.set_result(run_id, {"test": {"accuracy": 0.9}}, status="done")
    return run_id


def test_an_old_database_upgrades_with_nothing_lost(tmp_path):
    """A store written at schema version 2 (before names and tags) opens at the current version with
    every run, event and search link intact, and takes names and tags at once."""
    path = tmp_path / "runs.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    for script in schema.MIGRATIONS[:2]:
        for statement in schema._statements(script):
            conn.execute(statement)
    conn.execute("PRAGMA user_version = 2")
    conn.execute("INSERT INTO runs (id, created, updated, owner, status, spec_json, dataset, model, result_json)"
                 " VALUES ('old1', 1.0, 2.0, 'ab12cd34ef56', 'done', ?, 'xor', 'mlp', '{\"test\": {\"accuracy\": 0.5}}')",
                 (RunSpec().replace(dataset="xor").to_json(),))
    conn.execute("INSERT INTO events (run_id, seq, type, json) VALUES ('old1', 1, 'epoch', '{\"epoch\": 0}')")
    conn.execute("INSERT INTO study_runs (run_id, study_id, trial) VALUES ('old1', 's1', 0)")
    conn.close()

    store = RunStore(path)
    assert store.schema_version() == SCHEMA_VERSION >= 3
    run = store.get_run("old1")
    assert (run["owner"], run["status"], run["dataset"], run["result"]) == ("ab12cd34ef56", "done", "xor",
                                                                              {"test": {"accuracy": 0.5}})
    assert store.events("old1") == [{"epoch": 0}]
    assert store._conn().execute("SELECT study_id FROM study_runs").fetchall() == [("s1",)]
    assert labels.labels_of(store, ["old1"]) == {}
    labels.set_name(store, "old1", "first try")
    labels.set_tags(store, "old1", "baseline")
    assert labels.labels_of(store, ["old1"])["old1"] == labels.Labels("first try", ("baseline",))
    store.close()


def test_names_and_tags_round_trip(store):
    a, b = _finished(store), _finished(store)
    assert labels.set_name(store, a, "  wide   net ") and labels.set_tags(store, a, "Baseline, lr sweep,baseline") == [
        "baseline", "lr sweep"]
    assert labels.set_tags(store, b, ["lr sweep"]) == ["lr sweep"]
    got = labels.labels_of(store, [a, b])
    assert got[a] == labels.Labels("wide net", ("baseline", "lr sweep")) and got[b] == labels.Labels(None, ("lr sweep",))
    assert labels.all_tags(store) == ["baseline", "lr sweep"] and labels.all_tags(store, owner="nobody") == []
    labels.set_name(store, a, "   ")  # empty clears
    labels.set_tags(store, a, "")
    assert a not in labels.labels_of(store, [a])
    assert not labels.set_name(store, "nope", "x")
    with pytest.raises(KeyError):
        labels.set_tags(store, "nope", "x")


@pytest.mark.parametrize("bad, match", [
    ("x" * 81, "at most 80"), ("bell\x07", "control"), ("rtl\u202eevil", "control"), (42, "must be text")])
def test_bad_names_are_refused_with_a_reason(store, bad, match):
    run_id = _finished(store)
    with pytest.raises(labels.LabelError, match=match):
        labels.set_name(store, run_id, bad)
    assert labels.labels_of(store, [run_id]) == {}


def test_bad_tags_are_refused(store):
    run_id = _finished(store)
    with pytest.raises(labels.LabelError, match="letters, digits"):
        labels.set_tags(store, run_id, "ok, <script>")
    with pytest.raises(labels.LabelError, match="at most 12"):
        labels.set_tags(store, run_id, ",".join(f"t{i}" for i in range(13)))
    with pytest.raises(labels.LabelError, match="at most 32"):
        labels.set_tags(store, run_id, "y" * 33)


def test_display_names(store):
    assert labels.display_name(store, "o-a") is None
    assert labels.set_display_name(store, "o-a", " Ada  L. ") == "Ada L."
    assert labels.display_name(store, "o-a") == "Ada L."
    labels.set_display_name(store, "o-a", "Ada")
    assert labels.display_name(store, "o-a") == "Ada"
    labels.set_display_name(store, "o-a", "")
    assert labels.display_name(store, "o-a") is None
    with pytest.raises(labels.LabelError):
        labels.set_display_name(store, "o-a", "z" * 41)


def test_delete_removes_row_events_tags_and_files(store):
    keep, gone = _finished(store), _finished(store)
    for run_id in (keep, gone):
        folder = store.artifacts_dir(run_id)
        (folder / "sub").mkdir(parents=True)
        (folder / "model.keras").write_bytes(b"weights")
        labels.set_tags(store, run_id, "t")
    assert labels.delete_run(store, gone)
    assert store.get_run(gone) is None and store.events(gone) == [] and not store.artifacts_dir(gone).exists()
    assert labels.labels_of(store, [gone]) == {}
    assert not list(store.artifacts_dir(gone).parent.glob(".deleting-*"))
    assert store.get_run(keep) and store.events(keep) and (store.artifacts_dir(keep) / "model.keras").exists()
    assert not labels.delete_run(store, gone)


def test_delete_refuses_an_active_run(store):
    run_id = store.create_run(RunSpec(), owner="o-a", status="running")
    store.artifacts_dir(run_id).mkdir(parents=True)
    with pytest.raises(labels.RunActive, match="stop it"):
        labels.delete_run(store, run_id)
    assert store.get_run(run_id) and store.artifacts_dir(run_id).exists()


def test_a_failed_delete_puts_the_files_back(store, monkeypatch):
    run_id = _finished(store)
    folder = store.artifacts_dir(run_id)
    folder.mkdir(parents=True)
    (folder / "model.keras").write_bytes(b"w")

    def broken_write():
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(store, "_write", broken_write)
    with pytest.raises(sqlite3.OperationalError):
        labels.delete_run(store, run_id)
    assert (folder / "model.keras").read_bytes() == b"w" and store.get_run(run_id)


def test_leftover_trash_from_a_crash_is_cleared_by_the_next_delete(store):
    root = store.home / "artifacts"
    (root / ".deleting-1234-old").mkdir(parents=True)
    (root / ".deleting-1234-old" / "f").write_bytes(b"x")
    labels.delete_run(store, _finished(store))
    assert not (root / ".deleting-1234-old").exists()
