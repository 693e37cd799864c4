"""Figures of the loss lab: loss and gradient curves, fits with an outlier, focal loss.

Pure builders: arrays in, ``go.Figure`` out (the numbers come from labs/losses.py).
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .style import CLASS_COLORS, COMPACT_MARGIN

OUTLIER_COLOR = "#d62728"


def _color(i: int) -> str:
    return CLASS_COLORS[i % len(CLASS_COLORS)]


def loss_figure(curves: Mapping[str, tuple[np.ndarray, np.ndarray, np.ndarray]], xlabel: str,
                grad_clip: float | None = None) -> go.Figure:
    """Loss (left) and d loss / d prediction (right) against the prediction, one colour per loss.

    ``curves``: title -> (predictions, loss, gradient). ``grad_clip`` limits the gradient
    axis (cross-entropy's gradient runs to -1/p near p = 0) without changing the data.
    """
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.1, subplot_titles=("loss", "gradient"))
    for i, (title, (x, loss, grad)) in enumerate(curves.items()):
        for col, y, name in ((1, loss, title), (2, grad, f"{title} gradient")):
            fig.add_trace(go.Scatter(x=x, y=y, mode="lines", name=name, legendgroup=title, showlegend=col == 1,
                                     line=dict(color=_color(i), width=2.5),
                                     hovertemplate=f"{name}: %{{y:.4f}}<extra></extra>"), row=1, col=col)
    for col, title in ((1, "loss"), (2, "∂loss/∂prediction")):
        fig.update_xaxes(title_text=xlabel, row=1, col=col)
        fig.update_yaxes(title_text=title, zeroline=True, row=1, col=col)
    if grad_clip:
        fig.update_yaxes(range=[-grad_clip, grad_clip], row=1, col=2)
    fig.update_layout(height=380, margin=dict(COMPACT_MARGIN, t=60), hovermode="x unified",
                      legend=dict(orientation="h", x=0, y=1.12, yanchor="bottom"))
    return fig


def outlier_figure(x: np.ndarray, y: np.ndarray, fits: Sequence[Any], titles: Mapping[str, str]) -> go.Figure:
    """The points (the last one, the outlier, in red) and the line each loss fits to them.

    ``fits``: objects with ``name``, ``slope``, ``intercept`` (labs.losses.OutlierFit).
    """
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=x[:-1], y=y[:-1], mode="markers", name="data",
                             marker=dict(color="#555555", size=8)))
    fig.add_trace(go.Scatter(x=x[-1:], y=y[-1:], mode="markers", name="outlier",
                             marker=dict(color=OUTLIER_COLOR, size=13, symbol="x")))
    xs = np.array([float(np.min(x)), float(np.max(x))])
    for i, f in enumerate(fits):
        title = titles.get(f.name, f.name)
        fig.add_trace(go.Scatter(x=xs, y=f.slope * xs + f.intercept, mode="lines", name=title,
                                 line=dict(color=_color(i), width=2.5),
                                 hovertemplate=f"{title}: y = {f.slope:.3f} x + {f.intercept:.3f}<extra></extra>"))
    fig.update_layout(height=380, margin=COMPACT_MARGIN, xaxis_title="x", yaxis_title="y",
                      legend=dict(orientation="h", x=0, y=1.02, yanchor="bottom"))
    return fig


def focal_figure(p: np.ndarray, ce: np.ndarray, focal: Mapping[float, np.ndarray],
                 marks: Mapping[str, float] | None = None) -> go.Figure:
    """Cross-entropy and focal loss (left) and focal's down-weighting factor (right) against p.

    ``p`` is the probability the model gives the true class; ``focal``: gamma -> focal loss
    values (the factor is (1 - p)^gamma); ``marks``: label -> p of a highlighted example
    ("easy", "hard"), drawn as dotted vertical lines on both panels.
    """
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.1,
                        subplot_titles=("loss of one example", "focal weight (1 − p)^γ"))
    fig.add_trace(go.Scatter(x=p, y=ce, mode="lines", name="cross-entropy (γ = 0)",
                             line=dict(color="#333333", width=3),
                             hovertemplate="cross-entropy: %{y:.4f}<extra></extra>"), row=1, col=1)
    for i, (gamma, values) in enumerate(focal.items()):
        name = f"focal γ = {gamma:g}"
        fig.add_trace(go.Scatter(x=p, y=values, mode="lines", name=name, legendgroup=name,
                                 line=dict(color=_color(i), width=2.5),
                                 hovertemplate=f"{name}: %{{y:.4f}}<extra></extra>"), row=1, col=1)
        fig.add_trace(go.Scatter(x=p, y=(1.0 - p) ** gamma, mode="lines", name=f"{name} weight",
                                 legendgroup=name, showlegend=False, line=dict(color=_color(i), width=2.5),
                                 hovertemplate=f"weight γ = {gamma:g}: %{{y:.4f}}<extra></extra>"), row=1, col=2)
    for label, value in (marks or {}).items():
        fig.add_vline(x=value, line=dict(color="#888888", dash="dot"), row=1, col=1, annotation_text=label)
        fig.add_vline(x=value, line=dict(color="#888888", dash="dot"), row=1, col=2)
    for col in (1, 2):
        fig.update_xaxes(title_text="p (probability of the true class)", range=[0, 1], row=1, col=col)
    fig.update_yaxes(title_text="loss", row=1, col=1)
    fig.update_yaxes(title_text="weight", range=[0, 1.05], row=1, col=2)
    fig.update_layout(height=380, margin=dict(COMPACT_MARGIN, t=60), hovermode="x unified",
                      legend=dict(orientation="h", x=0, y=1.12, yanchor="bottom"))
    return fig
