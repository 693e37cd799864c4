"""The study figures build from a finished study (and say why they are empty before one), pruned curves
are drawn cut short, and the learning-rate finder's suggestion is where the loss falls fastest."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest

from searchfakes import fake_train
from synaptic_core.search.driver import StudyDriver
from synaptic_core.search.manager import StudyManager
from synaptic_core.search.results import curves
from synaptic_core.search.storage import load_study
from synaptic_core.specs import RunSpec
from synaptic_core.training.lr_find import smooth, suggest_lr, sweep_rates
from synaptic_core.viz.search import (PRUNED_COLOR, importances, intermediate_figure, lr_finder_figure,
                                      study_figures)

APP_TESTS = str(Path(__file__).resolve().parents[1] / "app")
if APP_TESTS not in sys.path:
    sys.path.insert(0, APP_TESTS)
from fakes import FakeRunner  # noqa: E402


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    db = tmp_path_factory.mktemp("viz") / "studies.db"
    runner = FakeRunner(max_jobs=2, target=fake_train)
    try:
        manager = StudyManager(runner, store_path=db)
        base = RunSpec().replace(dataset="circle", model="mlp", hidden=(16,), epochs=5, n_points=1000)
        study_id = manager.create(base, "lr,hidden,activation", sampler="random", pruner="median", seed=3,
                                  n_trials=12)
        StudyDriver(runner, study_id, store_path=db, poll=0.01).run(n_trials=12)
        empty = manager.create(base, "lr", n_trials=3)
        yield load_study(study_id, db), load_study(empty, db)
    finally:
        runner.shutdown()


def test_every_figure_builds_from_a_finished_study(finished):
    study, _ = finished
    figs = study_figures(study)
    assert set(figs) == {"history", "intermediate", "parallel", "importance", "slice", "contour"}
    for name, fig in figs.items():
        assert isinstance(fig, go.Figure) and fig.data, name
        fig.to_json()  # serialisable for the browser
    assert figs["history"].layout.yaxis.title.text == "Validation accuracy"
    assert {p for t in figs["slice"].data for p in [t.name]}  # one panel per parameter
    imp = importances(study)
    assert set(imp) == {"lr", "hidden", "activation"} and math.isclose(sum(imp.values()), 1.0, abs_tol=1e-6)
    assert max(imp, key=imp.get) == "lr"  # the fake's accuracy depends mostly on the learning rate


def test_pruned_trials_are_drawn_cut_short(finished):
    study, _ = finished
    fig = intermediate_figure(study)
    pruned = [c for c in curves(study) if c["state"] == "pruned"]
    assert pruned
    for c in pruned:
        line = next(t for t in fig.data if t.name and t.name.startswith(f"trial {c['trial']} "))
        assert line.line.dash == "dash" and line.line.color == PRUNED_COLOR
        assert list(line.x) == list(range(1, c["pruned_at"] + 1))
        assert f"pruned at epoch {c['pruned_at']}" in line.name
    assert {t.name for t in fig.data if t.showlegend is not False} >= {"complete", "pruned"}
    crosses = [t for t in fig.data if t.mode == "markers" and t.marker.symbol == "x"]
    assert len(crosses) == len(pruned)


def test_an_empty_study_gets_messages_not_errors(finished):
    _, empty = finished
    for name, fig in study_figures(empty).items():
        assert fig.layout.annotations and not fig.data, name
    assert importances(empty) == {}


def test_the_lr_suggestion_is_where_the_smoothed_loss_falls_fastest():
    lrs = sweep_rates(200)
    assert lrs[0] == pytest.approx(1e-6) and lrs[-1] == pytest.approx(1.0)
    assert np.allclose(np.diff(np.log(lrs)), np.log(lrs[1] / lrs[0]))
    x = np.log10(lrs)
    loss = 2.0 - 1.5 / (1 + np.exp(-(x + 3) * 3)) + np.where(x > -1, (x + 1) * 20, 0)  # drop at 1e-3, blow-up past 0.1
    tips = suggest_lr(lrs, loss)
    assert 1e-4 < tips["steepest"] < 1e-2
    assert tips["suggested"] <= tips["min_loss_lr"] / 10 + 1e-12 and tips["suggested"] <= tips["steepest"]
    assert 1e-2 < tips["min_loss_lr"] < 0.3
    assert suggest_lr(lrs[:3], loss[:3])["suggested"] is None
    assert smooth([1.0, 1.0, 1.0]) == pytest.approx([1.0, 1.0, 1.0])  # bias-corrected from the first value
    fig = lr_finder_figure(list(lrs), list(loss), suggested=tips["suggested"])
    assert fig.layout.xaxis.type == "log" and len(fig.data) == 2 and fig.layout.shapes
    assert lr_finder_figure([], []).layout.annotations
