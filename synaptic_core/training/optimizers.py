"""Optimizer names (stable, used in URLs and the CLI) -> keras.optimizers instances."""

from __future__ import annotations

from synaptic_core.specs import RunSpec


def make_optimizer(spec: RunSpec, name: str | None = None, lr: float | None = None):
    """The Keras optimizer for ``spec.optimizer`` (or ``name``) at ``spec.lr`` (or ``lr``)."""
    import keras

    name = name or spec.optimizer
    lr = spec.lr if lr is None else lr
    table = {
        "sgd": lambda: keras.optimizers.SGD(learning_rate=lr),
        "momentum": lambda: keras.optimizers.SGD(learning_rate=lr, momentum=0.9),
        "nesterov": lambda: keras.optimizers.SGD(learning_rate=lr, momentum=0.9, nesterov=True),
        "rmsprop": lambda: keras.optimizers.RMSprop(learning_rate=lr),
        "adagrad": lambda: keras.optimizers.Adagrad(learning_rate=lr),
        "adam": lambda: keras.optimizers.Adam(learning_rate=lr),
        "adamw": lambda: keras.optimizers.AdamW(learning_rate=lr),
        "nadam": lambda: keras.optimizers.Nadam(learning_rate=lr),
    }
    if name not in table:
        raise ValueError(f"optimizer {name!r} is unknown: choose one of {', '.join(table)}.")
    return table[name]()
