"""Training-time augmentation that makes an MNIST model read digits drawn on the canvas.

MNIST digits were written with a pen on paper, size-normalised and centred. Drawings on the
canvas differ from them in ways the preprocessing cannot undo: slant, rotation, aspect ratio,
wobbly strokes, and above all stroke thickness (an 8 px pen on a large digit becomes a hair-thin
line at 28x28, a 40 px pen on a small digit a fat one). ``augment_digits`` draws a random
variation of each kind per image:

* one affine warp per image: rotation, shear (slant), anisotropic scale, small shift;
* an elastic distortion: a smooth random displacement field (a coarse random grid, upsampled
  with a cubic spline), in the spirit of Simard et al. (2003);
* stroke thickness: grey dilation (thicker) or erosion (thinner) on a random share of images.

Everything is vectorised over the batch (one bilinear resampling for warp + elastic field
together, the morphology on whole sub-batches), so a full 60,000-image MNIST epoch costs a few
seconds on one core. ``train()`` calls it per batch when ``spec.augment`` is on and the data is
28x28x1 (see ``synaptic_core.training``). Pure numpy/scipy, no TensorFlow.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import ndimage


@dataclass(frozen=True)
class AugmentConfig:
    """Ranges of the random transformations (uniform unless said otherwise); chosen by measurement."""

    rotation_deg: float = 12.0  # +- degrees
    shear: float = 0.3  # +- horizontal shear factor (slant)
    scale: tuple[float, float] = (0.85, 1.12)  # overall size
    aspect: float = 0.2  # +- log-ish change of width against height
    shift_px: float = 2.0  # +- pixels in x and y
    elastic_px: float = 1.2  # standard deviation of the coarse displacement grid, in pixels
    elastic_grid: int = 4  # coarse grid points per side (a smooth field over the 28x28 image)
    p_dilate: float = 0.3  # share of images made thicker
    p_dilate_more: float = 0.1  # of those, share dilated twice as much
    p_erode: float = 0.2  # share of images made thinner


DEFAULT = AugmentConfig()


def augment_digits(x: np.ndarray, rng: np.random.Generator, config: AugmentConfig = DEFAULT) -> np.ndarray:
    """Return a randomly distorted copy of a batch of digits.

    ``x``: uint8 array (N, 28, 28, 1) (or (N, H, W, 1)), white ink on black, 0..255.
    ``rng``: the source of randomness (one Generator per training run, seeded from the spec).
    Returns an array of the same shape and dtype; the input is not modified.
    """
    if x.ndim != 4 or x.shape[-1] != 1:
        raise ValueError(f"augment_digits expects (N, H, W, 1) images, got shape {x.shape}")
    if x.shape[0] == 0:
        return x.copy()
    imgs = x[..., 0].astype(np.float32)
    imgs = _thickness(imgs, rng, config)
    imgs = _warp(imgs, rng, config)
    return np.clip(np.rint(imgs), 0, 255).astype(np.uint8)[..., None]


def _thickness(imgs: np.ndarray, rng: np.random.Generator, c: AugmentConfig) -> np.ndarray:
    """Grey dilation/erosion of random sub-batches: the maximum/minimum over a small square."""
    n = imgs.shape[0]
    u = rng.random(n)
    out = imgs.copy()
    dil = u < c.p_dilate
    more = dil & (rng.random(n) < c.p_dilate_more)
    ero = (u >= c.p_dilate) & (u < c.p_dilate + c.p_erode)
    if dil.any():
        out[dil] = ndimage.grey_dilation(imgs[dil], size=(1, 2, 2))
    if more.any():
        out[more] = ndimage.grey_dilation(imgs[more], size=(1, 3, 3))
    if ero.any():
        out[ero] = ndimage.grey_erosion(imgs[ero], size=(1, 2, 2))
    return out


def _warp(imgs: np.ndarray, rng: np.random.Generator, c: AugmentConfig) -> np.ndarray:
    """One bilinear resampling per image through a random affine map plus an elastic field."""
    n, h, w = imgs.shape
    theta = np.deg2rad(rng.uniform(-c.rotation_deg, c.rotation_deg, n))
    shear = rng.uniform(-c.shear, c.shear, n)
    scale = rng.uniform(*c.scale, n)
    aspect = np.exp(rng.uniform(-c.aspect, c.aspect, n))
    sx, sy = scale * np.sqrt(aspect), scale / np.sqrt(aspect)
    tx, ty = rng.uniform(-c.shift_px, c.shift_px, (2, n))

    # Forward map A = R(theta) @ Shear @ diag(sx, sy) about the centre, then a shift; each output
    # pixel samples the source at A^-1 (p - centre - t) + centre.
    cos, sin = np.cos(theta), np.sin(theta)
    a = np.empty((n, 2, 2))
    a[:, 0, 0] = cos * sx
    a[:, 0, 1] = (cos * shear - sin) * sy
    a[:, 1, 0] = sin * sx
    a[:, 1, 1] = (sin * shear + cos) * sy
    inv = np.linalg.inv(a).astype(np.float32)[:, :, :, None, None]

    cy, cx = (h - 1) / 2.0, (w - 1) / 2.0
    dx = (np.arange(w, dtype=np.float32) - cx)[None, None, :] - tx.astype(np.float32)[:, None, None]
    dy = (np.arange(h, dtype=np.float32) - cy)[None, :, None] - ty.astype(np.float32)[:, None, None]
    dx, dy = np.broadcast_to(dx, (n, h, w)), np.broadcast_to(dy, (n, h, w))
    if c.elastic_px > 0:
        ex, ey = _elastic_field(n, h, w, rng, c)
        dx, dy = dx + ex, dy + ey
    src_x = inv[:, 0, 0] * dx + inv[:, 0, 1] * dy + np.float32(cx)
    src_y = inv[:, 1, 0] * dx + inv[:, 1, 1] * dy + np.float32(cy)
    return _bilinear(imgs, src_y, src_x)


def _elastic_field(n: int, h: int, w: int, rng: np.random.Generator, c: AugmentConfig):
    """Smooth displacement fields (pixels): a coarse Gaussian grid upsampled by a cubic spline.

    The upsampling is linear in the grid values, so it is two small matrix products
    (``My @ grid @ Mx.T``) instead of a per-image spline zoom (which was ~100x slower).
    """
    g = c.elastic_grid
    coarse = rng.normal(0.0, c.elastic_px, (2, n, g, g)).astype(np.float32)
    my, mx = _upsample_matrix(g, h), _upsample_matrix(g, w)
    field = my @ coarse @ mx.T
    return field[0], field[1]


@lru_cache(maxsize=8)
def _upsample_matrix(g: int, size: int) -> np.ndarray:
    """(size, g) matrix whose columns are the cubic-spline zoom of each unit vector of length g."""
    eye = np.eye(g, dtype=np.float64)
    cols = [ndimage.zoom(e, size / g, order=3, mode="nearest", grid_mode=True) for e in eye]
    return np.stack(cols, axis=1).astype(np.float32)


def _bilinear(imgs: np.ndarray, src_y: np.ndarray, src_x: np.ndarray) -> np.ndarray:
    """Sample each image at (src_y, src_x) with bilinear interpolation; outside the image is 0.

    Written with in-place float32 operations and flat ``take`` gathers: this function is most of
    the augmentation's cost, and it runs once per training batch.
    """
    n, h, w = imgs.shape
    row = w + 2
    padded = np.zeros((n, h + 2, row), np.float32)  # a zero border makes every 2x2 gather valid
    padded[:, 1:-1, 1:-1] = imgs
    y = np.clip(src_y + np.float32(1), 0, h + 0.999, dtype=np.float32)
    x = np.clip(src_x + np.float32(1), 0, w + 0.999, dtype=np.float32)
    y0, x0 = y.astype(np.int32), x.astype(np.int32)  # floor: both are >= 0 here
    y -= y0
    x -= x0
    idx = y0 * row
    idx += x0
    idx += (np.arange(n, dtype=np.int32) * ((h + 2) * row))[:, None, None]
    flat = padded.ravel()
    top, top_r = flat.take(idx), flat.take(idx + 1)
    idx += row
    bottom, bottom_r = flat.take(idx), flat.take(idx + 1)
    top_r -= top
    top_r *= x
    top += top_r
    bottom_r -= bottom
    bottom_r *= x
    bottom += bottom_r
    bottom -= top
    bottom *= y
    top += bottom
    return top
