"""Confusion-matrix heatmap: rows are the true class, columns the predicted class.

Row 0 is drawn on top (y reversed), as in every textbook and in sklearn's display, so
the diagonal runs from top-left to bottom-right. Each cell shows its count (or, with
``normalize=True``, its share of the row: the recall of that true class spread over the
predictions); hovering gives both.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import plotly.graph_objects as go

from synaptic_core.text_safety import plotly_text

from .style import COMPACT_MARGIN

MAX_CELL_TEXT_CLASSES = 20  # beyond this many classes cell labels are unreadable


def row_normalize(matrix: np.ndarray) -> np.ndarray:
    """Each row divided by its sum, in percent; a row with no examples stays 0."""
    m = np.asarray(matrix, dtype=float)
    sums = m.sum(axis=1, keepdims=True)
    return np.divide(m * 100.0, sums, out=np.zeros_like(m), where=sums > 0)


def confusion_heatmap(matrix: Sequence[Sequence[float]] | np.ndarray, class_names: Sequence[str],
                      normalize: bool = False) -> go.Figure:
    """Heatmap of a square confusion matrix with the counts written in the cells.

    ``normalize``: colour and label the cells by row percentage instead of count, which
    keeps the diagonal readable when classes have very different sizes.
    """
    counts = np.asarray(matrix)
    names = [plotly_text(c) for c in class_names]  # uploaded names: Plotly would render their HTML
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1]:
        raise ValueError(f"confusion matrix must be square, got shape {counts.shape}")
    if counts.shape[0] != len(names):
        raise ValueError(f"{counts.shape[0]} rows but {len(names)} class names")
    percent = row_normalize(counts)
    z = percent if normalize else counts
    show_text = len(names) <= MAX_CELL_TEXT_CLASSES
    fig = go.Figure(go.Heatmap(
        z=z, x=names, y=names,
        colorscale="Blues", zmin=0, zmax=100.0 if normalize else max(float(counts.max(initial=0)), 1.0),
        text=np.vectorize(lambda v: f"{v:.1f}%")(percent) if normalize else counts,
        texttemplate="%{text}" if show_text else None,
        customdata=np.dstack([counts, percent]),
        hovertemplate="true %{y} · predicted %{x}<br>%{customdata[0]} examples"
                      " (%{customdata[1]:.1f}% of the row)<extra></extra>",
        colorbar=dict(title="% of row" if normalize else "count", thickness=12),
        xgap=1, ygap=1,
    ))
    side = min(max(300, 42 * len(names) + 130), 720)
    fig.update_xaxes(title_text="Predicted", type="category", side="bottom", constrain="domain", tickangle=0 if len(names) <= 10 else -45)
    fig.update_yaxes(title_text="True", type="category", autorange="reversed", scaleanchor="x", constrain="domain")
    fig.update_layout(height=side, margin=COMPACT_MARGIN, transition=dict(duration=0), plot_bgcolor="rgba(0,0,0,0)")
    return fig
