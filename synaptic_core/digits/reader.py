"""A loaded digit model with a fast one-image call: what the draw page and ``predict`` use.

``model.predict`` costs 40-50 ms per image on this CPU (it builds a dataset pipeline per
call); a ``tf.function``-wrapped call with a fixed input signature costs about a
millisecond, which is what makes prediction *while drawing* feel instant.

The probabilities are calibrated: a temperature stored beside the model
(``synaptic_core.digits.calibration``) is applied to every answer; a model without one (a
playground run) keeps its own probabilities (T = 1).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from synaptic_core.digits.calibration import apply_temperature, load_temperature

SHIPPED_MODEL = Path(__file__).resolve().parents[2] / "assets" / "models" / "digit_cnn.keras"


class DigitReader:
    """Wraps a Keras model whose input is (28, 28, 1) raw 0..255 pixels and output 10 probabilities."""

    def __init__(self, path: str | Path):
        import keras
        import tensorflow as tf

        self.path = Path(path)
        self.temperature = load_temperature(self.path)  # 1.0 when the model has no calibration file
        # safe_mode stays on: only architectures built by this app are loaded (DESIGN.md).
        self.model = keras.saving.load_model(self.path, compile=False)
        shape = tuple(self.model.input_shape[1:])
        if shape != (28, 28, 1) or self.model.output_shape[-1] != 10:
            raise ValueError(f"{self.path.name} reads {shape} and predicts {self.model.output_shape[-1]} "
                             "classes: a digit reader needs 28x28x1 input and 10 classes.")
        self._call = tf.function(lambda x: self.model(x, training=False),
                                 input_signature=[tf.TensorSpec((None, 28, 28, 1), tf.float32)])
        self.probabilities(np.zeros((28, 28), np.uint8))  # trace once now, not on the first stroke

    def probabilities(self, digit28: np.ndarray) -> np.ndarray:
        """10 calibrated probabilities for one preprocessed 28x28 uint8 image."""
        x = np.asarray(digit28, np.float32).reshape(1, 28, 28, 1)
        return self.calibrated(np.asarray(self._call(x)))[0]

    def calibrated(self, probs: np.ndarray) -> np.ndarray:
        """The model's raw softmax outputs (N, 10) with the stored temperature applied."""
        return apply_temperature(np.asarray(probs, np.float64), self.temperature)


@lru_cache(maxsize=4)
def load_reader(path: str | Path = SHIPPED_MODEL) -> DigitReader:
    return DigitReader(path)
