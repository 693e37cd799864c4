"""A drawing -> the 28x28 image an MNIST model expects, made the way MNIST itself was made.

LeCun et al. size-normalised each digit to fit a 20x20 box keeping its aspect ratio (the
anti-aliasing made it grey), then placed it in a 28x28 field so that its centre of mass sits
at the centre. Feeding a model a naively resized canvas instead (ink touching the borders,
off-centre, a thin stroke shrunk to nothing) is why most draw-a-digit demos misread ordinary
handwriting. Each step is a plain function so the page can show, and the tests can check,
every one of them.
"""

from __future__ import annotations

import numpy as np
from PIL import Image
from scipy import ndimage

BOX = 20          # longest side of the digit after scaling, as in MNIST
SIZE = 28         # the field it is placed in
CENTRE = 14.0     # MNIST's mean centre of mass is (14.0, 14.0) in pixel-index coordinates
INK_THRESHOLD = 32.0  # grey levels (0..255) below this count as background when cropping


class BlankDrawingError(ValueError):
    """There is no ink to read: the page asks the user to draw."""


def to_grey(image: np.ndarray) -> np.ndarray:
    """Grey levels 0..255 (float32), white ink on black, from RGBA, RGB or grey of any size.

    The canvas returns opaque RGBA, so ink is read from the colour, not the alpha. A
    transparent background (alpha 0) counts as black. A light background (a photo of dark
    ink on paper) is inverted so that ink is always the bright part, as in MNIST.
    """
    a = np.asarray(image)
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[..., 0]
    if a.ndim not in (2, 3) or (a.ndim == 3 and a.shape[2] not in (3, 4)) or a.size == 0:
        raise ValueError(f"expected a grey, RGB or RGBA image, got an array of shape {a.shape}")
    a = a.astype(np.float32)
    if a.max(initial=0) <= 1.0 and np.issubdtype(np.asarray(image).dtype, np.floating):
        a = a * 255.0
    if a.ndim == 3:
        rgb = a[..., :3]
        grey = rgb @ np.array([0.299, 0.587, 0.114], np.float32)
        if a.shape[2] == 4:
            grey = grey * (a[..., 3] / 255.0)
    else:
        grey = a
    if np.median(grey) > 127:
        grey = 255.0 - grey
    return np.clip(grey, 0, 255)


def ink_bbox(grey: np.ndarray, threshold: float = INK_THRESHOLD) -> tuple[int, int, int, int] | None:
    """(top, bottom, left, right), inclusive, of the pixels brighter than ``threshold``; None if blank."""
    mask = grey > threshold
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return None
    return int(rows[0]), int(rows[-1]), int(cols[0]), int(cols[-1])


def crop_to_ink(grey: np.ndarray, bbox: tuple[int, int, int, int]) -> np.ndarray:
    top, bottom, left, right = bbox
    return grey[top:bottom + 1, left:right + 1]


def fit_box(crop: np.ndarray, box: int = BOX) -> np.ndarray:
    """Scale so the longest side is ``box`` pixels, keeping the aspect ratio, with anti-aliasing."""
    h, w = crop.shape
    scale = box / max(h, w)
    new_h, new_w = max(1, round(h * scale)), max(1, round(w * scale))
    img = Image.fromarray(np.clip(crop, 0, 255).astype(np.uint8))
    return np.asarray(img.resize((new_w, new_h), Image.Resampling.LANCZOS), dtype=np.float32)


def centre_by_mass(digit: np.ndarray, size: int = SIZE, centre: float = CENTRE) -> np.ndarray:
    """Paste into a size x size field, then shift (sub-pixel, bilinear) so the centre of mass is at ``centre``."""
    field = np.zeros((size, size), np.float32)
    h, w = digit.shape
    top, left = (size - h) // 2, (size - w) // 2
    field[top:top + h, left:left + w] = digit
    cy, cx = ndimage.center_of_mass(field)
    shifted = ndimage.shift(field, (centre - cy, centre - cx), order=1, mode="constant", cval=0.0)
    return np.clip(shifted, 0, 255)


def preprocess(image: np.ndarray) -> np.ndarray:
    """The 28x28 uint8 image (0..255, white on black) an MNIST model sees; BlankDrawingError if no ink."""
    grey = to_grey(image)
    bbox = ink_bbox(grey)
    if bbox is None:
        raise BlankDrawingError("The canvas is empty: draw a digit.")
    digit = fit_box(crop_to_ink(grey, bbox))
    out = centre_by_mass(digit)
    peak = out.max()
    if peak > 0:  # the same intensity scale as MNIST: the darkest stroke pixel is full white
        out = out * (255.0 / peak)
    return np.round(out).astype(np.uint8)
