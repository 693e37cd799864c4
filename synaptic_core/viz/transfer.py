"""Transfer learning's chart: training accuracy per epoch, fine-tuned against from scratch."""

from __future__ import annotations

from typing import Sequence

import plotly.graph_objects as go

from .style import COMPACT_MARGIN, TRAIN_COLOR, VAL_COLOR


def transfer_curves(transfer: Sequence[dict], scratch: Sequence[dict]) -> go.Figure:
    """Two lines of per-epoch training accuracy (Keras' history rows: ``accuracy`` per epoch)."""
    fig = go.Figure()
    for rows, name, color in ((transfer, "fine-tuned", TRAIN_COLOR), (scratch, "from scratch", VAL_COLOR)):
        fig.add_trace(go.Scatter(x=list(range(1, len(rows) + 1)), y=[r.get("accuracy") for r in rows],
                                 mode="lines+markers", name=name, line=dict(color=color)))
    fig.update_xaxes(title_text="epoch", dtick=1)
    fig.update_yaxes(title_text="training accuracy", tickformat=".0%", rangemode="tozero")
    fig.update_layout(height=260, margin=dict(COMPACT_MARGIN, t=20), legend=dict(orientation="h", y=1.15, x=0),
                      transition=dict(duration=0))
    return fig
