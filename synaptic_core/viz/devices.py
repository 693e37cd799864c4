"""The "Why GPUs matter" chart: training samples per second on each device, with the speed-up.

Pure builder: plain rows (``device_speed.Measurement`` as dicts or objects) in, ``go.Figure`` out.
"""

from __future__ import annotations

from typing import Any, Sequence

import plotly.graph_objects as go

from .style import COMPACT_MARGIN

CPU_COLOR, GPU_COLOR = "#9ecae1", "#2ca02c"


def _get(row: Any, name: str) -> Any:
    return row.get(name) if isinstance(row, dict) else getattr(row, name)


def speed_bars(rows: Sequence[Any]) -> go.Figure:
    """One bar per device (failed ones left out), labelled "x4.2" over one thread; GPUs in green."""
    ok = [r for r in rows if _get(r, "samples_per_s")]
    labels = [_get(r, "label") for r in ok]
    values = [float(_get(r, "samples_per_s")) for r in ok]
    texts = [f"{v:,.0f}/s · ×{_get(r, 'speedup'):.1f}" if _get(r, "speedup") else f"{v:,.0f}/s"
             for r, v in zip(ok, values)]
    colors = [GPU_COLOR if str(_get(r, "key")).startswith("gpu") else CPU_COLOR for r in ok]
    fig = go.Figure(go.Bar(x=labels, y=values, text=texts, textposition="outside", cliponaxis=False,
                           marker_color=colors, hovertemplate="%{x}: %{y:,.0f} samples/s<extra></extra>"))
    fig.update_xaxes(type="category")
    fig.update_yaxes(title_text="training samples / second", rangemode="tozero")
    fig.update_layout(height=320, margin=dict(COMPACT_MARGIN, t=30), showlegend=False, transition=dict(duration=0))
    return fig
