"""Per-class accuracy bars with a dashed line at the overall level.

The line makes the weak classes stand out (bars that stop below it); ``sort=True``
orders the bars from worst to best, which is what one wants with many classes.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import plotly.graph_objects as go

from synaptic_core.text_safety import plotly_text

from .style import COMPACT_MARGIN, MEAN_COLOR, TRAIN_COLOR


def per_class_bar(accuracy: Sequence[float] | np.ndarray, class_names: Sequence[str], sort: bool = False,
                  overall: float | None = None) -> go.Figure:
    """Bars of per-class accuracy (fractions in 0..1).

    ``overall``: the value of the reference line (e.g. the test accuracy, which weights
    classes by their size); by default the mean of the per-class values that are finite
    (a class with no test examples has accuracy NaN and gets no bar).
    """
    acc = np.asarray(accuracy, dtype=float)
    names = [plotly_text(c) for c in class_names]  # uploaded names: Plotly would render their HTML
    if acc.ndim != 1 or len(acc) != len(names):
        raise ValueError(f"{acc.size} accuracies but {len(names)} class names")
    order = np.arange(len(acc))
    if sort:
        order = np.argsort(np.where(np.isfinite(acc), acc, np.inf), kind="stable")
    values = [float(acc[i]) if math.isfinite(acc[i]) else None for i in order]
    labels = [names[i] for i in order]
    # Labels inside the bars and the line's label in the right margin, so neither hides the other.
    fig = go.Figure(go.Bar(
        x=labels, y=values, marker_color=TRAIN_COLOR,
        text=[f"{v:.1%}" if v is not None else "" for v in values], textposition="inside",
        insidetextanchor="end", textangle=0,
        hovertemplate="%{x}: %{y:.2%}<extra></extra>", cliponaxis=False,
    ))
    finite = acc[np.isfinite(acc)]
    level = overall if overall is not None else (float(finite.mean()) if finite.size else None)
    if level is not None:
        label = "overall" if overall is not None else "mean"
        fig.add_hline(y=level, line=dict(color=MEAN_COLOR, dash="dash", width=1.5),
                      annotation_text=f"{label}<br>{level:.1%}", annotation_position="right")
    fig.update_xaxes(title_text="Class", type="category", categoryorder="array", categoryarray=labels)
    fig.update_yaxes(title_text="Accuracy", range=[0, 1.02], tickformat=".0%")
    fig.update_layout(height=340, margin={**COMPACT_MARGIN, "r": 70}, transition=dict(duration=0), showlegend=False)
    return fig
