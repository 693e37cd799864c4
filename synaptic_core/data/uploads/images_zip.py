"""A zip of image folders (one folder per class) -> uint8 arrays of one size, checked at every step.

A zip is outside input that can cost far more than its size, so nothing is trusted:

* the archive itself: size limit, readable central directory, at most ``max_entries`` entries;
* each entry's *name*: no absolute paths, drive letters, backslashes or ``..`` (path traversal),
  no symbolic links (Unix mode bits in ``external_attr``), no nested archives (by extension and
  by magic bytes), nothing but images outside the hidden/``__MACOSX`` clutter zips carry;
* each entry's *size*: the declared uncompressed total and every entry's compression ratio
  (a zip bomb inflates 1000x or more); reads are capped at the declared size, so a header that
  lies cannot make us inflate more;
* each image: Pillow's decompression-bomb limit set to ``max_image_pixels`` for the decode,
  ``verify()`` first, then a fresh decode; the format must be PNG, JPEG, GIF, BMP or WebP;
  the pixel total of all images is bounded before resizing.

Nothing is extracted to disk: entries are read into memory one at a time, decoded, resized to
``size`` x ``size`` (grey or RGB) and kept only as the small array. The classes are the
folders (sorted); a single top folder holding the class folders is looked through.
"""

from __future__ import annotations

import io
import stat
import warnings
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import numpy as np

from synaptic_core.data.tabular import TEST_RATIO, stratified_split

from .errors import UploadError, quote
from .limits import COLORS, SIZES, UploadLimits

FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp")
ARCHIVE_SUFFIXES = (".zip", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar", ".jar", ".zst", ".whl")
_ARCHIVE_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"\x1f\x8b", b"BZh", b"\xfd7zXZ", b"7z\xbc\xaf", b"Rar!")


@dataclass
class ImageSet:
    """The decoded images, split train/test, with what the page shows about them."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: list[str]
    class_counts: dict[str, int]
    notes: list[str] = field(default_factory=list)


def _is_link(info: zipfile.ZipInfo) -> bool:
    mode = info.external_attr >> 16
    return stat.S_ISLNK(mode)


def _safe_parts(name: str) -> tuple[str, ...]:
    """The entry's path parts; an UploadError for anything that could point outside the archive."""
    if "\\" in name or name.startswith("/") or (len(name) > 1 and name[1] == ":") or "\x00" in name:
        raise UploadError(f"The zip entry {quote(name)} has an absolute or Windows-style path; refused "
                          "(entries must be relative paths like class/image.png).")
    parts = PurePosixPath(name).parts
    if any(p in ("..", ".") for p in parts) or ".." in name.split("/"):
        raise UploadError(f"The zip entry {quote(name)} points outside the archive ('..'); refused.")
    return parts


def _skipped(parts: tuple[str, ...]) -> bool:
    """Clutter that zip tools add: macOS resource forks, hidden files such as .DS_Store, Thumbs.db."""
    return parts[0] == "__MACOSX" or any(p.startswith(".") for p in parts) or parts[-1].lower() == "thumbs.db"


def _entries(zf: zipfile.ZipFile, limits: UploadLimits) -> list[tuple[zipfile.ZipInfo, tuple[str, ...]]]:
    infos = zf.infolist()
    if len(infos) > limits.max_entries:
        raise UploadError(f"The zip has {len(infos):,} entries, more than the limit of {limits.max_entries:,}.")
    total, files = 0, []
    for info in infos:
        parts = _safe_parts(info.filename)
        if _is_link(info):
            raise UploadError(f"The zip entry {quote(info.filename)} is a symbolic link; links are refused.")
        if info.is_dir() or not parts or _skipped(parts):
            continue
        if info.flag_bits & 0x1:
            raise UploadError(f"The zip entry {quote(info.filename)} is encrypted; upload an unencrypted zip.")
        if parts[-1].lower().endswith(ARCHIVE_SUFFIXES):
            raise UploadError(f"The zip entry {quote(info.filename)} is itself an archive; nested archives are "
                              "refused. Put the images themselves in the class folders.")
        if info.file_size > limits.max_ratio * max(info.compress_size, 1) and info.file_size > 1_000_000:
            raise UploadError(f"The zip entry {quote(info.filename)} would inflate {info.file_size:,} bytes from "
                              f"{info.compress_size:,} (ratio over {limits.max_ratio}): this looks like a zip bomb.")
        total += info.file_size
        if total > limits.max_unpacked_bytes:
            raise UploadError(f"The zip would unpack to more than {limits.max_unpacked_bytes / 1e6:.0f} MB "
                              "(SYNAPTIC_UPLOAD_MAX_UNPACKED_BYTES).")
        files.append((info, parts))
    return files


def _class_paths(files: list[tuple[zipfile.ZipInfo, tuple[str, ...]]]) -> list[tuple[zipfile.ZipInfo, str]]:
    """Each image with its class (its folder); one common top folder is looked through."""
    loose = [info.filename for info, parts in files if len(parts) < 2]
    if loose:
        raise UploadError(f"{quote(loose[0])} is not in a folder. Put the images in one folder per class "
                          "(cats/1.png, dogs/2.png...) and zip those folders.")
    tops = {parts[0] for _, parts in files}
    strip = 1 if len(tops) == 1 and all(len(parts) >= 3 for _, parts in files) else 0
    out = []
    for info, parts in files:
        parts = parts[strip:]
        if len(parts) != 2:
            raise UploadError(f"{quote(info.filename)} is not directly inside a class folder: use one level of "
                              "folders, one per class (cats/1.png).")
        if not parts[-1].lower().endswith(IMAGE_SUFFIXES):
            raise UploadError(f"{quote(info.filename)} is not an image file (allowed: "
                              f"{', '.join(s[1:] for s in IMAGE_SUFFIXES)}).")
        out.append((info, parts[0]))
    return out


def _read(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """The entry's bytes, never more than it declares (a lying header cannot inflate more)."""
    with zf.open(info) as fh:
        data = fh.read(info.file_size + 1)
    if len(data) > info.file_size:
        raise UploadError(f"The zip entry {quote(info.filename)} holds more than its header says; refused.")
    return data


def _decode(data: bytes, name: str, size: int, color: str, limits: UploadLimits, pixels: list[int]) -> np.ndarray:
    from PIL import Image

    if data[:4] in _ARCHIVE_MAGIC or data[:2] == b"\x1f\x8b":
        raise UploadError(f"{quote(name)} is an archive, not an image; nested archives are refused.")
    old = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = limits.max_image_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                if img.format not in FORMATS:
                    raise UploadError(f"{quote(name)} is a {img.format} image; allowed: {', '.join(FORMATS)}.")
                w, h = img.size
                if w * h > limits.max_image_pixels:
                    raise UploadError(f"{quote(name)} is {w}x{h} pixels, more than the limit of "
                                      f"{limits.max_image_pixels:,} pixels per image.")
                pixels[0] += w * h
                if pixels[0] > limits.max_total_pixels:
                    raise UploadError(f"The images hold more than {limits.max_total_pixels:,} pixels in all "
                                      "(SYNAPTIC_UPLOAD_MAX_TOTAL_PIXELS): upload fewer or smaller images.")
                img.verify()
            with Image.open(io.BytesIO(data)) as img:
                img.seek(0)
                img = img.convert("L" if color == "grey" else "RGB").resize((size, size), Image.Resampling.BILINEAR)
                arr = np.asarray(img, dtype=np.uint8)
    except UploadError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UploadError(f"{quote(name)} is too large to decode safely ({exc}).") from None
    except Exception as exc:  # PIL raises many kinds (UnidentifiedImageError, OSError, SyntaxError, ValueError)
        raise UploadError(f"{quote(name)} is not a readable image (corrupt or not an image: "
                          f"{type(exc).__name__}).") from None
    finally:
        Image.MAX_IMAGE_PIXELS = old
    return arr[..., None] if arr.ndim == 2 else arr


def read_image_zip(data: bytes, size: int = 32, color: str = "rgb", seed: int = 0,
                   limits: UploadLimits | None = None) -> ImageSet:
    """Decode a zip of class folders into ``size`` x ``size`` uint8 images, split 80/20 per class."""
    limits = limits or UploadLimits.from_env()
    if size not in SIZES:
        raise UploadError(f"Image size {size} is not one of {', '.join(map(str, SIZES))}.", field="image_size")
    if color not in COLORS:
        raise UploadError(f"Colour {quote(color)} is not one of {', '.join(COLORS)}.", field="color")
    if not data:
        raise UploadError("The file is empty.")
    if len(data) > limits.max_bytes:
        raise UploadError(f"The file is {len(data) / 1e6:.1f} MB, more than the limit of "
                          f"{limits.max_bytes / 1e6:g} MB (SYNAPTIC_UPLOAD_MAX_BYTES).")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
        raise UploadError("This is not a readable zip file (damaged, or another format).") from None
    with zf:
        images = _class_paths(_entries(zf, limits))
        if not images:
            raise UploadError("The zip holds no images. Put them in one folder per class and zip the folders.")
        if len(images) > limits.max_images:
            raise UploadError(f"The zip holds {len(images):,} images, more than the limit of {limits.max_images:,}.")
        channels = 1 if color == "grey" else 3
        if len(images) * size * size * channels > limits.max_array_bytes:
            raise UploadError(f"{len(images):,} images of {size}x{size} would take more memory than allowed; "
                              "choose a smaller image size.", field="image_size")
        class_names = sorted({c for _, c in images})
        if len(class_names) < 2:
            raise UploadError(f"The zip has one class folder ({quote(class_names[0])}); a classifier needs at "
                              "least two folders of images.")
        if len(class_names) > limits.max_classes:
            raise UploadError(f"The zip has {len(class_names)} class folders, more than {limits.max_classes}.")
        counts = Counter(c for _, c in images)
        rare = [c for c in class_names if counts[c] < 2]
        if rare:
            raise UploadError(f"Class folder {quote(rare[0])} holds {counts[rare[0]]} image; each class needs at "
                              "least two (one to train on, one to test).")
        lookup = {c: i for i, c in enumerate(class_names)}
        pixels = [0]
        x = np.stack([_decode(_read(zf, info), info.filename, size, color, limits, pixels) for info, _ in images])
    y = np.array([lookup[c] for _, c in images], np.int64)
    tr, te = stratified_split(y, TEST_RATIO, seed)
    return ImageSet(x[tr], y[tr], x[te], y[te], class_names, {c: int(counts[c]) for c in class_names})


@dataclass
class ZipPreview:
    """What the page shows before "Use this data": a few images of each class, and every class's count."""

    images: np.ndarray         # (n, size, size, 1 or 3) uint8, as stored
    labels: list[str]          # each image's class (its folder name, as typed)
    class_counts: dict[str, int]
    notes: list[str] = field(default_factory=list)


def preview_image_zip(data: bytes, size: int = 32, color: str = "rgb", per_class: int = 4, max_images: int = 32,
                      limits: UploadLimits | None = None) -> ZipPreview:
    """Check and decode the zip exactly as ``ingest_zip`` will (every error now, before anything is stored)
    and keep the first ``per_class`` images of each class, at most ``max_images`` in all."""
    images = read_image_zip(data, size, color, seed=0, limits=limits)
    x = np.concatenate([images.x_train, images.x_test])
    y = np.concatenate([images.y_train, images.y_test])
    picked: list[int] = []
    for k in range(len(images.class_names)):
        picked.extend(np.flatnonzero(y == k)[:per_class].tolist())
    picked = picked[:max_images]
    return ZipPreview(x[picked], [images.class_names[int(y[i])] for i in picked], dict(images.class_counts),
                      list(images.notes))
