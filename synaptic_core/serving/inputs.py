"""JSON inputs -> the arrays a run's model reads, one function per kind of input.

Every item of a predict request comes from outside, so each reader checks type, shape and
range and raises :class:`InputError` with a message that names the item and the shape it
expected. Nothing here imports TensorFlow; images are decoded by Pillow (PNG or JPEG only,
size checked before the pixels are decoded), never by anything that could run code.
"""

from __future__ import annotations

import base64
import binascii
import io
import math
from typing import Any, Sequence

import numpy as np

MAX_IMAGE_PIXELS = 4096 * 4096      # one decoded image
MAX_REQUEST_PIXELS = 64 * 1024 * 1024  # all images of one request together (a PNG compresses a blank 4096² to 50 kB)
MAX_TEXT_CHARS = 100_000
_IMAGE_FORMATS = ("PNG", "JPEG")


class InputError(ValueError):
    """An input the model cannot read; the message says which item and what was expected."""


def _where(i: int) -> str:
    return f"inputs[{i}]"


def numeric_array(item: Any, i: int) -> np.ndarray:
    """A rectangular nested list of finite numbers as float64, or InputError."""
    if isinstance(item, (str, dict)) or item is None:
        raise InputError(f"{_where(i)}: expected numbers, got {type(item).__name__}")
    try:
        arr = np.asarray(item, dtype=np.float64)
    except (ValueError, TypeError):
        raise InputError(f"{_where(i)}: expected a rectangular array of numbers (rows of equal length, "
                         "numbers only)") from None
    if not np.all(np.isfinite(arr)):
        raise InputError(f"{_where(i)}: numbers must be finite (no NaN or Infinity)")
    return arr


# -- images ------------------------------------------------------------------------------------

def _decode_base64_image(text: str, i: int):
    from PIL import Image

    if text.startswith("data:"):  # a data URL, as a browser canvas gives it
        _, _, text = text.partition(",")
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise InputError(f"{_where(i)}: a string input must be a base64-encoded PNG or JPEG image") from None
    try:
        img = Image.open(io.BytesIO(raw), formats=_IMAGE_FORMATS)
    except Exception:  # Pillow raises UnidentifiedImageError, OSError, SyntaxError... for junk
        raise InputError(f"{_where(i)}: not a PNG or JPEG image") from None
    w, h = img.size
    if w * h > MAX_IMAGE_PIXELS or w == 0 or h == 0:
        raise InputError(f"{_where(i)}: the image is {w}x{h} pixels; at most {MAX_IMAGE_PIXELS:,} pixels")
    try:
        img.load()
    except Exception:
        raise InputError(f"{_where(i)}: the image data is damaged or truncated") from None
    return img


def _array_to_pil(arr: np.ndarray, i: int, shape: tuple[int, int, int]):
    from PIL import Image

    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[..., 0]
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[2] not in (3, 4)) or 0 in arr.shape:
        raise InputError(f"{_where(i)}: an image array must be (height, width) or (height, width, channels) "
                         f"with 1, 3 or 4 channels; got shape {list(arr.shape)} (this model reads "
                         f"{list(shape)})")
    mode = "L" if arr.ndim == 2 else ("RGB" if arr.shape[2] == 3 else "RGBA")
    return Image.fromarray(np.clip(np.rint(arr), 0, 255).astype(np.uint8), mode)


def _pil_to_model(img, shape: tuple[int, int, int]) -> np.ndarray:
    """Channels as the model's training images had them, then the model's height and width.

    A transparent background counts as black, as in the draw page's preprocessing: MNIST-like
    models learned white ink on black. (Nothing is inverted or re-centred here: the model gets
    the picture it was sent, at its own size.)
    """
    from PIL import Image

    h, w, c = shape
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        black = Image.new("RGBA", img.size, (0, 0, 0, 255))
        black.alpha_composite(img.convert("RGBA"))
        img = black
    img = img.convert("L" if c == 1 else "RGB")
    if img.size != (w, h):
        img = img.resize((w, h), Image.Resampling.BILINEAR)
    return np.asarray(img, np.float32).reshape(h, w, c)


def image_batch(items: Sequence[Any], shape: tuple[int, int, int]) -> np.ndarray:
    """(N, H, W, C) float32 pixels 0..255 from base64 PNG/JPEG strings or nested arrays of 0..255."""
    h, w, c = shape
    out = np.empty((len(items), h, w, c), np.float32)
    pixels = 0
    for i, item in enumerate(items):
        if isinstance(item, str):
            img = _decode_base64_image(item, i)
        else:
            arr = numeric_array(item, i)
            if arr.shape == (h, w, c) or (c == 1 and arr.shape == (h, w)):
                if arr.min(initial=0) < 0 or arr.max(initial=0) > 255:
                    raise InputError(f"{_where(i)}: pixel values must be 0..255")
                out[i] = arr.reshape(h, w, c)
                continue
            if arr.size > MAX_IMAGE_PIXELS * 4:
                raise InputError(f"{_where(i)}: the image array is too large")
            if arr.min(initial=0) < 0 or arr.max(initial=0) > 255:
                raise InputError(f"{_where(i)}: pixel values must be 0..255")
            img = _array_to_pil(arr, i, shape)
        pixels += img.size[0] * img.size[1]
        if pixels > MAX_REQUEST_PIXELS:
            raise InputError(f"{_where(i)}: the images of one request hold more than {MAX_REQUEST_PIXELS:,} "
                             "pixels together; send fewer or smaller images")
        out[i] = _pil_to_model(img, shape)
    return out


# -- vectors: toy points, series windows ---------------------------------------------------------

def vector_batch(items: Sequence[Any], length: int, what: str) -> np.ndarray:
    """(N, length) float64 from flat lists of ``length`` numbers (a (length, 1) column is accepted too)."""
    out = np.empty((len(items), length), np.float64)
    for i, item in enumerate(items):
        arr = numeric_array(item, i)
        if arr.ndim == 2 and arr.shape[1] == 1:
            arr = arr[:, 0]
        if arr.shape != (length,):
            raise InputError(f"{_where(i)}: expected {what}: a list of {length} numbers, got shape {list(arr.shape)}")
        out[i] = arr
    return out


# -- text ----------------------------------------------------------------------------------------

def text_items(items: Sequence[Any], what: str) -> list[str]:
    """The items as strings, each at most MAX_TEXT_CHARS long."""
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, str):
            raise InputError(f"{_where(i)}: expected {what} as a string, got {type(item).__name__}")
        if len(item) > MAX_TEXT_CHARS:
            raise InputError(f"{_where(i)}: at most {MAX_TEXT_CHARS:,} characters")
        out.append(item)
    return out


def chars_batch(items: Sequence[Any], alphabet: str, seq_len: int) -> np.ndarray:
    """(N, seq_len) int32 character ids: the last ``seq_len`` characters, a short text left-padded
    with its own first character (as the app's generator does)."""
    index = {ch: k for k, ch in enumerate(alphabet)}
    out = np.empty((len(items), seq_len), np.int32)
    for i, text in enumerate(text_items(items, "text")):
        unknown = sorted({ch for ch in text if ch not in index})
        if unknown:
            shown = "".join(unknown[:20])
            raise InputError(f"{_where(i)}: characters this model never saw: {shown!r}")
        if not text:
            raise InputError(f"{_where(i)}: the text is empty")
        ids = [index[ch] for ch in text[-seq_len:]]
        out[i] = [ids[0]] * (seq_len - len(ids)) + ids
    return out


# -- outputs -------------------------------------------------------------------------------------

def class_outputs(probs: np.ndarray, class_names: Sequence[str]) -> list[dict[str, Any]]:
    """One ``{"class", "class_index", "probabilities": {name: p}}`` per row of probabilities."""
    names = list(class_names) if len(class_names) == probs.shape[1] else [str(k) for k in range(probs.shape[1])]
    out = []
    for row in np.asarray(probs, np.float64):
        k = int(np.argmax(row))
        out.append({"class": names[k], "class_index": k,
                    "probabilities": {n: _finite(p) for n, p in zip(names, row.tolist())}})
    return out


def _finite(v: float) -> float | None:
    return v if math.isfinite(v) else None
