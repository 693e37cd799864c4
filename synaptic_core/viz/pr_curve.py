"""Precision-recall curve of a binary classifier, with the current decision threshold marked.

With a rare class, accuracy flatters a model that never predicts it; the precision-recall
curve does not. The x axis is recall of the positive class (class 1), the y axis its
precision; the dashed line is a model with no skill (precision = share of class 1), and the
marker is where the chosen threshold sits, so moving the page's slider moves the marker along
the curve. The curve comes from ``synaptic_core.training.thresholds.pr_curve``.
"""

from __future__ import annotations

from typing import Sequence

import plotly.graph_objects as go

from synaptic_core.text_safety import plotly_text

from .style import COMPACT_MARGIN, MEAN_COLOR, PLAYGROUND_BLUE, VAL_COLOR


def pr_curve_figure(precision: Sequence[float], recall: Sequence[float], pr_auc: float | None,
                    positive_name: str = "class 1", positive_rate: float | None = None,
                    point: tuple[float, float] | None = None, threshold: float | None = None) -> go.Figure:
    """The curve (recall on x, precision on y), the no-skill line at ``positive_rate`` and the
    threshold's (recall, precision) ``point``; the title gives the area (average precision)."""
    if len(precision) != len(recall) or len(precision) < 2:
        raise ValueError("precision and recall need the same length, at least 2 points")
    auc = "—" if pr_auc is None else f"{pr_auc:.3f}"
    positive_name = plotly_text(positive_name)  # a class name may come from an upload: Plotly reads tags
    fig = go.Figure(go.Scatter(x=list(recall), y=list(precision), mode="lines", name="model",
                               line=dict(color=PLAYGROUND_BLUE, width=2, shape="hv"),
                               hovertemplate="recall %{x:.3f}<br>precision %{y:.3f}<extra></extra>"))
    if positive_rate is not None:
        fig.add_trace(go.Scatter(x=[0, 1], y=[positive_rate, positive_rate], mode="lines", name="no skill",
                                 line=dict(color=MEAN_COLOR, dash="dash", width=1), hoverinfo="skip"))
    if point is not None:
        label = "threshold" if threshold is None else f"threshold {threshold:.2f}"
        fig.add_trace(go.Scatter(x=[point[0]], y=[point[1]], mode="markers", name=label,
                                 marker=dict(color=VAL_COLOR, size=11, line=dict(color="white", width=1)),
                                 hovertemplate=f"{label}<br>recall %{{x:.3f}}<br>precision %{{y:.3f}}<extra></extra>"))
    fig.update_layout(title=dict(text=f"Precision-recall of '{positive_name}' · PR-AUC {auc}", font=dict(size=14)),
                      xaxis=dict(title="Recall", range=[0, 1.02]), yaxis=dict(title="Precision", range=[0, 1.02]),
                      height=340, margin=COMPACT_MARGIN, legend=dict(orientation="h", y=-0.25))
    return fig
