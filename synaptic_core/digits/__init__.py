"""Draw a digit: canvas image -> MNIST-style 28x28 -> probabilities, and why the model decided.

``predict(image)`` is the public entry point for scripts and checks. TensorFlow is imported
only when a model is loaded.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from synaptic_core.digits.preprocess import BlankDrawingError, preprocess


def predict(image: np.ndarray, model_path: str | Path | None = None) -> np.ndarray:
    """10 probabilities for a drawing: canvas RGBA uint8 280x280, or RGB/grey of any size.

    Raises BlankDrawingError when there is no ink. Uses the shipped model unless
    ``model_path`` names another 28x28x1, 10-class Keras model.
    """
    from synaptic_core.digits.reader import SHIPPED_MODEL, load_reader

    return load_reader(Path(model_path) if model_path else SHIPPED_MODEL).probabilities(preprocess(image))


__all__ = ["predict", "preprocess", "BlankDrawingError"]
