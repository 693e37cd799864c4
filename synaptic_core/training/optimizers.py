"""Optimizer names (stable, used in URLs and the CLI) -> keras.optimizers instances.

The names, Keras classes and keywords live in one table, ``synaptic_core.spec_optimizers``,
shared with the run spec's choices and the optimizer lab.
"""

from __future__ import annotations

from synaptic_core.spec_optimizers import keras_optimizer
from synaptic_core.specs import RunSpec


def make_optimizer(spec: RunSpec, name: str | None = None, lr: float | None = None):
    """The Keras optimizer for ``spec.optimizer`` (or ``name``) at ``spec.lr`` (or ``lr``)."""
    return keras_optimizer(name or spec.optimizer, spec.lr if lr is None else lr)
