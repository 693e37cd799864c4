"""Comparing runs: the spec diff, curves, groups over seeds (runs/compare.py) and their figures (viz/compare.py)."""

from __future__ import annotations

import math

import plotly.graph_objects as go

from synaptic_core.runs import compare
from synaptic_core.specs import RunSpec
from synaptic_core.viz import compare as figs


def _row(run_id, test, history=None, name=None, **spec):
    values = RunSpec().replace(dataset="xor", **spec).as_dict()
    return {"run_id": run_id, "name": name, "spec": values, "test_metric": test, "best": test, "last": test,
            "result": {"history": history or []}}


def _hist(*vals):
    return [{"epoch": i, "loss": 1 - v, "val_loss": 1.1 - v, "accuracy": v, "val_accuracy": v - 0.05}
            for i, v in enumerate(vals)]


def test_spec_diff_keeps_only_what_differs():
    rows = [_row("a", 0.8, lr=0.01, seed=0), _row("b", 0.9, lr=0.1, seed=0), _row("c", 0.7, lr=0.1, seed=1,
                                                                                  hidden=(64, 32))]
    assert compare.spec_diff(rows) == {"hidden": [[128], [128], [64, 32]], "lr": [0.01, 0.1, 0.1], "seed": [0, 0, 1]}
    assert compare.differing_text(compare.spec_diff(rows), 2) == "hidden=64, 32 · lr=0.1 · seed=1"
    assert compare.spec_diff(rows[:1]) == {}


def test_count_limits():
    assert compare.check_count(1) and compare.check_count(11) and compare.check_count(2) is None
    assert compare.check_count(10) is None


def test_curves_carry_each_runs_history_and_what_sets_it_apart():
    rows = [_row("a", 0.8, _hist(0.5, 0.8), name="small lr", lr=0.01), _row("b", 0.9, lr=0.1)]
    got = compare.curves(rows, {"b": _hist(0.6, 0.9, 0.95)})
    assert [c.label for c in got] == ["small lr", "b"]
    assert got[0].epochs == [1, 2] and got[1].epochs == [1, 2, 3]
    assert got[0].about == "lr=0.01" and got[1].about == "lr=0.1"
    assert all(math.isclose(a, b) for a, b in zip(got[1].values["val_accuracy"], (0.55, 0.85, 0.9)))


def test_groups_give_mean_and_std_over_seeds():
    rows = [_row(f"r{lr}{s}", acc, lr=lr, seed=s)
            for lr, accs in ((0.1, (0.80, 0.82, 0.84)), (0.01, (0.90, 0.90, 0.90)))
            for s, acc in enumerate(accs)]
    rows.append(_row("nan", None, lr=0.001))
    groups = compare.group_stats(rows, "lr")
    assert [g.value for g in groups] == [0.001, 0.01, 0.1]  # numbers ascending
    g001, g01, g1 = groups
    assert (g001.n, g001.mean, g001.std) == (0, None, None)
    assert math.isclose(g01.mean, 0.9) and math.isclose(g01.std, 0.0, abs_tol=1e-12) and g01.n == 3
    assert math.isclose(g1.mean, 0.82) and math.isclose(g1.std, 0.02) and len(g1.run_ids) == 3
    assert compare.group_params(rows)[:2] == ["lr", "seed"]


def test_overlaid_curves_one_colour_per_run_with_hover_text():
    rows = [_row("a", 0.8, _hist(0.5, 0.8), name="<b>bold</b>", lr=0.01), _row("b", 0.9, _hist(0.6, 0.9), lr=0.1)]
    fig = figs.overlaid_curves(compare.curves(rows, {}))
    assert isinstance(fig, go.Figure)
    by_run = {}
    for trace in fig.data:
        by_run.setdefault(trace.legendgroup, set()).add(trace.line.color)
    assert len(by_run) == 2 and all(len(colors) == 1 for colors in by_run.values())
    assert len({next(iter(c)) for c in by_run.values()}) == 2  # different runs, different colours
    assert len(fig.data) == 8  # 2 runs x (loss, accuracy) x (validation, training)
    hovers = " ".join(t.hovertemplate for t in fig.data)
    assert "lr=0.01" in hovers and "lr=0.1" in hovers and "&lt;b&gt;bold" in hovers and "<b>bold" not in hovers
    assert sum(1 for t in fig.data if t.showlegend) == 2
    names = " ".join(t.name for t in fig.data)  # Plotly renders <b>, <a href> ... in legend names too
    assert "&lt;b&gt;bold" in names and "<b>" not in names


def test_overlaid_curves_of_a_regression_have_only_the_loss_panel():
    hist = [{"epoch": 0, "loss": 0.5, "val_loss": 0.4}, {"epoch": 1, "loss": 0.3, "val_loss": 0.35}]
    fig = figs.overlaid_curves(compare.curves([_row("a", 0.2, hist), _row("b", 0.3, hist, lr=0.1)], {}))
    assert len(fig.data) == 4 and {t.yaxis for t in fig.data} == {"y"}


def test_parallel_coordinates_numbers_and_categories():
    rows = [_row("a", 0.8, lr=0.01, optimizer="adam"), _row("b", 0.9, lr=0.1, optimizer="sgd"),
            _row("c", None, lr=0.2, optimizer="sgd")]
    fig = figs.parallel_coordinates(rows, ["lr", "optimizer"], [0.8, 0.9, None], "test accuracy")
    dims = fig.data[0].dimensions
    assert [d.label for d in dims] == ["lr", "optimizer", "test accuracy"]
    assert list(dims[0].values) == [0.01, 0.1] and list(dims[1].ticktext) == ["adam", "sgd"]
    assert list(dims[2].values) == [0.8, 0.9]
    empty = figs.parallel_coordinates(rows, ["lr"], [None, None, None], "x")
    assert not empty.data and "No run" in empty.layout.annotations[0].text


def test_group_figure_has_error_bars():
    groups = [compare.Group(0.1, "0.1", ["a", "b"], 0.8, 0.02, 2), compare.Group(0.5, "0.5", ["c"], None, None, 0)]
    fig = figs.group_figure(groups, "lr", "test accuracy", percent=True)
    assert list(fig.data[0].x) == ["0.1"] and list(fig.data[0].error_y.array) == [0.02]
