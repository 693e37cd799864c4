"""Figures of the from-scratch softmax regression: accuracy per epoch and the weight templates."""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .style import COMPACT_MARGIN, TRAIN_COLOR, VAL_COLOR

KERAS_COLOR = "#2ca02c"


def scratch_accuracy_figure(history: Sequence[Mapping[str, Any]],
                            keras_events: Iterable[Mapping[str, Any]] = ()) -> go.Figure:
    """Train and test accuracy after each epoch of the NumPy model; Keras' beside it if given.

    ``history``: dicts with ``epoch`` (0-based), ``train_accuracy``, ``test_accuracy``.
    ``keras_events``: the Keras job's events; its ``epoch`` events give the epoch's mean
    training accuracy (``accuracy``) and its ``result`` event the final test accuracy.
    """
    fig = go.Figure()
    x = [h["epoch"] + 1 for h in history]
    for key, name, color in (("train_accuracy", "NumPy: train", TRAIN_COLOR),
                             ("test_accuracy", "NumPy: test", VAL_COLOR)):
        fig.add_trace(go.Scatter(x=x, y=[h[key] for h in history], mode="lines+markers", name=name,
                                 line=dict(color=color, width=2.5),
                                 hovertemplate=f"{name}: %{{y:.2%}}<extra></extra>"))
    keras_events = list(keras_events)
    ep = [e for e in keras_events if e.get("type") == "epoch" and e.get("accuracy") is not None]
    if ep:
        fig.add_trace(go.Scatter(x=[e["epoch"] + 1 for e in ep], y=[e["accuracy"] for e in ep],
                                 mode="lines+markers", name="Keras: train (epoch mean)",
                                 line=dict(color=KERAS_COLOR, width=2, dash="dash"),
                                 hovertemplate="Keras train: %{y:.2%}<extra></extra>"))
    res = next((e.get("result", e) for e in keras_events if e.get("type") == "result"), None)
    if res and res.get("test") and ep:
        fig.add_trace(go.Scatter(x=[ep[-1]["epoch"] + 1], y=[res["test"]["accuracy"]], mode="markers",
                                 name="Keras: test (end)", marker=dict(color=KERAS_COLOR, size=13, symbol="star"),
                                 hovertemplate="Keras test: %{y:.2%}<extra></extra>"))
    fig.update_layout(height=360, margin=COMPACT_MARGIN, hovermode="x unified", xaxis_title="epoch",
                      yaxis_title="accuracy", yaxis_tickformat=".0%", uirevision="scratch",
                      legend=dict(orientation="h", x=0, y=1.02, yanchor="bottom"))
    return fig


def templates_figure(W: np.ndarray, class_names: Sequence[str], shape: tuple[int, int] = (28, 28)) -> go.Figure:
    """Each class's weight column as a 28x28 image: red pixels vote for the class, blue against.

    One colour scale centred on 0 and shared by all ten, so templates compare directly.
    """
    W = np.asarray(W, dtype=np.float64)
    n = W.shape[1]
    cols = min(n, 5)
    rows = (n + cols - 1) // cols
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[str(c) for c in class_names][:n],
                        horizontal_spacing=0.02, vertical_spacing=0.08)
    lim = float(np.abs(W).max()) or 1.0
    for k in range(n):
        fig.add_trace(go.Heatmap(z=W[:, k].reshape(shape)[::-1], coloraxis="coloraxis",
                                 hovertemplate=f"{class_names[k]}: w = %{{z:.3f}}<extra></extra>"),
                      row=k // cols + 1, col=k % cols + 1)
    fig.update_xaxes(showticklabels=False)
    fig.update_yaxes(showticklabels=False)
    fig.update_layout(height=180 * rows + 40, margin=dict(l=10, r=10, t=40, b=10),
                      coloraxis=dict(colorscale="RdBu", reversescale=True, cmin=-lim, cmax=lim,
                                     colorbar=dict(title="w", thickness=12)))
    return fig
