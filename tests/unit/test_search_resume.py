"""Studies survive a server restart: a study whose driver died is shown as interrupted, its trials left RUNNING
are told FAIL (interrupted) and asked again, and resume runs what the dead session still owed -- from the
manager (the Search page) and from the CLI. A study driven by another live process is left alone."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from searchfakes import fake_train
from synaptic_core.cli import main
from synaptic_core.search import cli as search_cli
from synaptic_core.search import session as sessions
from synaptic_core.search.driver import StudyDriver
from synaptic_core.search.manager import StudyManager
from synaptic_core.search.results import trials_table
from synaptic_core.search.session import StudyBusy
from synaptic_core.search.storage import load_study
from synaptic_core.specs import RunSpec

APP_TESTS = str(Path(__file__).resolve().parents[1] / "app")
if APP_TESTS not in sys.path:
    sys.path.insert(0, APP_TESTS)
from fakes import FakeRunner  # noqa: E402

# 0.1 s batches (n_points / 100,000), 4 per epoch: a trial is still running when the "server" dies
SLOW = RunSpec().replace(dataset="circle", model="mlp", hidden=(16,), epochs=3, n_points=10000)


class _Died(BaseException):
    """The process died: nothing of the driver's own cleanup runs (not an Exception: run() does not catch it)."""


class _DyingDriver(StudyDriver):
    """Dies like a killed server once a trial is in flight and has reported an epoch."""

    def _poll_live(self) -> None:
        super()._poll_live()
        if any(lv.epoch >= 1 for lv in self.live):
            raise _Died()


def _after_restart(store) -> FakeRunner:
    """The restarted server's runner over the same store (its run ids go on where the first one's stopped)."""
    runner = FakeRunner(max_jobs=1, target=fake_train, store=store)
    runner._ids = itertools.count(100)
    return runner


def _die_mid_study(runner, db, n_trials: int = 4) -> str:
    """A study of ``n_trials`` whose driver dies with a trial RUNNING; the runner is then shut down (its
    runs interrupted, as a server going down leaves them). Returns the study id."""
    manager = StudyManager(runner, store_path=db)
    study_id = manager.create(SLOW, "lr", n_trials=n_trials, sampler="random", pruner="none", seed=3, owner="me")
    driver = _DyingDriver(runner, study_id, store_path=db, poll=0.01)
    died = []

    def drive():
        try:
            driver.run(n_trials=n_trials)
        except _Died:
            died.append(True)

    thread = threading.Thread(target=drive, daemon=True)
    thread.start()
    thread.join(60)
    assert died and not thread.is_alive()
    runner.shutdown()
    return study_id


def test_a_study_whose_server_died_is_interrupted_and_resumes_what_it_owed(tmp_path):
    db = tmp_path / "studies.db"
    first = FakeRunner(max_jobs=1, target=fake_train)
    study_id = _die_mid_study(first, db, n_trials=4)
    stuck = trials_table(load_study(study_id, db))
    assert [r["state"] for r in stuck] == ["running"]  # Optuna's storage kept the trial in flight
    lost_params, lost_run = stuck[0]["params"], stuck[0]["run_id"]

    # a restarted server: a new runner over the same store (the dead run is interrupted), a new manager
    runner = _after_restart(first.store)
    manager = StudyManager(runner, store_path=db, poll=0.01)
    try:
        status = manager.status(study_id)
        assert status["state"] == "interrupted" and not status["active"]
        assert status["owed"] == {"trials": 4, "minutes": None}  # nothing finished: the whole budget is owed
        assert "resume" in status["message"]
        with pytest.raises(ValueError, match="not interrupted"):
            StudyManager(runner, store_path=tmp_path / "other.db").resume(
                StudyManager(runner, store_path=tmp_path / "other.db").create(SLOW, "lr", n_trials=2))
        assert manager.resume(study_id, by="me") == (4, None)
        assert manager.wait(study_id, timeout=120)
        status = manager.status(study_id)
        assert status["state"] == "finished" and status["owed"] == {"trials": None, "minutes": None}
        rows = trials_table(load_study(study_id, db))
        assert [r["state"] for r in rows] == ["interrupted"] + ["complete"] * 4
        assert rows[0]["run_id"] == lost_run and rows[0]["message"].startswith("interrupted")
        assert rows[1]["params"] == lost_params  # asked again first
        assert load_study(study_id, db).trials[1].user_attrs["retry_of"] == 0
        assert status["n_complete"] == 4 and status["n_failed"] == 1
        assert runner.store.get_run(lost_run)["status"] == "interrupted"
    finally:
        manager.shutdown(timeout=10)
        runner.shutdown()


def test_only_the_rest_of_a_budget_is_owed(tmp_path):
    """A session of 3 trials that finished 1 and died with the second in flight owes 2: the lost one, one more."""
    db = tmp_path / "studies.db"
    runner = FakeRunner(max_jobs=1, target=fake_train)
    manager = StudyManager(runner, store_path=db, poll=0.01)
    study_id = manager.create(SLOW.replace(n_points=600), "lr", n_trials=3, sampler="random", pruner="none")
    StudyDriver(runner, study_id, store_path=db, poll=0.01).run(n_trials=1)  # one trial, ended properly
    study = load_study(study_id, db, for_driving=True)
    record = sessions.begin(study, 3, None)  # a second session of 3 ...
    orphan = study.ask(manager.config(study_id).search_space().distributions())  # ... asked one trial
    orphan.set_user_attr("run_id", "gone")
    study.set_user_attr(sessions.ATTR, sessions.Session(**{**record.__dict__, "pid": 2**22 + 7}).to_json())  # dead pid
    try:
        status = manager.status(study_id)
        assert status["state"] == "interrupted" and status["owed"]["trials"] == 3
        manager.resume(study_id)
        assert manager.wait(study_id, timeout=60)
        rows = trials_table(load_study(study_id, db))
        assert [r["state"] for r in rows] == ["complete", "interrupted", "complete", "complete", "complete"]
        assert rows[2]["params"] == rows[1]["params"]
    finally:
        manager.shutdown(timeout=10)
        runner.shutdown()


def test_a_study_driven_by_another_live_process_is_left_alone(tmp_path):
    db = tmp_path / "studies.db"
    runner = FakeRunner(max_jobs=1, target=fake_train)
    manager = StudyManager(runner, store_path=db, poll=0.01)
    study_id = manager.create(SLOW, "lr", n_trials=2, owner="me")
    study = load_study(study_id, db)
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        record = sessions.begin(study, 2, None)
        alive = sessions.Session(**{**record.__dict__, "pid": other.pid})
        study.set_user_attr(sessions.ATTR, alive.to_json())
        status = manager.status(study_id)
        assert status["state"] == "elsewhere" and f"pid {other.pid}" in status["message"]
        with pytest.raises(StudyBusy, match="another process"):
            manager.extend(study_id, n_trials=1, by="me")
        with pytest.raises(ValueError, match="not interrupted"):
            manager.resume(study_id, by="me")
        # its heartbeat stops: after STALE_S it is taken for dead even though the pid exists
        stale = sessions.Session(**{**alive.__dict__, "beat": time.time() - sessions.STALE_S - 5})
        study.set_user_attr(sessions.ATTR, stale.to_json())
        assert manager.status(study_id)["state"] == "interrupted"
        # and a session that ended normally is never interrupted
        sessions.end(study, alive)
        assert manager.status(study_id)["state"] == "stored"
    finally:
        other.kill()
        other.wait()
        manager.shutdown(timeout=10)
        runner.shutdown()


def test_the_driver_beats_while_it_runs_and_ends_its_session(tmp_path, monkeypatch):
    monkeypatch.setattr(sessions, "BEAT_S", 0.05)
    db = tmp_path / "studies.db"
    runner = FakeRunner(max_jobs=1, target=fake_train)
    manager = StudyManager(runner, store_path=db, poll=0.01)
    try:
        study_id = manager.start(SLOW.replace(n_points=3000), "lr", n_trials=2, owner="me")
        time.sleep(0.5)
        record = sessions.read(load_study(study_id, db))
        assert record is not None and not record.ended and record.pid == os.getpid() and record.n_trials == 2
        assert record.beat > record.started and manager.status(study_id)["state"] == "running"
        with pytest.raises(StudyBusy):
            StudyDriver(runner, study_id, store_path=db).run(n_trials=1)  # a second driver in this process
        assert manager.wait(study_id, timeout=60)
        assert sessions.read(load_study(study_id, db)).ended
    finally:
        manager.shutdown(timeout=10)
        runner.shutdown()


def test_the_cli_resumes_an_interrupted_study(tmp_path, monkeypatch, capsys):
    db = tmp_path / "home" / "studies.db"
    monkeypatch.setenv("SYNAPTIC_HOME", str(tmp_path / "home"))
    first = FakeRunner(max_jobs=1, target=fake_train)
    study_id = _die_mid_study(first, db, n_trials=2)
    monkeypatch.setattr(search_cli, "_runner",
                        lambda kind, parallel: _after_restart(first.store))
    assert main(["search", "--study", study_id, "--resume", "--json", "--quiet"]) == 0
    line = json.loads(capsys.readouterr().out.strip())
    assert line["n_trials"] == 3 and line["n_complete"] == 2 and line["n_failed"] == 1 and line["state"] == "finished"
    assert main(["search", "--study", study_id, "--resume", "--quiet"]) == 2  # nothing left to resume
    assert "not interrupted" in capsys.readouterr().err
    assert main(["search", "--resume", "--quiet"]) == 2
    assert "--resume needs --study" in capsys.readouterr().err


def test_a_run_left_running_by_a_killed_cli_is_marked_interrupted(tmp_path):
    """The dead session's runner is gone (a killed CLI: no server marks its runs), so the run it left
    'running' in the store is unknown to the resuming runner: resume marks its row interrupted."""
    db = tmp_path / "studies.db"
    runner = FakeRunner(max_jobs=1, target=fake_train, recover=False)
    manager = StudyManager(runner, store_path=db, poll=0.01)
    study_id = manager.create(SLOW.replace(n_points=600), "lr", n_trials=1, sampler="random", pruner="none")
    study = load_study(study_id, db, for_driving=True)
    record = sessions.begin(study, 1, None)
    orphan = study.ask(manager.config(study_id).search_space().distributions())
    runner.store.create_run(SLOW.to_json(), owner=None, run_id="cli-orphan")
    runner.store.set_status("cli-orphan", "running")
    orphan.set_user_attr("run_id", "cli-orphan")
    study.set_user_attr(sessions.ATTR, sessions.Session(**{**record.__dict__, "pid": 2**22 + 7}).to_json())
    try:
        manager.resume(study_id)
        assert manager.wait(study_id, timeout=60)
        assert runner.store.get_run("cli-orphan")["status"] == "interrupted"
        assert [r["state"] for r in trials_table(load_study(study_id, db))] == ["interrupted", "complete"]
    finally:
        manager.shutdown(timeout=10)
        runner.shutdown()
