"""decision_boundary: the grid values pass through unchanged; points styled playground-like."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from synaptic_core.viz import decision_boundary
from synaptic_core.viz.style import PLAYGROUND_BLUE, PLAYGROUND_ORANGE

XS = np.linspace(-6, 6, 7)
YS = np.linspace(-5, 5, 5)
Z = 1 / (1 + np.exp(-(XS[None, :] + 0.5 * YS[:, None])))  # shape (len(ys), len(xs))
RNG = np.random.default_rng(0)
X_TRAIN, Y_TRAIN = RNG.uniform(-5, 5, (20, 2)), np.array([0, 1] * 10)
X_TEST, Y_TEST = RNG.uniform(-5, 5, (6, 2)), np.array([1, 0, 1, 0, 1, 1])


def test_z_passes_through_with_playground_scale():
    fig = decision_boundary(XS, YS, Z.tolist(), X_TRAIN, Y_TRAIN)
    heat = next(t for t in fig.data if isinstance(t, go.Heatmap))
    np.testing.assert_allclose(np.asarray(heat.z), Z)
    np.testing.assert_allclose(heat.x, XS)
    np.testing.assert_allclose(heat.y, YS)
    assert (heat.zmin, heat.zmax) == (0, 1)
    assert heat.colorscale[0][1] == PLAYGROUND_ORANGE and heat.colorscale[-1][1] == PLAYGROUND_BLUE
    contour = next(t for t in fig.data if isinstance(t, go.Contour))
    assert contour.contours.start == 0.5 and contour.contours.end == 0.5


def test_points_train_filled_white_outline_test_hollow():
    fig = decision_boundary(XS, YS, Z, X_TRAIN, Y_TRAIN, X_TEST, Y_TEST)
    scatters = {t.name: t for t in fig.data if isinstance(t, go.Scatter)}
    assert set(scatters) == {"train · class 0", "train · class 1", "test · class 0", "test · class 1"}
    t1 = scatters["train · class 1"]
    np.testing.assert_allclose(np.c_[t1.x, t1.y], X_TRAIN[Y_TRAIN == 1])
    assert t1.marker.color == PLAYGROUND_BLUE and t1.marker.line.color == "white"
    assert scatters["train · class 0"].marker.color == PLAYGROUND_ORANGE
    test0 = scatters["test · class 0"]
    assert test0.marker.symbol == "circle-open"
    np.testing.assert_allclose(np.c_[test0.x, test0.y], X_TEST[Y_TEST == 0])


def test_equal_axis_scale_and_grid_extent():
    fig = decision_boundary(XS, YS, Z, X_TRAIN, Y_TRAIN)
    assert fig.layout.yaxis.scaleanchor == "x" and fig.layout.yaxis.scaleratio == 1
    assert tuple(fig.layout.xaxis.range) == (-6, 6) and tuple(fig.layout.yaxis.range) == (-5, 5)


def test_multiclass_argmax_grid_uses_one_colour_per_class():
    z = np.tile(np.array([0, 1, 2, 2, 1, 0, 0]), (5, 1))
    y = np.array([0, 1, 2] * 4)
    fig = decision_boundary(XS, YS, z, RNG.uniform(-5, 5, (12, 2)), y, class_names=["a", "b", "c"])
    heat = next(t for t in fig.data if isinstance(t, go.Heatmap))
    np.testing.assert_array_equal(np.asarray(heat.z), z)
    assert (heat.zmin, heat.zmax) == (-0.5, 2.5)
    assert not any(isinstance(t, go.Contour) for t in fig.data)
    assert {t.name for t in fig.data if isinstance(t, go.Scatter)} == {"train · a", "train · b", "train · c"}


def test_rejects_misshapen_grid():
    with pytest.raises(ValueError):
        decision_boundary(XS, YS, Z.T, X_TRAIN, Y_TRAIN)
