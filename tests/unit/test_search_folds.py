"""k-fold cross-validation for small tabular sets: stratified, seeded folds (training/folds.py); a study with
``folds`` K runs each trial as K ordinary runs (one per fold, linked with their fold) and scores the mean of
their validation values, epoch by epoch; a failing fold fails the trial; only tabular sets are offered it;
and one real search on sonar with real Keras training (slow)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from searchfakes import fake_train
from synaptic_core.cli import main
from synaptic_core.search import cli as search_cli
from synaptic_core.search.config import StudyConfig
from synaptic_core.search.driver import StudyDriver
from synaptic_core.search.manager import StudyManager
from synaptic_core.search.results import trials_table
from synaptic_core.search.space import SpaceError
from synaptic_core.search.storage import load_study
from synaptic_core.specs import RunSpec
from synaptic_core.store.studies import study_runs
from synaptic_core.training.folds import FoldError, fold_ids, fold_split

APP_TESTS = str(Path(__file__).resolve().parents[1] / "app")
if APP_TESTS not in sys.path:
    sys.path.insert(0, APP_TESTS)
from fakes import FakeRunner  # noqa: E402

SONAR = RunSpec().replace(dataset="sonar", model="mlp", hidden=(16,), epochs=3)


# -- the folds -------------------------------------------------------------------------------------
def test_folds_are_stratified_seeded_and_partition_the_rows():
    y = np.array([0] * 60 + [1] * 27 + [2] * 13)  # a rare class too
    x = np.arange(len(y) * 2).reshape(len(y), 2)
    ids = fold_ids(y, 3, seed=7)
    assert set(ids) == {0, 1, 2}
    for cls in (0, 1, 2):  # every class spread evenly: per-fold counts differ by at most one
        counts = np.bincount(ids[y == cls], minlength=3)
        assert counts.max() - counts.min() <= 1 and counts.min() >= 4
    assert np.bincount(ids).max() - np.bincount(ids).min() <= 1
    assert np.array_equal(ids, fold_ids(y, 3, seed=7)) and not np.array_equal(ids, fold_ids(y, 3, seed=8))
    seen = []
    for k in range(3):
        x_fit, y_fit, (x_val, y_val) = fold_split(x, y, 3, k, seed=7)
        assert len(x_fit) + len(x_val) == len(x) and not set(x_val[:, 0]) & set(x_fit[:, 0])
        seen += list(x_val[:, 0])
    assert sorted(seen) == sorted(x[:, 0])  # each row validates exactly once over the K runs


def test_one_hot_and_regression_targets():
    y = np.eye(2)[[0, 1] * 10]
    assert np.bincount(fold_ids(y, 2, 0)[y.argmax(1) == 1]).tolist() == [5, 5]
    ids = fold_ids(np.linspace(0.1, 9.3, 31), 4, 0)  # float target: shuffled folds
    assert sorted(np.bincount(ids).tolist()) == [7, 8, 8, 8]


@pytest.mark.parametrize("folds, fold, n, message", [(1, 0, 10, "2 to 20"), (3, 3, 10, "0 to 2"),
                                                     (5, 0, 4, "cannot make 5 folds")])
def test_fold_settings_that_cannot_split_are_refused(folds, fold, n, message):
    with pytest.raises(FoldError, match=message):
        fold_split(np.zeros((n, 2)), np.zeros(n, int), folds, fold, 0)


# -- the study ----------------------------------------------------------------------------------------
def _config(**kw) -> StudyConfig:
    from synaptic_core.search.space import space_for

    spec = kw.pop("spec", SONAR)
    return StudyConfig(base=spec.as_dict(), space=space_for(spec, "lr").to_dict(), **kw)


def test_only_tabular_sets_are_cross_validated_and_k_is_bounded():
    assert _config(folds=3).errors() == []
    assert [s.cv_fold for s in _config(folds=3).run_specs(SONAR)] == [0, 1, 2]
    assert {s.cv_folds for s in _config(folds=3).run_specs(SONAR)} == {3}
    assert _config().run_specs(SONAR) == [SONAR]
    circle = RunSpec().replace(dataset="circle", model="mlp")
    assert "for small tabular sets" in " ".join(_config(spec=circle, folds=3).errors())
    assert "folds: 2 to 10" in " ".join(_config(folds=1).errors())
    assert "folds: 2 to 10" in " ".join(_config(folds=11).errors())
    assert not _config(folds=3, spec=SONAR.replace(validation_split=0.0)).errors()  # folds validate instead


@pytest.fixture
def runner():
    r = FakeRunner(max_jobs=2, target=fake_train)
    yield r
    r.shutdown()


def test_each_trial_is_k_runs_scored_by_their_mean(runner, tmp_path):
    db = tmp_path / "studies.db"
    manager = StudyManager(runner, store_path=db)
    study_id = manager.create(SONAR, "lr", n_trials=2, sampler="random", pruner="none", seed=0, folds=3, owner="me")
    summary = StudyDriver(runner, study_id, store_path=db, poll=0.01).run(n_trials=2)
    assert summary["n_trials"] == 2 and summary["n_complete"] == 2 and summary["folds"] == 3
    study = load_study(study_id, db)
    links = study_runs(runner.store, study_id)
    assert [(r["trial"], r["fold"]) for r in links] == [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2)]
    for trial in study.trials:
        run_ids = trial.user_attrs["run_ids"]
        assert len(run_ids) == 3 and trial.user_attrs["run_id"] == run_ids[0]
        runs = [runner.store.get_run(r) for r in run_ids]
        assert [(r["spec"]["cv_folds"], r["spec"]["cv_fold"]) for r in runs] == [(3, 0), (3, 1), (3, 2)]
        assert all(r["spec"]["lr"] == pytest.approx(trial.params["lr"]) for r in runs)
        per_fold = [[e["val_accuracy"] for e in runner.store.events(r) if e["type"] == "epoch"] for r in run_ids]
        assert len({round(v[-1], 9) for v in per_fold}) == 3  # the folds scored differently ...
        assert trial.value == pytest.approx(np.mean([v[-1] for v in per_fold]))  # ... and the trial is their mean
        means = np.mean(per_fold, axis=0)
        assert [trial.intermediate_values[e] for e in range(3)] == pytest.approx(list(means))
    assert trials_table(study, runner)[0]["epochs"] == 3


def test_a_failing_fold_fails_the_trial_and_stops_its_other_runs(runner, tmp_path):
    db = tmp_path / "studies.db"
    manager = StudyManager(runner, store_path=db)
    spec = SONAR.replace(dropout=0.85, epochs=6, n_points=20000)  # fold 1 raises; the others are slow
    study_id = manager.create(spec, "lr", n_trials=1, sampler="random", pruner="none", folds=3, owner="me")
    summary = StudyDriver(runner, study_id, store_path=db, poll=0.01).run(n_trials=1)
    assert summary["n_failed"] == 1 and summary["n_complete"] == 0
    row = trials_table(load_study(study_id, db))[0]
    assert row["state"] == "failed" and "(fold 2 of 3)" in row["message"] and "second fold" in row["message"]
    states = [r["status"] for r in study_runs(runner.store, study_id)]
    assert states[1] == "failed" and all(s in ("stopped", "failed", "done", "killed") for s in states)


def test_the_per_person_cap_counts_runs_not_trials(tmp_path):
    from synaptic_core.jobs.policy import Limits

    runner = FakeRunner(max_jobs=4, target=fake_train)
    runner.limits = Limits(max_runs_per_person=4)
    try:
        manager = StudyManager(runner, store_path=tmp_path / "studies.db")
        study_id = manager.create(SONAR, "lr", n_trials=2, folds=3, owner="me")
        driver = StudyDriver(runner, study_id, store_path=tmp_path / "studies.db", poll=0.01)
        assert driver.cap() == 1  # 4 runs at most: one trial of 3 folds at a time
        assert driver.run(n_trials=2)["n_complete"] == 2
    finally:
        runner.shutdown()


def test_the_cli_takes_folds_and_refuses_them_off_tabular(monkeypatch, capsys):
    monkeypatch.setattr(search_cli, "_runner", lambda kind, parallel: FakeRunner(max_jobs=2, target=fake_train))
    assert main(["search", "--dataset", "sonar", "--model", "mlp", "--vary", "lr", "--trials", "2", "--folds", "3",
                 "--epochs", "2", "--sampler", "random", "--json", "--quiet"]) == 0
    line = json.loads(capsys.readouterr().out.strip())
    assert line["folds"] == 3 and line["n_complete"] == 2
    assert main(["search", "--dataset", "circle", "--model", "mlp", "--vary", "lr", "--folds", "3", "--quiet"]) == 2
    assert "for small tabular sets" in capsys.readouterr().err


@pytest.mark.slow
def test_a_real_cross_validated_search_on_sonar(tmp_path):
    """One trial of three folds, two epochs each, with real Keras training (threads of this process: one
    TensorFlow import): each run validates on its own third of the training rows (together: every row
    once), the test set untouched, and the trial's value is the mean of the three."""
    runner = FakeRunner(max_jobs=1, target="synaptic_core.training:train")
    try:
        manager = StudyManager(runner, store_path=tmp_path / "studies.db")
        study_id = manager.create(SONAR.replace(epochs=2), "lr", n_trials=1, sampler="random", pruner="none",
                                  folds=3, owner="me")
        summary = StudyDriver(runner, study_id, store_path=tmp_path / "studies.db", poll=0.05).run(n_trials=1)
        assert summary["n_complete"] == 1, trials_table(load_study(study_id, tmp_path / "studies.db"))
        links = study_runs(runner.store, study_id)
        assert [r["fold"] for r in links] == [0, 1, 2] and all(r["status"] == "done" for r in links)
        data = [next(e for e in runner.store.events(r["run_id"]) if e["type"] == "data") for r in links]
        assert sum(d["n_val"] for d in data) == data[0]["n_train"] + data[0]["n_val"] == 167  # sonar's training rows
        assert {d["n_test"] for d in data} == {41}
        finals = [[e for e in runner.store.events(r["run_id"]) if e["type"] == "epoch"][-1]["val_accuracy"]
                  for r in links]
        assert summary["best"]["value"] == pytest.approx(np.mean(finals))
    finally:
        runner.shutdown()
