"""The table of architectures the app can build, by stable lower-case name."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

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
    # The spec parameters its builder reads (besides `model` and the data's shape): the widgets a page
    # shows for it, and what a test checks against the built model's config.
    reads: tuple[str, ...] = ()
    task_reads: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # another builder for this task
    labels: Mapping[str, str] = field(default_factory=dict)  # what a parameter means for this model ("Filters")
    # Only these datasets are offered for it (empty: every dataset of its tasks): the digit reader is
    # made for MNIST's 28x28 digits, and offering it for clothing or photos would mislead.
    datasets: tuple[str, ...] = ()

    def takes(self, task: str, dataset: str | None = None) -> bool:
        """Whether the pages offer this model for ``dataset``, whose data is of ``task``."""
        return task in self.tasks and (not self.datasets or dataset is None or dataset in self.datasets)

    def reads_for(self, task: str | None = None) -> tuple[str, ...]:
        """The parameters the model reads when built for data of ``task``."""
        return tuple(self.task_reads.get(task, self.reads)) if task else self.reads


SEQ = ("text", "series", "chars")
_DENSE = ("hidden", "activation", "dropout", "batch_norm", "l2")  # common.head
# SimpleRNN/LSTM/GRU, stacked rnn_layers deep: an embedding for tokens (text, characters), none for a
# series' float windows
_RECURRENT: dict[str, Any] = {"reads": ("embed_dim", "units", "rnn_layers", "dropout"),
                              "task_reads": {"series": ("units", "rnn_layers", "dropout")},
                              "labels": {"units": "Recurrent units"}}

MODELS: dict[str, ModelInfo] = {
    m.name: m
    for m in (
        ModelInfo("logreg", "Logistic regression",
                  "One dense softmax layer on the raw inputs: the baseline every network must beat.",
                  ("image", "toy", "tabular"), "synaptic_core.models.dense:build_logreg",
                  {"optimizer": "adam", "lr": 1e-3, "batch_size": 128, "epochs": 10}, reads=("l2",)),
        ModelInfo("mlp", "Dense network",
                  "Fully connected layers: units, activation, dropout and batch norm per layer. On a time "
                  "series it is the dense baseline over the look-back window.",
                  ("image", "toy", "tabular", "series", "text"), "synaptic_core.models.dense:build_mlp",
                  {"hidden": (256, 128), "activation": ("relu",), "dropout": 0.2, "optimizer": "adam", "lr": 1e-3,
                   "batch_size": 128, "epochs": 10}, reads=_DENSE,
                  task_reads={"series": ("hidden", "activation"), "text": ("hidden", "activation", "embed_dim")}),
        ModelInfo("cnn", "Convolutional network",
                  "Conv blocks (filters, kernel, pooling, dropout, batch norm), then a dense head.",
                  ("image",), "synaptic_core.models.conv:build_cnn",
                  {"filters": (32, 64), "kernel": 3, "pool": "max", "hidden": (128,), "dropout": 0.25,
                   "optimizer": "adam", "lr": 1e-3, "batch_size": 64, "epochs": 5},
                  reads=("filters", "kernel", "pool") + _DENSE),
        ModelInfo("mini-alexnet", "Mini-AlexNet",
                  "A scaled-down AlexNet for 32x32 colour images (the CIFAR-10 seed): five convolutions, "
                  "three poolings, two dense layers with dropout.",
                  ("image",), "synaptic_core.models.conv:build_mini_alexnet",
                  {"hidden": (256, 256), "dropout": 0.5, "batch_norm": True, "optimizer": "adam", "lr": 1e-3},
                  reads=_DENSE),
        ModelInfo("resnet-small", "Small residual network",
                  "A conv stem and one residual block per stage (widths from `filters`), global average pooling.",
                  ("image",), "synaptic_core.models.residual:build_resnet_small",
                  {"filters": (32, 64, 128), "batch_norm": True, "optimizer": "adam", "lr": 1e-3},
                  reads=("filters", "activation", "dropout", "l2"), labels={"filters": "Widths per stage"}),
        ModelInfo("digit-cnn", "Digit reader CNN",
                  "The shipped draw-a-digit model: a compact CNN for 28x28 greyscale digits.",
                  ("image",), "synaptic_core.digits.model:build_digit_cnn",
                  {"optimizer": "adam", "lr": 1e-3, "augment": True}, reads=("seed",), datasets=("mnist",)),
        ModelInfo("rnn", "SimpleRNN", "A plain recurrent layer: the vanishing-gradient baseline for sequences.",
                  SEQ, "synaptic_core.models.sequence:build_recurrent", {"units": 64}, **_RECURRENT),
        ModelInfo("lstm", "LSTM", "Long short-term memory: gates that keep information over long sequences.",
                  SEQ, "synaptic_core.models.sequence:build_recurrent", {"units": 64}, **_RECURRENT),
        ModelInfo("gru", "GRU", "Gated recurrent unit: an LSTM with fewer gates and parameters.",
                  SEQ, "synaptic_core.models.sequence:build_recurrent", {"units": 64}, **_RECURRENT),
        ModelInfo("char-rnn", "Char-RNN (GRU, every step)",
                  "A GRU that predicts the next character after every position of the window, not only the "
                  "last: each window teaches as many lessons as it has characters (Karpathy's char-RNN).",
                  ("chars",), "synaptic_core.models.sequence:build_recurrent", {"units": 256}, **_RECURRENT),
        ModelInfo("bilstm", "Bidirectional LSTM", "Reads the text forwards and backwards.",
                  ("text",), "synaptic_core.models.sequence:build_recurrent", {"units": 32}, **_RECURRENT),
        ModelInfo("bigru", "Bidirectional GRU", "Reads the text forwards and backwards.",
                  ("text",), "synaptic_core.models.sequence:build_recurrent", {"units": 32}, **_RECURRENT),
        ModelInfo("conv1d", "1-D CNN", "Convolutions over word embeddings, max over time: n-gram detectors.",
                  ("text", "series"), "synaptic_core.models.sequence:build_conv1d", {"units": 128, "kernel": 5},
                  reads=("embed_dim", "units", "kernel", "dropout"),
                  task_reads={"series": ("units", "kernel", "dropout")}, labels={"units": "Filters", "kernel": "Kernel width"}),
        ModelInfo("transformer", "Transformer encoder",
                  "Self-attention over token and position embeddings, one encoder block.",
                  ("text", "chars"), "synaptic_core.models.sequence:build_transformer",
                  {"units": 64, "embed_dim": 32, "dropout": 0.1},
                  reads=("embed_dim", "units", "dropout"), labels={"units": "Feed-forward units"}),
    )
}

SEQUENCE_TASKS = ("text", "series", "chars")
_SEQUENCE_MLP = "synaptic_core.models.sequence:build_window_mlp"


def model_names() -> list[str]:
    return list(MODELS)


def _resolve(path: str) -> Callable[..., Any]:
    module, func = path.split(":")
    return getattr(importlib.import_module(module), func)


def build_model(spec: RunSpec, input_shape: tuple[int, ...], n_classes: int, task: str = "image",
                vocab: int | None = None):
    """Build (not compile) the Keras model the spec names, for data of this shape and task.

    Sequence tasks: ``vocab`` is the number of token ids (text, chars) and ``n_classes`` 0
    means a regression with one linear output (time series).
    """
    info = MODELS.get(spec.model)
    if info is None:
        raise SpecError([f"model {spec.model!r} is unknown: choose one of {', '.join(MODELS)}."])
    if task not in info.tasks:
        raise SpecError([f"model {spec.model!r} needs {' or '.join(info.tasks)} data; "
                         f"dataset {spec.dataset!r} is {task} data. Pick logreg or mlp."])
    if task in SEQUENCE_TASKS:
        builder = _SEQUENCE_MLP if spec.model == "mlp" else info.builder
        return _resolve(builder)(spec, tuple(input_shape), int(n_classes), vocab=vocab)
    return _resolve(info.builder)(spec, tuple(input_shape), int(n_classes))
