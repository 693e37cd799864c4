"""The digit model: a small CNN built to read canvas drawings after MNIST-style preprocessing.

Registered by the lead as model name ``digit-cnn`` in ``synaptic_core.models.MODELS``. It is a
fixed architecture (not built from ``spec.filters``/``spec.hidden``) because it is the shipped,
measured model of the draw-a-digit page: what ``docs/DIGITS.md`` reports is this exact network.

Design (why it looks like this):

* ``Rescaling(1/255)`` first, like every image model of the project, so the saved file takes the
  raw 0..255 pixels that ``synaptic_core.digits.preprocess`` produces.
* Two VGG-style blocks of 3x3 convolutions with batch normalisation (fast, stable training at a
  fixed learning rate) and max pooling, then one more 3x3 convolution and *global average
  pooling* instead of a big flatten+dense head: that keeps the parameter count near 100k, so the
  ``.keras`` file (weights plus Adam's two moment copies) stays well under 2 MB and loads in a
  fraction of a second.
* Dropout before the softmax classifier; the input is 28x28x1 and the output ``n_classes``
  softmax probabilities (the project's contract for image models).
"""

from __future__ import annotations

from typing import Any

# Filters of the three stages; chosen by measurement (docs/DIGITS.md): wider stages did not read
# the synthetic handwriting set better, narrower ones lost MNIST accuracy.
STAGES = (32, 64, 96)
DROPOUT = 0.25


def build_digit_cnn(spec: Any, input_shape: tuple, n_classes: int):
    """Build the (uncompiled) digit CNN for ``input_shape`` (28, 28, 1) and ``n_classes`` outputs.

    ``spec`` is accepted for the model registry's common signature; only ``spec.seed`` is read
    (if present) so that two builds from the same spec start from the same weights.
    """
    import keras
    from keras import layers

    seed = int(getattr(spec, "seed", 0) or 0)
    init = lambda i: keras.initializers.HeUniform(seed=seed + i)  # noqa: E731 - one line per layer below

    def conv(filters: int, i: int) -> list:
        return [
            layers.Conv2D(filters, 3, padding="same", use_bias=False, kernel_initializer=init(i)),
            layers.BatchNormalization(),
            layers.Activation("relu"),
        ]

    a, b, c = STAGES
    model = keras.Sequential(
        [
            keras.Input(shape=tuple(input_shape)),
            layers.Rescaling(1.0 / 255),
            *conv(a, 1), *conv(a, 2), layers.MaxPooling2D(),
            *conv(b, 3), *conv(b, 4), layers.MaxPooling2D(),
            *conv(c, 5),
            layers.GlobalAveragePooling2D(),
            layers.Dropout(DROPOUT, seed=seed),
            layers.Dense(n_classes, activation="softmax",
                         kernel_initializer=keras.initializers.GlorotUniform(seed=seed + 6)),
        ],
        name="digit_cnn",
    )
    return model
