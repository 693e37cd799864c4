"""What each convolution layer sees: activation maps per layer and the first layer's kernels.

A convolution's output is read after its activation, where it means "this filter fired": when
the convolution itself is linear and batch norm and an activation layer follow it (the app's
CNN blocks, the residual network), the maps come from that activation layer. One probe model
with every convolution's output computes all maps in one call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

MAX_CHANNELS = 16  # maps shown per layer by default: a 128-filter layer would be an unreadable wall


@dataclass
class ConvMaps:
    """One convolution layer's maps for one image."""

    name: str  # the layer whose output is shown (the activation after the convolution, if any)
    conv: str  # the convolution layer's name
    maps: np.ndarray  # (H, W, shown channels)
    channels: np.ndarray  # index of each shown channel in the layer
    n_channels: int  # how many the layer has


def conv_layers(model: Any) -> list[Any]:
    """The model's 2-D convolution layers, in order (nested models are not searched)."""
    import keras

    return [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]


def has_conv(model: Any) -> bool:
    """True when the model has at least one 2-D convolution: the CNN view applies."""
    return bool(conv_layers(model))


def _after_activation(model: Any, conv: Any) -> Any:
    """The layer that holds ``conv``'s output after its activation (``conv`` itself when it has one)."""
    import keras

    if getattr(conv.activation, "__name__", "linear") != "linear":
        return conv
    layers = model.layers
    for layer in layers[layers.index(conv) + 1:]:
        if isinstance(layer, (keras.layers.Conv2D, keras.layers.Flatten, keras.layers.Dense,
                              keras.layers.Add, keras.layers.GlobalAveragePooling2D)):
            break
        if isinstance(layer, (keras.layers.Activation, keras.layers.ReLU, keras.layers.LeakyReLU)):
            return layer
    return conv


def _pick_channels(maps: np.ndarray, limit: int) -> np.ndarray:
    """The ``limit`` channels that fire most for this image (mean activation), in channel order."""
    n = maps.shape[-1]
    if n <= limit:
        return np.arange(n)
    strength = maps.reshape(-1, n).mean(axis=0)
    return np.sort(np.argsort(-strength, kind="stable")[:limit])


def activation_maps(model: Any, image: np.ndarray, max_channels: int = MAX_CHANNELS) -> list[ConvMaps]:
    """Every convolution layer's maps for ``image`` (raw 0..255), at most ``max_channels`` per layer.

    A layer with more channels shows those that fire most for this image. ValueError when the
    model has no convolution.
    """
    import keras

    convs = conv_layers(model)
    if not convs:
        raise ValueError("this model has no convolution layer")
    shown = [_after_activation(model, conv) for conv in convs]
    probe = keras.Model(model.inputs[0], [layer.output for layer in shown])
    shape = tuple(int(d) for d in model.inputs[0].shape[1:])
    x = np.asarray(image, np.float32)
    if x.size != int(np.prod(shape)):
        raise ValueError(f"the image has {x.size} values; the model reads {shape}")
    outputs = probe(x.reshape((1, *shape)), training=False)
    if not isinstance(outputs, (list, tuple)):
        outputs = [outputs]
    result = []
    for conv, layer, out in zip(convs, shown, outputs):
        maps = np.asarray(out)[0]
        keep = _pick_channels(maps, max(1, int(max_channels)))
        result.append(ConvMaps(layer.name, conv.name, maps[:, :, keep], keep, maps.shape[-1]))
    return result


def first_kernels(model: Any) -> tuple[str, np.ndarray]:
    """(layer name, kernels (kh, kw, in_channels, filters)) of the first convolution."""
    convs = conv_layers(model)
    if not convs:
        raise ValueError("this model has no convolution layer")
    return convs[0].name, np.asarray(convs[0].get_weights()[0])
