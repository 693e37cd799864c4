"""The table of architectures the app can build, by stable lower-case name."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable

from synaptic_core.specs import RunSpec, SpecError


@dataclass(frozen=True)
class ModelInfo:
    """What the UI and CLI need to know about an architecture, without importing Keras."""

    name: str
    title: str
    description: str
    tasks: tuple[str, ...]   # dataset tasks it accepts ("image", "toy", "tabular")
    builder: str             # "module:function", imported only when a model is built
    preset: dict[str, Any]   # spec values the UI applies when the user picks this model


MODELS: dict[str, ModelInfo] = {
    m.name: m
    for m in (
        ModelInfo("logreg", "Logistic regression",
                  "One dense softmax layer on the raw inputs: the baseline every network must beat.",
                  ("image", "toy", "tabular"), "synaptic_core.models.dense:build_logreg",
                  {"optimizer": "sgd", "lr": 0.1, "batch_size": 100}),
        ModelInfo("mlp", "Dense network",
                  "Fully connected layers: units, activation, dropout and batch norm per layer.",
                  ("image", "toy", "tabular"), "synaptic_core.models.dense:build_mlp",
                  {"hidden": (256, 128), "activation": ("relu",), "dropout": 0.2, "optimizer": "adam", "lr": 1e-3}),
        ModelInfo("cnn", "Convolutional network",
                  "Conv blocks (filters, kernel, pooling, dropout, batch norm), then a dense head.",
                  ("image",), "synaptic_core.models.conv:build_cnn",
                  {"filters": (32, 64), "kernel": 3, "pool": "max", "hidden": (128,), "dropout": 0.25,
                   "optimizer": "adam", "lr": 1e-3}),
        ModelInfo("mini-alexnet", "Mini-AlexNet",
                  "A scaled-down AlexNet for 32x32 colour images (the CIFAR-10 seed): five convolutions, "
                  "three poolings, two dense layers with dropout.",
                  ("image",), "synaptic_core.models.conv:build_mini_alexnet",
                  {"hidden": (256, 256), "dropout": 0.5, "batch_norm": True, "optimizer": "adam", "lr": 1e-3}),
        ModelInfo("resnet-small", "Small residual network",
                  "A conv stem and one residual block per stage (widths from `filters`), global average pooling.",
                  ("image",), "synaptic_core.models.residual:build_resnet_small",
                  {"filters": (32, 64, 128), "batch_norm": True, "optimizer": "adam", "lr": 1e-3}),
        ModelInfo("digit-cnn", "Digit reader CNN",
                  "The shipped draw-a-digit model: a compact CNN for 28x28 greyscale digits.",
                  ("image",), "synaptic_core.digits.model:build_digit_cnn",
                  {"optimizer": "adam", "lr": 1e-3, "augment": True}),
    )
}


def model_names() -> list[str]:
    return list(MODELS)


def _resolve(path: str) -> Callable[..., Any]:
    module, func = path.split(":")
    return getattr(importlib.import_module(module), func)


def build_model(spec: RunSpec, input_shape: tuple[int, ...], n_classes: int, task: str = "image"):
    """Build (not compile) the Keras model the spec names, for data of this shape and task."""
    info = MODELS.get(spec.model)
    if info is None:
        raise SpecError([f"model {spec.model!r} is unknown: choose one of {', '.join(MODELS)}."])
    if task not in info.tasks:
        raise SpecError([f"model {spec.model!r} needs {' or '.join(info.tasks)} data; "
                         f"dataset {spec.dataset!r} is {task} data. Pick logreg or mlp."])
    return _resolve(info.builder)(spec, tuple(input_shape), int(n_classes))
