"""Figures of the Runs page's Compare section: curves overlaid, parameters against a metric, groups.

Pure functions (``synaptic_core.runs.compare`` data in, ``go.Figure`` out), so a test checks what a
chart holds without a browser:

* :func:`overlaid_curves` — every run's per-epoch curves on the same axes (loss left, accuracy
  right when the runs have it), one colour per run: validation solid, training dashed in the same
  colour. The hover names the run and what sets it apart ("lr=0.01 · seed=2").
* :func:`parallel_coordinates` — one axis per differing parameter and a last one for the metric;
  each run a line coloured by the metric. Text values (optimizer, activation) get one tick each.
* :func:`group_figure` — mean ± standard deviation of the metric for each value of one parameter.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from synaptic_core.text_safety import plotly_text

from .style import CLASS_COLORS, COMPACT_MARGIN, MEAN_COLOR

COMPARE_HEIGHT = 380
_PANELS = (("loss", "val_loss", "Loss", None), ("accuracy", "val_accuracy", "Accuracy", ".0%"))


def run_color(i: int) -> str:
    """The colour of the ``i``-th compared run (the same in every figure of the section)."""
    return CLASS_COLORS[i % len(CLASS_COLORS)]


def overlaid_curves(curves: Sequence[Any], title: str = "Learning curves") -> go.Figure:
    """Per-epoch curves of several runs (``runs.compare.Curve``) on shared axes, one colour per run."""
    panels = [p for p in _PANELS if any(c.values.get(p[0]) or c.values.get(p[1]) for c in curves)] or [_PANELS[0]]
    fig = make_subplots(rows=1, cols=len(panels), subplot_titles=[p[2] for p in panels], horizontal_spacing=0.1)
    for i, curve in enumerate(curves):
        color = run_color(i)
        for col, (train_key, val_key, axis, _) in enumerate(panels, start=1):
            for key, dash, kind in ((val_key, "solid", "validation"), (train_key, "dash", "training")):
                values = curve.values.get(key)
                if not values:
                    continue
                points = [(e, v) for e, v in zip(curve.epochs, values) if v is not None]
                fig.add_trace(go.Scatter(
                    x=[p[0] for p in points], y=[p[1] for p in points], mode="lines+markers",
                    name=f"{_html(curve.label)} ({kind})", legendgroup=curve.run_id,
                    showlegend=col == 1 and (kind == "validation" or not curve.values.get(val_key)),
                    line=dict(color=color, dash=dash, width=2.5 if kind == "validation" else 1.5),
                    marker=dict(size=5), meta=[curve.run_id],
                    hovertemplate=(f"<b>{_html(curve.label)}</b> · {kind} {axis.lower()}<br>"
                                   f"{_html(curve.about)}<br>epoch %{{x}}: %{{y:.4f}}<extra></extra>")),
                    row=1, col=col)
    for col, (_, _, axis, fmt) in enumerate(panels, start=1):
        fig.update_xaxes(title_text="epoch", dtick=1 if max((len(c.epochs) for c in curves), default=0) <= 12 else None,
                         row=1, col=col)
        fig.update_yaxes(title_text=axis, tickformat=fmt, row=1, col=col)
    fig.update_layout(title=title, height=COMPARE_HEIGHT, margin=dict(COMPACT_MARGIN, t=60),
                      legend=dict(orientation="h", y=-0.2), hovermode="closest", uirevision="compare-curves")
    return fig


_html = plotly_text  # outside text (a run's name) in a legend or hover: shown literally (text_safety)


def _axis(name: str, values: Sequence[Any]) -> dict[str, Any]:
    """One Parcoords dimension: numbers as they are; anything else one tick per distinct value."""
    numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
    if numeric:
        return dict(label=name, values=[float(v) for v in values])
    texts = [", ".join(map(str, v)) if isinstance(v, (list, tuple)) else str(v) for v in values]
    order = list(dict.fromkeys(texts))
    return dict(label=name, values=[order.index(t) for t in texts], tickvals=list(range(len(order))),
                ticktext=order)


def parallel_coordinates(rows: Sequence[Mapping[str, Any]], params: Sequence[str], metric: Sequence[float | None],
                         metric_label: str, higher_better: bool = True,
                         labels: Mapping[str, str] | None = None) -> go.Figure:
    """One axis per parameter in ``params`` (values from each row's spec; titled ``labels[param]``
    when given) and one for the metric; each run one line coloured by the metric. Runs without a
    metric value are left out."""
    keep = [i for i, m in enumerate(metric) if m is not None]
    fig = go.Figure()
    if not keep:
        fig.add_annotation(text="No run has a value of this metric yet.", x=0.5, y=0.5, xref="paper", yref="paper",
                           showarrow=False)
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False)
    else:
        dims = [_axis((labels or {}).get(p, p), [(rows[i].get("spec") or {}).get(p) for i in keep]) for p in params]
        values = [float(metric[i]) for i in keep]
        dims.append(dict(label=metric_label, values=values))
        fig.add_trace(go.Parcoords(
            dimensions=dims,
            line=dict(color=values, colorscale="Viridis", reversescale=not higher_better, showscale=True,
                      colorbar=dict(title=dict(text=metric_label, side="right"), x=1.02, xpad=30, thickness=14))))
    fig.update_layout(title=f"Parameters against {metric_label}", height=COMPARE_HEIGHT,
                      margin=dict(l=60, r=110, t=80, b=30))
    return fig


def group_figure(groups: Sequence[Any], param: str, metric_label: str, percent: bool = False) -> go.Figure:
    """Mean ± std of the metric per value of ``param`` (``runs.compare.Group``); n runs in the hover."""
    shown = [g for g in groups if g.mean is not None]
    fig = go.Figure(go.Scatter(
        x=[g.text for g in shown], y=[g.mean for g in shown], mode="markers+lines",
        error_y=dict(type="data", array=[g.std or 0.0 for g in shown], visible=True),
        marker=dict(size=10, color=MEAN_COLOR), line=dict(color=MEAN_COLOR, width=1, dash="dot"),
        customdata=[[g.n, g.std or 0.0] for g in shown],
        hovertemplate=(f"{_html(param)} = %{{x}}<br>mean %{{y:.4f}} ± %{{customdata[1]:.4f}}"
                       "<br>%{customdata[0]} run(s)<extra></extra>")))
    fig.update_xaxes(title_text=param, type="category")
    fig.update_yaxes(title_text=f"{metric_label} (mean ± std)", tickformat=".1%" if percent else None)
    fig.update_layout(title=f"{metric_label[:1].upper()}{metric_label[1:]} by {param[:1].lower()}{param[1:]}",
                      height=320, margin=COMPACT_MARGIN, showlegend=False)
    return fig
