"""Why the model read a drawing as it did: a saliency map and the first convolution's feature maps."""

from __future__ import annotations

from typing import Any

import numpy as np


def saliency(model: Any, digit28: np.ndarray, target: int | None = None) -> tuple[int, np.ndarray]:
    """(class, |d p_class / d pixel|) over the 28x28 input, by autodiff: where ink matters most."""
    import tensorflow as tf

    x = tf.convert_to_tensor(np.asarray(digit28, np.float32).reshape(1, 28, 28, 1))
    with tf.GradientTape() as tape:
        tape.watch(x)
        probs = model(x, training=False)
        cls = int(tf.argmax(probs[0])) if target is None else int(target)
        score = probs[0, cls]
    grad = tape.gradient(score, x)
    return cls, np.abs(grad.numpy()[0, :, :, 0])


def first_conv_maps(model: Any, digit28: np.ndarray) -> np.ndarray:
    """The first convolution's feature maps for this input, after its activation: (H, W, filters).

    When the convolution is linear and followed by batch norm and an activation layer (the
    digit CNN), the maps are read after that activation, where they mean "this filter fired".
    """
    import keras

    layers = model.layers
    first = next((i for i, layer in enumerate(layers) if isinstance(layer, keras.layers.Conv2D)), None)
    if first is None:
        raise ValueError("this model has no convolution layer")
    chosen = layers[first]
    if getattr(chosen.activation, "__name__", "linear") == "linear":
        for layer in layers[first + 1:]:
            if isinstance(layer, (keras.layers.Conv2D, keras.layers.MaxPooling2D, keras.layers.Flatten)):
                break
            if isinstance(layer, (keras.layers.Activation, keras.layers.ReLU)):
                chosen = layer
                break
    probe = keras.Model(model.inputs[0], chosen.output)
    x = np.asarray(digit28, np.float32).reshape(1, 28, 28, 1)
    return np.asarray(probe(x, training=False))[0]
