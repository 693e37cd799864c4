"""AppTest of the optimizer and gradient-descent pages (run through app.py, as a user opens them).

The figures are read back from the chart elements' Plotly JSON, so the tests check what the
browser would get: the animation's frames, buttons and slider, and the tables' numbers.
"""

from __future__ import annotations

import base64
import json

import numpy as np

OPT, GD = "app_pages/optimizers.py", "app_pages/gradient_descent.py"


def _arr(v) -> np.ndarray:
    """A figure JSON array: Plotly sends numpy arrays as {"dtype", "bdata"} (base64)."""
    if isinstance(v, dict) and "bdata" in v:
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"]))
    return np.asarray(v)


def _chart(at, key: str) -> dict:
    return next(json.loads(c.proto.spec) for c in at.get("plotly_chart") if key in c.proto.id)


def _only(at, keep: set[str]) -> None:
    from synaptic_core.labs.optim_paths import OPTIMIZERS

    for name in OPTIMIZERS:
        at.checkbox(key=f"opt_on_{name}").set_value(name in keep)


def test_optimizer_page_animates_all_twelve_keras_optimizers(open_app):
    at = open_app(OPT)
    assert not at.exception
    table = at.dataframe[0].value
    assert len(table) == 12 and {"SGD", "Adam", "Lion", "FTRL", "Adadelta"} <= set(table["optimizer"])
    assert {"steps to minimum", "final loss", "diverged"} <= set(table.columns)
    fig = _chart(at, "optim_anim")
    assert len(fig["frames"]) > 10 and fig["frames"][0]["name"] == "0" and fig["frames"][-1]["name"] == "200"
    labels = [b["label"] for b in fig["layout"]["updatemenus"][0]["buttons"]]
    assert labels == ["▶ Play", "❚❚ Pause"]
    slider = fig["layout"]["sliders"][0]
    assert len(slider["steps"]) == len(fig["frames"]) and slider["active"] == len(fig["frames"]) - 1
    names = [t.get("name") for t in fig["data"]]
    assert "SGD" in names and "FTRL" in names
    assert _chart(at, "optim_3d")["data"][0]["type"] == "surface"
    loss = _chart(at, "optim_loss")
    assert loss["layout"]["yaxis"]["type"] == "log" and "Adam" in [t.get("name") for t in loss["data"]]


def test_optimizer_page_follows_surface_settings_and_flags_divergence(open_app):
    at = open_app(OPT)
    _only(at, {"sgd", "adam"})
    at.number_input(key="opt_lr_bowl_sgd").set_value(0.2)  # above 2 / lambda_max = 0.1
    at.run()
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["optimizer"]) == ["SGD", "Adam"]
    sgd = table.iloc[0]
    assert bool(sgd["diverged"]) and sgd["learning rate"] == 0.2 and 0 < int(sgd["diverged at step"]) < 200
    # on the saddle both escape to one of the two valleys at y = +-1
    at.selectbox(key="opt_surface").set_value("saddle")
    at.run()
    assert not at.exception
    table = at.dataframe[0].value
    assert set(table["minimum reached"]) <= {"(0, 1)", "(0, -1)"} and not table["diverged"].any()
    fig = _chart(at, "optim_anim")
    start = next(t for t in fig["data"] if t.get("name") == "start")
    assert (start["x"][0], start["y"][0]) == (-1.8, 0.01)


def test_optimizer_page_custom_start_and_no_optimizer(open_app):
    at = open_app(OPT)
    _only(at, {"momentum"})
    at.selectbox(key="opt_start_bowl").set_value("custom")
    at.run()
    at.number_input(key="opt_x0_bowl").set_value(1.0)
    at.number_input(key="opt_y0_bowl").set_value(-2.0)
    at.run()
    assert not at.exception
    fig = _chart(at, "optim_anim")
    trail = next(t for t in fig["data"] if t.get("name") == "Momentum" and t.get("mode") == "lines")
    assert (_arr(trail["x"])[0], _arr(trail["y"])[0]) == (1.0, -2.0)
    _only(at, set())
    at.run()
    assert not at.exception
    assert any("at least one optimizer" in i.value for i in at.info)


def test_gradient_descent_page_compares_the_variants_and_sweeps_the_rate(open_app):
    at = open_app(GD)
    assert not at.exception
    variants = at.dataframe[0].value
    assert list(variants["variant"]) == ["batch", "mini-batch (16)", "stochastic"]
    assert list(variants["updates"]) == [20, 20 * 13, 20 * 208]  # 208 sonar returns, 20 epochs
    loss = _chart(at, "gd_loss")
    assert len(loss["data"]) == 9 and loss["layout"]["xaxis2"]["type"] == "log"
    plane = _chart(at, "gd_plane")
    assert plane["data"][0]["type"] == "contour"
    sweep = at.dataframe[1].value
    assert {"too small", "good", "diverges"} <= set(sweep["verdict"])
    # a batch rate above 2 / lambda_max (about 0.95 here) blows up
    at.number_input(key="gd_lr_b_sonar").set_value(2.0)
    at.run()
    assert not at.exception
    assert bool(at.dataframe[0].value.iloc[0]["diverged"])


def test_gradient_descent_page_on_mnist_ink(open_app):
    at = open_app(GD)
    at.selectbox(key="gd_problem").set_value("mnist-ink")
    at.run()
    assert not at.exception
    assert at.slider(key="gd_band").disabled
    variants = at.dataframe[0].value
    assert variants.iloc[0]["updates"] == 5 and variants.iloc[2]["updates"] > 1000
    at.multiselect(key="gd_sweep_lrs_mnist-ink").set_value([])
    at.run()
    assert any("at least one learning rate" in i.value for i in at.info)
