"""Figures of a regression's test set: predicted against actual values, and the residuals.

A regression has no confusion matrix; these two show the same thing for numbers. Points on the
dashed diagonal are exact predictions; in the residual plot a cloud centred on zero with no
shape is what a good fit looks like (a curve or a funnel says the model misses a pattern).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import plotly.graph_objects as go

from synaptic_core.text_safety import plotly_text

from .style import COMPACT_MARGIN, MEAN_COLOR, TRAIN_COLOR


def _arrays(y_true: Sequence[float], y_pred: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(y_true, dtype=float).reshape(-1)
    p = np.asarray(y_pred, dtype=float).reshape(-1)
    if t.shape != p.shape:
        raise ValueError(f"{t.size} actual values but {p.size} predictions")
    return t, p


def predicted_vs_actual(y_true: Sequence[float], y_pred: Sequence[float], target: str = "") -> go.Figure:
    """Scatter of (actual, predicted) with the diagonal y = x."""
    t, p = _arrays(y_true, y_pred)
    lo = float(min(t.min(), p.min())) if t.size else 0.0
    hi = float(max(t.max(), p.max())) if t.size else 1.0
    fig = go.Figure([
        go.Scatter(x=[lo, hi], y=[lo, hi], mode="lines", name="exact", line=dict(color=MEAN_COLOR, dash="dash"),
                   hoverinfo="skip"),
        go.Scatter(x=t, y=p, mode="markers", name="test rows", marker=dict(color=TRAIN_COLOR, size=6, opacity=0.7),
                   hovertemplate="actual %{x:.4g}<br>predicted %{y:.4g}<extra></extra>"),
    ])
    what = f" {plotly_text(target)}" if target else ""
    fig.update_layout(title="Predicted vs actual", height=360, margin=COMPACT_MARGIN, showlegend=False,
                      xaxis_title=f"actual{what}", yaxis_title=f"predicted{what}")
    return fig


def residuals(y_true: Sequence[float], y_pred: Sequence[float], target: str = "") -> go.Figure:
    """Residual (predicted - actual) against the prediction, with the zero line."""
    t, p = _arrays(y_true, y_pred)
    fig = go.Figure(go.Scatter(x=p, y=p - t, mode="markers", marker=dict(color=TRAIN_COLOR, size=6, opacity=0.7),
                               hovertemplate="predicted %{x:.4g}<br>residual %{y:.4g}<extra></extra>"))
    fig.add_hline(y=0, line=dict(color=MEAN_COLOR, dash="dash"))
    what = f" {plotly_text(target)}" if target else ""
    fig.update_layout(title="Residuals", height=320, margin=COMPACT_MARGIN, showlegend=False,
                      xaxis_title=f"predicted{what}", yaxis_title="predicted - actual")
    return fig
