"""Small pieces every builder shares: regulariser, activation per layer, the input stem."""

from __future__ import annotations

from synaptic_core.specs import RunSpec


def regularizer(spec: RunSpec):
    import keras

    return keras.regularizers.L2(spec.l2) if spec.l2 > 0 else None


def activation_for(spec: RunSpec, i: int) -> str:
    """Activation of hidden layer i: one value applies to all layers, else one per layer."""
    acts = spec.activation or ("relu",)
    return acts[i] if len(acts) > 1 else acts[0]


def stem(input_shape: tuple[int, ...]):
    """Input layer, plus Rescaling(1/255) for images so saved models take raw 0..255 pixels."""
    import keras

    inputs = keras.Input(shape=input_shape, name="input")
    x = inputs
    if len(input_shape) == 3:
        x = keras.layers.Rescaling(1.0 / 255, name="rescale")(x)
    return inputs, x


def output(x, spec: RunSpec, n_classes: int):
    """The last layer: softmax over ``n_classes``, or one linear unit for a regression (``n_classes == 0``)."""
    import keras

    if n_classes == 0:
        return keras.layers.Dense(1, activation="linear", kernel_regularizer=regularizer(spec), name="predictions")(x)
    return keras.layers.Dense(n_classes, activation="softmax", kernel_regularizer=regularizer(spec),
                              name="predictions")(x)


def head(x, spec: RunSpec, n_classes: int, name: str = "head"):
    """Dense hidden layers from spec.hidden, then the output: softmax classifier, or linear for a regression."""
    import keras

    for i, units in enumerate(spec.hidden):
        x = keras.layers.Dense(units, kernel_regularizer=regularizer(spec), name=f"{name}_dense{i + 1}")(x)
        if spec.batch_norm:
            x = keras.layers.BatchNormalization(name=f"{name}_bn{i + 1}")(x)
        x = keras.layers.Activation(activation_for(spec, i), name=f"{name}_act{i + 1}")(x)
        if spec.dropout > 0:
            x = keras.layers.Dropout(spec.dropout, name=f"{name}_drop{i + 1}")(x)
    return output(x, spec, n_classes)
