"""Take an upload in: check it, store it by content hash, remember it for its owner; return its dataset name.

``ingest_csv`` and ``ingest_zip`` are what the page, the CLI and the tests call. Both check
everything (``csv_table`` / ``images_zip``) *before* anything is written, also run the whole
preparation once (so a table that cannot be encoded fails now, not in a worker), and store:
the CSV as decoded UTF-8 text (it is re-prepared for each run's seed), the images as an
``.npz`` of uint8 arrays with Keras' keys (read by the ordinary image reader). A second
upload of the same bytes with the same choices reuses the stored copy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

import numpy as np

from . import store
from .csv_table import ParsedCsv, TablePlan, parse_csv, plan_table, table_arrays
from .errors import UploadError
from .images_zip import ImageSet, read_image_zip
from .limits import UploadLimits

TABLE_TASKS = {"classification": "upload-table", "regression": "tabular-regression"}


@dataclass
class Uploaded:
    """A stored upload: the dataset name a spec uses, and its description (``meta.json``)."""

    name: str
    meta: dict[str, Any]


def _title(filename: str, suffix: str) -> str:
    stem = PurePath(filename or "upload").name
    stem = re.sub(r"\.(csv|zip|txt)$", "", stem, flags=re.I)
    stem = "".join(ch for ch in stem if ch.isprintable())[:40] or "upload"
    return f"{stem} ({suffix})"


def table_meta(parsed: ParsedCsv, plan: TablePlan, filename: str) -> dict[str, Any]:
    """What the registry row of a CSV upload needs, from one preparation with seed 0.

    ``kind`` (from the plan) is "classification" or "regression"; an image upload's is "images".
    """
    x_tr, y_tr, x_te, _, features = table_arrays(parsed.frame, plan, seed=0)
    return {"file": "table.csv", "title": _title(filename, "your CSV"),
            "filename": PurePath(filename or "upload.csv").name[:100], "encoding": parsed.encoding,
            "task": TABLE_TASKS[plan.kind], "n_train": int(len(y_tr)), "n_test": int(len(x_te)),
            "n_features": int(x_tr.shape[1]), "features": features[:200], **plan.as_dict()}


def ingest_csv(data: bytes, filename: str = "upload.csv", target: str | None = None, missing: str = "drop",
               owner: str | None = None, limits: UploadLimits | None = None) -> Uploaded:
    """Check and store a CSV for ``target`` (default: its last column); UploadError says what is wrong."""
    parsed = parse_csv(data, limits)
    plan = plan_table(parsed, target, missing, limits)
    meta = table_meta(parsed, plan, filename)
    text = parsed.frame.to_csv(index=False)  # decoded, stripped, one delimiter: what every run re-reads

    def write(folder: Path) -> None:
        (folder / "table.csv").write_text(text, "utf-8")

    return _save(store.content_key(data, "csv", plan.target, plan.missing), meta, write, owner, len(data), limits)


def images_meta(images: ImageSet, filename: str, size: int, color: str) -> dict[str, Any]:
    return {"kind": "images", "file": "images.npz", "title": _title(filename, "your images"),
            "filename": PurePath(filename or "upload.zip").name[:100], "task": "image",
            "class_names": images.class_names, "class_counts": images.class_counts,
            "input_shape": list(images.x_train.shape[1:]), "image_size": size, "color": color,
            "n_train": int(len(images.y_train)), "n_test": int(len(images.y_test)), "notes": images.notes}


def ingest_zip(data: bytes, filename: str = "upload.zip", size: int = 32, color: str = "rgb",
               owner: str | None = None, limits: UploadLimits | None = None) -> Uploaded:
    """Check, decode and store a zip of class folders at ``size`` x ``size`` (grey or RGB)."""
    images = read_image_zip(data, size, color, seed=0, limits=limits)
    meta = images_meta(images, filename, size, color)

    def write(folder: Path) -> None:
        with open(folder / "images.npz", "wb") as fh:
            np.savez_compressed(fh, x_train=images.x_train, y_train=images.y_train,
                                x_test=images.x_test, y_test=images.y_test)

    return _save(store.content_key(data, "zip", size, color), meta, write, owner, len(data), limits)


def _save(key: str, meta: dict[str, Any], write: Any, owner: str | None, size: int,
          limits: UploadLimits | None) -> Uploaded:
    """Store (unless the same content and choices are stored already), within the server's and the person's
    space, and put it on the person's list. The person who stores it first is its ``uploader``: their quota
    counts it (``SYNAPTIC_UPLOAD_MAX_OWNER_BYTES``); the uploaded size stands for what it will take."""
    limits = limits or UploadLimits.from_env()
    if owner and not store.exists(store.PREFIX + key):
        used = store.owner_bytes(owner)
        if used + size > limits.max_owner_bytes:
            raise UploadError(f"Your uploads take {used / 1e6:,.1f} MB; with this file ({size / 1e6:,.1f} MB) they "
                              f"would pass your limit of {limits.max_owner_bytes / 1e6:,.0f} MB on this server. "
                              "Delete some of your uploads first (Your uploads, above).")
        meta = {**meta, "uploader": store.owner_key(owner)}
    name = store.save(key, meta, write, limits.max_store_bytes)
    store.remember(owner, name)
    return Uploaded(name, store.read_meta(name) or meta)
