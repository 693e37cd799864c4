"""How much an upload may hold: every limit in one place, each overridable by an environment variable.

An upload comes from outside, so each size is checked *before* the work it would cost: the
bytes before parsing, the rows and columns before encoding, a zip's declared sizes and its
compression ratio before anything is inflated, an image's pixel count before it is decoded.
The defaults fit a teaching server (2 cores, a few GB of memory shared by a class).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields

MB = 1024 * 1024

# the choices a person makes about an upload (light: the CLI's parser reads them without pandas)
MISSING_CHOICES = ("drop", "fill")  # drop rows with an empty feature, or fill with the median / mode
SIZES = (16, 24, 28, 32, 48, 64, 96, 128)  # images are resized to N x N
COLORS = ("grey", "rgb")


def _env_int(name: str, default: int) -> int:
    try:
        value = int(os.environ.get(name, "").strip() or default)
    except ValueError:
        return default
    return value if value > 0 else default


@dataclass(frozen=True)
class UploadLimits:
    """Bounds on one upload; ``UploadLimits.from_env()`` reads the ``SYNAPTIC_UPLOAD_*`` variables."""

    max_bytes: int = 50 * MB            # the file as uploaded (CSV or zip)
    max_rows: int = 200_000             # CSV data rows
    max_columns: int = 500              # CSV columns
    min_rows: int = 10                  # CSV rows needed for a training and a test split
    max_categories: int = 50            # distinct values of one text column (more: an identifier, left out)
    max_features: int = 2_000           # columns after one-hot encoding
    max_classes: int = 100              # classes of a classification target
    max_entries: int = 20_000           # zip entries, folders included
    max_images: int = 10_000            # images in a zip
    max_unpacked_bytes: int = 500 * MB  # a zip's declared uncompressed total
    max_ratio: int = 100                # uncompressed / compressed size of one entry (zip bombs go to 1000+)
    max_image_pixels: int = 25_000_000  # one image's width x height (Pillow's bomb check is set to this)
    max_total_pixels: int = 500_000_000  # all images' width x height together, before resizing
    max_array_bytes: int = 512 * MB     # the resized images as uint8 arrays
    max_store_bytes: int = 5 * 1024 * MB  # all stored uploads of this server together (new ones refused beyond)
    max_owner_bytes: int = 500 * MB     # what one person's own uploads may take on disk together

    @classmethod
    def from_env(cls) -> "UploadLimits":
        """Defaults, overridden by e.g. ``SYNAPTIC_UPLOAD_MAX_BYTES`` or ``SYNAPTIC_UPLOAD_MAX_ROWS``."""
        base = cls()
        return cls(**{f.name: _env_int(f"SYNAPTIC_UPLOAD_{f.name.upper()}", getattr(base, f.name))
                      for f in fields(cls)})
