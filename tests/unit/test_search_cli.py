"""``python -m synaptic_core search``: the one-line JSON contract, extending a study, refusals; one real
small search on circle through the real job path; one real learning-rate sweep."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from searchfakes import fake_train
from synaptic_core.cli import main
from synaptic_core.search import cli as search_cli
from synaptic_core.search.storage import load_study
from synaptic_core.store import RunStore
from synaptic_core.store.studies import study_runs

APP_TESTS = str(Path(__file__).resolve().parents[1] / "app")
if APP_TESTS not in sys.path:
    sys.path.insert(0, APP_TESTS)
from fakes import FakeRunner  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
ISSUE_COMMAND = ["search", "--dataset", "circle", "--model", "mlp", "--vary", "lr,hidden,activation",
                 "--sampler", "tpe", "--trials", "12", "--seed", "0", "--json"]


@pytest.fixture
def fake_runner(monkeypatch):
    made = []

    def make(kind, parallel):
        made.append(FakeRunner(max_jobs=2, target=fake_train))
        return made[-1]
    monkeypatch.setattr(search_cli, "_runner", make)
    return made


def _json_line(capsys) -> dict:
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1, out
    return json.loads(out[0])


def test_the_issue_command_prints_one_json_line_and_extends(fake_runner, capsys):
    assert main(ISSUE_COMMAND + ["--epochs", "4", "--quiet"]) == 0
    line = _json_line(capsys)
    assert set(search_cli.JSON_KEYS) <= set(line)
    assert line["n_trials"] == 12 and line["n_complete"] + line["n_pruned"] + line["n_failed"] == 12
    assert set(line["best"]) >= {"run_id", "params", "value"}
    assert set(line["best"]["params"]) == {"lr", "hidden", "activation"}
    assert line["sampler"] == "tpe" and line["objective"] == "val_accuracy" and line["state"] == "finished"
    runner = fake_runner[0]
    assert runner.store.get_run(line["best"]["run_id"])["owner"] == "cli"
    assert len(study_runs(runner.store, line["study_id"])) == 12

    assert main(["search", "--study", line["study_id"], "--trials", "2", "--json", "--quiet"]) == 0
    more = _json_line(capsys)
    assert more["study_id"] == line["study_id"] and more["n_trials"] == 14
    assert more["best"]["value"] >= line["best"]["value"]


def test_progress_goes_to_stderr_and_text_mode_says_the_best(fake_runner, capsys):
    assert main(["search", "--dataset", "circle", "--model", "mlp", "--vary", "lr", "--trials", "3",
                 "--pruner", "none", "--sampler", "random", "--epochs", "2"]) == 0
    captured = capsys.readouterr()
    assert captured.err.count("trial ") >= 3 and "lr: 0.0001 to 0.3, log scale" in captured.err
    assert "best trial" in captured.out and "3 trials (3 complete" in captured.out


@pytest.mark.parametrize("argv, message", [
    (["--vary", "lr,filters"], "filters cannot be searched for model mlp"),
    (["--vary", "lr", "--range", "lr=1e-9:0.1"], "outside its limits"),
    (["--vary", "lr", "--range", "lr=0.1"], "write LO:HI"),
    (["--vary", "activation", "--choices", "activation=relu|mystery"], "not among"),
    (["--vary", "lr", "--trials", "0"], "trials: 1 to"),
    (["--vary", "lr", "--validation-split", "0"], "validation_split must be above 0"),
    (["--vary", "lr", "--folds", "3"], "k-fold cross-validation is for small tabular sets; circle is not one"),
    (["--study", "st0000000000"], "no study 'st0000000000'"),
    (["--study", "../x"], "not a study id"),
    ([], "--vary is needed"),
])
def test_refusals_name_the_problem(fake_runner, capsys, argv, message):
    assert main(["search", "--dataset", "circle", "--model", "mlp", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and err.startswith("error: ")


@pytest.mark.slow
def test_a_real_small_search_on_circle(tmp_path):
    """The issue's command, smaller (3 trials of 2 epochs), through the real job path: spawned workers,
    real Keras training, the real store; each trial is a run with its events and links."""
    env = {**os.environ, "SYNAPTIC_HOME": str(tmp_path / "home"), "SYNAPTIC_MAX_JOBS": "1"}
    argv = [sys.executable, "-m", "synaptic_core", "search", "--dataset", "circle", "--model", "mlp",
            "--vary", "lr,hidden,activation", "--sampler", "tpe", "--trials", "3", "--seed", "0", "--epochs", "2",
            "--json", "--quiet"]
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=400)
    assert done.returncode == 0, done.stderr[-2000:]
    line = json.loads(done.stdout.strip().splitlines()[-1])
    assert line["n_trials"] == 3 and line["n_complete"] + line["n_pruned"] == 3
    assert 0.0 <= line["best"]["value"] <= 1.0
    store = RunStore(tmp_path / "home" / "runs.db")
    links = study_runs(store, line["study_id"])
    assert len(links) == 3 and all(r["status"] in ("done", "stopped") for r in links)
    best = store.get_run(line["best"]["run_id"])
    epochs = [e for e in store.events(best["id"]) if e["type"] == "epoch"]
    assert best["result"]["test"]["accuracy"] is not None  # an ordinary run: evaluated, saved
    assert line["best"]["value"] == pytest.approx(epochs[-1]["val_accuracy"])  # validation, never test
    assert Path(best["result"]["model_path"]).exists()
    study = load_study(line["study_id"], tmp_path / "home" / "studies.db")
    assert [t.user_attrs["run_id"] for t in study.trials] == [r["run_id"] for r in links]
    store.close()


@pytest.mark.slow
def test_a_real_learning_rate_sweep_goes_through_the_job_path():
    from synaptic_core.search.lr_finder import curve_from_events, finding_of, lr_finder
    from synaptic_core.specs import RunSpec

    runner = FakeRunner(max_jobs=1, target="synaptic_core.training:train")  # real training, in a thread
    try:
        spec = RunSpec().replace(dataset="circle", model="mlp", hidden=(16, 16), batch_size=32)
        finding = lr_finder(spec, runner, batches=150, owner="me", timeout=300)
        assert len(finding.lrs) >= 50 and finding.lrs[0] == pytest.approx(1e-6)
        assert all(b > a for a, b in zip(finding.lrs, finding.lrs[1:]))
        assert 1e-5 < finding.suggested < 1.0 and finding.suggested <= finding.min_loss_lr / 10 + 1e-12
        run = runner.store.get_run(finding.run_id)  # its row was written at submit, like any run's
        assert runner.status(finding.run_id).state == "done" and run["spec"]["lr_find"] == 150
        assert run["owner"] == "me"
        events = runner.events(finding.run_id)
        sweep = [e for e in events if e["type"] == "lr_find"]
        assert sweep and sweep[-1]["batch"] == len(finding.lrs)
        assert finding_of(finding.run_id, runner.result(finding.run_id)) == finding
        lrs, losses = curve_from_events(events)  # what a page draws while the sweep runs
        assert len(lrs) == len(sweep) and lrs == sorted(lrs) and lrs[-1] == finding.lrs[-1]
        assert not any(e["type"] == "epoch" for e in events)  # a sweep, not a training
    finally:
        runner.shutdown()


def test_lr_find_command_prints_the_suggestion(monkeypatch, capsys):
    import numpy as np

    from synaptic_core.training.lr_find import suggest_lr, sweep_rates

    def fake_sweep(spec, sink, workdir):
        lrs = list(sweep_rates(spec.lr_find))
        losses = [float(2 - 1.5 / (1 + np.exp(-(np.log10(x) + 3) * 3))) for x in lrs]
        return {"kind": "lr_find", "lr_find": {"lrs": lrs, "losses": losses, "smoothed": [], "diverged": False,
                                               **suggest_lr(lrs, losses)}}
    monkeypatch.setattr(search_cli, "_runner", lambda kind, parallel: FakeRunner(max_jobs=1, target=fake_sweep))
    assert main(["lr-find", "--dataset", "circle", "--model", "mlp", "--batches", "120", "--json"]) == 0
    line = _json_line(capsys)
    assert line["batches"] == 120 and 1e-5 < line["suggested"] < 1e-2 and line["diverged"] is False
    monkeypatch.setattr(search_cli, "_runner", lambda kind, parallel: FakeRunner(max_jobs=1, target=fake_train))
    assert main(["lr-find", "--dataset", "circle", "--model", "mlp", "--batches", "120"]) == 1  # no sweep result
    assert "ended done" in capsys.readouterr().err
