"""A grid of small images with a caption over each (dataset preview, misclassified gallery).

Sixty-four separate image traces or subplots are slow to build and to draw, so the grid is
one numpy mosaic (images on a padded canvas, with a band above each row for the captions),
sent to the browser as one PNG (``go.Image(source=...)``), plus one text annotation per
caption and one invisible scatter trace that shows the full caption on hover.

Captions longer than an image is wide are wrapped at their `` · `` separators
("true 7 · pred 1 (93%)" becomes two lines); cells widen for whatever still does not fit, up
to ``caption_chars`` characters a line (longer lines end in "…"; the whole text is on hover).

The figure has a fixed size in screen pixels (``zoom`` per image pixel), drawn with
``width="content"``. Streamlit squeezes a figure wider than its column to the column's width
and keeps its height: the pixels stretch and the captions, whose font does not shrink, run
into each other. So a caller passes ``max_width`` (the column's width) and the grid takes as
many columns as fit in it (``grid_columns``).
"""

from __future__ import annotations

import base64
import io
import math
from typing import Sequence

import numpy as np
import plotly.graph_objects as go
from PIL import Image

from synaptic_core.text_safety import plotly_text

CHAR_WIDTH = 0.6  # average glyph width of Plotly's default font (or its sans-serif fallback), x font size
LINE_HEIGHT = 1.3  # caption line height, in units of font size
SEPARATOR = " · "
ELLIPSIS = "…"
MARGIN = 4  # screen pixels around the mosaic


def to_uint8_images(images: np.ndarray | Sequence) -> np.ndarray:
    """(N,H,W) or (N,H,W,1) greys -> (N,H,W); (N,H,W,3|4) colour -> (N,H,W,3); all uint8.

    Floats with a maximum of at most 1 are taken as 0..1 intensities, other floats as 0..255.
    """
    arr = np.asarray(images)
    if arr.ndim == 4 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    elif arr.ndim == 4 and arr.shape[-1] in (3, 4):
        arr = arr[..., :3]
    elif arr.ndim != 3:
        raise ValueError(f"expected images shaped (N,H,W), (N,H,W,1) or (N,H,W,3), got {arr.shape}")
    if arr.dtype == np.uint8:
        return arr
    arr = arr.astype(float)
    if arr.size and np.nanmax(arr) <= 1.0:
        arr = arr * 255.0
    return np.clip(np.nan_to_num(arr), 0, 255).round().astype(np.uint8)


def image_mosaic(images: np.ndarray, cols: int = 8, pad: int = 2, cell_width: int = 0,
                 caption_height: int = 0, background: int = 255) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Images laid out row by row on one canvas.

    Each cell is ``caption_height`` pixels of empty band (for the caption) above the image,
    ``max(W, cell_width)`` wide with the image centred, cells ``pad`` pixels apart and from
    the border. Returns the mosaic (2-D for greys, (h,w,3) for colour) and the (top, left)
    pixel of each image in it.
    """
    imgs = to_uint8_images(images)
    n, h, w = imgs.shape[:3]
    cols = max(1, min(int(cols), n)) if n else 1
    rows = math.ceil(n / cols)
    cell_w = max(w, int(cell_width))
    cell_h = caption_height + h
    canvas_shape = (pad + rows * (cell_h + pad), pad + cols * (cell_w + pad)) + imgs.shape[3:]
    canvas = np.full(canvas_shape, background, dtype=np.uint8)
    origins = []
    for k in range(n):
        r, c = divmod(k, cols)
        top = pad + r * (cell_h + pad) + caption_height
        left = pad + c * (cell_w + pad) + (cell_w - w) // 2
        canvas[top:top + h, left:left + w] = imgs[k]
        origins.append((top, left))
    return canvas, origins


def png_data_uri(array: np.ndarray) -> str:
    """A uint8 image array as a ``data:image/png;base64,...`` URI (what ``go.Image`` takes)."""
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(array)).save(buf, format="PNG", optimize=False)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def wrap_caption(text: str, max_chars: int) -> str:
    """Break ``text`` at its `` · `` separators into ``<br>``-joined lines of at most ``max_chars``."""
    return "<br>".join(_wrap_lines(text, max_chars))


def _wrap_lines(text: str, max_chars: int) -> list[str]:
    """``text`` broken at its `` · `` separators into lines of at most ``max_chars`` (raw text, unescaped)."""
    if len(text) <= max_chars or SEPARATOR not in text:
        return [text]
    lines: list[str] = []
    for part in text.split(SEPARATOR):
        if lines and len(lines[-1]) + len(SEPARATOR) + len(part) <= max_chars:
            lines[-1] += SEPARATOR + part
        else:
            lines.append(part)
    return lines


def shorten(line: str, max_chars: int) -> str:
    """``line`` cut to ``max_chars`` characters, the last one an ellipsis when anything was cut."""
    return line if len(line) <= max_chars else line[:max(max_chars - 1, 0)].rstrip() + ELLIPSIS


def text_width(chars: int, font_size: int) -> float:
    """Estimated screen width in pixels of ``chars`` characters of caption text."""
    return chars * CHAR_WIDTH * font_size


def grid_columns(n: int, cell_width: int, pad: int, zoom: float, cols: int, max_width: int | None) -> int:
    """How many columns of ``cell_width`` image pixels (``pad`` apart) fit in ``max_width`` screen pixels
    (at most ``cols`` and ``n``, at least one)."""
    cols = max(1, min(int(cols), n)) if n else 1
    if max_width is None:
        return cols
    fits = int((max_width - 2 * MARGIN - pad * zoom) // ((cell_width + pad) * zoom))
    return max(1, min(cols, fits))


def _captions(titles: Sequence[str], w: int, zoom: float, font_size: int,
              caption_chars: int | None) -> list[list[str]]:
    """Each title split at its newlines, wrapped at its separators to the image's width (or
    ``caption_chars``, if wider), every line cut to ``caption_chars``: the raw lines of each caption
    (measured as typed; escaped for Plotly only when drawn, since a title may be an uploaded name)."""
    fit = max(1, int(w * zoom / (CHAR_WIDTH * font_size)))
    wrap = max(fit, caption_chars) if caption_chars else fit
    out = []
    for title in titles:
        lines = [line for part in str(title).split("\n") for line in _wrap_lines(part, wrap)]
        if caption_chars:
            lines = [shorten(line, caption_chars) for line in lines]
        out.append(lines)
    return out


def image_grid(images: np.ndarray | Sequence, titles: Sequence[str] | None = None, cols: int = 8,
               zoom: float = 3.0, font_size: int = 10, pad: int = 2, max_width: int | None = None,
               caption_chars: int | None = None, hover: Sequence[str] | None = None) -> go.Figure:
    """A figure showing ``images`` in a grid of up to ``cols`` columns, each under its title.

    ``zoom``: screen pixels per image pixel (28x28 MNIST at zoom 3 is 84x84 on screen);
    the figure's width and height are set from it, so draw it with ``width="content"``
    to keep captions and images at the intended size (square pixels).
    ``max_width``: the screen width the figure may take: fewer columns when ``cols`` would not fit.
    ``caption_chars``: the longest caption line; longer ones are cut with "…".
    ``hover``: the text shown on hover over each image (default: its whole title).
    """
    imgs = to_uint8_images(images)
    n, h, w = imgs.shape[:3]
    if titles is not None and len(titles) != n:
        raise ValueError(f"{n} images but {len(titles)} titles")
    if hover is not None and len(hover) != n:
        raise ValueError(f"{n} images but {len(hover)} hover texts")
    if n == 0:
        fig = go.Figure()
        fig.add_annotation(text="No images", xref="paper", yref="paper", x=0.5, y=0.5, showarrow=False)
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False)
        fig.update_layout(height=120, margin=dict(l=5, r=5, t=5, b=5))
        return fig

    captions = _captions(titles, w, zoom, font_size, caption_chars) if titles is not None else []
    lines = max((len(c) for c in captions), default=0)
    widest = max((len(part) for c in captions for part in c), default=0)
    caption_height = math.ceil(lines * LINE_HEIGHT * font_size / zoom) if captions else 0
    cell_width = math.ceil(text_width(widest, font_size) / zoom) + 1 if captions else 0
    cols = grid_columns(n, max(w, cell_width), pad, zoom, cols, max_width)
    mosaic, origins = image_mosaic(imgs, cols, pad, cell_width, caption_height)

    centre_x = [left + (w - 1) / 2 for _, left in origins]
    centre_y = [top + (h - 1) / 2 for top, _ in origins]
    if hover is not None:
        hovertext = [plotly_text(t) for t in hover]
    elif titles is not None:
        hovertext = [plotly_text(str(t).replace("\n", SEPARATOR)) for t in titles]
    else:
        hovertext = [f"#{k}" for k in range(n)]
    fig = go.Figure(go.Image(source=png_data_uri(mosaic), hoverinfo="skip"))
    fig.add_trace(go.Scatter(
        x=centre_x, y=centre_y, mode="markers", marker=dict(size=max(w, h) * zoom, opacity=0),
        hovertext=hovertext, hoverinfo="text", showlegend=False,
    ))
    for caption, x, (top, _) in zip(captions, centre_x, origins):
        fig.add_annotation(text="<br>".join(plotly_text(line) for line in caption), x=x, y=top - 0.5, xref="x", yref="y", yanchor="bottom",
                           showarrow=False, font=dict(size=font_size))
    height, width = mosaic.shape[:2]
    fig.update_xaxes(visible=False, range=[-0.5, width - 0.5], constrain="domain")
    fig.update_yaxes(visible=False, range=[height - 0.5, -0.5], scaleanchor="x", constrain="domain")
    fig.update_layout(
        width=math.ceil(width * zoom) + 2 * MARGIN, height=math.ceil(height * zoom) + 2 * MARGIN,
        margin=dict(l=MARGIN, r=MARGIN, t=MARGIN, b=MARGIN), hovermode="closest",
        transition=dict(duration=0), plot_bgcolor="rgba(0,0,0,0)",
    )
    return fig


def mistake_titles(y_true: Sequence[int], y_pred: Sequence[int], confidence: Sequence[float],
                   class_names: Sequence[str]) -> tuple[list[str], list[str]]:
    """Short captions and full hover texts for misclassified examples.

    Caption: three short lines that fit over a thumbnail: the true class, "→ the predicted
    class", "93% sure"; hover: "true T-shirt/top, predicted Pullover (93% sure)". A class
    index outside ``class_names`` shows as its number.
    """
    def name(k: int) -> str:
        return str(class_names[k]) if 0 <= k < len(class_names) else str(k)

    titles, hover = [], []
    for t, p, c in zip(y_true, y_pred, confidence):
        true, pred, conf = name(int(t)), name(int(p)), float(c)
        titles.append(f"{true}\n→ {pred}\n{conf:.0%} sure")
        hover.append(f"true {true}, predicted {pred} ({conf:.0%} sure)")
    return titles, hover
