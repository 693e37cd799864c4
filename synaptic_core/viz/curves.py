"""Live loss/accuracy curves, drawn from the training events (ARCHITECTURE.md section 4).

The page redraws this figure every fraction of a second while a job runs, so it must be
cheap and stable: fixed colours, a constant ``uirevision`` so the user's zoom survives
redraws, no animated transitions, and at most ``max_points`` points per per-batch trace.

What is drawn, per subplot (loss left, accuracy right), on an x axis in epochs
(``epoch + batch / steps``, so the end of the first epoch is at 1.0):

* the per-batch values (``batch_loss`` / ``batch_accuracy``: this batch alone, not
  Keras' running mean) thin and faint, because they are noisy;
* their TensorBoard-style debiased exponential moving average, bold;
* the per-epoch training means (``loss`` / ``accuracy`` of ``epoch`` events) as markers
  at the end of each epoch;
* the per-epoch validation values as markers and lines, when there are any.

Non-finite values (NaN, inf, None) are dropped per series, so a diverging run still draws.
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .style import COMPACT_MARGIN, TRAIN_COLOR, VAL_COLOR

CURVES_HEIGHT = 340
DEFAULT_UIREVISION = "training-curves"
EMPTY_MESSAGE = "Press Train to start"
WAITING_MESSAGE = "Waiting for the first batch…"

# (subplot column, metric key, per-batch key, axis title, tick format, hover format)
_METRICS = (
    (1, "loss", "batch_loss", "Loss", None, ".4f"),
    (2, "accuracy", "batch_accuracy", "Accuracy", ".0%", ".2%"),
)


def ema(values: Sequence[float] | np.ndarray, smoothing: float = 0.6) -> np.ndarray:
    """TensorBoard's debiased exponential moving average.

    ``last = smoothing * last + (1 - smoothing) * v``, started at 0 and divided by
    ``1 - smoothing ** n`` so the first points are not dragged towards zero.
    ``smoothing`` 0 returns the values unchanged; it is clipped below 1 (1 would be 0/0).
    """
    s = min(max(float(smoothing), 0.0), 0.999)
    vals = np.asarray(values, dtype=float)
    out = np.empty_like(vals)
    last = 0.0
    weight = 1.0
    for i, v in enumerate(vals):
        last = last * s + (1.0 - s) * v
        weight *= s
        out[i] = last / (1.0 - weight)
    return out


def empty_curves(message: str = EMPTY_MESSAGE, uirevision: str = DEFAULT_UIREVISION) -> go.Figure:
    """The curves' layout with no data and a centred message.

    The page draws it before any training so the browser loads Plotly's JavaScript
    (2-4 s the first time) while the user is still choosing parameters.
    """
    fig = _base_figure(uirevision)
    for col in (1, 2):
        # Plotly draws only the first subplot of a figure without traces: give each an empty one.
        fig.add_trace(go.Scatter(x=[], y=[], showlegend=False, hoverinfo="skip"), row=1, col=col)
        fig.update_xaxes(range=[0, 1], autorange=False, row=1, col=col)
        fig.update_yaxes(range=[0, 1], autorange=False, row=1, col=col)
    fig.add_annotation(
        # in the legend's band above the plots, where it hides no axis title
        text=message, xref="paper", yref="paper", x=0.5, y=1.02, xanchor="center", yanchor="bottom",
        showarrow=False, font=dict(size=15, color="#666666"),
    )
    return fig


def training_curves(
    events: Iterable[Mapping[str, Any]],
    smoothing: float = 0.6,
    uirevision: str = DEFAULT_UIREVISION,
    max_points: int = 2000,
) -> go.Figure:
    """Loss and accuracy subplots from a run's events (other event types are ignored).

    ``uirevision``: keep it constant for one run so zoom and hidden legend entries
    survive redraws; pass a new value (the run id) to reset the view for a new run.
    ``max_points``: per-batch traces longer than this are thinned evenly for drawing
    (the moving average is computed on every point first; the last point is always kept).
    """
    events = list(events)
    if not events:
        return empty_curves(uirevision=uirevision)
    batch = _batch_series(events)
    epoch = _epoch_series(events)
    if not any(len(x) for x, _ in list(batch.values()) + list(epoch.values())):
        return empty_curves(WAITING_MESSAGE, uirevision=uirevision)

    fig = _base_figure(uirevision)
    for col, key, batch_key, title, _, hover in _METRICS:
        first = col == 1  # one legend entry per series; legendgroup toggles both subplots
        x, y = batch[batch_key]
        if len(x):
            tx, ty = _thin(x, y, max_points)
            fig.add_trace(_line("train (per batch)", tx, ty, hover, first, width=1, opacity=0.3), row=1, col=col)
            sx, sy = _thin(x, ema(y, smoothing), max_points)
            fig.add_trace(_line("train (smoothed)", sx, sy, hover, first, width=2.5), row=1, col=col)
        x, y = epoch[key]
        if len(x):
            fig.add_trace(go.Scatter(
                x=x, y=y, mode="markers", name="train (epoch mean)", legendgroup="train (epoch mean)",
                showlegend=first, marker=dict(color=TRAIN_COLOR, size=8, symbol="diamond",
                                              line=dict(color="white", width=1)),
                hovertemplate=f"train (epoch mean): %{{y:{hover}}}<extra></extra>",
            ), row=1, col=col)
        x, y = epoch["val_" + key]
        if len(x):
            fig.add_trace(go.Scatter(
                x=x, y=y, mode="lines+markers", name="validation", legendgroup="validation",
                showlegend=first, line=dict(color=VAL_COLOR, width=2), marker=dict(color=VAL_COLOR, size=7),
                hovertemplate=f"validation: %{{y:{hover}}}<extra></extra>",
            ), row=1, col=col)
        if not any(t.xaxis == ("x" if col == 1 else f"x{col}") for t in fig.data):
            # a subplot with no data yet (a regression run has no accuracy): an empty trace so Plotly
            # draws it, on a sensible range instead of Plotly's default -1..4 (read as -50%..100%)
            fig.add_trace(go.Scatter(x=[], y=[], showlegend=False, hoverinfo="skip"), row=1, col=col)
            fig.update_yaxes(range=[0, 1], autorange=False, row=1, col=col)
    # accuracy lives in [0, 1]: a fixed axis never shows negative or above-100% ticks
    fig.update_yaxes(range=[0, 1.02], autorange=False, row=1, col=2)
    return fig


def _base_figure(uirevision: str) -> go.Figure:
    """Two side-by-side subplots with the shared compact layout (no data)."""
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.1)
    for col, _, _, title, tickformat, hover in _METRICS:
        fig.update_xaxes(title_text="Epoch", rangemode="tozero", hoverformat=".2f", row=1, col=col)
        fig.update_yaxes(title_text=title, tickformat=tickformat, hoverformat=hover, row=1, col=col)
    fig.update_layout(
        height=CURVES_HEIGHT,
        margin=COMPACT_MARGIN,
        uirevision=uirevision,
        transition=dict(duration=0),
        hovermode="x unified",
        legend=dict(orientation="h", x=0, y=1.02, xanchor="left", yanchor="bottom"),
    )
    return fig


def _line(name: str, x: np.ndarray, y: np.ndarray, hover: str, showlegend: bool,
          width: float, opacity: float = 1.0) -> go.Scatter:
    return go.Scatter(
        x=x, y=y, mode="lines", name=name, legendgroup=name, showlegend=showlegend,
        line=dict(color=TRAIN_COLOR, width=width), opacity=opacity,
        hovertemplate=f"{name}: %{{y:{hover}}}<extra></extra>",
    )


def _finite(value: Any) -> float | None:
    """``value`` as a float, or None for missing, non-numeric, NaN or infinite values."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _batch_series(events: list[Mapping[str, Any]]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per-batch (x, y) for ``batch_loss`` and ``batch_accuracy``, finite values only.

    Falls back to the running mean (``loss`` / ``accuracy``) for an event that lacks the
    per-batch value. Without ``steps`` the epoch's largest batch number seen stands in.
    """
    batches = [e for e in events if e.get("type") == "batch"]
    seen_max: dict[int, int] = {}
    for e in batches:
        ep = int(e.get("epoch") or 0)
        seen_max[ep] = max(seen_max.get(ep, 0), int(e.get("batch") or 0))
    out: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for _, _, k, *_ in _METRICS}
    for e in batches:
        ep = int(e.get("epoch") or 0)
        steps = e.get("steps") or seen_max.get(ep) or 1
        x = ep + float(e.get("batch") or 0) / float(steps)
        for _, key, batch_key, *_ in _METRICS:
            v = _finite(e.get(batch_key, e.get(key)))
            if v is not None:
                out[batch_key][0].append(x)
                out[batch_key][1].append(v)
    return {k: (np.asarray(x, dtype=float), np.asarray(y, dtype=float)) for k, (x, y) in out.items()}


def _epoch_series(events: list[Mapping[str, Any]]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per-epoch (x, y) at the end of each epoch (x = epoch + 1), finite values only."""
    keys = [k for _, key, *_ in _METRICS for k in (key, "val_" + key)]
    out: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for k in keys}
    for e in events:
        if e.get("type") != "epoch":
            continue
        x = float(e.get("epoch") or 0) + 1.0
        for k in keys:
            v = _finite(e.get(k))
            if v is not None:
                out[k][0].append(x)
                out[k][1].append(v)
    return {k: (np.asarray(x, dtype=float), np.asarray(y, dtype=float)) for k, (x, y) in out.items()}


def _thin(x: np.ndarray, y: np.ndarray, max_points: int) -> tuple[np.ndarray, np.ndarray]:
    """At most ``max_points`` evenly spaced points, always keeping the first and the last."""
    n = len(x)
    if max_points <= 1 or n <= max_points:
        return x, y
    idx = np.unique(np.linspace(0, n - 1, max_points).round().astype(int))
    return x[idx], y[idx]
