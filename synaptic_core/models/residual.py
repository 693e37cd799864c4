"""A small residual network: a stem, one residual block per stage, global average pooling."""

from __future__ import annotations

from synaptic_core.models.common import activation_for, regularizer, stem
from synaptic_core.specs import RunSpec


def residual_block(x, filters: int, stride: int, spec: RunSpec, name: str):
    """Two 3x3 convs with batch norm; a 1x1 projection on the skip path when the shape changes."""
    import keras

    act = activation_for(spec, 0)
    reg = regularizer(spec)
    shortcut = x
    y = keras.layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=False, kernel_regularizer=reg,
                            name=f"{name}_conv1")(x)
    y = keras.layers.BatchNormalization(name=f"{name}_bn1")(y)
    y = keras.layers.Activation(act, name=f"{name}_act1")(y)
    y = keras.layers.Conv2D(filters, 3, padding="same", use_bias=False, kernel_regularizer=reg,
                            name=f"{name}_conv2")(y)
    y = keras.layers.BatchNormalization(name=f"{name}_bn2")(y)
    if stride != 1 or shortcut.shape[-1] != filters:
        shortcut = keras.layers.Conv2D(filters, 1, strides=stride, use_bias=False, kernel_regularizer=reg,
                                       name=f"{name}_proj")(shortcut)
        shortcut = keras.layers.BatchNormalization(name=f"{name}_proj_bn")(shortcut)
    y = keras.layers.Add(name=f"{name}_add")([y, shortcut])
    return keras.layers.Activation(act, name=f"{name}_out")(y)


def build_resnet_small(spec: RunSpec, input_shape: tuple[int, ...], n_classes: int):
    """Stage widths come from spec.filters; every stage after the first halves the resolution."""
    import keras

    inputs, x = stem(input_shape)
    widths = spec.filters or (32, 64, 128)
    x = keras.layers.Conv2D(widths[0], 3, padding="same", use_bias=False, name="stem_conv")(x)
    x = keras.layers.BatchNormalization(name="stem_bn")(x)
    x = keras.layers.Activation(activation_for(spec, 0), name="stem_act")(x)
    for i, w in enumerate(widths):
        x = residual_block(x, w, 1 if i == 0 else 2, spec, name=f"stage{i + 1}")
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    if spec.dropout > 0:
        x = keras.layers.Dropout(spec.dropout, name="dropout")(x)
    outputs = keras.layers.Dense(n_classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name="resnet_small")
