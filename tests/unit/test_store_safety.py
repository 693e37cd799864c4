"""A run store that cannot be used as it is: damaged (moved aside, fresh start) or read-only
(reads work, training is off), each with a message for the UI; and downloads read in chunks."""

from __future__ import annotations

import os
import sqlite3
import tracemalloc

import pytest

from synaptic_core.specs import RunSpec
from synaptic_core.store import RunStore, StoreReadOnly, artifact, iter_file
from synaptic_core.store import runstore


def a_store_with_a_run(path):
    store = RunStore(path)
    run_id = store.create_run(RunSpec(), owner="o-a")
    store.add_events(run_id, [{"seq": 1, "type": "status"}])
    store.set_status(run_id, "done")
    store.close()
    return run_id


def aside_files(folder):
    return sorted(p.name for p in folder.iterdir() if ".damaged-" in p.name)


def test_a_file_that_is_not_a_database_is_moved_aside(tmp_path):
    path = tmp_path / "runs.db"
    path.write_bytes(b"this is not SQLite at all\n" * 200)
    store = RunStore(path)
    assert not store.read_only and store.list_runs() == []  # a fresh, working store
    assert store.get_run(store.create_run(RunSpec()))["status"] == "queued"
    [aside] = aside_files(tmp_path)
    assert (tmp_path / aside).read_bytes() == b"this is not SQLite at all\n" * 200  # nothing deleted
    assert "could not be read" in store.notice and "file is not a database" in store.notice
    assert aside in store.notice and "nothing was deleted" in store.notice
    assert RunStore(path).notice is None  # the fresh store is fine next time


def test_a_corrupt_database_is_moved_aside_with_its_wal(tmp_path):
    path = tmp_path / "runs.db"
    a_store_with_a_run(path)
    with sqlite3.connect(path) as conn:  # a WAL file beside it, as a live server leaves
        conn.execute("PRAGMA wal_autocheckpoint = 0")
        conn.execute("INSERT INTO runs (id, created, updated, status, spec_json) VALUES ('x', 0, 0, 'done', '{}')")
    size = path.stat().st_size
    with open(path, "r+b") as f:  # scribble over the pages after the header
        f.seek(1024)
        f.write(b"\xff" * (size - 1024))
    store = RunStore(path)
    assert store.list_runs() == [] and store.notice and "moved aside" in store.notice
    names = aside_files(tmp_path)
    assert names[0].startswith("runs.db.damaged-") and any(n.endswith("-wal") for n in names)
    assert len(names) >= 2


def test_a_locked_database_is_not_mistaken_for_a_damaged_one(tmp_path):
    path = tmp_path / "runs.db"
    a_store_with_a_run(path)
    assert not runstore._is_damage(sqlite3.OperationalError("database is locked"))
    err = sqlite3.DatabaseError("file is not a database")
    assert runstore._is_damage(err)
    assert RunStore(path).notice is None and aside_files(tmp_path) == []


def test_a_read_only_store_serves_reads_and_refuses_writes(tmp_path, monkeypatch):
    path = tmp_path / "runs.db"
    run_id = a_store_with_a_run(path)
    monkeypatch.setattr(runstore, "why_not_writable", lambda p: f"the folder {p.parent} is not writable")
    store = RunStore(path)
    assert store.read_only and "read-only" in store.notice and "training is switched off" in store.notice
    assert "is not writable" in store.notice
    assert store.get_run(run_id)["status"] == "done" and store.events(run_id)[0]["type"] == "status"
    for write in (lambda: store.create_run(RunSpec()), lambda: store.set_status(run_id, "failed"),
                  lambda: store.mark_interrupted(), lambda: store.add_events(run_id, [{"seq": 2, "type": "x"}])):
        with pytest.raises(StoreReadOnly, match="read-only"):
            write()
    with pytest.raises(sqlite3.OperationalError):  # SQLite itself refuses too (mode=ro), whoever we are
        store._conn().execute("DELETE FROM runs")
    assert store.get_run(run_id)["status"] == "done"


def test_a_read_only_folder_without_a_database_is_an_empty_store(tmp_path, monkeypatch):
    monkeypatch.setattr(runstore, "why_not_writable", lambda p: "the file system is read-only")
    store = RunStore(tmp_path / "nothing-here" / "runs.db")
    assert store.read_only and store.list_runs() == [] and store.get_run("x") is None
    assert not (tmp_path / "nothing-here" / "runs.db").exists()


def test_the_runner_refuses_to_train_on_a_read_only_store(tmp_path):
    from synaptic_core.jobs import LocalJobRunner, TrainingDisabled

    a_store_with_a_run(tmp_path / "runs.db")
    runner = LocalJobRunner(RunStore(tmp_path / "runs.db", read_only=True), max_jobs=1, target="os:getpid")
    try:
        assert runner.read_only and runner.workers() == []  # no process waits for a run that cannot come
        with pytest.raises(TrainingDisabled) as refused:
            runner.submit(RunSpec())
        assert "read-only" in str(refused.value) and refused.value.reason == "read_only"
        assert len(runner.store.list_runs()) == 1
    finally:
        runner.shutdown()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through file permissions")
def test_a_really_read_only_folder(tmp_path):
    folder = tmp_path / "home"
    folder.mkdir()
    run_id = a_store_with_a_run(folder / "runs.db")
    folder.chmod(0o555)
    try:
        store = RunStore(folder / "runs.db")
        assert store.read_only and store.get_run(run_id)["status"] == "done"
    finally:
        folder.chmod(0o755)


def test_reopen_run_clears_the_end(tmp_path):
    store = RunStore(tmp_path / "runs.db")
    run_id = store.create_run(RunSpec())
    store.set_result(run_id, {"stopped": False}, status="failed", error="crash: boom")
    assert store.reopen_run(run_id) and not store.reopen_run("nope")
    row = store.get_run(run_id)
    assert (row["status"], row["error"], row["result"]) == ("queued", None, None)


# -- downloads ---------------------------------------------------------------------------------------
def test_an_artifact_streams_in_chunks_without_loading_the_file(tmp_path):
    store = RunStore(tmp_path / "runs.db")
    run_id = store.create_run(RunSpec())
    folder = store.artifacts_dir(run_id)
    folder.mkdir(parents=True)
    big = folder / "model.keras"
    with open(big, "wb") as f:  # 64 MiB, sparse: cheap to make, and the reader cannot tell
        f.truncate(64 * 2**20)
        f.seek(10)
        f.write(b"head")
    art = artifact(store, run_id, "model.keras")
    assert art.size == 64 * 2**20 and art.path == big.resolve()
    tracemalloc.start()
    total, largest, first = 0, 0, None
    for chunk in art.chunks():
        first = first if first is not None else chunk
        total, largest = total + len(chunk), max(largest, len(chunk))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert total == art.size and largest == 2**20 and first[10:14] == b"head"
    assert peak < 8 * 2**20  # a few chunks at most, never the file
    assert b"".join(iter_file(big, chunk_size=3, start=9, end=15)) == b"\x00head\x00"


def test_artifact_names_stay_inside_the_run_folder(tmp_path):
    store = RunStore(tmp_path / "runs.db")
    run_id = store.create_run(RunSpec())
    folder = store.artifacts_dir(run_id)
    (folder / "export").mkdir(parents=True)
    (folder / "export" / "model.py").write_text("print(1)\n")
    secret = tmp_path / "secret.txt"
    secret.write_text("no")
    (folder / "link.txt").symlink_to(secret)
    assert b"".join(artifact(store, run_id, "export/model.py").chunks()) == b"print(1)\n"
    for bad in ("../runs.db", "/etc/passwd", "", "export/../../runs.db", "a\\..\\b"):
        with pytest.raises(ValueError):
            artifact(store, run_id, bad)
    with pytest.raises(ValueError, match="not inside"):
        artifact(store, run_id, "link.txt")  # a link out of the folder
    for missing in ("nothing.keras", "export"):
        with pytest.raises(FileNotFoundError):
            artifact(store, run_id, missing)
