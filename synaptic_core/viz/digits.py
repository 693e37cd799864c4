"""Figures of the draw-a-digit page: what the model thinks, what it sees, and why.

Pure builders (arrays in, ``go.Figure`` out, no Streamlit, no TensorFlow), so the tests check
what a chart holds without a browser:

* ``probability_bars``: the ten probabilities, the winner in a stronger colour;
* ``compare_bars``: two models' probabilities side by side on the same drawing;
* ``model_input_figure``: the 28x28 image the model actually reads (preprocessing made visible);
* ``feature_maps_mosaic``: convolution maps as one mosaic array, one tile per filter (one heatmap
  trace is far cheaper to build and draw than 32 subplots); ``viz.cnn`` draws it.

Saliency and activation figures for any CNN (the draw page included) live in ``viz.cnn``.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import plotly.graph_objects as go

from .style import CLASS_COLORS, COMPACT_MARGIN

WINNER_COLOR = "#d62728"
OTHER_COLOR = "#9ecae1"
DIGITS = [str(d) for d in range(10)]


def _probs(probs: Sequence[float] | np.ndarray) -> np.ndarray:
    p = np.asarray(probs, dtype=float).reshape(-1)
    if p.shape != (10,):
        raise ValueError(f"expected 10 probabilities, got {p.shape[0]}")
    return p


def probability_bars(probs: Sequence[float] | np.ndarray, title: str = "") -> go.Figure:
    """Bar chart of P(digit) for 0..9; the most probable digit is drawn in red, the rest light blue."""
    p = _probs(probs)
    winner = int(p.argmax())
    colors = [WINNER_COLOR if d == winner else OTHER_COLOR for d in range(10)]
    fig = go.Figure(go.Bar(
        x=DIGITS, y=p, marker_color=colors, text=[f"{v:.0%}" if v >= 0.01 else "" for v in p],
        textposition="outside", cliponaxis=False, hovertemplate="digit %{x}: %{y:.1%}<extra></extra>",
    ))
    fig.update_xaxes(title_text="digit", type="category")
    fig.update_yaxes(title_text="probability", range=[0, 1.08], tickformat=".0%")
    fig.update_layout(height=260, margin=dict(COMPACT_MARGIN, t=40 if title else 15), title=title or None,
                      showlegend=False, transition=dict(duration=0))
    return fig


def compare_bars(probs_a: Sequence[float] | np.ndarray, probs_b: Sequence[float] | np.ndarray,
                 names: tuple[str, str]) -> go.Figure:
    """Grouped bars: two models' ten probabilities for the same drawing, one colour per model."""
    fig = go.Figure()
    for p, name, color in zip((_probs(probs_a), _probs(probs_b)), names, CLASS_COLORS[:2]):
        fig.add_trace(go.Bar(x=DIGITS, y=p, name=name, marker_color=color,
                             hovertemplate=f"{name}<br>digit %{{x}}: %{{y:.1%}}<extra></extra>"))
    fig.update_xaxes(title_text="digit", type="category")
    fig.update_yaxes(title_text="probability", range=[0, 1.05], tickformat=".0%")
    fig.update_layout(barmode="group", height=280, margin=dict(COMPACT_MARGIN, t=15),
                      legend=dict(orientation="h", y=1.12, x=0), transition=dict(duration=0))
    return fig


def _square_heatmap(z: np.ndarray, colorscale: str, zmax: float, hover: str, height: int,
                    showscale: bool) -> go.Figure:
    fig = go.Figure(go.Heatmap(z=z, colorscale=colorscale, zmin=0, zmax=zmax, showscale=showscale,
                               hovertemplate=hover, colorbar=dict(thickness=10)))
    fig.update_xaxes(visible=False, constrain="domain")
    fig.update_yaxes(visible=False, autorange="reversed", scaleanchor="x", constrain="domain")
    fig.update_layout(height=height, margin=dict(l=5, r=5, t=5, b=5), transition=dict(duration=0))
    return fig


def model_input_figure(digit28: np.ndarray, height: int = 220) -> go.Figure:
    """The 28x28 image (0..255, white ink on black) as the model reads it, one cell per pixel."""
    z = np.asarray(digit28, dtype=float).reshape(28, 28)
    return _square_heatmap(z, "gray", 255.0, "row %{y}, col %{x}: %{z:.0f}<extra></extra>", height, False)


def feature_maps_mosaic(maps: np.ndarray, cols: int = 8, pad: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """(H, W, F) activations -> (mosaic, filter index per cell): each map scaled to 0..1 on its own.

    Separate scaling makes a weakly firing filter as readable as a strong one; the gaps between
    tiles (and the unused cells of the last row) are NaN, which Plotly leaves empty.
    """
    m = np.asarray(maps, dtype=float)
    if m.ndim != 3:
        raise ValueError(f"expected (H, W, filters) activations, got shape {m.shape}")
    h, w, f = m.shape
    cols = max(1, min(cols, f))
    rows = math.ceil(f / cols)
    mosaic = np.full((rows * (h + pad) - pad, cols * (w + pad) - pad), np.nan)
    index = np.full(mosaic.shape, -1, dtype=int)
    for k in range(f):
        r, c = divmod(k, cols)
        tile = m[:, :, k]
        lo, hi = float(tile.min()), float(tile.max())
        top, left = r * (h + pad), c * (w + pad)
        mosaic[top:top + h, left:left + w] = (tile - lo) / (hi - lo) if hi > lo else 0.0
        index[top:top + h, left:left + w] = k
    return mosaic, index
