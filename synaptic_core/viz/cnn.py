"""Figures of the "Inside the CNN" view: saliency over the image, activation maps per layer, first kernels.

Pure builders (arrays in, ``go.Figure`` out, no Streamlit, no TensorFlow). The activation grid
is the draw page's feature-map mosaic (``viz.digits.feature_maps_mosaic``, one heatmap trace
per layer, each map scaled to its own peak); hover names the channel's index in the layer.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from synaptic_core.text_safety import plotly_text

from .digits import feature_maps_mosaic

# transparent where nothing matters, so the image shows through; opaque where the map is strong
HEAT = [[0.0, "rgba(255,255,0,0)"], [0.25, "rgba(255,220,0,0.35)"], [0.6, "rgba(255,120,0,0.75)"],
        [1.0, "rgba(220,0,0,0.95)"]]
DIVERGING = [[0.0, "rgba(33,102,172,0.95)"], [0.35, "rgba(103,169,207,0.5)"], [0.5, "rgba(255,255,255,0)"],
             [0.65, "rgba(239,138,98,0.5)"], [1.0, "rgba(178,24,43,0.95)"]]


def _grey(image: np.ndarray) -> np.ndarray:
    """(H, W[, C]) 0..255 -> (H, W) luminance, for the backdrop of the map."""
    x = np.asarray(image, np.float64)
    if x.ndim == 3:
        x = x[:, :, 0] if x.shape[2] == 1 else x[:, :, :3].mean(axis=2)
    return x


def _image_trace(image: np.ndarray, name: str) -> go.BaseTraceType:
    x = np.asarray(image)
    if x.ndim == 3 and x.shape[2] == 3:
        return go.Image(z=np.clip(x, 0, 255).astype(np.uint8), name=name, hoverinfo="skip")
    return go.Heatmap(z=_grey(x), colorscale="gray", zmin=0, zmax=255, showscale=False, name=name,
                      hovertemplate="row %{y}, col %{x}: %{z:.0f}<extra></extra>")


def saliency_overlay(image: np.ndarray, saliency_map: np.ndarray, signed: bool = False, title: str = "",
                     height: int = 300) -> go.Figure:
    """The input (left) and the map over a grey copy of it (right).

    ``saliency_map`` is (H, W) in [0, 1] (or [-1, 1] when ``signed``: red pushed towards the
    class, blue against it), as ``synaptic_core.explain.readable_map`` returns. The map's trace
    is named "saliency".
    """
    z = np.asarray(saliency_map, np.float64)
    grey = _grey(image)
    if z.shape != grey.shape:
        raise ValueError(f"the map is {z.shape}, the image {grey.shape}")
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.04,
                        subplot_titles=("The image", "Where it mattered" if not signed else "For (red) / against (blue)"))
    fig.add_trace(_image_trace(image, "image"), row=1, col=1)
    fig.add_trace(go.Heatmap(z=grey, colorscale="gray", zmin=0, zmax=255 * 1.6, showscale=False, hoverinfo="skip",
                             name="backdrop"), row=1, col=2)
    fig.add_trace(go.Heatmap(z=z, colorscale=DIVERGING if signed else HEAT, zmin=-1 if signed else 0, zmax=1,
                             name="saliency", colorbar=dict(thickness=10, len=0.9),
                             hovertemplate="row %{y}, col %{x}: %{z:.2f} of the scale<extra></extra>"), row=1, col=2)
    for col in (1, 2):
        fig.update_xaxes(visible=False, constrain="domain", row=1, col=col)
        fig.update_yaxes(visible=False, autorange="reversed", scaleanchor="x" if col == 1 else "x2",
                         constrain="domain", row=1, col=col)
    fig.update_layout(height=height, margin=dict(l=5, r=5, t=40 if title else 30, b=5), title=title or None,
                      transition=dict(duration=0))
    return fig


def activation_grid(maps: np.ndarray, channels: Sequence[int] | None = None, cols: int = 8,
                    tile_px: int = 64) -> go.Figure:
    """One layer's maps (H, W, shown channels) as a mosaic, each scaled to its own peak; hover: channel."""
    m = np.asarray(maps, np.float64)
    mosaic, index = feature_maps_mosaic(m, cols)
    labels = np.asarray(channels if channels is not None else np.arange(m.shape[2]))
    customdata = np.where(index >= 0, labels[np.clip(index, 0, None)], -1)
    n_cols = max(1, min(cols, m.shape[2]))
    n_rows = math.ceil(m.shape[2] / n_cols)
    fig = go.Figure(go.Heatmap(z=mosaic, customdata=customdata, colorscale="Viridis", zmin=0, zmax=1,
                               showscale=False, hoverongaps=False,
                               hovertemplate="channel %{customdata}: %{z:.2f} of its peak<extra></extra>"))
    fig.update_xaxes(visible=False, constrain="domain")
    fig.update_yaxes(visible=False, autorange="reversed", scaleanchor="x", constrain="domain")
    h, w = m.shape[:2]
    fig.update_layout(height=int(n_rows * tile_px * h / max(w, 1)) + 10, margin=dict(l=5, r=5, t=5, b=5),
                      plot_bgcolor="rgba(0,0,0,0)", transition=dict(duration=0))
    return fig


def kernel_mosaic(kernels: np.ndarray, cols: int = 8, pad: int = 1, limit: int = 64) -> np.ndarray:
    """(kh, kw, in, F) weights -> a mosaic of the first ``limit`` kernels, each scaled by its largest |weight|.

    Three input channels: an (rows, cols, 3) RGB array in 0..1 (0.5 = zero weight), so a colour
    filter shows its colour. Otherwise: (rows, cols) in [-1, 1], the input channels summed. Gaps
    are NaN (grey: 0.5).
    """
    k = np.asarray(kernels, np.float64)
    if k.ndim != 4:
        raise ValueError(f"expected (kh, kw, in, filters) kernels, got shape {k.shape}")
    kh, kw, cin, f = k.shape
    f = min(f, limit)
    rgb = cin == 3
    cols = max(1, min(cols, f))
    rows = math.ceil(f / cols)
    shape = (rows * (kh + pad) - pad, cols * (kw + pad) - pad)
    mosaic = np.full(shape + ((3,) if rgb else ()), 0.5 if rgb else np.nan)
    for i in range(f):
        tile = k[:, :, :, i] if rgb else k[:, :, :, i].sum(axis=2)
        peak = float(np.abs(tile).max())
        tile = tile / peak if peak > 0 else tile
        r, c = divmod(i, cols)
        top, left = r * (kh + pad), c * (kw + pad)
        mosaic[top:top + kh, left:left + kw] = (tile + 1) / 2 if rgb else tile
    return mosaic


def kernels_figure(kernels: np.ndarray, cols: int = 8, tile_px: int = 40) -> go.Figure:
    """The first convolution's kernels: colour images for RGB input, red/blue weights for one channel."""
    k = np.asarray(kernels)
    mosaic = kernel_mosaic(k, cols)
    if mosaic.ndim == 3:
        trace = go.Image(z=np.round(mosaic * 255).astype(np.uint8), hoverinfo="skip")
    else:
        trace = go.Heatmap(z=mosaic, colorscale="RdBu_r", zmin=-1, zmax=1, zmid=0, showscale=False, hoverongaps=False,
                           hovertemplate="weight %{z:.2f} of the kernel's largest<extra></extra>")
    fig = go.Figure(trace)
    fig.update_xaxes(visible=False, constrain="domain")
    fig.update_yaxes(visible=False, autorange="reversed", scaleanchor="x", constrain="domain")
    n = min(k.shape[3], 64)
    rows = math.ceil(n / max(1, min(cols, n)))
    fig.update_layout(height=rows * tile_px + 10, margin=dict(l=5, r=5, t=5, b=5), plot_bgcolor="rgba(0,0,0,0)",
                      transition=dict(duration=0))
    return fig


def top_classes(probs: Sequence[float] | np.ndarray, class_names: Sequence[str], top: int = 5,
                true_class: int | None = None) -> go.Figure:
    """Horizontal bars of the ``top`` most probable classes; the true class (if given) in green."""
    p = np.asarray(probs, np.float64).reshape(-1)
    order = np.argsort(-p, kind="stable")[:top][::-1]
    names = [plotly_text(class_names[i]) if i < len(class_names) else str(i) for i in order]
    colors = ["#2ca02c" if true_class is not None and i == true_class else "#9ecae1" for i in order]
    fig = go.Figure(go.Bar(x=p[order], y=names, orientation="h", marker_color=colors,
                           text=[f"{v:.0%}" for v in p[order]], textposition="outside", cliponaxis=False,
                           hovertemplate="%{y}: %{x:.1%}<extra></extra>"))
    fig.update_xaxes(range=[0, 1.15], tickformat=".0%", title_text="probability")
    fig.update_yaxes(type="category")
    fig.update_layout(height=60 + 26 * len(order), margin=dict(l=10, r=10, t=10, b=40), showlegend=False,
                      transition=dict(duration=0))
    return fig
