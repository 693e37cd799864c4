"""Figures for sequence runs: ROC curve, actual vs predicted series with the forecast, per-word
contributions, and generated samples side by side.

Pure functions like the rest of ``synaptic_core.viz``: plain lists in, a Plotly figure or an
HTML string out, so tests check what a chart or a highlight contains without a browser. HTML
built here escapes every piece of user or model text, because the page renders it as HTML.
"""

from __future__ import annotations

import html
from typing import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from .style import COMPACT_MARGIN, MEAN_COLOR, TRAIN_COLOR, VAL_COLOR

ACTUAL_COLOR = "#444444"
FORECAST_COLOR = "#2ca02c"
POSITIVE_RGB = (44, 160, 44)    # green: pushed towards "positive"
NEGATIVE_RGB = (214, 39, 40)    # red: pushed towards "negative"


def roc_figure(fpr: Sequence[float], tpr: Sequence[float], auc: float, height: int = 360) -> go.Figure:
    """The ROC curve (true positive rate against false positive rate) with the chance diagonal."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="chance (AUC 0.5)",
                             line=dict(color=MEAN_COLOR, dash="dash", width=1), hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=list(fpr), y=list(tpr), mode="lines", name=f"model (AUC {auc:.3f})",
                             line=dict(color=TRAIN_COLOR, width=2.5, shape="hv"), fill="tozeroy",
                             fillcolor="rgba(31,119,180,0.12)",
                             hovertemplate="false positive rate %{x:.3f}<br>true positive rate %{y:.3f}"
                                           "<extra></extra>"))
    fig.update_xaxes(title_text="False positive rate", range=[0, 1], constrain="domain")
    fig.update_yaxes(title_text="True positive rate", range=[0, 1.01], scaleanchor="x", scaleratio=1)
    fig.update_layout(title=dict(text=f"ROC curve — AUC {auc:.3f}", x=0.01), height=height,
                      margin=COMPACT_MARGIN, legend=dict(x=0.98, y=0.02, xanchor="right", yanchor="bottom"))
    return fig


def series_figure(values: Sequence[float], split: int, look_back: int, train_pred: Sequence[float],
                  test_pred: Sequence[float], forecast: Sequence[float] = (), unit: str = "value",
                  height: int = 420) -> go.Figure:
    """The whole series, the model's one-step predictions on both periods, and the forecast past the end.

    Index conventions are those of ``sequences.series.split_series``: training predictions
    are for steps ``look_back .. split-1``, test predictions for ``split .. n-1``, and the
    forecast for ``n .. n+len(forecast)-1``. A dotted line marks where the test period begins.
    """
    values = np.asarray(values, float)
    n = len(values)
    train_x = np.arange(look_back, look_back + len(train_pred))
    test_x = np.arange(split, split + len(test_pred))
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=np.arange(n), y=values, mode="lines", name="actual",
                             line=dict(color=ACTUAL_COLOR, width=1.5)))
    fig.add_trace(go.Scatter(x=train_x, y=list(train_pred), mode="lines", name="predicted (train)",
                             line=dict(color=TRAIN_COLOR, width=2)))
    fig.add_trace(go.Scatter(x=test_x, y=list(test_pred), mode="lines", name="predicted (test)",
                             line=dict(color=VAL_COLOR, width=2)))
    if len(forecast):
        # start the forecast at the last actual value so the line is continuous
        fx = np.arange(n - 1, n + len(forecast))
        fy = np.r_[values[-1], np.asarray(forecast, float)]
        fig.add_trace(go.Scatter(x=fx, y=fy, mode="lines", name=f"forecast ({len(forecast)} steps)",
                                 line=dict(color=FORECAST_COLOR, width=2, dash="dot")))
    fig.add_vline(x=split - 0.5, line=dict(color=MEAN_COLOR, dash="dot", width=1))
    fig.add_annotation(x=split - 0.5, y=1, yref="paper", text="train | test", showarrow=False,
                       yanchor="bottom", font=dict(size=11, color=MEAN_COLOR))
    fig.update_xaxes(title_text="Step")
    fig.update_yaxes(title_text=unit)
    fig.update_layout(height=height, margin=dict(COMPACT_MARGIN, t=50), hovermode="x unified",
                      legend=dict(orientation="h", x=0, y=1.08, xanchor="left", yanchor="bottom"))
    return fig


def _shade(value: float, scale: float) -> str:
    rgb = POSITIVE_RGB if value >= 0 else NEGATIVE_RGB
    alpha = 0.0 if scale <= 0 else min(abs(value) / scale, 1.0) * 0.85
    return f"rgba({rgb[0]},{rgb[1]},{rgb[2]},{alpha:.2f})"


def contributions_html(contributions: Sequence[tuple[str, float]], class_names: Sequence[str] = ("negative",
                       "positive")) -> str:
    """The review's words as coloured spans: green pushed towards positive, red towards negative.

    The colour's strength is the word's contribution relative to the strongest one; hovering
    a word shows its contribution to P(positive) in percentage points.
    """
    scale = max((abs(c) for _, c in contributions), default=0.0)
    spans = []
    for word, c in contributions:
        towards = class_names[1] if c >= 0 else class_names[0]
        spans.append(f'<span class="word-contribution" style="background:{_shade(c, scale)};padding:1px 3px;'
                     f'border-radius:3px;margin:1px;display:inline-block" '
                     f'title="{c * 100:+.1f} points towards {html.escape(towards)}">{html.escape(word)}</span>')
    return '<div class="review-highlight" style="line-height:1.9">' + " ".join(spans) + "</div>"


def contributions_figure(contributions: Sequence[tuple[str, float]], top: int = 12,
                         height: int | None = None) -> go.Figure:
    """The ``top`` words with the largest effect, as horizontal bars (percentage points of P(positive))."""
    ranked = sorted(enumerate(contributions), key=lambda ic: -abs(ic[1][1]))[:top]
    ranked.reverse()  # Plotly draws the first bar at the bottom: strongest on top
    labels = [f"{w} ({i + 1})" for i, (w, _) in ranked]  # the position keeps repeated words apart
    vals = [c * 100 for _, (_, c) in ranked]
    colors = [f"rgb{POSITIVE_RGB if v >= 0 else NEGATIVE_RGB}" for v in vals]
    fig = go.Figure(go.Bar(x=vals, y=labels, orientation="h", marker_color=colors,
                           hovertemplate="%{y}: %{x:+.1f} points<extra></extra>"))
    fig.update_xaxes(title_text="Change in P(positive) when the word is present (points)", zeroline=True)
    fig.update_layout(height=height or 80 + 24 * max(len(ranked), 1), margin=COMPACT_MARGIN)
    return fig


def temperature_label(temperature: float) -> str:
    """``"temperature 0 (greedy)"`` and so on: what a column of samples is."""
    t = float(temperature)
    note = " (greedy)" if t <= 0 else " (conservative)" if t < 0.7 else " (adventurous)" if t > 1.0 else ""
    return f"temperature {t:g}{note}"


def ordered_samples(samples: Mapping[str, str]) -> list[tuple[float, str]]:
    """A result's ``samples`` ({"0": text, "0.5": text}) as (temperature, text), coolest first."""
    return sorted(((float(t), text) for t, text in samples.items()), key=lambda tt: tt[0])
