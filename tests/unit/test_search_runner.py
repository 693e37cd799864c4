"""The search submits its trials through the runner factory (``synaptic_core.jobs.factory.make_runner``), so
``SYNAPTIC_RUNNER=ray`` runs a study's trials as Ray tasks, as it does for ``train`` and the app; and one real
study through a private Ray (slow; skipped without the optional extra)."""

from __future__ import annotations

import importlib.util
import itertools
import json
import sys
from pathlib import Path

import pytest

from searchfakes import SEARCH_FAKES_DIR, fake_train
from synaptic_core.cli import main
from synaptic_core.jobs import TargetConfig, factory

APP_TESTS = str(Path(__file__).resolve().parents[1] / "app")
if APP_TESTS not in sys.path:
    sys.path.insert(0, APP_TESTS)
from fakes import FakeRunner  # noqa: E402

SEARCH = ["search", "--dataset", "circle", "--model", "mlp", "--vary", "lr", "--sampler", "random", "--pruner",
          "none", "--epochs", "2", "--seed", "0", "--json", "--quiet"]


def test_synaptic_runner_picks_the_runner_of_a_search(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("SYNAPTIC_HOME", str(tmp_path / "home"))
    asked: list[tuple[str, dict]] = []

    def runner_class(kind=None):
        chosen = factory.runner_kind(kind)

        class Recorded(FakeRunner):
            def __init__(self, store, max_jobs=None, extra_spares=1, recover=True):
                asked.append((chosen, {"max_jobs": max_jobs, "recover": recover}))
                super().__init__(max_jobs=max_jobs or 2, store=store, target=fake_train, recover=recover)
                self._ids = itertools.count(100 * len(asked))  # run ids go on in the shared store
        return Recorded

    monkeypatch.setattr(factory, "runner_class", runner_class)
    monkeypatch.setenv(factory.RUNNER_ENV, "ray")
    assert main(SEARCH + ["--trials", "2"]) == 0
    line = json.loads(capsys.readouterr().out.strip())
    assert line["n_complete"] == 2
    assert asked == [("ray", {"max_jobs": None, "recover": False})]  # the environment's runner, the store kept
    assert main(SEARCH + ["--trials", "1", "--runner", "local"]) == 0  # the flag wins over the environment
    assert asked[-1][0] == "local"


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("ray") is None,
                    reason="ray is not installed (optional extra: pip install -r requirements-ray.txt)")
def test_a_study_runs_its_trials_as_ray_tasks(monkeypatch, tmp_path, capsys):
    """SYNAPTIC_RUNNER=ray: the CLI's runner is the real RayJobRunner (tasks, events through its channel, the
    store), only its training target is the millisecond fake; three trials complete and are ordinary runs."""
    from synaptic_core.jobs import ray_runner
    from synaptic_core.search.storage import load_study
    from synaptic_core.store import RunStore
    from synaptic_core.store.studies import study_runs

    made = []

    class FakeTargetRay(ray_runner.RayJobRunner):
        def __init__(self, store=None, max_jobs=None, recover=True, **_):
            super().__init__(store, max_jobs=max_jobs or 2, recover=recover, warm=False,
                             target=TargetConfig(target="searchfakes:fake_train", warm=(), probe=None,
                                                 sys_path=(SEARCH_FAKES_DIR,)))
            made.append(self)

    monkeypatch.setattr(ray_runner, "RayJobRunner", FakeTargetRay)
    monkeypatch.setenv("SYNAPTIC_HOME", str(tmp_path / "home"))
    monkeypatch.setenv(factory.RUNNER_ENV, "ray")
    assert main(SEARCH + ["--trials", "3", "--parallel", "2"]) == 0
    line = json.loads(capsys.readouterr().out.strip())
    assert made and line["n_trials"] == 3 and line["n_complete"] == 3, line
    store = RunStore(tmp_path / "home" / "runs.db")
    links = study_runs(store, line["study_id"])
    assert len(links) == 3 and all(r["status"] == "done" for r in links)
    study = load_study(line["study_id"], tmp_path / "home" / "studies.db")
    for trial, link in zip(study.trials, links):
        epochs = [e for e in store.events(link["run_id"]) if e["type"] == "epoch"]
        assert trial.value == pytest.approx(epochs[-1]["val_accuracy"])  # the epochs came back through Ray
    store.close()
