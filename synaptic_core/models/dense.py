"""Logistic regression and the dense (fully connected) network."""

from __future__ import annotations

from synaptic_core.models.common import head, output, stem
from synaptic_core.specs import RunSpec


def build_logreg(spec: RunSpec, input_shape: tuple[int, ...], n_classes: int):
    """Softmax regression: flatten, one dense layer. The baseline of every dataset."""
    import keras

    inputs, x = stem(input_shape)
    x = keras.layers.Flatten(name="flatten")(x)
    outputs = output(x, spec, n_classes)  # softmax; one linear unit for a regression (linear regression)
    return keras.Model(inputs, outputs, name="logreg")


def build_mlp(spec: RunSpec, input_shape: tuple[int, ...], n_classes: int):
    """Dense layers of spec.hidden units with per-layer activation, optional batch norm and dropout."""
    import keras

    inputs, x = stem(input_shape)
    if len(input_shape) > 1:
        x = keras.layers.Flatten(name="flatten")(x)
    return keras.Model(inputs, head(x, spec, n_classes, name="dense"), name="mlp")
