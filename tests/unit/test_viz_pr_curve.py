"""The precision-recall figure: the curve, the no-skill line, the threshold's marker, the area in the title."""

from __future__ import annotations

import pytest

from synaptic_core.viz.pr_curve import pr_curve_figure


def test_curve_baseline_marker_and_title():
    fig = pr_curve_figure([0.3, 0.5, 1.0], [1.0, 0.4, 0.0], 0.612, "churned", positive_rate=0.27,
                          point=(0.4, 0.5), threshold=0.35)
    curve, baseline, marker = fig.data
    assert list(curve.x) == [1.0, 0.4, 0.0] and list(curve.y) == [0.3, 0.5, 1.0]
    assert list(baseline.y) == [0.27, 0.27]
    assert (marker.x[0], marker.y[0]) == (0.4, 0.5) and marker.name == "threshold 0.35"
    assert "PR-AUC 0.612" in fig.layout.title.text and "churned" in fig.layout.title.text


def test_outside_class_names_are_escaped_and_bad_input_refused():
    fig = pr_curve_figure([0.5, 1.0], [1.0, 0.0], None, "<b>x</b>")
    assert "<b>" not in fig.layout.title.text and "PR-AUC —" in fig.layout.title.text
    assert len(fig.data) == 1
    with pytest.raises(ValueError):
        pr_curve_figure([1.0], [0.0], 0.5)
