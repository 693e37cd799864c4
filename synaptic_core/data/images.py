"""Readers for the image sets' file formats, with numpy only (no pickle, no TensorFlow).

Four formats:

* ``.npz`` with Keras' keys ``x_train, y_train, x_test, y_test`` (Keras' ``mnist.npz``, the
  files in ``../shared/datasets`` and the bundled samples); ``y`` may be ``(N,)`` or ``(N,1)``;
* ``.npz`` with one split column instead (``x, y, usage``: FER-2013's ``fer2013.npz``, whose
  ``usage`` is Training / PublicTest / PrivateTest as in the original csv): training rows are
  the train split, ``PrivateTest`` the test split (the split published results are quoted on);
  PublicTest is left out (the competition's validation split);
* a folder of gzipped IDX files (Keras' Fashion-MNIST cache, ``train-images-idx3-ubyte.gz``...);
* the CIFAR-10 and CIFAR-100 *binary* archives ``cifar-10-binary.tar.gz`` (records of 1 label
  byte + 3,072 pixel bytes, channel-major) and ``cifar-100-binary.tar.gz`` (2 label bytes,
  coarse then fine, + 3,072 pixel bytes; the 100 fine labels are used), read straight from the
  tar without extracting it. The authors' *python* versions are pickles and are never read.

Every reader returns read-only ``(x_train, y_train, x_test, y_test)``: x uint8 NHWC, y int64.
Decoded arrays are cached in-process (``functools.lru_cache``) keyed by the dataset name, the
path and the file's size and modification time, so a second load is free and a replaced file
is read again. The arrays are never mutated: callers index them, which copies.
"""

from __future__ import annotations

import gzip
import struct
import tarfile
import zipfile
from functools import lru_cache
from pathlib import Path

import numpy as np

from .types import DataError

Arrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]

#: exceptions that mean "this file is damaged or not what we expect"
READ_ERRORS = (OSError, EOFError, ValueError, KeyError, IndexError, zipfile.BadZipFile, tarfile.TarError,
               struct.error)

_IDX_FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
              "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
_CIFAR_TRAIN = tuple(f"cifar-10-batches-bin/data_batch_{i}.bin" for i in range(1, 6))
_CIFAR_TEST = "cifar-10-batches-bin/test_batch.bin"
_CIFAR_RECORD = 1 + 32 * 32 * 3
_CIFAR100_TRAIN, _CIFAR100_TEST = "cifar-100-binary/train.bin", "cifar-100-binary/test.bin"
_CIFAR100_RECORD = 2 + 32 * 32 * 3
USAGE_TRAIN, USAGE_TEST = "Training", "PrivateTest"  # FER-2013's split column


def file_signature(path: Path) -> tuple:
    """(size, mtime_ns) of a file, or of every file in a folder: part of the cache key."""
    if path.is_dir():
        return tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(path.iterdir()) if p.is_file())
    st = path.stat()
    return (st.st_size, st.st_mtime_ns)


def read_images(name: str, path: Path, input_shape: tuple[int, ...], n_classes: int) -> Arrays:
    """Decode the image set ``name`` at ``path`` (npz file, IDX folder or CIFAR binary tar)."""
    try:
        signature = file_signature(path)
    except OSError as exc:
        raise DataError(f"Could not read {path}: {exc.strerror or exc}.") from exc
    return _read_cached(name, str(path), signature, tuple(input_shape), n_classes)


@lru_cache(maxsize=8)
def _read_cached(name: str, path_str: str, signature: tuple, input_shape: tuple, n_classes: int) -> Arrays:
    path = Path(path_str)
    try:
        if path.is_dir():
            arrays = _read_idx_folder(path)
        elif path.name.startswith("cifar-100") and path.name.endswith(".tar.gz"):
            arrays = _read_cifar100_binary(path)
        elif path.name.endswith(".tar.gz"):
            arrays = _read_cifar_binary(path)
        else:
            arrays = _read_npz(path)
    except DataError:
        raise
    except READ_ERRORS as exc:
        raise DataError(f"Could not read {path}: {type(exc).__name__}: {exc}.") from exc
    return _check(path, arrays, input_shape, n_classes)


def _read_npz(path: Path) -> Arrays:
    with open(path, "rb") as fh, np.load(fh, allow_pickle=False) as z:  # our handle: closed even on a bad zip
        if {"x", "y", "usage"} <= set(z.files) and "x_train" not in z.files:
            return _split_by_usage(path, z["x"], z["y"], z["usage"])
        missing = [k for k in ("x_train", "y_train", "x_test", "y_test") if k not in z.files]
        if missing:
            raise DataError(f"Could not read {path}: it has no {', '.join(missing)} array "
                            f"(found: {', '.join(z.files) or 'nothing'}).")
        return z["x_train"], z["y_train"], z["x_test"], z["y_test"]


def _split_by_usage(path: Path, x: np.ndarray, y: np.ndarray, usage: np.ndarray) -> Arrays:
    """FER-2013's layout: one array of images and a ``usage`` column naming each row's split."""
    usage = np.asarray(usage).astype(str).reshape(-1)
    if len(usage) != len(x) or len(y) != len(x):
        raise DataError(f"Could not read {path}: {len(x)} images, {len(y)} labels and {len(usage)} usage values.")
    train, test = usage == USAGE_TRAIN, usage == USAGE_TEST
    if not train.any() or not test.any():
        raise DataError(f"Could not read {path}: its usage column has no {USAGE_TRAIN!r} or no {USAGE_TEST!r} rows.")
    return x[train], y[train], x[test], y[test]


def _read_idx(path: Path, magic: int) -> np.ndarray:
    """One gzipped IDX file: big-endian header (magic, then one uint32 per dimension), then uint8 data."""
    with gzip.open(path, "rb") as fh:
        raw = fh.read()
    (found,) = struct.unpack(">I", raw[:4])
    if found != magic:
        raise DataError(f"Could not read {path}: IDX magic number {found}, expected {magic}.")
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    data = np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise DataError(f"Could not read {path}: {data.size} bytes of data, the header says {dims}.")
    return data.reshape(dims)


def _read_idx_folder(folder: Path) -> Arrays:
    xtr, ytr, xte, yte = (folder / f for f in _IDX_FILES)
    return _read_idx(xtr, 2051), _read_idx(ytr, 2049), _read_idx(xte, 2051), _read_idx(yte, 2049)


def _cifar_records(tar: tarfile.TarFile, member: str) -> tuple[np.ndarray, np.ndarray]:
    fh = tar.extractfile(member)
    if fh is None:
        raise DataError(f"{member} is not a regular file")
    raw = np.frombuffer(fh.read(), np.uint8)
    if raw.size % _CIFAR_RECORD:
        raise DataError(f"{member} is {raw.size} bytes, not a whole number of {_CIFAR_RECORD}-byte records")
    rec = raw.reshape(-1, _CIFAR_RECORD)
    return rec[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1), rec[:, 0]


def _read_cifar_binary(path: Path) -> Arrays:
    with tarfile.open(path, "r:gz") as tar:
        parts = [_cifar_records(tar, m) for m in _CIFAR_TRAIN]
        x_test, y_test = _cifar_records(tar, _CIFAR_TEST)
    x_train = np.concatenate([p[0] for p in parts])
    y_train = np.concatenate([p[1] for p in parts])
    return x_train, y_train, np.ascontiguousarray(x_test), y_test


def _cifar100_records(tar: tarfile.TarFile, member: str) -> tuple[np.ndarray, np.ndarray]:
    """Records of 1 coarse label byte, 1 fine label byte and 3,072 pixel bytes (R, G, B planes)."""
    fh = tar.extractfile(member)
    if fh is None:
        raise DataError(f"{member} is not a regular file")
    raw = np.frombuffer(fh.read(), np.uint8)
    if raw.size == 0 or raw.size % _CIFAR100_RECORD:
        raise DataError(f"{member} is {raw.size} bytes, not a whole number of {_CIFAR100_RECORD}-byte records")
    rec = raw.reshape(-1, _CIFAR100_RECORD)
    return np.ascontiguousarray(rec[:, 2:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)), rec[:, 1]


def _read_cifar100_binary(path: Path) -> Arrays:
    with tarfile.open(path, "r:gz") as tar:
        x_train, y_train = _cifar100_records(tar, _CIFAR100_TRAIN)
        x_test, y_test = _cifar100_records(tar, _CIFAR100_TEST)
    return x_train, y_train, x_test, y_test


def _check(path: Path, arrays: Arrays, input_shape: tuple, n_classes: int) -> Arrays:
    """Shapes, dtypes and label range as the rest of the app expects; read-only copies."""
    out = []
    for split, (x, y) in (("train", arrays[:2]), ("test", arrays[2:])):
        if x.ndim == len(input_shape):  # (N,28,28) -> (N,28,28,1)
            x = x[..., None]
        y = np.asarray(y).reshape(-1)
        if x.dtype != np.uint8 or tuple(x.shape[1:]) != tuple(input_shape):
            raise DataError(f"Could not read {path}: x_{split} is {x.dtype} {x.shape}, "
                            f"expected uint8 (N, {', '.join(map(str, input_shape))}).")
        if len(x) != len(y):
            raise DataError(f"Could not read {path}: {len(x)} {split} images but {len(y)} labels.")
        if y.size and (y.min() < 0 or y.max() >= n_classes):
            raise DataError(f"Could not read {path}: {split} labels outside 0..{n_classes - 1}.")
        x = np.ascontiguousarray(x)
        y = y.astype(np.int64)
        x.flags.writeable = False
        y.flags.writeable = False
        out += [x, y]
    return out[0], out[1], out[2], out[3]
