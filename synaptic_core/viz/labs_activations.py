"""Figures of the activation lab: curves with derivatives, gradient norms, dead units, the race.

Pure builders (arrays and events in, ``go.Figure`` out). Each activation keeps one colour
across every figure of the page (``color_for``), so "gelu" is the same green everywhere.
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .curves import ema
from .style import CLASS_COLORS, COMPACT_MARGIN


def color_for(i: int) -> str:
    return CLASS_COLORS[i % len(CLASS_COLORS)]


def activation_figure(curves: Sequence[Any], show_f: bool = True, show_df: bool = True) -> go.Figure:
    """f(x) solid and f'(x) dashed, one colour per activation, hover shows both values.

    ``curves``: objects with ``name``, ``x``, ``y``, ``dy`` (labs.activations.Curve).
    Trace names are ``"<name>"`` and ``"<name>'"`` so a test can find each derivative.
    """
    fig = go.Figure()
    for i, c in enumerate(curves):
        color = color_for(i)
        if show_f:
            fig.add_trace(go.Scatter(x=c.x, y=c.y, mode="lines", name=c.name, legendgroup=c.name,
                                     line=dict(color=color, width=2.5),
                                     hovertemplate=f"{c.name}(%{{x:.3f}}) = %{{y:.4f}}<extra></extra>"))
        if show_df:
            fig.add_trace(go.Scatter(x=c.x, y=c.dy, mode="lines", name=f"{c.name}'", legendgroup=c.name,
                                     line=dict(color=color, width=2, dash="dash"),
                                     hovertemplate=f"{c.name}'(%{{x:.3f}}) = %{{y:.4f}}<extra></extra>"))
    fig.add_hline(y=0, line=dict(color="#bbbbbb", width=1))
    fig.add_vline(x=0, line=dict(color="#bbbbbb", width=1))
    fig.update_layout(height=420, margin=COMPACT_MARGIN, hovermode="x unified",
                      xaxis_title="x", yaxis_title="f(x) solid, f'(x) dashed",
                      legend=dict(orientation="h", x=0, y=1.02, yanchor="bottom"))
    return fig


def grad_norm_figure(norms: Mapping[str, Sequence[float]]) -> go.Figure:
    """Gradient norm of each layer's kernel at initialisation, one line per activation, log y.

    ``norms``: label -> norms input side first, the last one being the output layer.
    Zero norms (a fully vanished gradient) are drawn at the bottom of the axis as gaps.
    """
    fig = go.Figure()
    for i, (label, vals) in enumerate(norms.items()):
        vals = [float(v) if v > 0 and math.isfinite(v) else None for v in vals]
        names = [f"layer {k + 1}" for k in range(len(vals) - 1)] + ["output"]
        fig.add_trace(go.Scatter(x=names, y=vals, mode="lines+markers", name=label,
                                 line=dict(color=color_for(i), width=2.5),
                                 hovertemplate=f"{label} %{{x}}: %{{y:.3e}}<extra></extra>"))
    fig.update_layout(height=380, margin=COMPACT_MARGIN, yaxis_type="log", hovermode="x unified",
                      xaxis_title="layer (input side left)", yaxis_title="‖∂loss/∂W‖ at initialisation",
                      legend=dict(orientation="h", x=0, y=1.02, yanchor="bottom"))
    return fig


def dead_units_figure(results: Sequence[Any]) -> go.Figure:
    """Share of dead units per hidden layer after training (bars), before training (markers).

    ``results``: objects with ``activation``, ``before``, ``after`` (labs.vanishing.DeadUnits).
    """
    fig = go.Figure()
    for i, r in enumerate(results):
        names = [f"layer {k + 1}" for k in range(len(r.after))]
        fig.add_trace(go.Bar(x=names, y=r.after, name=f"{r.activation} after training",
                             marker_color=color_for(i), legendgroup=r.activation,
                             hovertemplate=f"{r.activation} %{{x}}: %{{y:.1%}} dead<extra></extra>"))
        fig.add_trace(go.Scatter(x=names, y=r.before, mode="markers", name=f"{r.activation} at init",
                                 legendgroup=r.activation, marker=dict(color=color_for(i), symbol="circle-open",
                                                                       size=10, line=dict(width=2)),
                                 hovertemplate=f"{r.activation} %{{x}} at init: %{{y:.1%}}<extra></extra>"))
    fig.update_layout(height=360, margin=COMPACT_MARGIN, barmode="group", yaxis_tickformat=".0%",
                      yaxis_title="dead units (zero slope on every input)", yaxis_rangemode="tozero",
                      legend=dict(orientation="h", x=0, y=1.02, yanchor="bottom"))
    return fig


def _race_series(events: Iterable[Mapping[str, Any]], key: str) -> tuple[np.ndarray, np.ndarray]:
    """(x in epochs, value) of a batch metric (``batch_<key>``, else the running ``key``)."""
    xs, ys = [], []
    for e in events:
        if e.get("type") != "batch":
            continue
        v = e.get(f"batch_{key}", e.get(key))
        if v is None or not math.isfinite(float(v)):
            continue
        xs.append(float(e.get("epoch") or 0) + float(e.get("batch") or 0) / float(e.get("steps") or 1))
        ys.append(float(v))
    return np.asarray(xs), np.asarray(ys)


def race_figure(runs: Mapping[str, Iterable[Mapping[str, Any]]], smoothing: float = 0.6) -> go.Figure:
    """Loss (left) and accuracy (right) of several runs overlaid, from each run's events.

    One colour per run: the smoothed per-batch curve (EMA) as a line, and each epoch's
    validation value as a marker when there is one. Runs with no batch yet draw nothing.
    """
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.1)
    for i, (label, events) in enumerate(runs.items()):
        events = list(events)
        color = color_for(i)
        for col, key in ((1, "loss"), (2, "accuracy")):
            x, y = _race_series(events, key)
            if len(x):
                fig.add_trace(go.Scatter(x=x, y=ema(y, smoothing), mode="lines", name=label, legendgroup=label,
                                         showlegend=col == 1, line=dict(color=color, width=2.5),
                                         hovertemplate=f"{label}: %{{y:.4f}}<extra></extra>"), row=1, col=col)
            val = [(e["epoch"] + 1, e.get(f"val_{key}")) for e in events
                   if e.get("type") == "epoch" and e.get(f"val_{key}") is not None]
            if val:
                fig.add_trace(go.Scatter(x=[v[0] for v in val], y=[v[1] for v in val], mode="markers",
                                         name=f"{label} (validation)", legendgroup=label, showlegend=False,
                                         marker=dict(color=color, size=9, symbol="diamond"),
                                         hovertemplate=f"{label} validation: %{{y:.4f}}<extra></extra>"),
                              row=1, col=col)
    for col, title in ((1, "loss"), (2, "accuracy")):
        fig.update_xaxes(title_text="epoch", rangemode="tozero", row=1, col=col)
        fig.update_yaxes(title_text=title, row=1, col=col)
    fig.update_layout(height=360, margin=COMPACT_MARGIN, uirevision="race", hovermode="x unified",
                      legend=dict(orientation="h", x=0, y=1.02, yanchor="bottom"))
    return fig
