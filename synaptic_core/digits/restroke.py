"""Real MNIST handwriting, redrawn the way the draw page's canvas draws it.

MNIST digits were written with pens by real people, so their *shapes* hold the variety that
stroke templates lack (open fours, straight-tailed nines, ones with flags and bases, hurried
loops). Their *rendering* differs from the canvas' though: a canvas stroke is a uniform white
line 14-26 px wide with round caps on a 280x280 black field, digits 45-85% of its height.

``restroke`` keeps the person's path and changes the pen: the digit is upsampled and thinned to
a one-pixel skeleton (Zhang-Suen, vectorised over a batch in NumPy; scikit-image is not needed),
the skeleton's pixels are joined to their 8-neighbours and drawn with a round pen of a sampled
width at a sampled size and place on the canvas, then go through the reader's own
``preprocess`` like any drawing. Training data made from MNIST *training* images only; the same
rendering of MNIST *test* images is the proxy benchmark (``synaptic_core.digits.bench``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw
from scipy import ndimage

from synaptic_core.digits.preprocess import preprocess

CANVAS = 280
PEN_PX = (14, 26)          # round pen width on the 280-px canvas
HEIGHT_SHARE = (0.45, 0.85)  # digit height as a share of the canvas
UPSAMPLE = 2               # thin at 56x56: a smoother skeleton than at MNIST's 28x28
INK = 0.5                  # share of full white above which an upsampled pixel is stroke
# forward 8-neighbours (right, down-left, down, down-right): every skeleton edge is drawn once
_FORWARD = ((0, 1), (1, -1), (1, 0), (1, 1))


def _removal_tables() -> np.ndarray:
    """(2, 256) bool: for each 8-neighbourhood code, whether sub-step 0 / 1 may remove the centre pixel.

    Bits of the code are the neighbours P2..P9 clockwise from the top (Zhang & Suen's numbering).
    """
    codes = np.arange(256)
    p = [(codes >> k) & 1 for k in range(8)]  # p[0] = P2 (north), p[1] = P3 (north-east), ... p[7] = P9
    b = sum(p)
    a = sum((p[k] == 0) & (p[(k + 1) % 8] == 1) for k in range(8))
    p2, p4, p6, p8 = p[0], p[2], p[4], p[6]
    base = (b >= 2) & (b <= 6) & (a == 1)
    step0 = base & ((p2 & p4 & p6) == 0) & ((p4 & p6 & p8) == 0)
    step1 = base & ((p2 & p4 & p8) == 0) & ((p2 & p6 & p8) == 0)
    return np.stack([step0, step1])


_TABLES = _removal_tables()


def zhang_suen(mask: np.ndarray) -> np.ndarray:
    """One-pixel-wide skeletons of binary images (..., H, W), Zhang & Suen (1984), all images at once.

    Each pass removes, in two sub-steps, the boundary pixels whose removal keeps the shape
    connected (2-6 ink neighbours, exactly one 0->1 transition around them); it stops when a
    pass removes nothing. The neighbourhood test is one table look-up per pixel.
    """
    img = np.pad(np.asarray(mask, bool).astype(np.uint8), [(0, 0)] * (np.ndim(mask) - 2) + [(1, 1), (1, 1)])
    inner = img[..., 1:-1, 1:-1]  # a view: writing it thins ``img``
    # P2..P9 as (row, column) offsets into the padded image, clockwise from north
    ring = ((0, 1), (0, 2), (1, 2), (2, 2), (2, 1), (2, 0), (1, 0), (0, 0))
    h, w = inner.shape[-2:]
    while True:
        changed = False
        for step in (0, 1):
            code = np.zeros(inner.shape, np.uint8)
            for bit, (dy, dx) in enumerate(ring):
                code |= img[..., dy:dy + h, dx:dx + w] << bit
            remove = (inner == 1) & _TABLES[step][code]
            if remove.any():
                inner[remove] = 0
                changed = True
        if not changed:
            return inner.astype(bool)


def skeletons(digits28: np.ndarray) -> np.ndarray:
    """(N, 56, 56) bool skeletons of (N, 28, 28[, 1]) uint8 digits, upsampled before thinning."""
    x = np.asarray(digits28, np.float32).reshape(len(digits28), 28, 28) / 255.0
    big = ndimage.zoom(x, (1, UPSAMPLE, UPSAMPLE), order=1)
    return zhang_suen(big > INK)


@dataclass(frozen=True)
class Pen:
    """How one digit is redrawn: pen width, digit height and top-left place on the canvas (pixels)."""

    width: float
    height: float
    top: float
    left: float

    @classmethod
    def random(cls, rng: np.random.Generator, aspect: float) -> "Pen":
        """A pen of 14-26 px; the digit 45-85% of the canvas high, anywhere it fits."""
        width = rng.uniform(*PEN_PX)
        height = rng.uniform(*HEIGHT_SHARE) * CANVAS
        span_x = min(height * aspect, CANVAS - 2.0)
        return cls(width, height, rng.uniform(0, CANVAS - height), rng.uniform(0, CANVAS - span_x))


def draw_skeleton(skeleton: np.ndarray, pen: Pen) -> np.ndarray:
    """A (280, 280) uint8 drawing: the skeleton's edges stroked with a round pen (white on black)."""
    ys, xs = np.nonzero(skeleton)
    img = Image.new("L", (CANVAS, CANVAS), 0)
    if ys.size == 0:
        return np.asarray(img)
    y0, x0 = ys.min(), xs.min()
    extent = max(ys.max() - y0, 1)
    scale = max(pen.height - pen.width, 1.0) / extent  # the stroke adds half a pen above and below
    r = pen.width / 2

    def at(y: float, x: float) -> tuple[float, float]:
        return pen.left + r + (x - x0) * scale, pen.top + r + (y - y0) * scale

    draw = ImageDraw.Draw(img)
    on = set(zip(ys.tolist(), xs.tolist()))
    for y, x in on:
        cx, cy = at(y, x)
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=255)  # round caps and joins
        for dy, dx in _FORWARD:
            if (y + dy, x + dx) in on:
                draw.line((at(y, x), at(y + dy, x + dx)), fill=255, width=max(1, round(pen.width)))
    return np.asarray(img)


def aspect_of(skeleton: np.ndarray) -> float:
    ys, xs = np.nonzero(skeleton)
    if ys.size == 0:
        return 1.0
    return (xs.max() - xs.min() + 1) / (ys.max() - ys.min() + 1)


def restroke(digits28: np.ndarray, seed: int = 0) -> np.ndarray:
    """(N, 28, 28, 1) uint8: each MNIST digit redrawn on the canvas with a sampled pen, then preprocessed.

    A digit whose skeleton comes out empty (a blank image) is passed through unchanged.
    """
    rng = np.random.default_rng(seed)
    out = np.empty((len(digits28), 28, 28, 1), np.uint8)
    skel = skeletons(digits28)
    for i, s in enumerate(skel):
        if not s.any():
            out[i, ..., 0] = np.asarray(digits28[i]).reshape(28, 28)
            continue
        out[i, ..., 0] = preprocess(draw_skeleton(s, Pen.random(rng, aspect_of(s))))
    return out
