"""Decision boundary of a classifier on a 2-D toy set, in the style of tensorflow/playground.

The background is the model's output over a grid (``boundary`` events carry ``xs``, ``ys``
and ``z`` with ``z[i][j]`` at ``(xs[j], ys[i])``). For two classes ``z`` is P(class 1) and
is drawn on the playground's diverging scale (orange = class 0, light grey = undecided,
blue = class 1) with a line at 0.5; for more classes ``z`` is the arg-max class, drawn in
one colour per class. Training points are filled circles with a white outline, test points
hollow circles; both axes have the same scale so circles look like circles.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import plotly.graph_objects as go

from synaptic_core.text_safety import plotly_text

from .style import CLASS_COLORS, COMPACT_MARGIN, PLAYGROUND_BLUE, PLAYGROUND_NEUTRAL, PLAYGROUND_ORANGE

PLAYGROUND_SCALE = [[0.0, PLAYGROUND_ORANGE], [0.5, PLAYGROUND_NEUTRAL], [1.0, PLAYGROUND_BLUE]]


def class_colors(n_classes: int) -> list[str]:
    """Point colours: the playground's orange and blue for two classes, a palette beyond."""
    if n_classes <= 2:
        return [PLAYGROUND_ORANGE, PLAYGROUND_BLUE]
    return [CLASS_COLORS[k % len(CLASS_COLORS)] for k in range(n_classes)]


def _discrete_scale(colors: list[str]) -> list[list]:
    """A stepped colour scale mapping integers 0..k-1 (with zmin=-0.5, zmax=k-0.5) to ``colors``."""
    k = len(colors)
    scale = []
    for i, c in enumerate(colors):
        scale += [[i / k, c], [(i + 1) / k, c]]
    return scale


def decision_boundary(xs: Sequence[float], ys: Sequence[float], z: Sequence[Sequence[float]] | np.ndarray,
                      x_train: np.ndarray, y_train: np.ndarray,
                      x_test: np.ndarray | None = None, y_test: np.ndarray | None = None,
                      class_names: Sequence[str] | None = None) -> go.Figure:
    """Heatmap of ``z`` over the grid with the points on top.

    ``z`` has shape (len(ys), len(xs)). ``x_train``/``x_test`` are (N, 2) coordinates,
    ``y_train``/``y_test`` integer classes.
    """
    xs_a, ys_a = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    z_a = np.asarray(z, dtype=float)
    if xs_a.size < 2 or ys_a.size < 2:
        raise ValueError("the grid needs at least two xs and two ys")
    if z_a.shape != (len(ys_a), len(xs_a)):
        raise ValueError(f"z must be shaped (len(ys), len(xs)) = {(len(ys_a), len(xs_a))}, got {z_a.shape}")
    labels = [np.asarray(y_train, dtype=int).ravel()]
    if y_test is not None:
        labels.append(np.asarray(y_test, dtype=int).ravel())
    n_classes = max([2] + [int(lab.max()) + 1 for lab in labels if lab.size])
    if class_names is not None:
        n_classes = max(n_classes, len(class_names))
    names = [plotly_text(c) for c in class_names] if class_names is not None else [f"class {k}" for k in range(n_classes)]
    colors = class_colors(n_classes)

    if n_classes == 2:
        heat = go.Heatmap(x=xs_a, y=ys_a, z=z_a, zmin=0, zmax=1, colorscale=PLAYGROUND_SCALE, opacity=0.75,
                          zsmooth="best", colorbar=dict(title=f"P({names[1]})", thickness=12),
                          hovertemplate="(%{x:.2f}, %{y:.2f})<br>P = %{z:.3f}<extra></extra>")
    else:
        heat = go.Heatmap(x=xs_a, y=ys_a, z=z_a, zmin=-0.5, zmax=n_classes - 0.5, opacity=0.45,
                          colorscale=_discrete_scale(colors), showscale=False,
                          hovertemplate="(%{x:.2f}, %{y:.2f})<br>class %{z}<extra></extra>")
    fig = go.Figure(heat)
    if n_classes == 2:
        fig.add_trace(go.Contour(x=xs_a, y=ys_a, z=z_a, showscale=False, hoverinfo="skip", name="P = 0.5",
                                 contours=dict(coloring="none", start=0.5, end=0.5, size=1),
                                 line=dict(color="#555555", width=1.5), showlegend=False))

    for split, pts, lab in (("train", x_train, y_train), ("test", x_test, y_test)):
        if pts is None or lab is None:
            continue
        pts = np.asarray(pts, dtype=float).reshape(-1, 2)
        lab = np.asarray(lab, dtype=int).ravel()
        for k in range(n_classes):
            sel = lab == k
            if not sel.any():
                continue
            marker = (dict(color=colors[k], size=7, line=dict(color="white", width=1)) if split == "train"
                      else dict(color=colors[k], size=7, symbol="circle-open", line=dict(width=1.5)))
            fig.add_trace(go.Scatter(
                x=pts[sel, 0], y=pts[sel, 1], mode="markers", name=f"{split} · {names[k]}",
                legendgroup=split, marker=marker,
                hovertemplate=f"{split} · {names[k]}<br>(%{{x:.2f}}, %{{y:.2f}})<extra></extra>",
            ))

    fig.update_xaxes(range=[xs_a.min(), xs_a.max()], constrain="domain", showgrid=False, zeroline=False)
    fig.update_yaxes(range=[ys_a.min(), ys_a.max()], scaleanchor="x", scaleratio=1, constrain="domain",
                     showgrid=False, zeroline=False)
    fig.update_layout(height=420, margin=COMPACT_MARGIN, transition=dict(duration=0), uirevision="boundary",
                      legend=dict(orientation="h", x=0, y=1.02, xanchor="left", yanchor="bottom"))
    return fig
