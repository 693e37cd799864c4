"""Vanishing gradients and dead units in a deep dense network, measured with Keras itself.

Two measurements, each small enough to run in the app's own process in about a second
(the page caches them; training runs with 2-4 activations go through the job runner):

* ``gradient_norms``: build ``depth`` hidden ``Dense`` layers exactly as Keras would
  (``kernel_initializer`` = Glorot uniform, Keras' default, or He / LeCun), push one batch
  of real data through at initialisation, and take the norm of d loss / d kernel for every
  layer with ``tf.GradientTape``. With sigmoid the norms shrink layer by layer towards the
  input; with ReLU and He init they stay level.
* ``dead_units``: train the same network briefly with plain SGD and count, per hidden layer,
  the units whose activation has zero derivative on every evaluation input: they no longer
  learn. A large learning rate kills many ReLUs; leaky ReLU never has a zero derivative.

No Keras global state is touched: seeds go to the initializers, the data order comes from
a NumPy generator (``shuffle=False``), and nothing calls ``clear_session``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

INITIALIZERS: dict[str, str] = {
    "glorot_uniform": "Glorot uniform (Keras' default)",
    "glorot_normal": "Glorot normal",
    "he_normal": "He normal (for ReLU)",
    "he_uniform": "He uniform",
    "lecun_normal": "LeCun normal (for SELU)",
}


def flatten_images(x: np.ndarray) -> np.ndarray:
    """uint8 images (N, H, W, C) -> float32 (N, H*W*C) in [0, 1], as Rescaling(1/255) does."""
    return (np.asarray(x).reshape(len(x), -1).astype(np.float32) / 255.0)


def build_deep_mlp(activation: str, depth: int, width: int, n_inputs: int, n_classes: int,
                   init: str = "glorot_uniform", seed: int = 0):
    """``depth`` Dense(width, activation) layers and a softmax output, initialised as Keras does.

    Each layer gets its own seed (seed + layer index): one integer seed reused by every
    layer would give same-shaped layers identical weights.
    """
    import keras

    if init not in INITIALIZERS:
        raise ValueError(f"init {init!r} is unknown: choose one of {', '.join(INITIALIZERS)}.")
    layers = [keras.Input(shape=(n_inputs,))]
    for i in range(depth):
        kernel = keras.initializers.get({"class_name": init, "config": {"seed": seed + i}})
        layers.append(keras.layers.Dense(width, activation=activation, kernel_initializer=kernel))
    kernel = keras.initializers.get({"class_name": "glorot_uniform", "config": {"seed": seed + depth}})
    layers.append(keras.layers.Dense(n_classes, activation="softmax", kernel_initializer=kernel))
    return keras.Sequential(layers)


def gradient_norms(activation: str, depth: int, width: int, x: np.ndarray, y: np.ndarray,
                   init: str = "glorot_uniform", seed: int = 0, n_classes: int = 10) -> np.ndarray:
    """‖d loss / d kernel‖ for each Dense layer at initialisation, input side first.

    ``x`` is a float batch (N, F), ``y`` the integer labels; the loss is Keras' sparse
    categorical cross-entropy, the one training uses. Returns ``depth + 1`` norms (the last
    is the output layer).
    """
    import keras
    import tensorflow as tf

    model = build_deep_mlp(activation, depth, width, x.shape[1], n_classes, init, seed)
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x, training=False))
    kernels = [layer.kernel for layer in model.layers]
    grads = tape.gradient(loss, kernels)
    return np.array([float(tf.norm(g)) for g in grads])


def dead_fractions(model, x: np.ndarray) -> list[float]:
    """Per hidden layer, the share of units whose activation derivative is 0 on every input.

    The derivative is taken by autodiff on the layer's own activation function, so the
    definition covers ReLU (z <= 0 everywhere), ReLU6 (also z >= 6) and hard sigmoid alike.
    """
    import tensorflow as tf

    out = []
    h = tf.constant(x)
    for layer in model.layers[:-1]:
        z = tf.matmul(h, layer.kernel) + layer.bias
        with tf.GradientTape() as tape:
            tape.watch(z)
            h = layer.activation(z)
        slope = tape.gradient(h, z)
        alive = tf.reduce_any(tf.not_equal(slope, 0.0), axis=0) if slope is not None else tf.zeros(z.shape[1], bool)
        out.append(1.0 - float(tf.reduce_mean(tf.cast(alive, tf.float32))))
    return out


@dataclass
class DeadUnits:
    """Dead-unit shares per hidden layer before and after a short training, and its accuracy."""

    activation: str
    before: list[float]
    after: list[float]
    train_accuracy: float
    seconds: float


def dead_units(activation: str, depth: int, width: int, x_train: np.ndarray, y_train: np.ndarray,
               x_eval: np.ndarray, lr: float = 0.5, epochs: int = 1, batch_size: int = 64,
               init: str = "glorot_uniform", seed: int = 0, n_classes: int = 10) -> DeadUnits:
    """Train briefly with SGD(lr) and measure dead units on ``x_eval`` before and after."""
    import time

    import keras

    t0 = time.perf_counter()
    model = build_deep_mlp(activation, depth, width, x_train.shape[1], n_classes, init, seed)
    before = dead_fractions(model, x_eval)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"], jit_compile=False)
    order = np.random.default_rng(seed).permutation(len(x_train))
    hist = model.fit(x_train[order], y_train[order], batch_size=batch_size, epochs=epochs,
                     shuffle=False, verbose=0)
    after = dead_fractions(model, x_eval)
    acc = float(hist.history["accuracy"][-1])
    return DeadUnits(activation, before, after, acc if np.isfinite(acc) else 0.0, time.perf_counter() - t0)
