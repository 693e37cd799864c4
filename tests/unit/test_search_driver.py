"""The study loop over a real RunBook and store, with a fake training target (threads, milliseconds):
trials are ordinary runs, pruning cancels a run and marks the trial pruned, seeds reproduce, stop,
reopen and extend work, and the fair-share cap holds."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from searchfakes import fake_train
from synaptic_core.jobs.policy import Limits
from synaptic_core.search.driver import STOPPED, StudyDriver
from synaptic_core.search.manager import StudyManager
from synaptic_core.search.results import best_spec, curves, summarize, trials_table
from synaptic_core.search.storage import UnknownStudy, config_of, load_study
from synaptic_core.specs import RunSpec
from synaptic_core.store.studies import study_of, study_runs

APP_TESTS = str(Path(__file__).resolve().parents[1] / "app")
if APP_TESTS not in sys.path:
    sys.path.insert(0, APP_TESTS)
from fakes import FakeRunner  # noqa: E402

BASE = RunSpec().replace(dataset="circle", model="mlp", hidden=(16,), epochs=6)


@pytest.fixture
def runner():
    r = FakeRunner(max_jobs=2, target=fake_train)
    yield r
    r.shutdown()


@pytest.fixture
def db(tmp_path):
    return tmp_path / "studies.db"


def _run(runner, db, n_trials=10, vary="lr,hidden,activation", on_change=None, **settings):
    manager = StudyManager(runner, store_path=db)
    study_id = manager.create(settings.pop("spec", BASE), vary, n_trials=n_trials, **settings)
    driver = StudyDriver(runner, study_id, store_path=db, poll=0.01, on_change=on_change)
    summary = driver.run(n_trials=n_trials)
    return study_id, driver, summary


def test_trials_are_ordinary_runs_and_the_summary_counts_them(runner, db):
    study_id, driver, summary = _run(runner, db, n_trials=6, pruner="none")
    assert summary["n_trials"] == 6 and summary["n_complete"] == 6 and summary["n_pruned"] == 0
    assert driver.state == "finished"
    rows = trials_table(driver.study, runner)
    assert [r["state"] for r in rows] == ["complete"] * 6
    for row in rows:  # each trial is a run in the store, owned like any run, linked to its study
        run = runner.store.get_run(row["run_id"])
        assert run["status"] == "done" and run["spec"]["lr"] == pytest.approx(row["params"]["lr"])
        assert study_of(runner.store, row["run_id"]) == {"study_id": study_id, "trial": row["trial"], "fold": None}
        assert row["value"] == pytest.approx(run["result"]["history"][-1]["val_accuracy"])
    assert [r["run_id"] for r in study_runs(runner.store, study_id)] == [r["run_id"] for r in rows]
    best = summary["best"]
    assert best["value"] == max(r["value"] for r in rows) and best["run_id"] in {r["run_id"] for r in rows}


def test_pruning_cancels_the_run_and_marks_the_trial_pruned_at_its_epoch(runner, db):
    # 20 ms batches, so the runs are still going when the driver (a few Optuna writes per epoch) cancels them
    study_id, driver, summary = _run(runner, db, n_trials=14, pruner="median", sampler="random", seed=1,
                                     spec=BASE.replace(n_points=2000))
    assert summary["n_pruned"] >= 3 and summary["n_complete"] + summary["n_pruned"] == 14
    for row in trials_table(driver.study, runner):
        run = runner.store.get_run(row["run_id"])
        events = runner.store.events(row["run_id"])
        epochs = [e for e in events if e["type"] == "epoch"]
        if row["state"] == "pruned":
            if run["status"] == "done":  # the run finished its last epoch before the cancel reached it
                assert len(epochs) == BASE.epochs == row["pruned_at"] + 1
                continue
            assert run["status"] == "stopped" and run["result"]["stopped"] is True  # a graceful stop
            assert row["pruned_at"] >= 2  # the median rule waits one epoch
            assert row["pruned_at"] == row["epochs"]  # Optuna saw the values up to the judged epoch
            assert row["pruned_at"] <= len(epochs) < BASE.epochs  # the run was cut short...
            assert [e["type"] for e in events][-2:] == ["stopped", "result"]  # ...mid-epoch, by the stop flag
        else:
            assert run["status"] == "done" and len(epochs) == BASE.epochs
    pruned = [c for c in curves(driver.study) if c["state"] == "pruned"]
    assert pruned and all(len(c["values"]) == c["pruned_at"] for c in pruned)


def test_halving_pruner_also_prunes(runner, db):
    _, _, summary = _run(runner, db, n_trials=12, pruner="halving", sampler="random", seed=2)
    assert summary["n_pruned"] >= 1 and summary["n_trials"] == 12


@pytest.mark.parametrize("sampler", ["tpe", "random"])
def test_a_seed_reproduces_the_trials(db, tmp_path, sampler):
    def params(seed: int, path: Path, n: int) -> list[dict]:
        r = FakeRunner(max_jobs=1, target=fake_train)  # one at a time: the same completions in the same order
        try:
            _, driver, _ = _run(r, path, n_trials=n, sampler=sampler, seed=seed)
            return [(t["params"], t["state"]) for t in trials_table(driver.study)]
        finally:
            r.shutdown()

    first = params(5, tmp_path / "a.db", 6)  # TPE: 4 random startup trials, then 2 modelled ones
    assert first == params(5, tmp_path / "b.db", 6)
    assert first[:2] != params(6, tmp_path / "c.db", 2)


def test_grid_sampler_stops_when_the_grid_is_done(runner, db):
    _, driver, summary = _run(runner, db, n_trials=50, vary="activation", sampler="grid", pruner="none",
                              choices={"activation": ["relu", "tanh", "elu"]})
    assert summary["n_trials"] == 3 and driver.message == "every point of the grid has been tried"
    assert sorted(t["params"]["activation"] for t in trials_table(driver.study)) == ["elu", "relu", "tanh"]


def test_failing_runs_become_failed_trials_with_their_reason(runner, db):
    _, driver, summary = _run(runner, db, n_trials=3, vary="l2", ranges={"l2": (0.6, 0.9)}, pruner="none")
    assert summary["n_failed"] == 3 and summary["best"] is None
    assert all("fake failure" in r["message"] for r in trials_table(driver.study))


def test_parallel_trials_never_exceed_the_runner_slots_nor_the_per_person_cap(db):
    seen = []
    r = FakeRunner(max_jobs=3, target=fake_train)
    try:
        holder = {}

        def watch():
            if "d" in holder:
                seen.append(len(holder["d"].live))
        manager = StudyManager(r, store_path=db)
        study_id = manager.create(BASE, "lr", n_trials=9, pruner="none", owner="alice")
        holder["d"] = StudyDriver(r, study_id, store_path=db, poll=0.01, on_change=watch)
        holder["d"].run(n_trials=9)
        assert max(seen) == 3  # all the runner's slots (the default per-person cap is 4)
        seen.clear()
        r.limits = Limits(max_runs_per_person=2)
        study_id = manager.create(BASE, "lr", n_trials=6, pruner="none", owner="alice")
        holder["d"] = StudyDriver(r, study_id, store_path=db, poll=0.01, on_change=watch)
        assert holder["d"].cap() == 2
        holder["d"].run(n_trials=6)
        assert max(seen) == 2
        seen.clear()
        study_id = manager.create(BASE, "lr", n_trials=4, pruner="none", owner="alice", parallel=1)
        holder["d"] = StudyDriver(r, study_id, store_path=db, poll=0.01, on_change=watch)
        holder["d"].run(n_trials=4)
        assert max(seen) == 1
    finally:
        r.shutdown()


def test_a_study_started_by_the_manager_runs_without_its_page_and_stops_within_a_batch(runner, db):
    manager = StudyManager(runner, store_path=db, poll=0.01)
    slow = BASE.replace(n_points=20000, epochs=20)  # 0.2 s per batch: the trials are still running when stopped
    study_id = manager.start(slow, "lr,hidden", n_trials=10, pruner="none", owner="alice")
    deadline = time.monotonic() + 20
    while not manager.status(study_id)["live"] or not any(t["epoch"] for t in manager.status(study_id)["live"]):
        assert time.monotonic() < deadline, "no trial reported an epoch"
        time.sleep(0.05)
    status = manager.status(study_id)
    assert status["active"] and status["state"] == "running" and status["n_running"] >= 1
    from synaptic_core.jobs.policy import NotAllowed

    with pytest.raises(NotAllowed):
        manager.stop(study_id, by="mallory")
    t0 = time.monotonic()
    assert manager.stop(study_id, by="alice")
    assert manager.wait(study_id, timeout=10)
    assert time.monotonic() - t0 < 3  # within a batch (0.2 s) plus the loop's polls
    status = manager.status(study_id)
    assert not status["active"] and status["state"] == "stopped" and status["n_running"] == 0
    rows = manager.trials(study_id)
    assert rows == trials_table(manager.study(study_id), runner)
    stopped = [r for r in rows if r["state"] == "stopped"]
    assert stopped and all(r["message"] == STOPPED for r in stopped)
    for row in stopped:
        assert runner.status(row["run_id"]).state == "stopped"
    assert len(rows) < 10


def test_a_stored_study_reopens_and_extends_with_new_trials(runner, db):
    study_id, _, first = _run(runner, db, n_trials=4, pruner="none", seed=0)
    old = [t["params"] for t in trials_table(load_study(study_id, db))]
    # a later server: a new manager over the same storage, and a trial a dead server left RUNNING
    study = load_study(study_id, db, for_driving=True)
    orphan = study.ask(config_of(study).search_space().distributions())
    orphan.set_user_attr("run_id", "no-such-run")
    manager = StudyManager(runner, store_path=db, poll=0.01)
    assert manager.status(study_id)["state"] == "interrupted"  # the orphan: a server died while it ran
    manager.extend(study_id, n_trials=3)
    assert manager.wait(study_id, timeout=30)
    summary = manager.status(study_id)
    assert summary["n_trials"] == 4 + 1 + 3 and summary["n_complete"] == 7 and summary["n_failed"] == 1
    rows = trials_table(load_study(study_id, db))
    assert rows[4]["state"] == "interrupted" and rows[4]["message"].startswith("interrupted")
    assert rows[5]["params"] == rows[4]["params"]  # the interrupted trial is asked again first
    assert manager.status(study_id)["state"] == "finished"
    assert [r["params"] for r in rows[:4]] == old
    assert all(r["params"] not in old for r in rows[5:])  # the seed moved on: no replay of the first draws
    spec = best_spec(load_study(study_id, db))
    best = summary["best"]
    assert spec.lr == pytest.approx(best["params"]["lr"]) and spec.subset == 0 and spec.validation_split == 0
    assert best_spec(load_study(study_id, db), all_data=False).validation_split == BASE.validation_split
    with pytest.raises(UnknownStudy):
        manager.status("st0000000000")
    with pytest.raises(ValueError):
        manager.status("../etc")
    assert first["n_trials"] == 4


def test_the_objective_needs_validation_data(runner, db):
    from synaptic_core.search.space import SpaceError

    with pytest.raises(SpaceError, match="validation_split must be above 0"):
        StudyManager(runner, store_path=db).create(BASE.replace(validation_split=0.0), "lr")


def test_val_loss_is_minimised(runner, db):
    _, driver, summary = _run(runner, db, n_trials=6, objective="val_loss", pruner="none")
    values = [r["value"] for r in trials_table(driver.study)]
    assert summary["direction"] == "minimize" and summary["best"]["value"] == min(values)


def test_studies_listing_and_owner(runner, db):
    manager = StudyManager(runner, store_path=db)
    a = manager.create(BASE, "lr", owner="alice", name="first")
    b = manager.create(BASE, "lr", owner="bob")
    assert [s["study_id"] for s in manager.studies(owner="alice")] == [a]
    assert {s["study_id"] for s in manager.studies()} >= {a, b}
    assert summarize(load_study(a, db))["name"] == "first"


def test_a_time_budget_starts_no_trial_after_the_deadline(runner, db):
    manager = StudyManager(runner, store_path=db)
    study_id = manager.create(BASE.replace(n_points=3000, epochs=4), "lr", pruner="none")  # ~0.5 s per trial
    driver = StudyDriver(runner, study_id, store_path=db, poll=0.01)
    summary = driver.run(minutes=0.02)  # 1.2 s
    assert 1 <= summary["n_trials"] < 10 and summary["n_complete"] == summary["n_trials"]  # started ones finish
    assert driver.message == "the time budget is spent"
    with pytest.raises(ValueError, match="give a budget"):
        driver.run()


def test_two_studies_of_two_people_run_at_once_on_one_storage(runner, db):
    manager = StudyManager(runner, store_path=db, poll=0.01)
    a = manager.start(BASE, "lr", n_trials=4, pruner="none", owner="alice")
    b = manager.start(BASE, "hidden", n_trials=4, pruner="none", owner="bob")
    assert manager.wait(a, timeout=60) and manager.wait(b, timeout=60)
    for study_id, owner in ((a, "alice"), (b, "bob")):
        status = manager.status(study_id)
        assert status["n_complete"] == 4 and status["state"] == "finished"
        assert {runner.store.get_run(r["run_id"])["owner"] for r in manager.trials(study_id)} == {owner}
    manager.shutdown()
    with pytest.raises(RuntimeError, match="shut down"):
        manager.extend(a, n_trials=1)


def test_a_study_waits_while_its_owner_is_at_the_per_person_cap(runner, db):
    runner.limits = Limits(max_runs_per_person=1)
    other = runner.submit(BASE.replace(n_points=20000, epochs=50), owner="alice")  # fills alice's cap
    manager = StudyManager(runner, store_path=db, poll=0.01)
    study_id = manager.start(BASE, "lr", n_trials=2, pruner="none", owner="alice")
    deadline = time.monotonic() + 10
    while "runs" not in manager.status(study_id)["message"]:  # the policy's message, for the page
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert manager.status(study_id)["n_trials"] == 1 and runner.status(other).state == "running"
    runner.cancel(other)  # alice stops her other run: the study goes on
    assert manager.wait(study_id, timeout=30)
    status = manager.status(study_id)
    assert status["n_complete"] == 2 and status["state"] == "finished" and status["message"] == "2 trials run"
