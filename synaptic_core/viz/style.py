"""Colours and sizes shared by the figure builders.

One place so that "training" is the same blue and "validation" the same orange on
every chart of the app, and so that a redraw never shuffles colours (Plotly would
otherwise pick colours by trace order, which changes as traces appear).
"""

from __future__ import annotations

TRAIN_COLOR = "#1f77b4"  # Plotly's first colour: training series
VAL_COLOR = "#ff7f0e"  # Plotly's second colour: validation series
MEAN_COLOR = "#444444"  # reference lines (overall mean)

# tensorflow/playground's diverging scale: class 0 orange, undecided light grey, class 1 blue.
PLAYGROUND_ORANGE = "#f59322"
PLAYGROUND_NEUTRAL = "#e8eaeb"
PLAYGROUND_BLUE = "#0877bd"

# Qualitative colours for more than two classes (Plotly's D3 palette).
CLASS_COLORS = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)

COMPACT_MARGIN = dict(l=50, r=20, t=40, b=45)
