"""RunStore: round trips, WAL, schema versions, interrupted marking, readers beside a writer."""

from __future__ import annotations

import math
import sqlite3
import threading
import time

import numpy as np
import pytest

from synaptic_core.specs import RunSpec
from synaptic_core.store import RunStore, SCHEMA_VERSION, artifacts_dir, default_db_path, synaptic_home
from synaptic_core.store import schema


@pytest.fixture
def store(tmp_path):
    s = RunStore(tmp_path / "runs.db")
    yield s
    s.close()


def test_run_round_trip(store, tmp_path):
    spec = RunSpec().replace(dataset="fashion-mnist", model="cnn", lr=0.01, hidden=(64, 32))
    run_id = store.create_run(spec, owner="alice")
    run = store.get_run(run_id)
    assert run["id"] == run_id and run["owner"] == "alice" and run["status"] == "queued"
    assert run["spec"] == spec.as_dict()
    assert RunSpec.from_mapping(run["spec"]) == spec
    assert (run["dataset"], run["model"]) == ("fashion-mnist", "cnn")
    assert run["artifacts"] == str(tmp_path / "artifacts" / run_id) == str(store.artifacts_dir(run_id))
    assert run["result"] is None and run["error"] is None

    assert store.set_status(run_id, "running")
    assert store.get_run(run_id)["status"] == "running"
    result = {"run_id": run_id, "test": {"loss": 0.25, "accuracy": 0.93}, "history": [{"epoch": 0}],
              "confusion": np.array([[3, 1], [0, 4]]), "train_seconds": np.float32(1.5)}
    assert store.set_result(run_id, result, status="done")
    run = store.get_run(run_id)
    assert run["status"] == "done" and run["updated"] >= run["created"]
    assert run["result"]["test"] == {"loss": 0.25, "accuracy": 0.93}
    assert run["result"]["confusion"] == [[3, 1], [0, 4]] and run["result"]["train_seconds"] == 1.5
    assert store.get_run("nope") is None
    assert not store.set_status("nope", "done")


def test_events_in_order_with_since_and_types(store):
    run_id = store.create_run(RunSpec())
    events = [{"seq": i, "type": "batch" if i % 3 else "epoch", "loss": 1 / i} for i in range(1, 11)]
    assert store.add_events(run_id, events[5:]) == 5  # order of writes does not matter
    assert store.add_events(run_id, events[:5]) == 5
    assert store.add_events(run_id, []) == 0
    assert [e["seq"] for e in store.events(run_id)] == list(range(1, 11))
    assert store.events(run_id)[0] == events[0]
    assert [e["seq"] for e in store.events(run_id, since=7)] == [8, 9, 10]
    assert [e["seq"] for e in store.events(run_id, types=["epoch"])] == [3, 6, 9]
    assert store.last_seq(run_id) == 10 and store.last_seq("other") == 0
    assert store.events("other") == []


def test_event_values_survive_json(store):
    run_id = store.create_run(RunSpec())
    store.add_events(run_id, [{"seq": 1, "type": "batch", "loss": float("nan"), "acc": np.float64(0.5),
                               "xs": np.linspace(0, 1, 3), "val_loss": None}])
    (event,) = store.events(run_id)
    assert math.isnan(event["loss"]) and event["acc"] == 0.5 and event["xs"] == [0.0, 0.5, 1.0]
    assert event["val_loss"] is None


def test_spec_as_mapping_or_json(store):
    a = store.create_run({"dataset": "xor", "model": "mlp"})
    b = store.create_run(RunSpec().replace(dataset="spiral").to_json())
    assert store.get_run(a)["dataset"] == "xor" and store.get_run(b)["dataset"] == "spiral"
    with pytest.raises(ValueError):
        store.create_run("{not json")
    with pytest.raises(TypeError):
        store.create_run(42)


def test_wal_and_schema_version(tmp_path):
    path = tmp_path / "runs.db"
    s = RunStore(path)
    assert s.journal_mode() == "wal"
    assert s.schema_version() == SCHEMA_VERSION >= 1
    run_id = s.create_run(RunSpec())
    s.close()
    again = RunStore(path)  # reopening migrates nothing and keeps the data
    assert again.schema_version() == SCHEMA_VERSION and again.get_run(run_id)["id"] == run_id
    again.close()


def test_migration_adds_to_an_old_database(tmp_path, monkeypatch):
    path = tmp_path / "runs.db"
    s = RunStore(path)
    run_id = s.create_run(RunSpec())
    s.close()
    extra = "ALTER TABLE runs ADD COLUMN tags TEXT;\nCREATE INDEX runs_tags ON runs (tags);"
    monkeypatch.setattr(schema, "MIGRATIONS", schema.MIGRATIONS + (extra,))
    monkeypatch.setattr(schema, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    conn = sqlite3.connect(path, isolation_level=None)
    assert schema.migrate(conn) == SCHEMA_VERSION
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
    assert conn.execute("SELECT id, tags FROM runs").fetchall() == [(run_id, None)]
    conn.close()


def test_newer_database_is_refused(tmp_path):
    path = tmp_path / "runs.db"
    RunStore(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    with pytest.raises(RuntimeError, match="newer"):
        RunStore(path)


def test_mark_interrupted(store):
    ids = {state: store.create_run(RunSpec(), status=state)
           for state in ("queued", "starting", "running", "done", "failed", "stopped")}
    store.set_status(ids["running"], "running", error="was fine")
    assert store.mark_interrupted() == 3
    for state, run_id in ids.items():
        run = store.get_run(run_id)
        if state in ("queued", "starting", "running"):
            assert run["status"] == "interrupted"
            assert run["error"] == ("was fine" if state == "running" else "the server stopped before this run finished")
        else:
            assert run["status"] == state
    assert store.mark_interrupted() == 0


def test_list_runs_newest_first_with_owner(store):
    ids = [store.create_run(RunSpec(), owner="a" if i % 2 else "b") for i in range(5)]
    assert [r["id"] for r in store.list_runs()] == ids[::-1]
    assert [r["id"] for r in store.list_runs(limit=2)] == [ids[4], ids[3]]
    assert [r["id"] for r in store.list_runs(owner="a")] == [ids[3], ids[1]]
    store.set_status(ids[0], "done")
    assert [r["id"] for r in store.list_runs(status="done")] == [ids[0]]


def test_reader_never_sees_half_a_batch_and_never_waits(store):
    run_id = store.create_run(RunSpec())
    batch, batches = 200, 25
    seen, slowest, errors = set(), [0.0], []
    done = threading.Event()

    def write():
        for b in range(batches):
            store.add_events(run_id, [{"seq": b * batch + i + 1, "type": "batch", "loss": 0.1, "pad": "x" * 100}
                                      for i in range(batch)])
        done.set()

    def read():
        try:
            while not done.is_set():
                t0 = time.perf_counter()
                events = store.events(run_id)
                slowest[0] = max(slowest[0], time.perf_counter() - t0)
                assert len(events) % batch == 0, "a reader saw part of a transaction"
                assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
                seen.add(len(events))
        except AssertionError as exc:
            errors.append(exc)

    readers = [threading.Thread(target=read) for _ in range(2)]
    for t in readers:
        t.start()
    write()
    for t in readers:
        t.join(timeout=30)
    assert not errors, errors
    assert len(store.events(run_id)) == batch * batches
    assert len(seen) >= 2, "readers should have read while the writer was writing"
    assert slowest[0] < 1.0


def test_connections_of_finished_threads_are_closed(store):
    def read():
        store.list_runs()

    for _ in range(5):
        t = threading.Thread(target=read)
        t.start()
        t.join()
    read()  # a new connection in this thread prunes the dead threads' ones
    assert len(store._conns) <= 2


def test_home_and_artifact_paths(tmp_path, monkeypatch):
    monkeypatch.setenv("SYNAPTIC_HOME", str(tmp_path / "home"))
    assert synaptic_home() == tmp_path / "home"
    assert default_db_path() == tmp_path / "home" / "runs.db"
    assert artifacts_dir("r1") == tmp_path / "home" / "artifacts" / "r1"
    s = RunStore()
    assert s.path == tmp_path / "home" / "runs.db" and s.path.exists()
    s.close()
    for bad in ("", "..", "a/b"):
        with pytest.raises(ValueError):
            artifacts_dir(bad)
    monkeypatch.delenv("SYNAPTIC_HOME")
    assert synaptic_home().name == ".synaptichub"
