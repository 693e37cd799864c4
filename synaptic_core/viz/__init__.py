"""Plotly figure builders: plain data (training events, arrays) in, ``go.Figure`` out.

Pure functions with no Streamlit and no TensorFlow, so a test can check what a chart
contains without a browser, and the CLI or a notebook can draw the same charts.
"""

from .boundary import decision_boundary
from .confusion import confusion_heatmap, row_normalize
from .curves import ema, empty_curves, training_curves
from .images import image_grid, image_mosaic
from .per_class import per_class_bar

__all__ = [
    "confusion_heatmap",
    "decision_boundary",
    "ema",
    "empty_curves",
    "image_grid",
    "image_mosaic",
    "per_class_bar",
    "row_normalize",
    "training_curves",
]
