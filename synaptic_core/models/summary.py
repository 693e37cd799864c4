"""A model summary as plain rows (layer, type, output shape, parameters) for tables and JSON."""

from __future__ import annotations

from typing import Any


def model_summary(model: Any) -> list[dict[str, Any]]:
    """One dict per layer; the same information as ``model.summary()`` but as data."""
    rows = []
    for layer in model.layers:
        try:
            shape = layer.output.shape
        except (AttributeError, ValueError):
            shape = None
        rows.append({
            "name": layer.name,
            "type": type(layer).__name__,
            "output_shape": "x".join("?" if d is None else str(d) for d in shape[1:]) if shape is not None else "",
            "params": int(layer.count_params()),
        })
    return rows
