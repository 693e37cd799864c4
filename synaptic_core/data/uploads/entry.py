"""An upload as a row of the one dataset registry (``synaptic_core.data.registry.Entry``).

``registry.find_entry("upload:<key>")`` comes here, so every path that knows datasets -- the
loader, the presets, the size check, the spec's validation -- treats a stored upload like any
other dataset; its task record (``upload-table``, ``tabular-regression`` or ``image``) does the rest.
"""

from __future__ import annotations

from typing import Any

from .store import read_meta

TABLE_DEFAULTS = {"model": "mlp", "hidden": (32, 16), "activation": ("relu",), "dropout": 0.0, "optimizer": "adam",
                  "lr": 0.01, "batch_size": 32, "epochs": 20, "validation_split": 0.1}
IMAGE_DEFAULTS = {"model": "cnn", "batch_size": 32, "epochs": 10, "validation_split": 0.1}


def _description(meta: dict[str, Any]) -> str:
    n = meta["n_train"] + meta["n_test"]
    if meta["kind"] == "images":
        size = meta["image_size"]
        return (f"Your zip {meta['filename']}: {n:,} images in {len(meta['class_names'])} classes, "
                f"resized to {size}x{size} {'grey' if meta['color'] == 'grey' else 'RGB'}.")
    what = "regression" if meta["kind"] == "regression" else f"classification into {len(meta['class_names'])} classes"
    return (f"Your CSV {meta['filename']}: {n:,} rows, {meta['n_features']} features; target "
            f"'{meta['target']}' ({what}); missing values: {meta['missing']}.")


def upload_entry(name: str) -> Any:
    """The registry Entry of stored upload ``name``, None when there is none."""
    from synaptic_core.data.registry import Entry

    meta = read_meta(name)
    if meta is None:
        return None
    try:
        images = meta["kind"] == "images"
        shape = tuple(meta["input_shape"]) if images else (int(meta["n_features"]),)
        return Entry(
            name=name, title=str(meta["title"]), task=str(meta["task"]), description=_description(meta),
            citation="Uploaded to this server by a user.", licence="The uploader's data.",
            class_names=tuple(meta["class_names"]), input_shape=shape, n_train=int(meta["n_train"]),
            n_test=int(meta["n_test"]), noun="images" if images else "rows", bundled_is_sample=False,
            defaults=dict(IMAGE_DEFAULTS if images else TABLE_DEFAULTS), stored_file=meta["path"],
        )
    except (KeyError, TypeError, ValueError):
        return None
