"""Synthetic pen-drawn digits, rendered the way the canvas renders strokes: a held-out check.

MNIST's test set says how well a model reads MNIST; it says little about digits drawn with a
mouse or a finger on a 280x280 canvas. This module draws such digits without any MNIST pixel:
each digit is a set of strokes (polylines) from a template, with the common variants people
write (1 with or without flag and base, 7 with or without bar, open and closed 4, 9 with a
straight or a curved tail, ...). Every synthetic *writer* has a slant, an aspect ratio, a
size, a place on the canvas, a stroke width (8-40 px) and a shaky hand (smooth random
displacement of the control points); strokes are rendered white on black, round-capped and
round-joined, anti-aliased (4x supersampling), and returned as opaque RGBA uint8 like
``st_canvas(..., return_image_data=True)``.

Writers are numbered: ``writer_seeds(...)`` ranges for evaluation and any other use are
disjoint, so an evaluation set is never seen in training.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

CANVAS = 280
Stroke = np.ndarray  # (n, 2) points in the unit box, x right, y down


def _line(p0, p1, n: int = 12) -> Stroke:
    t = np.linspace(0, 1, n)[:, None]
    return (1 - t) * np.asarray(p0, float) + t * np.asarray(p1, float)


def _arc(cx, cy, rx, ry, a0, a1, n: int = 40) -> Stroke:
    """Angles in degrees, 0 = right, 90 = down (screen coordinates)."""
    a = np.radians(np.linspace(a0, a1, n))
    return np.stack([cx + rx * np.cos(a), cy + ry * np.sin(a)], axis=1)


def _bezier(p0, p1, p2, n: int = 16) -> Stroke:
    """A quadratic Bezier curve (what the canvas' free drawing smooths mouse paths into)."""
    t = np.linspace(0, 1, n)[:, None]
    p0, p1, p2 = (np.asarray(p, float) for p in (p0, p1, p2))
    return (1 - t) ** 2 * p0 + 2 * (1 - t) * t * p1 + t ** 2 * p2


def _join(*parts: Stroke) -> Stroke:
    return np.concatenate(parts, axis=0)


def _templates() -> dict[int, list[list[Stroke]]]:
    """Digit -> variants -> strokes. Drawn in a unit box; the writer's transform adds the style."""
    t: dict[int, list[list[Stroke]]] = {}
    t[0] = [[_arc(0.5, 0.5, 0.32, 0.47, -100, 265)],
            [_arc(0.5, 0.5, 0.38, 0.46, -80, 290)]]
    t[1] = [[_line((0.5, 0.02), (0.5, 0.98))],
            [_join(_line((0.3, 0.22), (0.55, 0.02), 6), _line((0.55, 0.02), (0.55, 0.98)))],
            [_join(_line((0.28, 0.24), (0.52, 0.02), 6), _line((0.52, 0.02), (0.52, 0.98))),
             _line((0.28, 0.98), (0.76, 0.98), 8)]]
    t[2] = [[_join(_arc(0.5, 0.3, 0.34, 0.28, 190, 370, 30), _line((0.84, 0.3), (0.15, 0.97), 16),
                   _line((0.15, 0.97), (0.88, 0.97), 10))],
            [_join(_arc(0.48, 0.27, 0.33, 0.25, 195, 360, 26), _bezier((0.81, 0.27), (0.8, 0.62), (0.12, 0.96), 18),
                   _line((0.12, 0.96), (0.9, 0.94), 10))]]
    t[3] = [[_join(_arc(0.47, 0.26, 0.32, 0.24, 200, 450, 34), _arc(0.47, 0.73, 0.36, 0.25, -90, 160, 34))],
            [_join(_line((0.15, 0.03), (0.82, 0.03), 8), _line((0.82, 0.03), (0.42, 0.42), 8),
                   _arc(0.47, 0.7, 0.37, 0.28, -95, 160, 34))]]
    t[4] = [[_join(_line((0.45, 0.0), (0.08, 0.66), 14), _line((0.08, 0.66), (0.92, 0.66), 12)),
             _line((0.7, 0.22), (0.7, 1.0), 14)],
            [_join(_line((0.1, 0.0), (0.1, 0.6), 10), _line((0.1, 0.6), (0.9, 0.6), 12)),
             _line((0.72, 0.0), (0.72, 1.0), 14)],
            [_join(_line((0.72, 1.0), (0.72, 0.0), 14), _line((0.72, 0.0), (0.06, 0.68), 14),
                   _line((0.06, 0.68), (0.95, 0.68), 12))]]
    t[5] = [[_join(_line((0.22, 0.02), (0.18, 0.45), 10), _arc(0.47, 0.68, 0.34, 0.3, -150, 165, 36)),
             _line((0.22, 0.02), (0.86, 0.02), 10)],
            [_join(_line((0.84, 0.02), (0.22, 0.02), 10), _line((0.22, 0.02), (0.18, 0.45), 10),
                   _arc(0.47, 0.68, 0.35, 0.3, -150, 160, 36))]]
    t[6] = [[_join(_arc(0.9, 0.55, 0.72, 0.55, 245, 180, 20), _arc(0.5, 0.73, 0.32, 0.25, 180, 540, 40))],
            [_join(_line((0.7, 0.0), (0.22, 0.62), 14), _arc(0.48, 0.74, 0.28, 0.24, 200, 560, 40))]]
    t[7] = [[_join(_line((0.08, 0.02), (0.92, 0.02), 12), _line((0.92, 0.02), (0.38, 0.98), 16))],
            [_join(_line((0.08, 0.02), (0.92, 0.02), 12), _line((0.92, 0.02), (0.38, 0.98), 16)),
             _line((0.42, 0.5), (0.88, 0.5), 8)],
            [_join(_line((0.08, 0.12), (0.12, 0.02), 4), _line((0.12, 0.02), (0.92, 0.04), 12),
                   _bezier((0.92, 0.04), (0.55, 0.45), (0.45, 0.98), 16))]]
    th = np.linspace(0, 2 * np.pi, 80)
    eight = np.stack([0.5 + 0.42 * np.sin(th) * np.cos(th) * 2 * 0.6, 0.5 - 0.48 * np.cos(th)], axis=1)
    t[8] = [[eight],
            [_join(_arc(0.5, 0.26, 0.27, 0.24, 0, 360, 40), _arc(0.5, 0.74, 0.33, 0.26, -90, 270, 44))]]
    t[9] = [[_join(_arc(0.47, 0.3, 0.32, 0.27, 0, 360, 40), _line((0.79, 0.3), (0.74, 1.0), 16))],
            [_join(_arc(0.47, 0.3, 0.32, 0.27, 10, 370, 40), _line((0.79, 0.33), (0.79, 1.0), 16))],
            [_join(_arc(0.46, 0.3, 0.32, 0.27, 0, 360, 40), _arc(0.38, 0.3, 0.41, 0.68, 0, 95, 16))]]
    return t


TEMPLATES = _templates()


@dataclass(frozen=True)
class Writer:
    """One synthetic person's style."""

    slant: float        # horizontal shear (italic when positive)
    rotation: float     # degrees
    aspect: float       # width / height of their digits, relative to the template
    height: float       # digit height in canvas pixels
    cx: float           # where on the canvas they draw (centre)
    cy: float
    width: int          # pen width in pixels
    shake: float        # smooth control-point displacement, in units of the digit height
    variant_bias: int   # which variant of each digit they prefer

    @classmethod
    def random(cls, rng: np.random.Generator) -> "Writer":
        height = float(rng.uniform(60, 250))
        # pen width 8-40 px, but in proportion a person would draw with: nobody writes a 60 px
        # digit with a 40 px pen (it is a blob to people too), so at most a fifth of the height
        width = int(rng.integers(8, max(9, min(41, int(0.2 * height) + 1))))
        aspect = float(rng.uniform(0.5, 1.2))
        margin_y = height / 2 + width / 2 + 2
        margin_x = height * aspect * 0.55 + width / 2 + 2
        cx = float(rng.uniform(min(margin_x, CANVAS / 2), max(CANVAS - margin_x, CANVAS / 2)))
        cy = float(rng.uniform(min(margin_y, CANVAS / 2), max(CANVAS - margin_y, CANVAS / 2)))
        return cls(slant=float(rng.normal(0.1, 0.2)), rotation=float(rng.normal(0, 8)), aspect=aspect,
                   height=height, cx=cx, cy=cy, width=width, shake=float(rng.uniform(0.0, 0.06)),
                   variant_bias=int(rng.integers(0, 3)))


def _smooth_noise(n: int, scale: float, rng: np.random.Generator, knots: int = 5) -> np.ndarray:
    """A displacement that varies slowly along a stroke (a hand, not white noise)."""
    k = rng.normal(0, scale, (knots, 2))
    s = np.linspace(0, knots - 1, n)
    return np.stack([np.interp(s, np.arange(knots), k[:, i]) for i in range(2)], axis=1)


def place(strokes: list[Stroke], writer: Writer, rng: np.random.Generator) -> list[np.ndarray]:
    """Unit-box strokes -> canvas pixel coordinates in the writer's style."""
    rot = np.radians(writer.rotation)
    m = np.array([[np.cos(rot), -np.sin(rot)], [np.sin(rot), np.cos(rot)]]) @ np.array([[1, -writer.slant], [0, 1]])
    out = []
    for s in strokes:
        p = s - 0.5
        p = p + _smooth_noise(len(p), writer.shake, rng)
        if len(strokes) > 1:  # a lifted pen lands a little off: separate strokes shift on their own
            p = p + rng.normal(0, writer.shake, 2)
        p = p * np.array([writer.aspect, 1.0])
        p = p @ m.T
        out.append(p * writer.height + np.array([writer.cx, writer.cy]))
    return out


def render(strokes: list[np.ndarray], width: int, size: int = CANVAS, supersample: int = 4) -> np.ndarray:
    """White round-capped, round-joined polylines on black, anti-aliased; opaque RGBA uint8."""
    big = Image.new("L", (size * supersample, size * supersample), 0)
    draw = ImageDraw.Draw(big)
    w = width * supersample
    for s in strokes:
        pts = [tuple(map(float, p * supersample)) for p in s]
        if len(pts) > 1:
            draw.line(pts, fill=255, width=w, joint="curve")
        for x, y in (pts[0], pts[-1]) + tuple(pts[1:-1:3]):  # round caps and smooth joins
            draw.ellipse([x - w / 2, y - w / 2, x + w / 2, y + w / 2], fill=255)
    grey = np.asarray(big.resize((size, size), Image.Resampling.BOX))
    rgba = np.empty((size, size, 4), np.uint8)
    rgba[..., :3] = grey[..., None]
    rgba[..., 3] = 255
    return rgba


def draw_digit(digit: int, writer: Writer, rng: np.random.Generator, variant: int | None = None) -> np.ndarray:
    variants = TEMPLATES[digit]
    if variant is None:
        variant = (writer.variant_bias + int(rng.integers(0, 2))) % len(variants)
    return render(place(variants[variant], writer, rng), writer.width)


def writer_seeds(purpose: str) -> range:
    """Disjoint writer-seed ranges: evaluation writers are never used for anything else."""
    return {"eval": range(1_000_000, 1_100_000), "train": range(0, 1_000_000)}[purpose]


def handwriting_set(n_writers: int = 100, seed_range: range | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Every writer draws every digit once: (n_writers * 10, 280, 280, 4) uint8 RGBA and labels."""
    seeds = seed_range or writer_seeds("eval")
    images, labels = [], []
    for i in range(n_writers):
        rng = np.random.default_rng(seeds[i])
        writer = Writer.random(rng)
        for d in range(10):
            images.append(draw_digit(d, writer, rng))
            labels.append(d)
    return np.stack(images), np.array(labels, np.int64)
