"""confusion_heatmap and per_class_bar: the matrix and accuracies end up in the traces as given."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from synaptic_core.viz import confusion_heatmap, per_class_bar

MATRIX = np.array([[50, 2, 0], [3, 40, 7], [0, 0, 0]])
NAMES = ["0", "1", "2"]  # digit-like names must stay categories, not numbers


def test_heatmap_holds_the_matrix_with_row_zero_on_top():
    fig = confusion_heatmap(MATRIX, NAMES)
    (heat,) = fig.data
    assert isinstance(heat, go.Heatmap)
    np.testing.assert_array_equal(np.asarray(heat.z), MATRIX)
    assert list(heat.y) == NAMES and list(heat.x) == NAMES  # rows = true, columns = predicted
    assert fig.layout.yaxis.autorange == "reversed"  # row 0 drawn at the top
    assert fig.layout.xaxis.title.text == "Predicted" and fig.layout.yaxis.title.text == "True"
    assert fig.layout.xaxis.type == "category" and fig.layout.yaxis.type == "category"
    np.testing.assert_array_equal(np.asarray(heat.text), MATRIX)  # counts written in the cells
    assert heat.texttemplate == "%{text}"
    assert heat.zmin == 0 and heat.zmax == MATRIX.max()


def test_normalized_shows_row_percentages():
    fig = confusion_heatmap(MATRIX, NAMES, normalize=True)
    z = np.asarray(fig.data[0].z, dtype=float)
    np.testing.assert_allclose(z[0], [50 / 52 * 100, 2 / 52 * 100, 0])
    np.testing.assert_allclose(z[1].sum(), 100.0)
    np.testing.assert_array_equal(z[2], [0, 0, 0])  # a class with no examples stays 0, no NaN
    assert np.asarray(fig.data[0].text)[1][2] == "14.0%"
    assert fig.data[0].zmax == 100


def test_heatmap_rejects_mismatched_names():
    with pytest.raises(ValueError):
        confusion_heatmap(MATRIX, ["a", "b"])
    with pytest.raises(ValueError):
        confusion_heatmap(np.zeros((2, 3)), ["a", "b"])


def test_per_class_bar_values_and_mean_line():
    acc = [0.9, 0.5, 0.7]
    fig = per_class_bar(acc, ["cat", "dog", "owl"])
    (bar,) = fig.data
    assert list(bar.x) == ["cat", "dog", "owl"]
    assert list(bar.y) == pytest.approx(acc)
    (line,) = fig.layout.shapes
    assert line.y0 == pytest.approx(0.7) and line.y1 == pytest.approx(0.7)


def test_per_class_bar_sorted_and_overall():
    fig = per_class_bar([0.9, 0.5, 0.7], ["cat", "dog", "owl"], sort=True, overall=0.8)
    assert list(fig.data[0].x) == ["dog", "owl", "cat"]
    assert list(fig.data[0].y) == pytest.approx([0.5, 0.7, 0.9])
    assert fig.layout.xaxis.categoryarray == ("dog", "owl", "cat")
    assert fig.layout.shapes[0].y0 == pytest.approx(0.8)


def test_per_class_bar_nan_class_has_no_bar_and_is_left_out_of_the_mean():
    fig = per_class_bar([1.0, float("nan"), 0.5], ["a", "b", "c"])
    assert fig.data[0].y[1] is None
    assert fig.layout.shapes[0].y0 == pytest.approx(0.75)
    fig.to_json()
