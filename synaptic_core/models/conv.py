"""Convolutional networks: the configurable CNN and the seeds' mini-AlexNet."""

from __future__ import annotations

from synaptic_core.models.common import activation_for, head, regularizer, stem
from synaptic_core.specs import RunSpec


def _pool(x, kind: str, name: str, size: int = 2, strides: int | None = None):
    import keras

    if kind == "max":
        return keras.layers.MaxPooling2D(size, strides=strides, padding="same", name=name)(x)
    if kind == "avg":
        return keras.layers.AveragePooling2D(size, strides=strides, padding="same", name=name)(x)
    return x


def conv_block(x, filters: int, kernel: int, spec: RunSpec, name: str, pool: str | None = None):
    """Conv -> (batch norm) -> activation -> (pool) -> (dropout)."""
    import keras

    x = keras.layers.Conv2D(filters, kernel, padding="same", kernel_regularizer=regularizer(spec),
                            name=f"{name}_conv")(x)
    if spec.batch_norm:
        x = keras.layers.BatchNormalization(name=f"{name}_bn")(x)
    x = keras.layers.Activation(activation_for(spec, 0), name=f"{name}_act")(x)
    x = _pool(x, spec.pool if pool is None else pool, f"{name}_pool")
    if spec.dropout > 0:
        x = keras.layers.Dropout(spec.dropout / 2, name=f"{name}_drop")(x)
    return x


def build_cnn(spec: RunSpec, input_shape: tuple[int, ...], n_classes: int):
    """One conv block per entry of spec.filters, then flatten and the dense head of spec.hidden.

    Conv blocks use half the dropout rate of the dense head (the usual split: conv
    features are spatially correlated, so heavy dropout there mostly slows learning).
    """
    import keras

    inputs, x = stem(input_shape)
    for i, f in enumerate(spec.filters):
        x = conv_block(x, f, spec.kernel, spec, name=f"block{i + 1}")
    x = keras.layers.Flatten(name="flatten")(x)
    return keras.Model(inputs, head(x, spec, n_classes), name="cnn")


def build_mini_alexnet(spec: RunSpec, input_shape: tuple[int, ...], n_classes: int):
    """AlexNet's shape at CIFAR scale: conv5-pool, conv5-pool, conv3 x3-pool, dense x2 with dropout."""
    import keras

    inputs, x = stem(input_shape)
    plan = [(48, 5, "max"), (96, 5, "max"), (128, 3, "none"), (128, 3, "none"), (96, 3, "max")]
    for i, (filters, kernel, pool) in enumerate(plan):
        x = keras.layers.Conv2D(filters, kernel, padding="same", kernel_regularizer=regularizer(spec),
                                name=f"conv{i + 1}")(x)
        if spec.batch_norm:
            x = keras.layers.BatchNormalization(name=f"bn{i + 1}")(x)
        x = keras.layers.Activation(activation_for(spec, 0), name=f"act{i + 1}")(x)
        if pool != "none":
            x = keras.layers.MaxPooling2D(3, strides=2, padding="same", name=f"pool{i + 1}")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    return keras.Model(inputs, head(x, spec, n_classes), name="mini_alexnet")
